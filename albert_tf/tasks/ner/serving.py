"""Serving signatures of the NER task: raw text in, per-piece tags and entity spans out.

Inside the graph: the text is tokenized with offsets, packed and tagged; a piece that
does not start a word takes its word's first-piece tag (the model learnt on first
pieces); tagged pieces form entities as BIO reads them (``B-X`` opens one, and so does
``I-X`` after ``O`` or another type). Spans are character offsets into the input, end
exclusive. SavedModel outputs are dense, so entities come padded to ``MAX_ENTITIES``
with ``num_entities`` per input.
"""

from __future__ import annotations

import tensorflow as tf

RAW_OUTPUTS = ("logits",)
MAX_ENTITIES = 32


def _starts_word_table(tokenizer):
    pieces = tokenizer._vocabulary.pieces
    if tokenizer.kind == "sentencepiece":
        return [p.startswith("\u2581") or not any(c.isalnum() for c in p) for p in pieces]
    return [not p.startswith("##") for p in pieces]


def char_index(text, byte_offsets):
    """Character index of each byte offset ``[batch, k]`` into ``text`` ``[batch]``."""
    _, char_bytes = tf.strings.unicode_decode_with_offsets(text, "UTF-8", errors="replace")
    table = char_bytes.to_tensor(tf.int64.max)
    return tf.cast(tf.searchsorted(table, tf.cast(byte_offsets, tf.int64), side="left"), tf.int32)


def tag_pieces(module, text):
    """Tokenizes, runs the model, and returns per-piece tags and byte spans (dense)."""
    ids, starts, ends = module.tokenizer.tokenize_with_offsets(text)
    keep = module.max_seq_length - 2
    ids, starts, ends = ids[:, :keep], starts[:, :keep], ends[:, :keep]
    logits = module.run(module.tokenizer.pack(ids, None, max_seq_length=module.max_seq_length))
    logits = logits["logits"]
    dense_ids = ids.to_tensor(0)
    n = tf.shape(dense_ids)[1]
    valid = tf.sequence_mask(ids.row_lengths(), n)
    first = tf.gather(tf.constant(_starts_word_table(module.tokenizer)), dense_ids) & valid
    first = tf.concat([valid[:, :1], first[:, 1:]], axis=1)    # a text opens with a word
    tag = tf.argmax(logits[:, 1:1 + n, :], axis=-1, output_type=tf.int32)
    # Each piece takes the tag of the latest word-initial piece at or before it.
    positions = tf.range(n)[tf.newaxis, :] + tf.zeros_like(dense_ids, tf.int32)
    owner = tf.scan(lambda last, x: tf.where(x[0], x[1], last),
                    (tf.transpose(first), tf.transpose(positions)),
                    initializer=tf.zeros_like(positions[:, 0]))
    tag = tf.gather(tag, tf.transpose(owner), batch_dims=1)
    names = tf.where(valid, tf.gather(tf.constant(module.info["labels"]), tag), "")
    return {"ids": dense_ids, "names": names, "valid": valid,
            "start_bytes": starts.to_tensor(0), "end_bytes": ends.to_tensor(0), "logits": logits}


def entities(text, tagged, slots=MAX_ENTITIES):
    """Entity spans from per-piece BIO tags: types, char offsets, texts, counts."""
    names, valid = tagged["names"], tagged["valid"]
    batch, n = tf.shape(names)[0], tf.shape(names)[1]
    inside = tf.strings.regex_full_match(names, "[BI]-.+") & valid
    types = tf.strings.regex_replace(names, "^[BI]-", "")
    previous = tf.concat([tf.fill([batch, 1], ""), tf.where(inside, types, "")[:, :-1]], axis=1)
    opens = inside & (tf.strings.regex_full_match(names, "B-.+") | tf.not_equal(types, previous))
    entity = tf.where(inside, tf.cumsum(tf.cast(opens, tf.int32), axis=1) - 1, -1)
    kept = (entity >= 0) & (entity < slots)
    segment = tf.reshape(tf.where(kept, entity + tf.range(batch)[:, tf.newaxis] * slots,
                                  batch * slots), [-1])
    count = batch * slots + 1
    big = tf.int64.max
    start = tf.math.unsorted_segment_min(
        tf.reshape(tf.where(kept, tagged["start_bytes"], big), [-1]), segment, count)[:-1]
    end = tf.math.unsorted_segment_max(
        tf.reshape(tf.where(kept, tagged["end_bytes"], -1), [-1]), segment, count)[:-1]
    first = tf.math.unsorted_segment_min(
        tf.reshape(tf.where(kept, tf.range(n)[tf.newaxis, :] + tf.zeros_like(entity), n), [-1]),
        segment, count)[:-1]
    start, end = tf.reshape(start, [batch, slots]), tf.reshape(end, [batch, slots])
    first = tf.reshape(first, [batch, slots])
    number = tf.minimum(tf.reduce_max(tf.maximum(entity, -1), axis=1) + 1, slots)
    present = tf.sequence_mask(number, slots)
    start, end = tf.where(present, start, 0), tf.where(present, end, 0)
    tiled = tf.tile(text[:, tf.newaxis], [1, slots])
    # A SentencePiece span can begin with the space its first piece's "▁" stands for.
    leading_space = tf.equal(tf.strings.substr(tiled, start, tf.ones_like(start), unit="BYTE"),
                             " ") & present
    start = tf.where(leading_space, start + 1, start)
    span_text = tf.strings.substr(tiled, start, tf.maximum(end - start, 0), unit="BYTE")
    return {
        "entity_type": tf.where(present, tf.gather(types, tf.minimum(first, n - 1), batch_dims=1), ""),
        "entity_start": tf.where(present, char_index(text, start), 0),
        "entity_end": tf.where(present, char_index(text, end), 0),
        "entity_text": tf.where(present, span_text, ""),
        "num_entities": number,
    }


def signatures(module):
    pieces = tf.constant(list(module.tokenizer._vocabulary.pieces))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serving_default(text):
        text = module.clean_text(text)
        tagged = tag_pieces(module, text)
        out = entities(text, tagged)
        out["piece_tags"] = tagged["names"]
        out["pieces"] = tf.where(tagged["valid"], tf.gather(pieces, tagged["ids"]), "")
        return out

    return {"serving_default": serving_default}, {}

"""Serving signatures of the SQuAD task: a question and a context in, the answer out.

One window per request: the question is cut to ``max_query_length`` pieces and the
context to what fits; the best span has end ≥ start and at most
``max_answer_length`` pieces; its text is the context's own characters. For SQuAD
2.0 models the answer is empty when the no-answer score (start and end logits at
[CLS]) beats the best span by more than ``null_threshold``.
"""

from __future__ import annotations

import tensorflow as tf

from albert_tf.tasks.ner.serving import char_index

RAW_OUTPUTS = ("start_logits", "end_logits")


def mobile_outputs(raw, info):
    """The on-device files' outputs (export/mobile.py), in the TFLite Task Library's
    ``BertQuestionAnswerer`` layout."""
    return {"end_logits": raw["end_logits"], "start_logits": raw["start_logits"]}


def answer(module, question, context):
    info = module.info
    tokenizer = module.tokenizer
    q_ids = tokenizer.tokenize(question)[:, : info.get("max_query_length", 64)]
    c_ids, c_starts, c_ends = tokenizer.tokenize_with_offsets(context)
    room = module.max_seq_length - 3 - q_ids.row_lengths()
    c_ids, c_starts, c_ends = (
        tf.ragged.boolean_mask(x, tf.ragged.range(x.row_lengths()) < room[:, tf.newaxis])
        for x in (c_ids, c_starts, c_ends))
    outputs = module.run(tokenizer.pack(q_ids, c_ids, max_seq_length=module.max_seq_length))
    q_len = tf.cast(q_ids.row_lengths(), tf.int32)
    c_len = tf.cast(c_ids.row_lengths(), tf.int32)
    width = tf.maximum(tf.reduce_max(c_len), 1)
    positions = q_len[:, tf.newaxis] + 2 + tf.range(width)[tf.newaxis, :]
    inside = tf.range(width)[tf.newaxis, :] < c_len[:, tf.newaxis]
    positions = tf.minimum(positions, module.max_seq_length - 1)
    low = tf.constant(-1e9)
    start = tf.where(inside, tf.gather(outputs["start_logits"], positions, batch_dims=1), low)
    end = tf.where(inside, tf.gather(outputs["end_logits"], positions, batch_dims=1), low)
    i = tf.range(width)
    longest = info.get("max_answer_length", 30)
    allowed = (i[tf.newaxis, :] >= i[:, tf.newaxis]) & (i[tf.newaxis, :] - i[:, tf.newaxis] < longest)
    scores = start[:, :, tf.newaxis] + end[:, tf.newaxis, :] + tf.where(allowed, 0.0, low)
    flat = tf.reshape(scores, [tf.shape(scores)[0], -1])
    best = tf.argmax(flat, axis=-1, output_type=tf.int32)
    best_score = tf.reduce_max(flat, axis=-1)
    s_piece, e_piece = best // width, best % width
    s_byte = tf.gather(c_starts.to_tensor(0), s_piece, batch_dims=1)
    e_byte = tf.gather(c_ends.to_tensor(0), e_piece, batch_dims=1)
    # A SentencePiece span can begin with the space its first piece's "▁" stands for.
    s_byte = tf.where(tf.equal(tf.strings.substr(context, s_byte, tf.ones_like(s_byte),
                                                 unit="BYTE"), " "),
                      s_byte + 1, s_byte)
    text = tf.strings.substr(context, s_byte, tf.maximum(e_byte - s_byte, 0), unit="BYTE")
    s_char = char_index(context, s_byte[:, tf.newaxis])[:, 0]
    e_char = char_index(context, e_byte[:, tf.newaxis])[:, 0]
    null = outputs["start_logits"][:, 0] + outputs["end_logits"][:, 0]
    no_span = c_len <= 0
    result = {"score": best_score, "no_answer_score": null}
    if info.get("version") == "2.0":
        no_span = no_span | (null - best_score > info.get("null_threshold", 0.0))
    result.update(answer=tf.where(no_span, "", text), start=tf.where(no_span, -1, s_char),
                  end=tf.where(no_span, -1, e_char))
    return result


def signatures(module):
    spec = [tf.TensorSpec([None], tf.string, name="question"),
            tf.TensorSpec([None], tf.string, name="context")]

    @tf.function(input_signature=spec)
    def serving_default(question, context):
        return answer(module, module.clean_text(question), module.clean_text(context))

    return {"serving_default": serving_default}, {}

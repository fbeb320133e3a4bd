"""The in-graph tokenizers: TensorFlow ops only, so a SavedModel or a TFLite model takes text.

``SentencePieceGraph`` runs ``FastSentencepieceTokenizer`` on a *fused* copy of the model
whose normalizer also does ALBERT's ``preprocess_text`` (``spm_normalizer.py``), then the
digit-comma rule as an id table (``digit_comma.py``). ``WordPieceGraph`` runs
``FastBertTokenizer`` with a normalizer table that does BERT's exact cleaning, lowercasing
and accent stripping (``bert_normalizer.py``). Both are the Fast tensorflow-text ops that
also run in TFLite (with ``tensorflow_text.tflite_registrar``).
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text

from albert_tf.tokenization.bert_basic import MAX_INPUT_CHARS_PER_WORD
from albert_tf.tokenization.bert_normalizer import bert_normalizer_table, build_normalizer_model
from albert_tf.tokenization.digit_comma import expand_ids, expansion_table, table_arrays
from albert_tf.tokenization.probe import pretokenizer_fixes
from albert_tf.tokenization.spm_normalizer import fused_model_proto


def _as_batch(strings):
    """``(tensor [batch], was_scalar)`` from a str, a list or a string tensor."""
    strings = tf.convert_to_tensor(strings, dtype=tf.string)
    if strings.shape.rank == 0:
        return tf.expand_dims(strings, 0), True
    if strings.shape.rank != 1:
        raise ValueError(f"tokenize takes a string or a 1-D batch of strings, got rank "
                         f"{strings.shape.rank}")
    return strings, False


def _unbatch(ragged, was_scalar):
    # int64 row splits, as tf.ragged.constant and most of TensorFlow make them.
    return ragged.values if was_scalar else ragged.with_row_splits_dtype(tf.int64)


def _positions(ids, lengths):
    """Flat ``(start, end)`` of each piece in its row's normalized text, rows kept apart."""
    lens = tf.gather(lengths, ids.values)
    ends = tf.cumsum(lens)
    row_base = tf.gather(tf.concat([tf.zeros([1], tf.int64), ends], 0), ids.row_splits[:-1])
    rows = ids.value_rowids()
    ends = ends - tf.gather(row_base, rows) + tf.cast(rows, tf.int64) * (1 << 40)
    return ends - lens, ends, rows


def _align_offsets(ids, lib_ids, lib_starts, lib_ends, lengths):
    """Original-text offsets for ``ids`` from another segmentation's offsets."""
    start, end, rows = _positions(ids, lengths)
    lib_start, lib_end, _ = _positions(lib_ids, lengths)
    first = tf.searchsorted(lib_start, start, side="right") - 1
    last = tf.searchsorted(lib_end, end, side="left")
    lib_splits = tf.cast(lib_ids.row_splits, tf.int64)
    lo, hi = tf.gather(lib_splits, rows), tf.gather(lib_splits, rows + 1) - 1
    first = tf.clip_by_value(tf.cast(first, tf.int64), lo, hi)
    last = tf.clip_by_value(tf.cast(last, tf.int64), lo, hi)
    return (tf.cast(tf.gather(lib_starts, first), tf.int64),
            tf.cast(tf.gather(lib_ends, last), tf.int64))


def _drop_ids(ids, drop):
    """Removes the ids in ``drop`` (a list) from a ragged batch."""
    ids = tf.RaggedTensor.from_row_splits(ids.values, ids.row_splits, validate=False)
    keep = tf.reduce_all(tf.not_equal(tf.expand_dims(ids.values, 1), list(drop)), axis=1)
    return tf.ragged.boolean_mask(ids, ids.with_values(keep))


class SentencePieceGraph(tf.Module):
    """ALBERT SentencePiece tokenization as graph ops.

    Args:
        model_proto: the serialized original ``.model``.
        do_lower_case, keep_accents: ``preprocess_text`` settings.
        special_ids: ids of pad, cls, sep (dropped by ``detokenize``).
        normalize_quotes: the Hugging Face quote rule of ``preprocess_text``.
    """

    def __init__(self, model_proto: bytes, do_lower_case: bool, keep_accents: bool,
                 special_ids: dict, normalize_quotes: bool = False):
        super().__init__(name="sentencepiece_graph")
        import sentencepiece as spm

        original = spm.SentencePieceProcessor(model_proto=model_proto)
        self._fused = fused_model_proto(model_proto, do_lower_case, keep_accents,
                                        normalize_quotes)
        self._fast = tf_text.FastSentencepieceTokenizer(self._fused)
        table = expansion_table(original)
        self._has_rules = bool(table)
        slot, rows = table_arrays(table, original.get_piece_size())
        self._slot = tf.constant(slot)
        self._rows = tf.constant(rows)
        self._offsets_tokenizer = tf_text.SentencepieceTokenizer(model=self._fused,
                                                                 out_type=tf.int32)
        # Bytes each piece spells in the normalized text (an unknown piece counts 1: both
        # segmentations hold the same unknown runs), to align the two segmentations.
        self._lengths = tf.constant(
            [1 if original.is_unknown(i) else len(original.id_to_piece(i).encode("utf-8"))
             for i in range(original.get_piece_size())], tf.int64)
        self._silent = tuple(special_ids[name] for name in ("pad", "cls", "sep"))

    def tokenize(self, strings):
        """Ids ``int32`` ``[batch, (tokens)]`` (a ``[tokens]`` tensor for one string)."""
        strings, scalar = _as_batch(strings)
        ids = self._fast.tokenize(strings)
        if self._has_rules:
            values, splits, _ = expand_ids(ids.values, ids.row_splits, self._slot, self._rows)
            ids = tf.RaggedTensor.from_row_splits(values, splits, validate=False)
        return _unbatch(ids, scalar)

    def tokenize_with_offsets(self, strings):
        """``(ids, starts, ends)``: UTF-8 byte offsets of each piece in the input string.

        The ids are ``tokenize``'s. The offsets come from the ``sentencepiece`` library op
        (TensorFlow only, not TFLite) on the fused model, which reports where each of its
        pieces lies in the original text; its SentencePiece breaks ties between equally
        scored segmentations differently (``"iii"``: ``ii|i`` instead of ``i|ii``), so the
        two segmentations are aligned on their common boundaries: a piece inside such a
        tie region gets the span of the library pieces holding its ends. Pieces made by
        the digit-comma rule share the span of their piece.
        """
        strings, scalar = _as_batch(strings)
        ids = self._fast.tokenize(strings)
        lib_ids, lib_starts, lib_ends = self._library_offsets(strings)
        starts, ends = _align_offsets(ids, lib_ids, lib_starts.values, lib_ends.values,
                                      self._lengths)
        values, splits = ids.values, ids.row_splits
        if self._has_rules:
            values, splits, counts = expand_ids(values, splits, self._slot, self._rows)
            starts, ends = tf.repeat(starts, counts), tf.repeat(ends, counts)
        make = lambda v: tf.RaggedTensor.from_row_splits(v, splits, validate=False)  # noqa
        return tuple(_unbatch(make(v), scalar) for v in (values, starts, ends))

    def _library_offsets(self, strings):
        try:
            return self._offsets_tokenizer.tokenize_with_offsets(strings)
        except tf.errors.NotFoundError:
            if not tf.executing_eagerly():
                raise
            # tf.random.set_seed (so keras.utils.set_random_seed) clears the eager
            # context's caches, which frees the library op's model resource: make it again.
            self._offsets_tokenizer = tf_text.SentencepieceTokenizer(model=self._fused,
                                                                     out_type=tf.int32)
            return self._offsets_tokenizer.tokenize_with_offsets(strings)

    def detokenize(self, ids):
        """Text ``[batch]`` of ragged ids (pad, [CLS], [SEP] dropped); the text is the
        preprocessed one (lowercased, accents removed)."""
        ids = tf.ragged.constant(ids) if isinstance(ids, (list, tuple)) else ids
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids))
        return self._fast.detokenize(_drop_ids(tf.cast(ids, tf.int32), self._silent))


class WordPieceGraph(tf.Module):
    """BERT BasicTokenizer + WordPiece (Chinese ALBERT) as graph ops.

    Args:
        pieces: the vocabulary, ``pieces[id]``.
        do_lower_case: lowercase and strip accents.
        special_ids: ids of pad, cls, sep (dropped by ``detokenize``); unk is ``[UNK]``.
    """

    def __init__(self, pieces, do_lower_case: bool, special_ids: dict):
        super().__init__(name="wordpiece_graph")
        table = bert_normalizer_table(do_lower_case, pretokenizer_fixes(pieces))
        self._fast = tf_text.FastBertTokenizer(
            vocab=_reachable_vocab(pieces), suffix_indicator="##",
            # BERT's limit is 200 characters; the op counts bytes. 200 bytes is exact
            # for ASCII words (see docs/TOKENIZATION.md).
            max_bytes_per_word=MAX_INPUT_CHARS_PER_WORD, token_out_type=tf.int32,
            unknown_token=pieces[special_ids["unk"]], support_detokenization=True,
            fast_bert_normalizer_model_buffer=build_normalizer_model(table))
        self._silent = tuple(special_ids[name] for name in ("pad", "cls", "sep"))

    def tokenize(self, strings):
        """Ids ``int32`` ``[batch, (tokens)]`` (a ``[tokens]`` tensor for one string)."""
        strings, scalar = _as_batch(strings)
        return _unbatch(self._fast.tokenize(strings), scalar)

    def tokenize_with_offsets(self, strings):
        """``(ids, starts, ends)``: UTF-8 byte offsets of each piece in the input string."""
        strings, scalar = _as_batch(strings)
        ids, starts, ends = self._fast.tokenize_with_offsets(strings)
        return tuple(_unbatch(t, scalar) for t in (ids, starts, ends))

    def detokenize(self, ids):
        """Words joined by spaces, ``##`` pieces glued back (pad, [CLS], [SEP] dropped)."""
        ids = tf.ragged.constant(ids) if isinstance(ids, (list, tuple)) else ids
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids))
        return self._fast.detokenize(_drop_ids(tf.cast(ids, tf.int32), self._silent))


def _reachable_vocab(pieces):
    """The vocabulary for the Fast op, with pieces BERT can never produce made unmatchable.

    A piece holding whitespace (``load_vocab`` reads an ideographic-space line as
    ``" "``) is never produced by BERT, whose words are split on whitespace, but the
    Fast op would match it; it is replaced by a string that cannot occur in a word.
    """
    return [f"<unreachable {i}>" if any(c.isspace() for c in piece) else piece
            for i, piece in enumerate(pieces)]

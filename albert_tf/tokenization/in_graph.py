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
    """

    def __init__(self, model_proto: bytes, do_lower_case: bool, keep_accents: bool,
                 special_ids: dict):
        super().__init__(name="sentencepiece_graph")
        import sentencepiece as spm

        original = spm.SentencePieceProcessor(model_proto=model_proto)
        self._fused = fused_model_proto(model_proto, do_lower_case, keep_accents)
        self._fast = tf_text.FastSentencepieceTokenizer(self._fused)
        table = expansion_table(original)
        self._has_rules = bool(table)
        slot, rows = table_arrays(table, original.get_piece_size())
        self._slot = tf.constant(slot)
        self._rows = tf.constant(rows)
        self._offsets_tokenizer = None
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

        Runs the ``sentencepiece`` library op (TensorFlow only, not TFLite) on the fused
        model; pieces made by the digit-comma rule share the span of their piece.
        """
        if self._offsets_tokenizer is None:
            self._offsets_tokenizer = tf_text.SentencepieceTokenizer(
                model=self._fused, out_type=tf.int32)
        strings, scalar = _as_batch(strings)
        ids, starts, ends = self._offsets_tokenizer.tokenize_with_offsets(strings)
        starts, ends = tf.cast(starts.values, tf.int64), tf.cast(ends.values, tf.int64)
        if self._has_rules:
            values, splits, counts = expand_ids(ids.values, ids.row_splits, self._slot,
                                                self._rows)
            starts, ends = tf.repeat(starts, counts), tf.repeat(ends, counts)
        else:
            values, splits = ids.values, ids.row_splits
        make = lambda v: tf.RaggedTensor.from_row_splits(v, splits, validate=False)  # noqa
        return tuple(_unbatch(make(v), scalar) for v in (values, starts, ends))

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

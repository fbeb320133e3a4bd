"""``AlbertTokenizer``: the original ALBERT tokenization, in-graph, for both vocabulary kinds."""

from __future__ import annotations

import os

import tensorflow as tf

from albert_tf.errors import AlbertTfError
from albert_tf.tokenization import assets
from albert_tf.tokenization.vocab import (
    SENTENCEPIECE, SPECIAL_PIECES, WORDPIECE, Vocabulary, read_vocabulary,
)


class AlbertTokenizer(tf.Module):
    """Text → ids exactly as google-research/albert, as TensorFlow ops.

    SentencePiece vocabularies (English ALBERT, a ``.model``) run in
    ``FastSentencepieceTokenizer`` with ALBERT's ``preprocess_text`` compiled into the
    model's normalizer, and the digit-comma rule; WordPiece vocabularies (Chinese
    ALBERT, a BERT ``vocab.txt``) run in ``FastBertTokenizer`` with BERT's exact cleaning.
    Every method works eagerly, inside ``tf.function`` and in a SavedModel (load it
    after ``import tensorflow_text``); ``tokenize`` and ``pack`` also run in TFLite.

    Build one with ``from_vocab`` or ``from_model_dir``.

    Example:
        >>> tok = AlbertTokenizer.from_vocab("30k-clean.model")   # doctest: +SKIP
        >>> tok.tokenize(["Hello world!"]).to_list()                # doctest: +SKIP
        [[13, 10975, 126, 187]]
        >>> tok.pack(["Hello world!"], max_seq_length=8)["input_ids"]  # doctest: +SKIP
    """

    def __init__(self, vocabulary: Vocabulary, do_lower_case: bool = True,
                 keep_accents: bool = False, normalize_quotes: bool = False):
        super().__init__(name="albert_tokenizer")
        if vocabulary.kind == WORDPIECE and keep_accents:
            raise AlbertTfError(f"{vocabulary.path}: keep_accents applies to SentencePiece "
                                "vocabularies only (BERT strips accents when lowercasing)")
        if vocabulary.kind == WORDPIECE and normalize_quotes:
            raise AlbertTfError(f"{vocabulary.path}: normalize_quotes applies to SentencePiece "
                                "vocabularies only")
        self._vocabulary = vocabulary
        self._do_lower_case = bool(do_lower_case)
        self._keep_accents = bool(keep_accents)
        self._normalize_quotes = bool(normalize_quotes)
        self._lookup = _PieceLookup(vocabulary.pieces)
        from albert_tf.tokenization import in_graph

        if vocabulary.kind == SENTENCEPIECE:
            self._graph = in_graph.SentencePieceGraph(
                vocabulary.model_proto, self._do_lower_case, self._keep_accents,
                vocabulary.special_ids, self._normalize_quotes)
        else:
            self._graph = in_graph.WordPieceGraph(
                vocabulary.pieces, self._do_lower_case, vocabulary.special_ids)

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_vocab(cls, path, kind: str | None = None, do_lower_case: bool = True,
                   keep_accents: bool = False,
                   normalize_quotes: bool = False) -> "AlbertTokenizer":
        """A tokenizer from a ``.model`` / ``vocab.txt`` (or a model directory).

        Args:
            path: vocabulary file; the kind follows the extension (``.model`` →
                sentencepiece, ``.txt`` → wordpiece) unless ``kind`` is given. A model
                directory is read with ``from_model_dir`` (its saved settings win).
            kind: ``"sentencepiece"`` or ``"wordpiece"``.
            do_lower_case: lowercase (ALBERT English and Chinese models: True).
            keep_accents: SentencePiece only: keep accents instead of NFKD + stripping.
            normalize_quotes: SentencePiece only: turn two backticks and two apostrophes
                into ``"`` first, as Hugging Face's ``AlbertTokenizer`` does. The original
                ALBERT (and its pretraining data) leaves them alone: False.
        """
        path = os.fspath(path)
        if os.path.isdir(path):
            return cls.from_model_dir(path)
        return cls(read_vocabulary(path, kind), do_lower_case, keep_accents, normalize_quotes)

    @classmethod
    def from_model_dir(cls, model_dir) -> "AlbertTokenizer":
        """The tokenizer saved in ``MODEL_DIR/vocab/`` by ``save_assets``."""
        vocab_path, info = assets.read_assets(model_dir)
        return cls(read_vocabulary(vocab_path, info["kind"]), info["do_lower_case"],
                   info.get("keep_accents", False), info["normalize_quotes"])

    def save_assets(self, model_dir) -> str:
        """Writes ``MODEL_DIR/vocab/`` (vocabulary + ``tokenizer.json``); returns its path."""
        specials = {name: {"piece": SPECIAL_PIECES[self.kind][name], "id": i}
                    for name, i in self._vocabulary.special_ids.items()}
        return assets.write_assets(model_dir, self._vocabulary.path, {
            "kind": self.kind, "do_lower_case": self._do_lower_case,
            "keep_accents": self._keep_accents, "normalize_quotes": self._normalize_quotes,
            "vocab_size": self.vocab_size,
            "special_tokens": specials,
        })

    # ------------------------------------------------------------------- properties
    kind = property(lambda self: self._vocabulary.kind, doc="sentencepiece or wordpiece")
    vocab_size = property(lambda self: self._vocabulary.size, doc="number of ids")
    vocab_path = property(lambda self: self._vocabulary.path, doc="the vocabulary file")
    do_lower_case = property(lambda self: self._do_lower_case)
    keep_accents = property(lambda self: self._keep_accents)
    normalize_quotes = property(lambda self: self._normalize_quotes)
    pad_id = property(lambda self: self._vocabulary.special_ids["pad"])
    unk_id = property(lambda self: self._vocabulary.special_ids["unk"])
    cls_id = property(lambda self: self._vocabulary.special_ids["cls"])
    sep_id = property(lambda self: self._vocabulary.special_ids["sep"])
    mask_id = property(lambda self: self._vocabulary.special_ids["mask"])

    # ---------------------------------------------------------------------- in-graph
    def tokenize(self, strings):
        """UTF-8 strings ``[batch]`` → ``int32`` ragged ids ``[batch, (tokens)]``.

        A single string gives a ``[tokens]`` tensor.
        """
        return self._graph.tokenize(strings)

    def tokenize_with_offsets(self, strings):
        """``(ids, starts, ends)``, ragged ``[batch, (tokens)]``.

        ``starts``/``ends`` are UTF-8 byte offsets into the ORIGINAL strings: the piece
        covers ``text[starts:ends]`` before any preprocessing (see docs/TOKENIZATION.md).
        """
        return self._graph.tokenize_with_offsets(strings)

    def detokenize(self, ids):
        """Ragged ids ``[batch, (tokens)]`` → strings ``[batch]`` (pad/[CLS]/[SEP] dropped)."""
        return self._graph.detokenize(ids)

    def pack(self, segment_a, segment_b=None, max_seq_length: int = 128) -> dict:
        """``[CLS] A [SEP] (B [SEP])`` as ``input_ids``, ``input_mask``, ``segment_ids``.

        Args:
            segment_a: strings ``[batch]``, or ids ``[batch, (tokens)]`` (ragged, or lists).
            segment_b: the same for the second segments, or None.
            max_seq_length: width of the outputs; the longer segment is truncated first.

        Returns:
            dict of ``int32 [batch, max_seq_length]`` tensors.
        """
        from albert_tf.tokenization.packing import pack

        def ids(segment):
            if segment is None or isinstance(segment, tf.RaggedTensor):
                return segment
            if isinstance(segment, (list, tuple)) and segment and isinstance(
                    segment[0], (list, tuple)):
                return tf.ragged.constant(segment, tf.int32)  # lists of ids
            segment = tf.convert_to_tensor(segment)
            if segment.dtype == tf.string:
                return self.tokenize(segment)
            return tf.RaggedTensor.from_tensor(segment)  # dense ids [batch, len], no padding

        return pack(ids(segment_a), ids(segment_b), max_seq_length, self.cls_id,
                    self.sep_id, self.pad_id)

    # ------------------------------------------------------------------- python side
    def id_to_piece(self, ids):
        """The piece of an id, or the list of pieces of a list of ids."""
        pieces = self._vocabulary.pieces
        if isinstance(ids, (int,)) or hasattr(ids, "__index__"):
            return pieces[int(ids)]
        return [self.id_to_piece(i) for i in ids]

    def piece_to_id(self, pieces):
        """The id of a piece (``unk_id`` if unknown), or the list of ids of a list."""
        if isinstance(pieces, str):
            return self._lookup.ids.get(pieces, self.unk_id)
        return [self.piece_to_id(p) for p in pieces]

    def reference(self):
        """The plain-Python reference tokenizer with the same vocabulary and settings."""
        from albert_tf.tokenization import reference

        if self.kind == SENTENCEPIECE:
            return reference.SentencePieceReference(
                self._vocabulary.model_proto, self._do_lower_case, self._keep_accents,
                self._normalize_quotes)
        return reference.WordPieceReference(
            self._vocabulary.pieces, self._do_lower_case,
            self._vocabulary.pieces[self.unk_id])

    def __repr__(self):
        return (f"AlbertTokenizer(kind={self.kind!r}, vocab_size={self.vocab_size}, "
                f"do_lower_case={self._do_lower_case}, "
                + ("normalize_quotes=True, " if self._normalize_quotes else "")
                + f"vocab={self.vocab_path!r})")


class _PieceLookup:
    """piece -> id (first occurrence), kept out of tf.Module's dependency tracking."""

    def __init__(self, pieces):
        self.ids = {}
        for i, piece in enumerate(pieces):
            self.ids.setdefault(piece, i)

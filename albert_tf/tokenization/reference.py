"""The plain-Python reference tokenizers: the original ALBERT algorithm, batched.

``SentencePieceReference`` is ``preprocess_text`` + ``encode_pieces`` / ``encode_ids`` of
google-research/albert ``tokenization.py`` (``sample=False``) running on the
``sentencepiece`` library; ``WordPieceReference`` is its ``FullTokenizer`` without a
SentencePiece model (BERT ``BasicTokenizer`` + ``WordpieceTokenizer``). Both take one
string or a list; SentencePiece calls are batched, repeated words are cached, so this is
also the fast path for tokenizing large corpora in Python.

Example:
    >>> ref = WordPieceReference(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un",
    ...                           "##aff", "##able", "!"])
    >>> ref.encode_pieces("Unaffable!"), ref.encode_ids(["Unaffable!"])
    (['un', '##aff', '##able', '!'], [[5, 6, 7, 8]])
"""

from __future__ import annotations

import string

from albert_tf.tokenization.bert_basic import basic_tokenize, wordpiece_tokenize
from albert_tf.tokenization.digit_comma import (
    SPIECE_UNDERLINE, expansion_table, split_digit_comma,
)
from albert_tf.tokenization.preprocess import preprocess_text

# _is_start_piece_sp of ALBERT's create_pretraining_data.py.
_START_PUNCTUATION = frozenset(string.punctuation)
_ENGLISH_OR_PUNCTUATION = frozenset(string.ascii_lowercase) | _START_PUNCTUATION


def _batch(texts):
    return (True, [texts]) if isinstance(texts, str) else (False, list(texts))


class SentencePieceReference:
    """ALBERT's SentencePiece tokenization in Python.

    Args:
        model_proto: the serialized ``.model`` (bytes).
        do_lower_case: lowercase in ``preprocess_text``.
        keep_accents: keep accents in ``preprocess_text``.
        normalize_quotes: the Hugging Face quote rule of ``preprocess_text``.
    """

    def __init__(self, model_proto: bytes, do_lower_case: bool = True,
                 keep_accents: bool = False, normalize_quotes: bool = False):
        import sentencepiece as spm

        self.processor = spm.SentencePieceProcessor(model_proto=model_proto)
        self.do_lower_case = do_lower_case
        self.keep_accents = keep_accents
        self.normalize_quotes = normalize_quotes
        self._ids = {self.processor.id_to_piece(i): i
                     for i in range(self.processor.get_piece_size())}
        self._unk = self.processor.unk_id()
        self._splits: dict = {}
        self._table = None
        if self._ids.get(",", self._unk) != self._unk:
            self._table = expansion_table(self.processor)
            self._table_keys = frozenset(self._table)

    def preprocess(self, text: str) -> str:
        return preprocess_text(text, self.do_lower_case, self.keep_accents,
                               normalize_quotes=self.normalize_quotes)

    def encode_pieces(self, texts):
        """Pieces of one string (``list[str]``) or of each string of a list."""
        single, texts = _batch(texts)
        batch = self.processor.encode([self.preprocess(t) for t in texts], out_type=str)
        result = [self._apply_digit_comma(pieces) for pieces in batch]
        return result[0] if single else result

    def encode_ids(self, texts):
        """Ids of the pieces, as the original ``encode_ids``.

        Fast route: the library's ids, with the digit-comma rule applied as an id table
        (its result depends on the piece only). That equals ``PieceToId`` of every piece
        of ``encode_pieces`` (``pieces_to_ids``) whenever ``","`` is in the vocabulary,
        since an unknown piece then never ends in a comma; otherwise the literal route
        is taken. The tests check both routes on every line of the real data.
        """
        single, texts = _batch(texts)
        if self._table is None:
            ids = [self.pieces_to_ids(p) for p in self.encode_pieces(texts)]
        else:
            table, keys = self._table, self._table_keys
            ids = self.processor.encode([self.preprocess(t) for t in texts])
            for n, row in enumerate(ids):
                if not keys.isdisjoint(row):
                    ids[n] = [j for i in row for j in table.get(i, (i,))]
        return ids[0] if single else ids

    def pieces_to_ids(self, pieces):
        """``PieceToId`` of each piece (unknown pieces give the unk id)."""
        return [self._ids.get(p, self._unk) for p in pieces]

    def _apply_digit_comma(self, pieces):
        out = []
        for piece in pieces:
            if piece[-1] != ",":
                out.append(piece)
                continue
            if piece not in self._splits:
                self._splits[piece] = split_digit_comma(
                    lambda text: self.processor.encode(text, out_type=str), piece)
            split = self._splits[piece]
            if split is None:
                out.append(piece)
            else:
                out.extend(split)
        return out

    @staticmethod
    def is_word_start(piece: str) -> bool:
        """ALBERT's ``_is_start_piece_sp``: a piece starting a word (whole-word masking)."""
        return (piece.startswith(SPIECE_UNDERLINE) or piece.startswith("<")
                or piece in _START_PUNCTUATION
                or not all(c.lower() in _ENGLISH_OR_PUNCTUATION for c in piece))


class WordPieceReference:
    """BERT's BasicTokenizer + WordpieceTokenizer in Python (Chinese ALBERT).

    Args:
        pieces: the vocabulary, ``pieces[id]`` (``vocab.load_bert_vocab``).
        do_lower_case: lowercase and strip accents in the basic tokenizer.
        unk_token: the piece of unknown words.
    """

    def __init__(self, pieces, do_lower_case: bool = True, unk_token: str = "[UNK]"):
        self.vocab = {}
        for i, piece in enumerate(pieces):
            self.vocab.setdefault(piece, i)
        self.do_lower_case = do_lower_case
        self.unk_token = unk_token
        self._words: dict = {}

    def encode_pieces(self, texts):
        """Word pieces of one string (``list[str]``) or of each string of a list."""
        single, texts = _batch(texts)
        result = []
        for text in texts:
            pieces = []
            for word in basic_tokenize(text, self.do_lower_case):
                split = self._words.get(word)
                if split is None:
                    split = self._words[word] = wordpiece_tokenize(
                        word, self.vocab, self.unk_token)
                pieces.extend(split)
            result.append(pieces)
        return result[0] if single else result

    def encode_ids(self, texts):
        """Ids of the word pieces (``convert_tokens_to_ids``)."""
        single, texts = _batch(texts)
        ids = [self.pieces_to_ids(pieces) for pieces in self.encode_pieces(texts)]
        return ids[0] if single else ids

    def pieces_to_ids(self, pieces):
        """``convert_tokens_to_ids`` of a list of pieces."""
        vocab = self.vocab
        return [vocab[p] for p in pieces]

    @staticmethod
    def is_word_start(piece: str) -> bool:
        """ALBERT's ``_is_start_piece_bert``: not a ``##`` continuation."""
        return not piece.startswith("##")

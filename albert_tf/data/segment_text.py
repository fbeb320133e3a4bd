"""Tokenizing blocks of documents into ``(id, starts_word)`` segments, in a worker process."""

from __future__ import annotations

from albert_tf.tokenization.chars import is_cjk


class BlockTokenizer:
    """Turns lines into segments of ``(id, starts_word)`` with the reference tokenizer.

    Word starts follow the original ``create_pretraining_data.py``: for
    SentencePiece ``_is_start_piece_sp`` (▁, punctuation, non-English pieces),
    for WordPiece "not a ``##`` piece". With ``segmenter="jieba"`` (WordPiece),
    the characters of one jieba word after its first are continuations too, so a
    Chinese word is masked as a whole.

    Args:
        vocab: path of the ``.model`` or ``vocab.txt``.
        kind: vocabulary kind (None = from the file name).
        do_lower_case: as the tokenizer's.
        segmenter: None or "jieba".
    """

    def __init__(self, vocab, kind=None, do_lower_case=True, segmenter=None):
        from albert_tf.tokenization.reference import SentencePieceReference, WordPieceReference
        from albert_tf.tokenization.vocab import SENTENCEPIECE, read_vocabulary

        vocabulary = read_vocabulary(vocab, kind)
        self.vocabulary = vocabulary
        if vocabulary.kind == SENTENCEPIECE:
            self.reference = SentencePieceReference(vocabulary.model_proto, do_lower_case)
        else:
            self.reference = WordPieceReference(vocabulary.pieces, do_lower_case,
                                                vocabulary.pieces[vocabulary.special_ids["unk"]])
        self.segmenter = None
        if segmenter == "jieba":
            import jieba

            jieba.setLogLevel(60)
            self.segmenter = jieba
        self._starts = {}

    def _starts_of(self, pieces):
        cache = self._starts
        is_start = self.reference.is_word_start
        out = []
        for piece in pieces:
            flag = cache.get(piece)
            if flag is None:
                flag = cache[piece] = is_start(piece)
            out.append(flag)
        return out

    def _jieba_continuations(self, line):
        """Per CJK character of ``line`` in order: True if it continues a jieba word."""
        flags = []
        for word in self.segmenter.cut(line):
            for k, char in enumerate(word):
                if is_cjk(char):
                    flags.append(k > 0 and is_cjk(word[k - 1]))
        return flags

    def segments(self, lines):
        """Segments of each line (lines that give no tokens give an empty list)."""
        all_pieces = self.reference.encode_pieces(list(lines))
        result = []
        for line, pieces in zip(lines, all_pieces):
            ids = self.reference.pieces_to_ids(pieces)
            starts = self._starts_of(pieces)
            if self.segmenter is not None:
                continuation = iter(self._jieba_continuations(line))
                for k, piece in enumerate(pieces):
                    if len(piece) == 1 and is_cjk(piece):
                        if next(continuation, False):
                            starts[k] = False
            result.append(list(zip(ids, starts)))
        return result

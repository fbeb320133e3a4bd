"""BERT's BasicTokenizer and greedy WordPiece, as the original ALBERT ``tokenization.py``.

Chinese ALBERT tokenizes with these two steps and a BERT ``vocab.txt``:

- basic: delete NUL, U+FFFD and control characters, turn whitespace into spaces, put
  spaces around CJK ideographs, split on whitespace; per token, when ``do_lower_case``,
  ``str.lower()``, NFD and drop category Mn; then split off every punctuation character;
- WordPiece: per token, greedy longest match first with ``##`` continuations; a token of
  more than ``max_input_chars_per_word`` characters (200 in the original), or one that
  cannot be covered by the vocabulary, becomes ``[UNK]``.

The per-character loops of the original are written with ``str.translate`` and regular
expressions built from the same character classes (``chars.py``), which gives the same
output several times faster.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from albert_tf.tokenization.chars import (
    CJK_RANGES, bert_clean_table, bert_punctuation_class, nonspacing_marks,
)

MAX_INPUT_CHARS_PER_WORD = 200  # WordpieceTokenizer default in google-research/albert


@functools.lru_cache(maxsize=None)
def _cjk_pattern():
    ranges = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in CJK_RANGES)
    return re.compile(f"([{ranges}])")


@functools.lru_cache(maxsize=None)
def _punctuation_pattern():
    return re.compile(f"({bert_punctuation_class()})")


@functools.lru_cache(maxsize=None)
def _strip_accents_table():
    return {cp: None for cp in nonspacing_marks()}


def basic_tokenize(text: str, do_lower_case: bool = True) -> list:
    """BERT's ``BasicTokenizer.tokenize``.

    Args:
        text: one string.
        do_lower_case: lowercase, NFD and drop accents (category Mn).

    Returns:
        the list of basic tokens (words, punctuation characters, CJK characters).

    Example:
        >>> basic_tokenize("Héllo,世界!")
        ['hello', ',', '世', '界', '!']
    """
    text = text.translate(bert_clean_table())
    text = _cjk_pattern().sub(r" \1 ", text)
    tokens = []
    for token in text.split():
        if do_lower_case:
            token = token.lower()
            if not token.isascii():
                token = unicodedata.normalize("NFD", token).translate(_strip_accents_table())
        if token.isalnum():
            tokens.append(token)
        else:
            tokens.extend(piece for piece in _punctuation_pattern().split(token) if piece)
    # The original re-splits the joined pieces on whitespace; a piece can only be
    # empty here, never hold a space, so dropping empty pieces is the same thing.
    return tokens


def wordpiece_tokenize(token: str, vocab, unk_token: str = "[UNK]",
                       max_input_chars_per_word: int = MAX_INPUT_CHARS_PER_WORD) -> list:
    """Greedy longest-match-first WordPiece of one basic token (the original algorithm).

    Example:
        >>> wordpiece_tokenize("unaffable", {"un", "##aff", "##able"})
        ['un', '##aff', '##able']
    """
    if len(token) > max_input_chars_per_word:
        return [unk_token]
    pieces, start = [], 0
    while start < len(token):
        end = len(token)
        while start < end:
            piece = token[start:end] if start == 0 else "##" + token[start:end]
            if piece in vocab:
                break
            end -= 1
        else:
            return [unk_token]
        pieces.append(piece)
        start = end
    return pieces


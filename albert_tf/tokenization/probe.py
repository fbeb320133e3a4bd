"""Where tensorflow-text's WordPiece pre-tokenizer and BERT disagree on a character.

``FastWordpieceTokenizer`` splits words on whitespace and punctuation with ICU's
character properties (a newer Unicode than Python's ``unicodedata``), BERT with its
own rules (``chars.py``). Each character is probed once, by tokenizing ``"a" + c + "a"``
with the vocabulary ``[UNK] a ##a``, and its class compared with BERT's:

    removed → [a, ##a]   whitespace → [a, a]   split off → [a, [UNK], a]   in word → [[UNK]]

``bert_normalizer.py`` then rewrites the disagreeing characters so that the Fast op gives
BERT's tokens. Probing takes seconds, so the result for the pinned tensorflow-text and
Python is shipped as ``KNOWN_DISAGREEMENTS``; ``tests/test_tokenization_wordpiece.py``
probes again and fails when an upgrade changes it.
"""

from __future__ import annotations

import functools

from albert_tf.tokenization.chars import (
    bert_is_punctuation, bert_is_removed, bert_is_whitespace, candidate_code_points, is_cjk,
)

WHITESPACE, SPLIT, INTERNAL, REMOVED = "whitespace", "split", "internal", "removed"
_CLASS_OF_IDS = {(1, 2): REMOVED, (1, 1): WHITESPACE, (1, 0, 1): SPLIT, (0,): INTERNAL}

# (BERT class, tensorflow-text class) -> code point ranges, from disagreements() with
# tensorflow-text 2.21.1 (ICU) and Python 3.11 (Unicode 14): punctuation added to
# Unicode after version 14, which Python does not know.
_KNOWN_RANGES = {
    (INTERNAL, SPLIT): ((0x1B4E, 0x1B4F), (0x1B7F, 0x1B7F), (0x10D6E, 0x10D6E),
                        (0x113D4, 0x113D5), (0x113D7, 0x113D8), (0x11B00, 0x11B09),
                        (0x11BE1, 0x11BE1), (0x11F43, 0x11F4F), (0x16D6D, 0x16D6F),
                        (0x1E5FF, 0x1E5FF)),
}
KNOWN_DISAGREEMENTS = {
    chr(cp): classes for classes, ranges in _KNOWN_RANGES.items()
    for a, b in ranges for cp in range(a, b + 1)
}


def bert_class(char: str) -> str:
    """How BERT's BasicTokenizer treats ``char`` inside ``"a?a"``."""
    if bert_is_removed(char):
        return REMOVED
    if bert_is_whitespace(char) or char.isspace():  # str.split() in whitespace_tokenize
        return WHITESPACE
    if bert_is_punctuation(char) or is_cjk(char):
        return SPLIT
    return INTERNAL


@functools.lru_cache(maxsize=None)
def disagreements() -> dict:
    """``{char: (bert_class, tf_text_class)}`` for characters kept as they are by BERT's
    cleaning (so the normalizer passes them through) but classed differently by
    tensorflow-text."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    from albert_tf.tokenization.bert_normalizer import bert_char_image, build_normalizer_model

    chars = [c for c in candidate_code_points()
             if bert_char_image(c, do_lower_case=False) == c and c not in "a#"]
    normalizer = build_normalizer_model({})  # identity: probe the pre-tokenizer alone
    tokenizer = tf_text.FastBertTokenizer(
        vocab=["[UNK]", "a", "##a"], token_out_type=tf.int32,
        fast_bert_normalizer_model_buffer=normalizer)
    ids = tokenizer.tokenize(tf.constant(["a" + c + "a" for c in chars])).to_list()
    found = {}
    for char, row in zip(chars, ids):
        actual = _CLASS_OF_IDS.get(tuple(row), INTERNAL)
        expected = bert_class(char)
        if actual != expected:
            found[char] = (expected, actual)
    return found


OPAQUE_CANDIDATES = "\ue000\ue001\ue002\ue003"  # private use: kept inside words


def pretokenizer_fixes(vocab_pieces) -> dict:
    """``{char: replacement}`` making tensorflow-text split words as BERT does.

    A character BERT keeps inside a word but tensorflow-text splits on becomes a
    private-use character (no vocabulary piece may contain either, so the word is
    ``[UNK]`` either way); one BERT splits off but tensorflow-text keeps inside a word
    gets spaces around it. Characters that occur in a vocabulary piece are left alone.
    """
    in_vocab = set("".join(vocab_pieces))
    opaque = next((c for c in OPAQUE_CANDIDATES if c not in in_vocab), None)
    fixes = {}
    for char, (expected, actual) in KNOWN_DISAGREEMENTS.items():
        if char in in_vocab:
            continue
        if expected == SPLIT and actual == INTERNAL:
            fixes[char] = f" {char} "
        elif opaque is not None and expected == INTERNAL:
            fixes[char] = opaque
        elif opaque is not None and expected == SPLIT:
            fixes[char] = f" {opaque} "
    return fixes

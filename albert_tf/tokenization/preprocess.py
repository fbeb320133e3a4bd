"""ALBERT's text preprocessing in plain Python: the reference every other path must match.

``preprocess_text`` is the function of the original ALBERT ``tokenization.py``
(google-research/albert, which also made ALBERT's pretraining data), with two options
of the XLNet / Hugging Face versions:

1. whitespace collapsed: ``" ".join(text.strip().split())`` (Python's ``str.split``);
2. only with ``normalize_quotes`` (Hugging Face's ``AlbertTokenizer`` and XLNet, not the
   original): ``````  and ``''`` turned into ``"``;
3. unless ``keep_accents``: NFKD, then every combining mark (non-zero canonical
   combining class) dropped;
4. ``str.lower()`` when ``do_lower_case``.

``char_image`` is the same preprocessing applied to one character; the in-graph
SentencePiece normalizer is compiled from it (see ``normalizers.py``).
"""

from __future__ import annotations

import functools
import unicodedata

from albert_tf.tokenization.chars import combining_marks


@functools.lru_cache(maxsize=None)
def _drop_combining_table() -> dict:
    return {cp: None for cp in combining_marks()}


def preprocess_text(text: str, do_lower_case: bool = True, keep_accents: bool = False,
                    remove_space: bool = True, normalize_quotes: bool = False) -> str:
    """The original ALBERT ``preprocess_text``.

    Args:
        text: one string.
        do_lower_case: lowercase with ``str.lower`` (last step).
        keep_accents: keep accents (skip NFKD and the removal of combining marks).
        remove_space: collapse runs of whitespace to one space and strip the ends.
        normalize_quotes: turn LaTeX-style quotes (two backticks, two apostrophes) into
            ``"``, as Hugging Face does; the original leaves them alone.

    Returns:
        the preprocessed string.

    Example:
        >>> preprocess_text("  Zürich\\tIS  ½ ")
        'zurich is 1⁄2'
        >>> preprocess_text("``q''"), preprocess_text("``q''", normalize_quotes=True)
        ("``q''", '"q"')
    """
    if remove_space:
        text = " ".join(text.strip().split())
    if normalize_quotes:
        text = text.replace("``", '"').replace("''", '"')
    if not keep_accents and not text.isascii():
        # translate() drops the same characters as the original's
        # "".join(c for c in text if not unicodedata.combining(c)), without a Python loop.
        text = unicodedata.normalize("NFKD", text).translate(_drop_combining_table())
    if do_lower_case:
        text = text.lower()
    return text


def char_image(char: str, do_lower_case: bool = True, keep_accents: bool = False) -> str:
    """``preprocess_text`` of a single character, without the whitespace stripping.

    Whitespace becomes one space (the collapsing itself is left to SentencePiece's
    ``remove_extra_whitespaces``, which the reference path also goes through).

    Example:
        >>> char_image("Ä"), char_image("\\u00a0"), char_image("ﬁ")
        ('a', ' ', 'fi')
    """
    if char.isspace():
        return " "
    if not keep_accents:
        char = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
    return char.lower() if do_lower_case else char

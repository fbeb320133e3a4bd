"""Character classes of the original ALBERT/BERT tokenization, from Python's ``unicodedata``.

The original ``tokenization.py`` decides whitespace, control characters, punctuation,
CJK ideographs and combining marks one character at a time with Python's own Unicode
tables. Every table here is derived from the same functions, so the reference code and
the in-graph tables (``normalizers.py``) agree with the original by construction.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata

# Code points worth visiting when building tables: planes 0-3 (everything Python's
# Unicode database assigns outside plane 14) and plane 14 (tags, variation selectors).
# Planes 4-13 are unassigned and planes 15-16 are private use; both map to themselves.
_RANGES = ((0x1, 0xD800), (0xE000, 0x40000), (0xE0000, 0xE1000))

# BERT's CJK block list (BasicTokenizer._is_chinese_char), verbatim ranges.
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def candidate_code_points():
    """Every code point (as ``str``) that can map to something other than itself."""
    return (chr(cp) for cp in itertools.chain.from_iterable(range(a, b) for a, b in _RANGES))


def is_cjk(char: str) -> bool:
    """BERT's ``_is_chinese_char``: the CJK Unified Ideographs blocks only."""
    cp = ord(char)
    return any(a <= cp <= b for a, b in CJK_RANGES)


def bert_is_whitespace(char: str) -> bool:
    """BERT's ``_is_whitespace``: space, tab, newline, carriage return, or category Zs."""
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def bert_is_control(char: str) -> bool:
    """BERT's ``_is_control``: categories Cc and Cf, except tab, newline, return."""
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf")


def bert_is_punctuation(char: str) -> bool:
    """BERT's ``_is_punctuation``: every non-alphanumeric ASCII symbol, or category P*."""
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def bert_is_removed(char: str) -> bool:
    """Characters BERT's ``_clean_text`` deletes: NUL, U+FFFD and control characters."""
    return char in "\x00\ufffd" or bert_is_control(char)


@functools.lru_cache(maxsize=None)
def combining_marks() -> frozenset:
    """Code points with a non-zero canonical combining class (dropped unless keep_accents)."""
    return frozenset(ord(c) for c in candidate_code_points() if unicodedata.combining(c))


@functools.lru_cache(maxsize=None)
def nonspacing_marks() -> frozenset:
    """Code points of category Mn (BERT's ``_run_strip_accents`` drops them)."""
    return frozenset(ord(c) for c in candidate_code_points() if unicodedata.category(c) == "Mn")


@functools.lru_cache(maxsize=None)
def bert_clean_table() -> dict:
    """A ``str.translate`` table doing BERT's ``_clean_text``: delete or turn into a space."""
    table = {}
    for char in candidate_code_points():
        if bert_is_removed(char):
            table[ord(char)] = None
        elif char != " " and bert_is_whitespace(char):
            table[ord(char)] = " "
    table[0] = None
    return table


@functools.lru_cache(maxsize=None)
def bert_punctuation_class() -> str:
    """A regular-expression character class (Python ``re``) of BERT punctuation."""
    return _char_class(ord(c) for c in candidate_code_points() if bert_is_punctuation(c))


def _char_class(code_points) -> str:
    """``[...]`` matching exactly ``code_points``, written as escaped ranges."""
    points = sorted(code_points)
    parts = []
    for _, group in itertools.groupby(enumerate(points), lambda x: x[1] - x[0]):
        run = [cp for _, cp in group]
        first, last = run[0], run[-1]
        parts.append(_escape(first) if first == last else f"{_escape(first)}-{_escape(last)}")
    return "[" + "".join(parts) + "]"


def _escape(cp: int) -> str:
    return f"\\U{cp:08x}"

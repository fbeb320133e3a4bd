"""Rule-based sentence splitting for running prose (``--text-format prose|paragraphs``).

The original ``create_pretraining_data.py`` expects one sentence per line. Books
and articles come as paragraphs; the sentence-order task then sees a paragraph
as one "sentence", and a hard-wrapped line break as a sentence end. This splits
a paragraph after ``.``, ``!``, ``?`` (and closing quotes or brackets) when the
next word starts with a capital, digit or opening quote, except after common
abbreviations and single-letter initials. Chinese text splits after ``。！？``.
It is a heuristic: good enough to cut segments at sentence ends most of the
time, not a linguistic tool.
"""

from __future__ import annotations

import re

# Titles and abbreviations after which a period rarely ends an English sentence.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof rev hon gen col capt lt sgt mt ft no vs etc esq messrs mme mlle"
    " i.e e.g cf viz approx dept est fig inc ltd co corp jan feb mar apr jun jul aug sep sept oct"
    " nov dec".split())

_LATIN_END = re.compile(r"[.!?]+[\"'’”)\]_]*(?=\s+[\"'‘“(\[_]*[A-Z0-9])")
_CJK_END = re.compile(r"[。！？]+[”’」』）]*")


def _ends_sentence(text: str, end: int) -> bool:
    """Whether the punctuation run ending at ``end`` closes a sentence (not ``Mr.`` or ``J.``)."""
    run = text[:end].rstrip("\"'’”)]_")
    if not run.endswith("."):
        return True
    word = run[:-1].rsplit(None, 1)[-1] if run[:-1].strip() else ""
    word = word.lstrip("\"'‘“([_")
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. Smith"
    return word.lower() not in ABBREVIATIONS


def split_sentences(paragraph: str) -> list:
    """A paragraph as a list of its sentences (whitespace-trimmed, none empty).

    >>> split_sentences('Mr. Darcy bowed. "Indeed!" said she. It was 3 p.m. then.')
    ['Mr. Darcy bowed.', '"Indeed!" said she.', 'It was 3 p.m. then.']
    """
    cuts = [m.end() for m in _LATIN_END.finditer(paragraph) if _ends_sentence(paragraph, m.end())]
    cuts += [m.end() for m in _CJK_END.finditer(paragraph)]
    sentences, start = [], 0
    for cut in sorted(set(cuts)):
        piece = paragraph[start:cut].strip()
        if piece:
            sentences.append(piece)
        start = cut
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences

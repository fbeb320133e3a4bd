"""Raw text -> words with character offsets, for ``predict ner``.

A model tags words, so a line of raw text is first cut into words the way NER training
data is tokenized:

- a line holding any CJK ideograph is Chinese-style text: every non-whitespace character
  is a word (as the People's Daily character-per-line format);
- otherwise words are separated by whitespace, and punctuation at either edge of a word
  (BERT's punctuation classes) is cut off one character at a time, as CoNLL-2003 writes
  ``( Reuters )`` and ``York .``; a trailing ``'s`` is cut off too (``Germany 's``).
  A final ``.`` stays on a word that holds another ``.`` (``U.S.``, ``a.m.``), and
  punctuation inside a word stays (``all-rounder``, ``1996-08-30``, ``O'Neill``).

Offsets are Python string indices (code points): ``text[start:end]`` is the word.
"""

from __future__ import annotations

import re

from albert_tf.tokenization.chars import bert_is_punctuation, is_cjk

_TOKEN = re.compile(r"\S+")
_CLITICS = ("'s", "\u2019s")


def split_words(text: str):
    """``(words, spans)`` of one line of raw text.

    Example:
        >>> split_words('He met "Smith" in the U.S., too.')[0]
        ['He', 'met', '"', 'Smith', '"', 'in', 'the', 'U.S.', ',', 'too', '.']
        >>> split_words("Germany's and Germany 's")[0]
        ['Germany', "'s", 'and', 'Germany', "'s"]
        >>> split_words("我爱北京")[1]
        [(0, 1), (1, 2), (2, 3), (3, 4)]
    """
    if any(is_cjk(c) for c in text):
        spans = [(i, i + 1) for i, c in enumerate(text) if not c.isspace()]
    else:
        spans = []
        for match in _TOKEN.finditer(text):
            spans.extend(_split_token(match.group(), match.start()))
    return [text[a:b] for a, b in spans], spans


def _split_token(token: str, offset: int):
    i, j = 0, len(token)
    while i < j and bert_is_punctuation(token[i]) and not _clitic_start(token[i:]):
        i += 1
    trailing = []
    while j > i:
        if token[j - 1] == "." and "." in token[i:j - 1]:
            break  # an abbreviation keeps its final period
        if j - 2 > i and token[j - 2:j].lower() in _CLITICS:
            trailing.append((j - 2, j))
            j -= 2
            continue
        if not bert_is_punctuation(token[j - 1]):
            break
        trailing.append((j - 1, j))
        j -= 1
    spans = [(k, k + 1) for k in range(i)] + ([(i, j)] if j > i else []) + trailing[::-1]
    return [(offset + a, offset + b) for a, b in spans]


def _clitic_start(rest: str) -> bool:
    """``'s`` (possibly followed by punctuation) is a word, not ``'`` + ``s``."""
    return rest[:2].lower() in _CLITICS and all(bert_is_punctuation(c) for c in rest[2:])

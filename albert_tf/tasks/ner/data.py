"""NER data files: CoNLL columns (IOB1, BIO) and character-per-line files (BIO, BMES).

One reader covers both layouts: a token per line, space- or tab-separated columns, the
tag in ``tag_column`` (default the last), a blank line between sentences, and
``-DOCSTART-`` lines (CoNLL-2003 document marks) skipped. Tags of every scheme are
converted to BIO (IOB2) when read; the model, the metrics and ``predict`` all work on BIO.

Schemes (prefix ``P`` of ``P-TYPE``; ``O`` is outside):

    iob1   B, I   I begins a chunk unless it follows B/I of the same type; B only where
                  two chunks of one type touch (CoNLL-2003 as distributed)
    bio    B, I   every chunk begins with B (also called IOB2)
    bmes   B, M, E, S (BIOES's I is read as M): S a one-word chunk, E its last word

Conversion (``to_bio``): a word begins a chunk when its prefix is B or S, or when the
previous word is O, of another type, or ends a chunk (E, S); it is then ``B-TYPE``,
otherwise ``I-TYPE``. For IOB1 and BIO input these are exactly conlleval's chunks of the
raw tags (so conlleval gives the same figures on either), and for BMES they are the
chunks the scheme defines.
"""

from __future__ import annotations

import dataclasses
import os

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import not_utf8

SCHEMES = ("iob1", "bio", "bmes")
_PREFIXES = {"iob1": "BI", "bio": "BI", "bmes": "BMESI"}
DOCSTART = "-DOCSTART-"


@dataclasses.dataclass
class NerExample:
    """One sentence.

    Args:
        words: the words (tokens, or characters for Chinese).
        tags: their BIO tags, or None (unlabelled).
        line: the file line of the first word (1-based), for messages.
        text: the raw input line (``predict``), else None.
        spans: ``(start, end)`` character offsets of each word in ``text``.
        scheme: the scheme of the file it was read from.
    """

    words: list
    tags: list | None = None
    line: int = 0
    text: str | None = None
    spans: list | None = None
    scheme: str | None = None


def _check_tag(tag, allowed, path, number):
    prefix, dash, kind = tag.partition("-")
    if tag == "O" or (dash and kind and prefix in allowed):
        return
    raise AlbertTfError(f"{path}:{number}: tag {tag!r} is not O or {'/'.join(allowed)}-TYPE")


def _column(tag_column):
    """1-based column (negative: from the end) -> Python index."""
    if tag_column in (None, ""):
        return -1
    column = int(tag_column)
    if column == 0:
        raise AlbertTfError("--tag-column counts from 1 (or from the end with -1, -2, ...)")
    return column - 1 if column > 0 else column


def read_columns(path, tag_column=None, keep_docstart=False):
    """Sentences of a column file as lists of ``(line_number, word, tag)``.

    ``-DOCSTART-`` lines are dropped, or with ``keep_docstart`` kept as one-token
    sentences (conlleval counts them as tokens tagged O).
    """
    if not path or not os.path.isfile(path):
        raise AlbertTfError(f"{path}: no such file")
    try:
        return _read_columns(path, tag_column, keep_docstart)
    except UnicodeDecodeError:
        raise AlbertTfError(not_utf8(path)) from None


def _read_columns(path, tag_column, keep_docstart):
    index = _column(tag_column)
    sentences, current = [], []
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields or fields[0] == DOCSTART:
                if current:
                    sentences.append(current)
                current = []
                if fields and keep_docstart:
                    sentences.append([(number, fields[0], fields[index] if len(fields) > 1
                                       else "O")])
                continue
            if len(fields) < 2:
                raise AlbertTfError(f"{path}:{number}: expected a word and a tag, got "
                                    f"{len(fields)} field")
            if not -len(fields) <= index < len(fields):
                raise AlbertTfError(f"{path}:{number}: no tag column {tag_column} "
                                    f"(the line has {len(fields)} columns)")
            current.append((number, fields[0], fields[index]))
    if current:
        sentences.append(current)
    return sentences


def detect_scheme(sentences) -> str:
    """``bmes`` if any M-/E-/S- prefix, else ``iob1`` if a chunk begins with I-, else ``bio``."""
    scheme = "bio"
    for sentence in sentences:
        previous = "O"
        for tag in sentence:
            prefix, _, kind = tag.partition("-")
            if prefix in ("M", "E", "S"):
                return "bmes"
            if prefix == "I" and not _continues(previous, kind):
                scheme = "iob1"
            previous = tag
    return scheme


def _continues(previous, kind) -> bool:
    prefix, _, previous_kind = previous.partition("-")
    return previous != "O" and previous_kind == kind and prefix not in ("E", "S")


def to_bio(tags) -> list:
    """One sentence's tags (any scheme) as BIO tags (see the module docstring).

    Example:
        >>> to_bio(["I-PER", "I-PER", "B-PER", "O", "S-LOC", "B-ORG", "M-ORG", "E-ORG"])
        ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC', 'B-ORG', 'I-ORG', 'I-ORG']
    """
    out, previous = [], "O"
    for tag in tags:
        if tag == "O":
            out.append("O")
        else:
            prefix, _, kind = tag.partition("-")
            begins = prefix in ("B", "S") or not _continues(previous, kind)
            out.append(("B-" if begins else "I-") + kind)
        previous = tag
    return out


def from_bio(tags, scheme) -> list:
    """BIO tags of one sentence written in ``scheme`` (the inverse of ``to_bio``).

    Example:
        >>> from_bio(["B-PER", "I-PER", "B-PER", "O", "B-LOC"], "iob1")
        ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC']
        >>> from_bio(["B-ORG", "I-ORG", "I-ORG", "B-LOC"], "bmes")
        ['B-ORG', 'M-ORG', 'E-ORG', 'S-LOC']
    """
    if scheme == "bio":
        return list(tags)
    out, previous = ["O"] * len(tags), None
    for kind, first, end in entity_spans(tags):
        for i in range(first, end):
            if scheme == "iob1":
                touching = previous is not None and previous[0] == kind and previous[2] == first
                prefix = "B" if i == first and touching else "I"
            elif scheme == "bmes":
                prefix = ("S" if end - first == 1 else "B") if i == first else (
                    "E" if i == end - 1 else "M")
            else:
                raise AlbertTfError(f"unknown scheme {scheme!r}; schemes: {', '.join(SCHEMES)}")
            out[i] = f"{prefix}-{kind}"
        previous = (kind, first, end)
    return out


def entity_spans(tags) -> list:
    """``(type, first_word, end_word)`` (end exclusive) of the chunks of BIO tags.

    A chunk is what conlleval counts: ``I-X`` after O or another type begins one.

    Example:
        >>> entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
        [('PER', 0, 2), ('LOC', 3, 4), ('LOC', 4, 5)]
    """
    spans, start = [], None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (tag == "O" or prefix == "B" or kind != spans[-1][0]):
            spans[-1] = (spans[-1][0], start, i)
            start = None
        if tag != "O" and start is None:
            spans.append((kind, i, None))
            start = i
    return spans


def read_ner_file(path, tag_column=None, scheme=None):
    """Labelled sentences of a NER file, tags converted to BIO.

    Args:
        path: a CoNLL-style column file (``word ... TAG`` per line).
        tag_column: the tag's column counted from 1, or negative from the end
            (default: the last).
        scheme: ``iob1``, ``bio``, ``bmes``, or None / ``auto`` to detect it.

    Returns:
        ``(examples, scheme)``: a list of ``NerExample`` and the file's scheme.

    Raises:
        AlbertTfError: naming ``path:line`` for a line without a tag, or a tag the
            scheme does not allow.
    """
    sentences = read_columns(path, tag_column)
    tags, scheme = bio_tags(sentences, scheme, path)
    return [NerExample(words=[w for _, w, _ in sentence], tags=bio, line=sentence[0][0],
                       scheme=scheme) for sentence, bio in zip(sentences, tags)], scheme


def bio_tags(sentences, scheme, path):
    """Checks the tags of ``read_columns`` sentences against a scheme; returns them as BIO.

    Args:
        sentences: lists of ``(line_number, word, tag)``.
        scheme: ``iob1``, ``bio``, ``bmes``, or None / ``auto`` to detect it.
        path: the file, for messages.

    Returns:
        ``(tags, scheme)``: a list of BIO tags per sentence, and the scheme.
    """
    raw = [[tag for _, _, tag in sentence] for sentence in sentences]
    if scheme in (None, "", "auto"):
        scheme = detect_scheme(raw)
    elif scheme not in SCHEMES:
        raise AlbertTfError(f"unknown --scheme {scheme!r}; schemes: auto, {', '.join(SCHEMES)}")
    for sentence in sentences:
        for number, _, tag in sentence:
            _check_tag(tag, _PREFIXES[scheme], path, number)
    return [to_bio(tags) for tags in raw], scheme

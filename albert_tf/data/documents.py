"""Input text -> documents -> blocks, streamed: the corpus is never held whole.

Input formats (``--text-format``):

* ``lines`` (the original ``create_pretraining_data.py``): one sentence or
  paragraph per line, a blank line between documents.
* ``prose``: hard-wrapped running text, as Project Gutenberg books: the lines of
  a paragraph are joined, blank lines separate paragraphs (not documents), and
  each paragraph is split into sentences.
* ``paragraphs``: one paragraph per line, as WikiText: each line is split into
  sentences; a blank line ends a document.

In ``prose`` and ``paragraphs`` a document also ends at the end of each file and
at the first sentence end past ``DOCUMENT_CHARS`` characters, so a whole book
is cut into chapter-sized documents. A block is a run of whole documents of
about ``block_bytes`` of text; blocks are the unit of parallel work and of
shuffling, so memory stays bounded by a few blocks.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import os

from albert_tf.data.sentences import split_sentences
from albert_tf.errors import AlbertTfError

TEXT_FORMATS = ("lines", "prose", "paragraphs")
DOCUMENT_CHARS = 20_000


def expand_inputs(patterns) -> list:
    """Files matching each pattern (globs allowed), in the order given, each once."""
    files, seen = [], set()
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise AlbertTfError(f"--input {pattern}: no file matches")
        for path in matches:
            if not os.path.isfile(path):
                raise AlbertTfError(f"--input {path}: no such file")
            if path not in seen:
                refuse_binary(path)
                seen.add(path)
                files.append(path)
    return files


SAMPLE_BYTES = 1 << 16


def refuse_binary(path: str, flag: str = "--input") -> None:
    """Stops on a file that is not text (TFRecords, archives, random bytes): its first
    64 KiB hold a NUL byte, or more than 1 % of them do not decode as UTF-8."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if b"\0" in sample:
        raise AlbertTfError(f"{flag} {path}: not text (it holds NUL bytes: a TFRecord, an "
                            "archive or another binary file?)")
    if len(sample) == SAMPLE_BYTES:
        sample = sample[:sample.rfind(b"\n") + 1] or sample[:-4]  # no cut character at the end
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > 0.01 * max(len(text), 1):
        raise AlbertTfError(f"{flag} {path}: not UTF-8 text ({bad:,} of the first "
                            f"{len(text):,} characters do not decode); convert it to UTF-8")


def iter_lines(files):
    """``(path, line_number, text)`` of every line, decoded as UTF-8 (bad bytes replaced)."""
    for path in files:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                yield path, number, raw.decode("utf-8", errors="replace")


def _paragraph_documents(files, text_format):
    """``prose`` / ``paragraphs`` input as ``(sentence, end_of_document)`` items."""
    for path in files:
        paragraph, chars = [], 0
        lines = (text for _, _, text in iter_lines([path]))
        # A trailing blank line closes the file's last paragraph; the file is streamed.
        for line in itertools.chain(lines, [""]):
            text = line.strip()
            if text:
                paragraph.append(text)
                if text_format == "prose":
                    continue
            if not paragraph:
                if text_format == "paragraphs" and chars:
                    yield None, True
                    chars = 0
                continue
            sentences = split_sentences(" ".join(paragraph))
            paragraph = []
            for sentence in sentences:
                chars += len(sentence) + 1
                yield sentence, chars >= DOCUMENT_CHARS
                if chars >= DOCUMENT_CHARS:
                    chars = 0
        if chars:
            yield None, True


def iter_blocks(files, block_bytes: int, text_format: str = "lines"):
    """Yields blocks: lists of documents, each document a list of its sentences (lines).

    ``lines``: a line that is blank after stripping whitespace ends a document
    (consecutive blank lines and empty documents vanish); other formats as the
    module says (``text_format`` is checked by the caller, with every setting). A
    block closes after the document that takes it past ``block_bytes``; a document
    is never split across blocks.
    """
    if text_format == "lines":
        stripped = (line.strip() for _, _, line in iter_lines(files))
        items = ((text or None, not text) for text in stripped)
    else:
        items = _paragraph_documents(files, text_format)
    block, document, size = [], [], 0
    for text, ends in items:
        if text:
            document.append(text)
            size += len(text) + 1
            if not ends:
                continue
        if document:
            block.append(document)
            document = []
            if size >= block_bytes:
                yield block
                block, size = [], 0
    if document:
        block.append(document)
    if block:
        yield block


def file_digest(path: str) -> str:
    """sha256 of a file (for the metadata and for resuming only a matching run)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

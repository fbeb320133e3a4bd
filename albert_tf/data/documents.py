"""Input text -> documents -> blocks, streamed: the corpus is never held whole.

Input format (as the original ``create_pretraining_data.py``): one sentence or
paragraph per line, a blank line between documents. A block is a run of whole
documents of about ``block_bytes`` of text; blocks are the unit of parallel work
and of shuffling, so memory stays bounded by a few blocks.
"""

from __future__ import annotations

import glob
import hashlib
import os

from albert_tf.errors import AlbertTfError


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
                seen.add(path)
                files.append(path)
    return files


def iter_lines(files):
    """``(path, line_number, text)`` of every line, decoded as UTF-8 (bad bytes replaced)."""
    for path in files:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                yield path, number, raw.decode("utf-8", errors="replace")


def iter_blocks(files, block_bytes: int):
    """Yields blocks: lists of documents, each document a list of its non-blank lines.

    A line that is blank after stripping whitespace ends a document (consecutive
    blank lines and empty documents vanish). A block closes after the document
    that takes it past ``block_bytes``; a document is never split across blocks.
    """
    block, document, size = [], [], 0
    for _, _, line in iter_lines(files):
        text = line.strip()
        if text:
            document.append(text)
            size += len(text) + 1
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

"""Train/dev splits of a labelled file, for datasets that ship one split only.

The unit a split moves whole depends on the format, so that nothing is cut in half and
the two parts never share a document:

- ``squad``: a SQuAD JSON file; the unit is an article (all its paragraphs and questions).
- ``blocks``: a column file (CoNLL-2003, People's Daily), sentences separated by blank
  lines; the unit is a sentence, its lines unchanged.
- ``tsv``: a tab-separated file with a header line (SST-2, ChnSentiCorp); the unit is a
  line, and both parts keep the header.

The LAST ``dev_size`` units go to dev, the rest to train, in file order: the split is
deterministic, and neighbouring sentences (often from one document) stay together.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text, not_utf8

FORMATS = ("squad", "blocks", "tsv")
UNIT_NAMES = {"squad": "articles", "blocks": "sentences", "tsv": "lines"}


@dataclass
class Part:
    """One side of a split: ``units`` whole units, ``text`` the file's content."""

    units: int
    text: str
    questions: int = 0  # SQuAD only


def format_of(path: str, fmt: str = "auto") -> str:
    """``fmt``, or the format ``path``'s extension implies (.json, .tsv, else blocks)."""
    if fmt != "auto":
        if fmt not in FORMATS:
            raise AlbertTfError(f"--format {fmt}: not one of {', '.join(FORMATS)}")
        return fmt
    extension = os.path.splitext(path)[1].lower()
    return {".json": "squad", ".tsv": "tsv"}.get(extension, "blocks")


def dev_count(spec: str, total: int) -> int:
    """Units for dev from ``N`` or ``P%`` (of ``total``, rounded, at least 1)."""
    spec = str(spec).strip()
    try:
        if spec.endswith("%"):
            share = float(spec[:-1])
            if not 0 < share < 100:
                raise ValueError
            count = max(1, round(total * share / 100))
        else:
            count = int(spec)
            if count < 1:
                raise ValueError
    except ValueError:
        raise AlbertTfError(f"--dev-size {spec}: give a count (1 or more) or a share such "
                            "as 10%") from None
    if count >= total:
        raise AlbertTfError(f"--dev-size {spec}: the input has only {total} units, so "
                            "nothing would be left to train on")
    return count


def _read(path: str) -> str:
    if not os.path.isfile(path):
        raise AlbertTfError(f"--input {path}: no such file")
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except UnicodeDecodeError:
        raise AlbertTfError(not_utf8(path)) from None


def split_text(path: str, fmt: str, dev_size: str) -> tuple:
    """``(train, dev)`` :class:`Part`\\ s of the file at ``path``."""
    text = _read(path)
    if fmt == "squad":
        try:
            dataset = json.loads(text)
        except json.JSONDecodeError as e:
            raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        articles = dataset.get("data") if isinstance(dataset, dict) else None
        if not isinstance(articles, list) or not articles:
            raise AlbertTfError(f"{path}: not a SQuAD file (no \"data\" list of articles)")
        cut = len(articles) - dev_count(dev_size, len(articles))

        def part(chosen):
            body = {"version": dataset.get("version", "1.1"), "data": chosen}
            questions = sum(len(p.get("qas", [])) for a in chosen
                            for p in a.get("paragraphs", []))
            return Part(len(chosen), json.dumps(body), questions)

        return part(articles[:cut]), part(articles[cut:])
    if fmt == "tsv":
        lines = text.splitlines(keepends=True)
        if len(lines) < 3:
            raise AlbertTfError(f"{path}: a header and at least two lines are needed")
        header, rows = lines[0], [line for line in lines[1:] if line.strip()]
        if rows and not rows[-1].endswith("\n"):
            rows[-1] += "\n"
        cut = len(rows) - dev_count(dev_size, len(rows))
        return (Part(cut, header + "".join(rows[:cut])),
                Part(len(rows) - cut, header + "".join(rows[cut:])))
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line + "\n")
        elif current:
            blocks.append("".join(current))
            current = []
    if current:
        blocks.append("".join(current))
    if len(blocks) < 2:
        raise AlbertTfError(f"{path}: fewer than two blank-line-separated sentences")
    cut = len(blocks) - dev_count(dev_size, len(blocks))
    return (Part(cut, "\n".join(blocks[:cut]) + "\n"),
            Part(len(blocks) - cut, "\n".join(blocks[cut:]) + "\n"))


def split_file(path: str, train_output: str, dev_output: str, dev_size: str = "10%",
               fmt: str = "auto", overwrite: bool = False) -> tuple:
    """Writes the two parts (each atomically); returns ``(train, dev)`` parts.

    Existing outputs are refused unless ``overwrite``; the input is never an output.
    """
    fmt = format_of(path, fmt)
    for flag, output in (("--train-output", train_output), ("--dev-output", dev_output)):
        if os.path.abspath(output) == os.path.abspath(path):
            raise AlbertTfError(f"{flag} {output}: is the input file")
        if os.path.exists(output) and not overwrite:
            raise AlbertTfError(f"{flag} {output}: exists; pass --overwrite to replace it")
    if os.path.abspath(train_output) == os.path.abspath(dev_output):
        raise AlbertTfError(f"--dev-output {dev_output}: is also --train-output")
    train, dev = split_text(path, fmt, dev_size)
    for output, part in ((train_output, train), (dev_output, dev)):
        folder = os.path.dirname(os.path.abspath(output))
        try:
            os.makedirs(folder, exist_ok=True)
            atomic_write_text(output, part.text)
        except PermissionError:
            raise AlbertTfError(f"{output}: no permission to write in {folder}") from None
    return train, dev

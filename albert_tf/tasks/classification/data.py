"""Classification data files: GLUE TSV, label-first TSV, and CSV / TSV / JSONL with named columns."""

from __future__ import annotations

import csv
import dataclasses
import json
import os

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import not_utf8

TEXT_COLUMNS = ("sentence", "text", "text_a", "sentence1", "question", "review", "content")
PAIR_COLUMNS = ("sentence2", "text_b", "question2", "hypothesis", "passage")
LABEL_COLUMNS = ("label", "labels", "gold_label", "sentiment", "score")


@dataclasses.dataclass
class Example:
    text_a: str
    text_b: str | None = None
    label: object = None
    guid: str | None = None
    where: str | None = None  # "file:line", for errors


LINE_KEY = "\0line"  # the row's line number, beside its columns


def _rows(path):
    """Header and rows of a CSV/TSV (by extension; .txt/.tsv are tab-separated) or JSONL."""
    if not os.path.isfile(path):
        raise AlbertTfError(f"{path}: no such file")
    try:
        return _read_rows(path)
    except UnicodeDecodeError:
        raise AlbertTfError(not_utf8(path)) from None


def _read_rows(path):
    ext = os.path.splitext(path)[1].lower()
    with open(path, encoding="utf-8-sig", newline="") as f:
        if ext in (".jsonl", ".json"):
            rows = []
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise AlbertTfError(f"{path}:{number}: not JSON ({e.msg})") from None
                    if not isinstance(row, dict):
                        raise AlbertTfError(f"{path}:{number}: not a JSON object")
                    rows.append({**row, LINE_KEY: number})
            header = [key for key in rows[0] if key != LINE_KEY] if rows else []
            return header, rows
        delimiter = "," if ext == ".csv" else "\t"
        reader = csv.reader(f, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if delimiter == ","
                            else csv.QUOTE_NONE)
        header, rows = None, []
        for row in reader:
            if not row:
                continue
            if header is None:
                header = [h.strip() for h in row]
                continue
            if len(row) != len(header):
                # A stray column would shift the label (or add a class) without a word.
                raise AlbertTfError(f"{path}:{reader.line_num}: {len(row)} columns, the header "
                                    f"has {len(header)} ({', '.join(header)})")
            rows.append({**dict(zip(header, row)), LINE_KEY: reader.line_num})
    return (header or []), rows


def _pick(header, wanted, given, path, what, required=True):
    if given:
        if given not in header:
            raise AlbertTfError(f"{path}: no column {given!r} (columns: {', '.join(header)})")
        return given
    for name in wanted:
        if name in header:
            return name
    if required:
        raise AlbertTfError(f"{path}: cannot tell the {what} column among {', '.join(header)}; "
                            f"name it with --{what.replace(' ', '-')}-column")
    return None


def read_classification_file(path, text_column=None, text_pair_column=None, label_column=None,
                             labelled=True):
    """Examples of a classification file.

    Columns are found by name (``sentence``/``text``/``text_a``..., ``sentence2``/
    ``text_b``..., ``label``...) or given. This covers GLUE TSVs (``sentence\\tlabel``,
    as SST-2), label-first TSVs (``label\\ttext_a`` and ``qid\\tlabel\\ttext_a``, as
    ChnSentiCorp), CSV and JSONL.

    Args:
        path: the file.
        text_column, text_pair_column, label_column: explicit column names.
        labelled: require a label column.
    """
    header, rows = _rows(path)
    if not header:
        raise AlbertTfError(f"{path}: empty file")
    text = _pick(header, TEXT_COLUMNS, text_column, path, "text")
    pair = _pick(header, PAIR_COLUMNS, text_pair_column, path, "text pair", required=False)
    label = _pick(header, LABEL_COLUMNS, label_column, path, "label", required=labelled)
    guid = next((name for name in ("qid", "id", "guid", "idx") if name in header), None)
    examples = []
    for number, row in enumerate(rows, 2):
        number = row.pop(LINE_KEY, number)
        if not isinstance(row.get(text), str):
            raise AlbertTfError(f"{path}:{number}: row has no {text!r} text")
        if pair is not None and not isinstance(row.get(pair, ""), str):
            raise AlbertTfError(f"{path}:{number}: {pair!r} is not text")
        value = None if label is None else row.get(label)
        if isinstance(value, (list, dict, bool)):
            raise AlbertTfError(f"{path}:{number}: label {value!r} is not a single value")
        examples.append(Example(
            text_a=row[text].strip(),
            text_b=None if pair is None else row.get(pair, "").strip(),
            label=None if value in (None, "") else value,
            guid=str(row[guid]) if guid and row.get(guid) is not None else str(number - 1),
            where=f"{path}:{number}",
        ))
        if labelled and examples[-1].label is None:
            raise AlbertTfError(f"{path}:{number}: no label in column {label!r}")
    return examples

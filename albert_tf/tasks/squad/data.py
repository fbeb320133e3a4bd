"""SQuAD v1.1 / v2.0 JSON files: examples, predictions files, and ``predict`` inputs.

The file layout is the official one::

    {"version": "1.1" | "v2.0",
     "data": [{"title": ..., "paragraphs": [{"context": ...,
               "qas": [{"id", "question", "answers": [{"text", "answer_start"}],
                        "is_impossible" (v2.0), "plausible_answers" (v2.0)}]}]}]}
"""

from __future__ import annotations

import dataclasses
import json
import os

from albert_tf.errors import AlbertTfError

VERSIONS = ("auto", "1.1", "2.0")


@dataclasses.dataclass
class SquadExample:
    """One question on one context.

    Args:
        qas_id: the question id (the key of predictions files).
        question: the question text.
        context: the paragraph text, exactly as in the file.
        answers: ``[(text, char_start), ...]``, every gold answer (dev sets have up to 6);
            empty for unanswerable questions and unlabelled inputs.
        is_impossible: SQuAD 2.0 unanswerable question.
        title: the article title.
    """

    qas_id: str
    question: str
    context: str
    answers: list = dataclasses.field(default_factory=list)
    is_impossible: bool = False
    title: str = ""


class SquadExamples(list):
    """A list of ``SquadExample`` that remembers its file's SQuAD version (``1.1``/``2.0``)."""

    version = "1.1"

    def __getitem__(self, index):  # a slice keeps the version
        item = super().__getitem__(index)
        if isinstance(index, slice):
            item = SquadExamples(item)
            item.version = self.version
        return item


def _load_json(path, what="file"):
    if not os.path.isfile(path):
        raise AlbertTfError(f"{path}: no such {what}")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    except UnicodeDecodeError:
        raise AlbertTfError(f"{path}: not UTF-8 text") from None


def file_version(dataset: dict) -> str:
    """``"2.0"`` when the file says v2 (``"version": "v2.0"``) or holds ``is_impossible``."""
    version = str(dataset.get("version", "")).lstrip("vV")
    if version.startswith("2"):
        return "2.0"
    # Only a look for the marker: the reader reports malformed parts with their place.
    for article in _items(dataset.get("data")):
        for paragraph in _items(article.get("paragraphs") if isinstance(article, dict) else None):
            qas = _items(paragraph.get("qas") if isinstance(paragraph, dict) else None)
            if any(isinstance(qa, dict) and "is_impossible" in qa for qa in qas):
                return "2.0"
    return "1.1"


def _items(value) -> list:
    return value if isinstance(value, list) else []


def read_squad_file(path, version: str = "auto") -> SquadExamples:
    """Examples of a SQuAD JSON file, in file order.

    Args:
        path: a SQuAD v1.1 or v2.0 JSON file.
        version: ``auto`` (from the file), ``1.1`` or ``2.0``.

    Returns:
        a ``SquadExamples`` list with ``.version`` set.

    Raises:
        AlbertTfError: one line naming the file and the record at fault.

    Example:
        >>> examples = read_squad_file("dev-v1.1.json")     # doctest: +SKIP
        >>> len(examples), examples.version                 # doctest: +SKIP
        (10570, '1.1')
    """
    if version not in VERSIONS:
        raise AlbertTfError(f"--version must be one of {', '.join(VERSIONS)}, not {version!r}")
    return examples_from_json(_load_json(path), version, path)


def examples_from_json(dataset, version: str = "auto", path: str = "data") -> SquadExamples:
    """``read_squad_file`` for a SQuAD document already parsed: ``{"data": [...]}`` or its
    ``data`` list itself; ``path`` names it in messages."""
    if isinstance(dataset, list):
        dataset = {"data": dataset}
    if not isinstance(dataset, dict) or not isinstance(dataset.get("data"), list):
        raise AlbertTfError(f"{path}: not a SQuAD file (no \"data\" list at the top level)")
    examples = SquadExamples()
    examples.version = file_version(dataset) if version == "auto" else version
    for a, article in enumerate(dataset["data"]):
        title = article.get("title", "") if isinstance(article, dict) else ""
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list):
            raise AlbertTfError(f"{path}: data[{a}] has no \"paragraphs\" list")
        for p, paragraph in enumerate(paragraphs):
            where = f"{path}: data[{a}].paragraphs[{p}]"
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not isinstance(paragraph.get("qas"), list):
                raise AlbertTfError(f"{where} needs a \"context\" string and a \"qas\" list")
            for qa in paragraph["qas"]:
                examples.append(_example(qa, context, title, where))
    return examples


def _example(qa, context, title, where) -> SquadExample:
    if not isinstance(qa, dict) or not isinstance(qa.get("question"), str) or "id" not in qa:
        raise AlbertTfError(f"{where}: a question has no \"id\" or \"question\"")
    qas_id = str(qa["id"])
    answers = []
    for answer in qa.get("answers", []):
        text, start = (answer.get("text"), answer.get("answer_start")) if isinstance(
            answer, dict) else (None, None)
        if not isinstance(text, str) or not isinstance(start, int) or not (
                0 <= start <= len(context)):
            raise AlbertTfError(f"{where}: question {qas_id}: an answer needs \"text\" and an "
                                f"\"answer_start\" inside the context")
        answers.append(_checked_answer(text, start, context, f"{where}: question {qas_id}"))
    impossible = bool(qa.get("is_impossible", False))
    if impossible and answers:
        raise AlbertTfError(f"{where}: question {qas_id} is_impossible but has answers")
    return SquadExample(qas_id, qa["question"], context, answers, impossible, title)


def _checked_answer(text, start, context, where, slack=8):
    """``(text, start)`` where ``context[start:]`` starts with ``text``.

    An answer off only by whitespace (spaces around its text, or an offset that points at
    the spaces before it) is fixed; any other mismatch is an error naming the question,
    since training on it would teach the wrong span.
    """
    if context.startswith(text, start):
        return text, start
    stripped = text.strip()
    if stripped:
        for shift in sorted(range(-slack, slack + 1), key=abs):
            at = start + shift
            if 0 <= at and context.startswith(stripped, at) and not context[
                    min(at, start):max(at, start)].strip():
                return stripped, at
    found = context[start:start + len(text)]
    raise AlbertTfError(f"{where}: answer {text[:60]!r} is not at answer_start {start} "
                        f"(the context has {found[:60]!r} there)")


def read_predictions(path) -> dict:
    """An official predictions file ``{id: answer_text}`` (``""`` = no answer)."""
    predictions = _load_json(path)
    if not isinstance(predictions, dict) or not all(
            isinstance(v, str) for v in predictions.values()):
        raise AlbertTfError(f"{path}: not a predictions file ({{\"question id\": \"answer "
                            f"text\"}})")
    return predictions


def read_na_probs(path) -> dict:
    """An official no-answer file ``{id: number}`` (probability or null odds)."""
    values = _load_json(path)
    if not isinstance(values, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()):
        raise AlbertTfError(f"{path}: not a no-answer file ({{\"question id\": number}})")
    return {k: float(v) for k, v in values.items()}


def read_question_lines(lines) -> list:
    """``predict`` inputs: JSON lines ``{"question", "context"}`` or ``question<TAB>context``.

    Blank lines are skipped; ``id`` is taken from the JSON object when present.
    """
    examples = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise AlbertTfError(f"input line {number}: not JSON ({e.msg})") from None
            question, context = row.get("question"), row.get("context")
            qas_id = str(row.get("id", number))
        else:
            question, tab, context = line.partition("\t")
            context = context if tab else None
            qas_id = str(number)
        if not isinstance(question, str) or not isinstance(context, str):
            raise AlbertTfError(f"input line {number}: give {{\"question\": ..., \"context\": "
                                f"...}} or question<TAB>context")
        examples.append(SquadExample(qas_id, question, context))
    return examples

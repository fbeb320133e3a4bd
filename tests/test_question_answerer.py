"""``albert_tf.QuestionAnswerer``: SQuAD data in, answers that slice the context (issue 19)."""

import json
import os

import numpy as np
import pytest

from albert_tf import AlbertTfError, QuestionAnswerer, load_model
from albert_tf.cli import main
from conftest import DATA, REPO


@pytest.fixture(scope="module")
def squad():
    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        return json.load(f)["data"]


@pytest.fixture(scope="module")
def reader(squad, tmp_path_factory):
    """The English starter fine-tuned on the questions of the first article's first 12
    paragraphs, given as the JSON's data list, without compile()."""
    reader = QuestionAnswerer.from_preset(os.path.join(REPO, "saved_models", "albert_starter_en"),
                                          max_seq_length=128, doc_stride=64,
                                          max_query_length=32)
    data = [dict(squad[0], paragraphs=squad[0]["paragraphs"][:12])]
    history = reader.fit(data, epochs=1, batch_size=32, verbose=0)
    folder = tmp_path_factory.mktemp("question_answerer") / "squad"
    reader.save(folder)
    return reader, history, folder


def _questions(squad, count):
    paragraph = squad[1]["paragraphs"][0]
    qas = paragraph["qas"][:count]
    return [q["question"] for q in qas], [paragraph["context"]] * len(qas)


def test_answers_slice_their_contexts(reader, squad):
    model, history, _ = reader
    assert np.isfinite(history.history["loss"][0])
    questions, contexts = _questions(squad, 5)
    long_context = " ".join(p["context"] for p in squad[1]["paragraphs"][:3])  # > 1 window
    found = model.predict(questions + [questions[0]], contexts + [long_context])
    assert len(found) == 6
    for row, context in zip(found, contexts + [long_context]):
        assert row["answer"] and context[row["start"]:row["end"]] == row["answer"]
        assert np.isfinite(row["score"])
    with pytest.raises(AlbertTfError, match="2 questions but 1 contexts"):
        model.predict(questions[:2], contexts[:1])


def test_save_load_and_the_cli_agree(reader, squad, capsys):
    model, _, folder = reader
    questions, contexts = _questions(squad, 4)
    features = {k: np.asarray(v)[:, :128] for k, v in model.tokenizer.pack(
        questions, contexts, max_seq_length=128).items()}
    want = model.network(features)
    got = load_model(folder)(features)
    for key in ("start_logits", "end_logits"):
        assert np.abs(np.asarray(got[key]) - np.asarray(want[key])).max() <= 1e-5
    capsys.readouterr()
    lines = [json.dumps({"question": q, "context": c}) for q, c in zip(questions, contexts)]
    assert main(["predict", "squad", "--model-dir", str(folder),
                 *[a for line in lines for a in ("--text", line)]]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    api = model.predict(questions, contexts)
    assert [(r["answer"], r["start"], r["end"]) for r in rows] == [
        (a["answer"], a["start"], a["end"]) for a in api]

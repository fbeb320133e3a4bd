"""Converted model directories are first-class: every Hugging Face head, converted, runs
predict, evaluate, export and finetune --init-checkpoint (issue 21 #2)."""

import json
import os
import shutil

import pytest

from albert_tf.cli import main
from conftest import DATA
from helpers.convert_fixtures import fixture

HEADS = {"classification": "sequence_classification_g2_i1",
         "ner": "token_classification_g1_i2",
         "squad": "question_answering_g2_i2"}


def _vocab(path, size=1003):
    """A WordPiece vocabulary of exactly ``size`` entries (the fixtures' vocab_size): the
    special tokens, then the commonest words of SST-2 and letters as continuations."""
    from collections import Counter

    with open(os.path.join(DATA, "sst2", "train.tsv"), encoding="utf-8") as f:
        words = Counter(w for line in list(f)[1:5001] for w in line.split("\t")[0].split())
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    pieces += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"] + list("abcdefghijklmnopqrstuvwxyz")
    pieces += [w for w, _ in words.most_common() if w not in pieces][:size - len(pieces)]
    path.write_text("\n".join(pieces) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("converted")
    out = {}
    for task, name in HEADS.items():
        source = folder / f"hf_{task}"
        shutil.copytree(fixture(name), source)
        _vocab(source / "vocab.txt")
        assert main(["convert", "--from", "huggingface", "--to", "keras", "--input",
                     str(source), "--output", str(folder / task)]) == 0
        out[task] = folder / task
    return folder, out


def _data(folder, task):
    """A small labelled file in the task's format, with the converted model's labels."""
    if task == "classification":
        path = folder / "data.tsv"
        rows = [f"{t}\t{label}" for t, label in (
            ("a gorgeous , witty film", "positive"), ("a dull mess", "negative"),
            ("it is a film", "neutral"), ("the acting is fine", "positive"))]
        path.write_text("\n".join(["sentence\tlabel"] + rows * 2) + "\n", encoding="utf-8")
    elif task == "ner":
        path = folder / "data.conll"
        sentence = "john B-PER\nsmith I-PER\nlives O\nin O\nparis B-LOC\n\n"
        path.write_text(sentence * 4, encoding="utf-8")
    else:
        path = folder / "data.json"
        with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
            paragraph = json.load(f)["data"][0]["paragraphs"][0]
        paragraph = {"context": paragraph["context"], "qas": paragraph["qas"][:4]}
        path.write_text(json.dumps({"version": "1.1", "data": [
            {"title": "t", "paragraphs": [paragraph]}]}), encoding="utf-8")
    return str(path)


PREDICT_INPUT = {"classification": "a gorgeous , witty film", "ner": "john smith lives in paris",
                 "squad": json.dumps({"question": "where does he live ?",
                                      "context": "john smith lives in paris ."})}


@pytest.mark.parametrize("task", list(HEADS))
def test_a_converted_head_runs_every_command(task, converted, tmp_path, capsys):
    folder, dirs = converted
    model = str(dirs[task])
    info = json.loads((dirs[task] / "task.json").read_text())
    assert info["max_seq_length"] == 40  # the command default, capped by the positions
    if task != "squad":
        assert info["num_labels"] == len(info["labels"])
    for name in os.listdir(model):  # normal permissions, as every other file
        if os.path.isfile(os.path.join(model, name)):
            assert os.stat(os.path.join(model, name)).st_mode & 0o644 == 0o644, name
    data = _data(tmp_path, task)
    capsys.readouterr()

    assert main(["predict", task, "--model-dir", model, "--text", PREDICT_INPUT[task]]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"classification": "label", "ner": "entities", "squad": "answer"}[task] in row

    assert main(["evaluate", task, "--model-dir", model, "--data", data,
                 "--output", str(tmp_path / "metrics.json")]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics == json.loads((tmp_path / "metrics.json").read_text())["metrics"]

    if task == "classification":  # the slowest step; export itself is tested per task
        assert main(["export", "--model-dir", model, "--output", str(tmp_path / "export"),
                     "--format", "saved_model"]) == 0
        assert os.path.exists(tmp_path / "export" / "saved_model" / "1" / "saved_model.pb")

    assert main(["finetune", task, "--train", data, "--init-checkpoint", model,
                 "--output-dir", str(tmp_path / "tuned"), "--batch-size", "2", "--epochs", "1",
                 "--max-seq-length", "32", "--jit-compile", "false", "--verbose", "0"]
                + (["--max-query-length", "12", "--doc-stride", "8"] if task == "squad" else [])
                ) == 0
    tuned = json.loads((tmp_path / "tuned" / "task.json").read_text())
    assert tuned["task"] == task and tuned["max_seq_length"] <= 40
    capsys.readouterr()


def test_converted_huggingface_files_get_normal_permissions(converted, tmp_path):
    _, dirs = converted
    assert main(["convert", "--from", "keras", "--to", "huggingface", "--input",
                 str(dirs["classification"]), "--output", str(tmp_path / "hf")]) == 0
    for name in os.listdir(tmp_path / "hf"):  # model.safetensors was 0600
        mode = os.stat(tmp_path / "hf" / name).st_mode & 0o777
        assert mode & 0o644 == 0o644, (name, oct(mode))

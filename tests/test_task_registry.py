"""Adding a task is one package and one registry line (issue 19).

The test writes a fourth task package outside albert-tf (here: movie reviews, which reuses
the classification task's reading and model under its own name), registers it with one
call, and runs the commands on it: no other file of albert-tf changes.
"""

import json
import os
import sys

import pytest

from albert_tf.cli import main
from conftest import DATA, REPO

PACKAGE = '''
"""A fourth task: movie-review sentiment (the classification task under its own name)."""
from albert_tf.tasks.classification import *  # noqa: F401,F403 (reading, model, metrics)
from albert_tf.tasks.classification import OPTIONS, model_classes  # noqa: F401

NAME = "reviews"
HELP = "movie-review sentiment (a task package outside albert-tf)"
SERVING = "albert_tf.tasks.classification.serving"
LABELLED = True
DEFAULT_MAX_SEQ_LENGTH = 64


def task_info(args):
    from albert_tf.tasks import classification

    return {**classification.task_info(args), "task": NAME}
'''


@pytest.fixture
def reviews_task(tmp_path, monkeypatch):
    from albert_tf.tasks import registry

    folder = tmp_path / "plugin" / "reviews_task"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(PACKAGE)
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    monkeypatch.setitem(registry.TASKS, "reviews", "reviews_task")  # the one line
    yield "reviews"
    sys.modules.pop("reviews_task", None)


def test_a_fourth_task_package_runs_every_command(reviews_task, tmp_path, capsys):
    from albert_tf import load_model
    from albert_tf.tasks import registry

    assert "reviews" in registry.finetuning_tasks()
    with pytest.raises(SystemExit):
        main(["finetune", "--help"])
    assert "movie-review sentiment" in capsys.readouterr().out
    lines = open(os.path.join(DATA, "sst2", "train.tsv"), encoding="utf-8").readlines()
    (tmp_path / "train.tsv").write_text("".join(lines[:97]))
    (tmp_path / "dev.tsv").write_text(lines[0] + "".join(lines[97:129]))
    out = tmp_path / "model"
    starter = os.path.join(REPO, "saved_models", "albert_starter_en")
    assert main(["finetune", "reviews", "--init-checkpoint", starter, "--train",
                 str(tmp_path / "train.tsv"), "--dev", str(tmp_path / "dev.tsv"),
                 "--output-dir", str(out), "--epochs", "1", "--batch-size", "32",
                 "--max-seq-length", "32", "--jit-compile", "false", "--verbose", "0"]) == 0
    assert json.loads((out / "task.json").read_text())["task"] == "reviews"
    model = load_model(out)  # built through the registry
    assert type(model).__name__ == "AlbertClassifier"
    capsys.readouterr()
    assert main(["predict", "reviews", "--model-dir", str(out), "--text", "a witty film"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] in (0, 1)
    assert main(["evaluate", "reviews", "--model-dir", str(out), "--data",
                 str(tmp_path / "dev.tsv")]) == 0
    assert "accuracy" in json.loads(capsys.readouterr().out)

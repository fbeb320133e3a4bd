"""Every task albert-tf knows, under the name ``task.json`` and the command line use.

Adding a task is one package (see ``tasks/base.py`` for what it provides) and one line
here. ``model_dir`` (building a saved model), export (its serving code), convert (the
model a checkpoint becomes) and the CLI (``finetune|evaluate|predict TASK``) all read
this table, so none of them lists tasks of its own.
"""

from __future__ import annotations

import importlib

from albert_tf.errors import AlbertTfError

TASKS = {
    "encoder": "albert_tf.tasks.encoder",
    "pretraining": "albert_tf.tasks.pretraining",
    "classification": "albert_tf.tasks.classification",
    "ner": "albert_tf.tasks.ner",
    "squad": "albert_tf.tasks.squad",
}


def register(name: str, module: str) -> None:
    """Adds a task package at run time (for code outside albert-tf)."""
    TASKS[name] = module


def task(name: str):
    """The package of the task ``name``."""
    if name not in TASKS:
        raise AlbertTfError(f"unknown task {name!r}; tasks: {', '.join(TASKS)}")
    return importlib.import_module(TASKS[name])


def finetuning_tasks() -> list:
    """Names of the tasks ``finetune``/``evaluate``/``predict`` take (those with OPTIONS),
    in table order, without importing them (their packages declare ``FINETUNING``)."""
    return [name for name in TASKS if name not in ("encoder", "pretraining")]

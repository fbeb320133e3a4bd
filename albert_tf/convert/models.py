"""The albert-tf model each converted task becomes, and its ``task.json`` entry.

Models are built by their task's package, through ``albert_tf/tasks/registry.py``:

- ``encoder``: ``AlbertEncoder``, no head;
- ``pretraining``: ``AlbertPretrainer`` (``predictions/...``, ``seq_relationship/...``);
- ``classification``: ``AlbertClassifier(config, N)`` (``classifier/{kernel,bias}``);
- ``ner``: ``AlbertTagger(config, N)`` (``classifier/{kernel,bias}`` per token);
- ``squad``: ``AlbertSpanExtractor(config)`` (``qa_outputs/{kernel,bias}``).
"""

from __future__ import annotations

import dataclasses

from albert_tf.errors import AlbertTfError
from albert_tf.tasks import registry

TASKS = tuple(registry.TASKS)


def labelled(task: str) -> bool:
    """Whether ``task.json`` of ``task`` carries label names (its package says)."""
    return bool(getattr(registry.task(task), "LABELLED", False))


@dataclasses.dataclass
class Converted:
    """A checkpoint read into albert-tf: the model, its task.json and its vocabulary.

    Attributes:
        model: the Keras model holding the weights.
        task_info: the ``task.json`` content (``{"task": ..., "labels": [...]}``).
        vocab: path of the vocabulary file found beside the source, or None.
        tokenizer_settings: ``do_lower_case`` / ``keep_accents`` for that vocabulary.
        extras: anything else a reader carries along for its writer.
    """

    model: object
    task_info: dict
    vocab: str | None = None
    tokenizer_settings: dict = dataclasses.field(default_factory=dict)
    extras: dict = dataclasses.field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.task_info["task"]

    @property
    def config(self):
        return self.model.config


def default_labels(num_labels: int) -> list:
    """Label names when the source has none: ``"0"``, ``"1"``, ..."""
    return [str(i) for i in range(num_labels)]


def task_info(task: str, labels=None, **settings) -> dict:
    """The ``task.json`` entry of a converted model (labels for the labelled tasks)."""
    if task not in TASKS:
        raise AlbertTfError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    info = {"task": task}
    if labelled(task):
        if not labels:
            raise AlbertTfError(f"task {task!r} needs label names")
        info["labels"] = [str(label) for label in labels]
        if task == "classification":
            info["num_labels"] = len(labels)
    info.update({k: v for k, v in settings.items() if v is not None})
    return info


def build_model(config, info: dict):
    """A freshly initialised albert-tf model for ``info["task"]``, built by its package."""
    task = info["task"]
    if task not in TASKS:
        raise AlbertTfError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    if labelled(task):
        if not info.get("labels") and not info.get("num_labels"):
            raise AlbertTfError(f"task {task!r} without \"labels\" (or \"num_labels\")")
        count = len(info["labels"]) if info.get("labels") else int(info["num_labels"])
        info = {**info, "num_labels": count}
    return registry.task(task).build_model(config, info)


def task_of(model, saved_info: dict | None = None) -> dict:
    """The ``task.json`` entry for a model read back from a model directory."""
    # Exact classes first: a task model may subclass another (a head on the encoder).
    classes = [(cls, name) for name in TASKS
               for cls in getattr(registry.task(name), "model_classes", tuple)()]
    for exact in (True, False):
        for cls, task in classes:
            if (type(model) is cls) if exact else isinstance(model, cls):
                info = dict(saved_info or {})
                info["task"] = task
                if labelled(task) and "labels" not in info:
                    info["labels"] = default_labels(int(model.classifier.units))
                return info
    raise AlbertTfError(f"cannot convert a {type(model).__name__}")

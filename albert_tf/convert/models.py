"""The albert-tf model each converted task becomes, and its ``task.json`` entry.

- ``encoder``: ``AlbertEncoder``, no head;
- ``pretraining``: ``AlbertPretrainer`` (``predictions/...``, ``seq_relationship/...``);
- ``classification``: ``AlbertClassifier(config, N)`` (``classifier/{kernel,bias}``);
- ``ner``: ``AlbertTagger(config, N)`` (``classifier/{kernel,bias}`` per token);
- ``squad``: ``AlbertSpanExtractor(config)`` (``qa_outputs/{kernel,bias}``).
"""

from __future__ import annotations

import dataclasses

from albert_tf.errors import AlbertTfError

TASKS = ("encoder", "pretraining", "classification", "ner", "squad")
LABELLED = ("classification", "ner")


@dataclasses.dataclass
class Converted:
    """A checkpoint read into albert-tf: the model, its task.json and its vocabulary.

    Attributes:
        model: the Keras model holding the weights.
        task_info: the ``task.json`` content (``{"task": ..., "labels": [...]}``).
        vocab: path of the vocabulary file found beside the source, or None.
        tokenizer_settings: ``do_lower_case`` / ``keep_accents`` for that vocabulary.
        extras: other weights carried along (the SQuAD 2.0 verifier head).
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
    if task in LABELLED:
        if not labels:
            raise AlbertTfError(f"task {task!r} needs label names")
        info["labels"] = [str(label) for label in labels]
        if task == "classification":
            info["num_labels"] = len(labels)
    info.update({k: v for k, v in settings.items() if v is not None})
    return info


def build_model(config, info: dict):
    """A freshly initialised albert-tf model for ``info["task"]``, built so it has weights."""
    from albert_tf.modeling import AlbertEncoder, AlbertPretrainer
    from albert_tf.modeling.task_models import AlbertClassifier, AlbertSpanExtractor, AlbertTagger

    task = info["task"]
    if task == "encoder":
        return AlbertEncoder(config)
    if task == "pretraining":
        return AlbertPretrainer(config)
    if task == "squad":
        return AlbertSpanExtractor(config)
    if task in LABELLED:
        cls = AlbertClassifier if task == "classification" else AlbertTagger
        dropout = info.get("classifier_dropout", 0.1)
        if not info.get("labels") and not info.get("num_labels"):
            raise AlbertTfError(f"task {task!r} without \"labels\" (or \"num_labels\")")
        count = len(info["labels"]) if info.get("labels") else int(info["num_labels"])
        return cls(config, count, classifier_dropout=dropout)
    raise AlbertTfError(f"unknown task {task!r}; known: {', '.join(TASKS)}")


def task_of(model, saved_info: dict | None = None) -> dict:
    """The ``task.json`` entry for a model read back from a model directory."""
    from albert_tf.modeling import AlbertEncoder, AlbertPretrainer
    from albert_tf.modeling.task_models import AlbertClassifier, AlbertSpanExtractor, AlbertTagger

    kinds = [(AlbertPretrainer, "pretraining"), (AlbertClassifier, "classification"),
             (AlbertTagger, "ner"), (AlbertSpanExtractor, "squad"), (AlbertEncoder, "encoder")]
    for cls, task in kinds:
        if isinstance(model, cls):
            info = dict(saved_info or {})
            info["task"] = task
            if task in LABELLED and "labels" not in info:
                info["labels"] = default_labels(int(model.classifier.units))
            return info
    raise AlbertTfError(f"cannot convert a {type(model).__name__}")

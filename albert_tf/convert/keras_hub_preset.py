"""keras-hub preset directories on disk, both ways (``--from/--to keras-hub``).

A preset saved by ``save_to_preset`` holds ``config.json`` + ``model.weights.h5``
(the ``AlbertBackbone``), ``task.json`` + ``task.weights.h5`` for a task
(``AlbertTextClassifier``), and ``tokenizer.json`` +
``assets/tokenizer/vocabulary.spm``. Only local directories are read: a hub
handle (``kaggle://``, ``hf://``, ...) would download, and albert-tf converts
files the user already has.

keras-hub's ``AlbertMaskedLM`` is not converted: its MLM head normalizes with
LayerNorm epsilon 1e-5, not the original 1e-12, so its logits are not ALBERT's.
"""

from __future__ import annotations

import json
import os

from albert_tf.convert import vocab_files
from albert_tf.convert.keras_hub import (
    backbone_from_encoder, config_from_backbone, encoder_from_backbone, name_table,
)
from albert_tf.convert.mapping import Row, model_values, transfer
from albert_tf.convert.models import Converted, build_model, default_labels, task_info
from albert_tf.errors import AlbertTfError

VOCAB = os.path.join("assets", "tokenizer", "vocabulary.spm")
# (ours, keras-hub) of the AlbertTextClassifier head, beside the backbone table.
CLASSIFIER_TABLE = [Row("classifier/kernel", "logits/kernel"),
                    Row("classifier/bias", "logits/bias")]


def _json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None


def check_local_preset(path: str) -> str:
    """The preset directory, after refusing hub handles and non-presets."""
    path = os.fspath(path)
    if "://" in path:
        raise AlbertTfError(f"{path}: a hub handle; albert-tf converts local files only "
                            "(download the preset, then pass its directory)")
    config = os.path.join(path, "config.json")
    if not os.path.isfile(config):
        raise AlbertTfError(f"{path}: not a keras-hub preset directory (no config.json)")
    if _json(config).get("class_name") != "AlbertBackbone":
        raise AlbertTfError(f"{config}: not a keras-hub AlbertBackbone preset")
    return path


def read_keras_hub(path: str, task: str | None = None, log=print) -> Converted:
    """Reads a keras-hub ALBERT preset directory (backbone, or text classifier)."""
    import keras_hub

    path = check_local_preset(path)
    task_file = os.path.join(path, "task.json")
    task_class = _json(task_file).get("class_name") if os.path.isfile(task_file) else None
    classifier = task_class == "AlbertTextClassifier" and task in (None, "classification")
    if task not in (None, "encoder") and not classifier:
        raise AlbertTfError(f"{path}: has no {task} head (keras-hub task: {task_class}); "
                            "--task encoder converts the backbone")
    if classifier:
        hub_model = keras_hub.models.AlbertTextClassifier.from_preset(path, preprocessor=None)
        config = config_from_backbone(hub_model.backbone)
        info = task_info("classification", default_labels(hub_model.num_classes),
                         classifier_dropout=hub_model.dropout)
        model = build_model(config, info)
        transfer(model_values(hub_model), model, name_table(config) + CLASSIFIER_TABLE,
                 source_name=path)
    else:
        backbone = keras_hub.models.AlbertBackbone.from_preset(path)
        info, model = task_info("encoder"), encoder_from_backbone(backbone)
        if task_class:
            log(f"{task_class} head not converted (albert-tf reads the backbone of it)")
    vocab = os.path.join(path, VOCAB)
    log(f"read a keras-hub {task_class or 'AlbertBackbone'} preset from {path}")
    return Converted(model, info, vocab if os.path.isfile(vocab) else None,
                     {"do_lower_case": True})


def write_keras_hub(converted: Converted, directory: str, log=print) -> None:
    """Writes a keras-hub preset: ``AlbertBackbone``, or ``AlbertTextClassifier``."""
    import keras_hub

    model = converted.model
    backbone = backbone_from_encoder(getattr(model, "encoder", model))
    if converted.task == "classification":
        hub_model = keras_hub.models.AlbertTextClassifier(
            backbone, num_classes=len(converted.task_info["labels"]), preprocessor=None,
            dropout=converted.task_info.get("classifier_dropout", 0.1))
        reverse = [Row(r.theirs, r.ours) for r in CLASSIFIER_TABLE]
        transfer(model_values(model), hub_model, reverse, source_name="albert-tf model",
                 dropped=set(model_values(model)))
        hub_model.save_to_preset(directory)
        written = "AlbertTextClassifier"
    else:
        if converted.task != "encoder":
            log(f"the {converted.task} head is not written (keras-hub has no ALBERT class "
                "for it); the backbone is")
        backbone.save_to_preset(directory)
        written = "AlbertBackbone"
    if converted.vocab and vocab_files.kind_of(converted.vocab) == "sentencepiece":
        keras_hub.models.AlbertTokenizer(proto=converted.vocab).save_to_preset(directory)
    elif converted.vocab:
        log("WordPiece vocabulary not written (keras-hub's AlbertTokenizer is SentencePiece)")
    log(f"wrote a keras-hub {written} preset")

"""What every fine-tuning task shares, and the interface a task module provides.

A task module (``classification``, ``ner``, ``squad``) exposes:

    NAME                                   its name in task.json and on the command line
    add_arguments(parser, command)         its own flags for finetune / evaluate / predict
    task_info(args) -> dict                its settings for task.json (before training)
    read_examples(path, info) -> list      a data file's labelled examples
    fit_info(examples, info) -> dict       settings learnt from the training set (labels)
    build_model(config, info) -> Model     encoder + head (also used by load_model)
    featurize(examples, tokenizer, info, training) -> (features, labels, weights)
                                           dicts of NumPy arrays, one row per window
    compile_model(model, optimizer, info, jit_compile)
    evaluate(model, tokenizer, examples, info) -> dict of metrics
    score_file(gold_path, predictions_path, info) -> dict   (no model: as the official scripts)
    predict(model, tokenizer, inputs, info) -> list of dicts (JSON-ready)
    read_inputs(path_or_lines, info) -> list                 raw inputs for predict

and may expose (optional):

    EVAL_WRITES_FILES = True               evaluate(..., output_dir=DIR) is then given the
                                           metrics' folder for files beside them (SQuAD:
                                           predictions.json, null_odds.json)
    info_overrides(args) -> dict           evaluate/predict flags that override task.json

``finetuning.py`` runs them: reading, the model directory, model.fit, metrics.
"""

from __future__ import annotations

import numpy as np

TASK_MODULES = {
    "classification": "albert_tf.tasks.classification",
    "ner": "albert_tf.tasks.ner",
    "squad": "albert_tf.tasks.squad",
}


def task_module(name: str):
    """The module of a task by name."""
    import importlib

    from albert_tf.errors import AlbertTfError

    if name not in TASK_MODULES:
        raise AlbertTfError(f"unknown task {name!r}; tasks: {', '.join(TASK_MODULES)}")
    return importlib.import_module(TASK_MODULES[name])


def task_options(name: str, command: str = "finetune", **changes):
    """A task's own options as its command-line flags give them by default, with ``changes``.

    For calling ``finetune`` and friends from Python without argparse.
    """
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    task_module(name).add_arguments(parser, command)
    options = parser.parse_args([])
    for key, value in changes.items():
        if not hasattr(options, key):
            raise TypeError(f"the {name} task has no option {key!r}")
        setattr(options, key, value)
    return options


def array_dataset(features, labels, weights, batch_size, *, training, seed=0):
    """In-memory rows -> ``tf.data``; with ``training``, reshuffled each pass, forever.

    The order is a pure function of the position in the stream (each pass is
    shuffled with a seed derived from its number), so a resumed run can skip the
    batches it has seen and continue exactly.

    Args:
        features, labels, weights: dicts of arrays with the same first dimension
            (``weights`` may be None).
        batch_size: rows per batch.
        training: shuffle, repeat, and drop the last partial batch.
        seed: shuffling seed.
    """
    import tensorflow as tf

    rows = len(next(iter(features.values())))
    parts = (features, labels) if weights is None else (features, labels, weights)
    base = tf.data.Dataset.from_tensor_slices(parts)
    if not training:
        return base.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def one_pass(epoch):
        return base.shuffle(rows, seed=seed * 1_000_003 + epoch, reshuffle_each_iteration=False)

    dataset = tf.data.Dataset.counter().flat_map(one_pass)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def pack_texts(tokenizer, texts_a, texts_b=None, max_seq_length=128, batch=1024):
    """Tokenizes and packs texts in batches; returns int32 NumPy arrays ``[n, max_seq_length]``."""
    outputs = {"input_ids": [], "input_mask": [], "segment_ids": []}
    for start in range(0, len(texts_a), batch):
        a = list(texts_a[start:start + batch])
        b = None if texts_b is None else list(texts_b[start:start + batch])
        packed = tokenizer.pack(a, b, max_seq_length=max_seq_length)
        for key in outputs:
            outputs[key].append(packed[key].numpy().astype(np.int32))
    if not outputs["input_ids"]:
        return {k: np.zeros((0, max_seq_length), np.int32) for k in outputs}
    return {k: np.concatenate(v) for k, v in outputs.items()}


def predict_batches(model, features, batch_size=64):
    """Runs ``model`` over feature arrays in batches; returns its outputs as NumPy arrays."""
    import keras

    outputs = {}
    rows = len(next(iter(features.values())))
    for start in range(0, rows, batch_size):
        batch = {k: v[start:start + batch_size] for k, v in features.items()}
        result = model(batch, training=False)
        for key, value in result.items():
            outputs.setdefault(key, []).append(keras.ops.convert_to_numpy(value))
    return {k: np.concatenate(v) for k, v in outputs.items()}

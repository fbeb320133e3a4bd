"""What every fine-tuning task shares, and the interface a task module provides.

A task package (``classification``, ``ner``, ``squad``; listed in ``registry.py``) exposes:

    NAME                                   its name in task.json and on the command line
    HELP                                   one line for ``albert-tf finetune --help``
    SERVING                                the module of its export code (``export/``)
    LABELLED                               True when task.json carries label names
    DEFAULT_MAX_SEQ_LENGTH                 packing width of a converted model without one
    model_classes() -> tuple               its Keras model classes (convert reads models back)
    OPTIONS                                its own options (tasks/options.py); the CLI
                                           makes its flags from them
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

import contextlib
import time

import numpy as np

from albert_tf.tasks import registry

# The fine-tuning tasks' packages (release 0.1's name; tasks/registry.py is the table).
TASK_MODULES = {name: registry.TASKS[name] for name in registry.finetuning_tasks()}


def task_module(name: str):
    """The package of a fine-tuning task by name."""
    from albert_tf.errors import AlbertTfError

    if name not in registry.finetuning_tasks():
        raise AlbertTfError(f"unknown task {name!r}; tasks: "
                            f"{', '.join(registry.finetuning_tasks())}")
    return registry.task(name)


def task_options(name: str, command: str = "finetune", **changes):
    """A task's own options as its command-line flags give them by default, with ``changes``.

    For calling ``finetune`` and friends from Python. Returns a frozen, typed dataclass
    (``options.options_class``) made from the task's ``OPTIONS``, the same declarations the
    command line makes its flags from; a value of the wrong type or outside the choices is
    a ``TypeError``.
    """
    from albert_tf.tasks.options import checked, options_class

    declared = {o.name: o for o in task_module(name).OPTIONS if command in o.commands}
    for key, value in changes.items():
        if key not in declared:
            raise TypeError(f"the {name} task has no option {key!r}")
        checked(declared[key], value)
    return options_class(name, command)(**changes)


# Batches are cut to their longest row rounded up to this many tokens (see trim_batch).
LENGTH_MULTIPLE = 16


def padded_length(longest, max_length, multiple):
    """``longest`` rounded up to a multiple of ``multiple``, at most ``max_length``.

    Works on Python/NumPy integers and on TensorFlow scalars alike. ``multiple`` 0
    means no trimming (``max_length``).
    """
    if not multiple:
        return max_length
    rounded = (longest + multiple - 1) // multiple * multiple
    if isinstance(rounded, (int, np.integer)):
        return int(min(max(rounded, multiple), max_length))
    import tensorflow as tf

    return tf.minimum(tf.maximum(rounded, multiple), max_length)


def trim_batch(parts, length_multiple):
    """Cuts the padding columns that every row of a batch shares (a ``tf.data`` step).

    Rows are packed left (real tokens, then padding), so the batch keeps its first
    ``L`` columns: the longest ``input_mask`` rounded up to ``length_multiple``.
    Every array of rank >= 2 whose second dimension is the sequence (token
    features, per-token labels and weights) is cut; per-example ones are kept.
    Padded positions are masked out of attention and losses, so the outputs are
    the same, with less work; rounding to a multiple keeps the number of distinct
    shapes (and XLA compilations) small.

    Args:
        parts: ``(features, labels[, weights])`` of one batch, as from ``array_dataset``.
        length_multiple: the rounding step; 0 keeps the full width.
    """
    import tensorflow as tf

    features = parts[0]
    seq = features["input_ids"].shape[1]
    longest = tf.reduce_max(tf.reduce_sum(tf.cast(features["input_mask"], tf.int32), axis=1))
    length = padded_length(longest, seq, length_multiple)

    def cut(value):
        if value.shape.rank is not None and value.shape.rank >= 2 and value.shape[1] == seq:
            return value[:, :length]
        return value

    return tuple(tf.nest.map_structure(cut, part) for part in parts)


# group_by_length sorts rows by length within windows of this many batches.
GROUP_WINDOW_BATCHES = 50


def grouped_batches(lengths, batch_size, seed):
    """Row indices ``[batches, batch_size]`` for one pass, rows of alike length together.

    The rows are shuffled (``seed``), cut into windows of ``GROUP_WINDOW_BATCHES``
    batches, sorted by length inside each window, split into batches, and the
    batches of all windows are shuffled again, so the order of lengths is random
    but each batch holds rows of about the same length. Rows left over from the
    last full batch are dropped, as with ``drop_remainder``.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    window = batch_size * GROUP_WINDOW_BATCHES
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start:start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[k:k + batch_size]
                       for k in range(0, len(chunk) - batch_size + 1, batch_size))
    batches = np.asarray(batches, np.int64).reshape(-1, batch_size)
    return batches[rng.permutation(len(batches))]


def array_dataset(features, labels, weights, batch_size, *, training, seed=0,
                  group_by_length=False, length_multiple=LENGTH_MULTIPLE):
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
        group_by_length: (training) batches of rows of about the same length
            (``grouped_batches``), each cut to its longest row rounded up to
            ``length_multiple`` (``trim_batch``): on short texts most batches are
            much narrower than ``max_seq_length``.
        length_multiple: the rounding of the cut width.
    """
    import tensorflow as tf

    rows = len(next(iter(features.values())))
    parts = (features, labels) if weights is None else (features, labels, weights)
    if not training:
        return tf.data.Dataset.from_tensor_slices(parts).batch(batch_size).prefetch(
            tf.data.AUTOTUNE)
    if group_by_length:
        lengths = np.asarray(features["input_mask"]).sum(axis=1)
        table = tf.nest.map_structure(tf.constant, parts)

        def pass_batches(epoch):
            indices = tf.numpy_function(
                lambda e: grouped_batches(lengths, batch_size, seed * 1_000_003 + int(e)),
                [epoch], tf.int64, stateful=False)
            return tf.data.Dataset.from_tensor_slices(tf.reshape(indices, [-1, batch_size]))

        dataset = tf.data.Dataset.counter().flat_map(pass_batches)
        dataset = dataset.map(lambda index: tf.nest.map_structure(
            lambda value: tf.gather(value, index), table))
        dataset = dataset.map(lambda *batch: trim_batch(batch, length_multiple))
        return dataset.prefetch(tf.data.AUTOTUNE)
    base = tf.data.Dataset.from_tensor_slices(parts)

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


# Per-token outputs of a trimmed batch are padded back to full width with this value
# (below any real logit, so an argmax or a softmax never picks a padding column).
PADDING_LOGIT = -10000.0


_progress = []  # the print functions of the enclosing reporting_progress() blocks


@contextlib.contextmanager
def reporting_progress(print_fn):
    """Inside the block, ``predict_batches`` reports ``predicted N/M rows`` through
    ``print_fn`` about every 10 % and at the end (long evaluations are not silent)."""
    _progress.append(print_fn)
    try:
        yield
    finally:
        _progress.pop()


def predict_batches(model, features, batch_size=64, length_multiple=0, token_outputs=()):
    """Runs ``model`` over feature arrays in batches; returns its outputs as NumPy arrays.

    With ``length_multiple``, rows are taken in order of length and each batch is
    cut to its longest row rounded up to that multiple (much less work on short
    texts; the outputs come back in the input order); the outputs named in
    ``token_outputs`` (`[batch, seq, ...]`) come back at full width with
    ``PADDING_LOGIT`` in the padding columns.
    """
    import keras

    rows = len(next(iter(features.values())))
    seq = features["input_ids"].shape[1]
    order = np.arange(rows)
    if length_multiple:
        order = np.argsort(np.asarray(features["input_mask"]).sum(axis=1), kind="stable")
    outputs = {}
    report = _progress[-1] if _progress else None
    batches = -(-rows // batch_size)
    every = max(1, -(-batches // 10))  # about every 10 %
    started = time.time()
    for number, start in enumerate(range(0, rows, batch_size), 1):
        take = order[start:start + batch_size]
        batch = {k: np.asarray(v)[take] for k, v in features.items()}
        length = padded_length(int(batch["input_mask"].sum(axis=1).max(initial=1)), seq,
                               length_multiple)
        if length < seq:
            batch = {k: v[:, :length] for k, v in batch.items()}
        result = model(batch, training=False)
        for key, value in result.items():
            value = keras.ops.convert_to_numpy(value)
            if length < seq and key in token_outputs:
                pad = [(0, 0), (0, seq - length)] + [(0, 0)] * (value.ndim - 2)
                value = np.pad(value, pad, constant_values=PADDING_LOGIT)
            outputs.setdefault(key, []).append(value)
        if report and (number % every == 0 or start + batch_size >= rows):
            done = min(rows, start + batch_size)
            report(f"predicted {done:,}/{rows:,} rows ({time.time() - started:.0f} s)")
    if not outputs:
        return {}
    inverse = np.empty_like(order)
    inverse[order] = np.arange(rows)
    return {k: np.concatenate(v)[inverse] for k, v in outputs.items()}


def resolve_jit(setting, strategy) -> bool:
    """``--jit-compile auto|true|false`` -> bool. auto: XLA on TensorFlow and JAX, except
    where it cannot work; off on torch, where it means ``torch.compile`` (minutes of
    compiling before the first step on CPU; ask for it with ``true``)."""
    import keras

    from albert_tf.errors import AlbertTfError
    from albert_tf.training.strategy import is_multi_cpu

    if setting in (False, "false"):
        return False
    if keras.backend.backend() == "torch":
        return setting in (True, "true")
    if is_multi_cpu(strategy):
        if setting in (True, "true"):
            raise AlbertTfError(
                "--jit-compile true cannot work with several replicas on CPUs: XLA does not "
                "compile TensorFlow's cross-replica collectives for CPU devices"
            )
        return False
    return True


def load_init_checkpoint(model, init_dir):
    """Copies the encoder weights of a model directory into ``model``'s encoder."""
    from albert_tf.errors import AlbertTfError
    from albert_tf.model_dir import load_model

    source = load_model(init_dir)
    source_encoder = getattr(source, "encoder", source)
    target_encoder = getattr(model, "encoder", model)
    if source_encoder.config != target_encoder.config:
        raise AlbertTfError(
            f"--init-checkpoint {init_dir}: its albert_config.json differs from --albert-config"
        )
    if type(source) is type(model):
        model.set_weights(source.get_weights())
    else:
        target_encoder.set_weights(source_encoder.get_weights())

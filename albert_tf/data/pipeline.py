"""Pretraining TFRecords -> ``tf.data`` for ``model.fit``: shard, shuffle, batch, prefetch."""

from __future__ import annotations

import tensorflow as tf

from albert_tf.data.features import MODEL_INPUTS, parse_spec
from albert_tf.errors import AlbertTfError


def list_files(patterns) -> list:
    """Sorted files matching one pattern, a comma-separated list, or a list of patterns."""
    if isinstance(patterns, str):
        patterns = [p for p in patterns.split(",") if p]
    files = sorted({f for p in patterns for f in tf.io.gfile.glob(p)})
    if not files:
        raise AlbertTfError(f"no TFRecord files match {', '.join(patterns)}")
    return files


def to_fit_triple(record: dict):
    """Splits a parsed batch into ``(features, labels, sample_weights)`` for ``model.fit``.

    Args:
        record: parsed features, int64 `[batch, len]` (weights float32).

    Returns:
        features: the model inputs as int32 `[batch, len]`;
        labels: ``{"mlm": masked_lm_ids [batch, pred], "sop": [batch]}``;
        sample_weights: ``{"mlm": masked_lm_weights [batch, pred]}``.
    """
    features = {name: tf.cast(record[name], tf.int32) for name in MODEL_INPUTS}
    labels = {
        "mlm": tf.cast(record["masked_lm_ids"], tf.int32),
        "sop": tf.cast(record["next_sentence_labels"][:, 0], tf.int32),
    }
    weights = {
        "mlm": record["masked_lm_weights"],
        "sop": tf.ones_like(record["masked_lm_weights"][:, 0]),
    }
    return features, labels, weights


def _mask_in_graph(record, positions, settings, max_predictions):
    from albert_tf.data.dynamic_masking import mask_batch

    ids, pos, labels, weights = tf.numpy_function(
        lambda *a: mask_batch(settings, max_predictions, *a),
        [record["input_ids"], record["input_mask"], record["token_boundary"], positions],
        [tf.int64, tf.int64, tf.int64, tf.float32], stateful=False,
    )
    shape = tf.shape(record["input_ids"])
    record = dict(record)
    record["input_ids"] = tf.reshape(ids, shape)
    pred_shape = [shape[0], max_predictions]
    record["masked_lm_positions"] = tf.reshape(pos, pred_shape)
    record["masked_lm_ids"] = tf.reshape(labels, pred_shape)
    record["masked_lm_weights"] = tf.reshape(weights, pred_shape)
    return record


def pretraining_dataset(
    file_patterns,
    batch_size: int,
    max_seq_length: int,
    max_predictions_per_seq: int,
    *,
    training: bool = True,
    input_context: tf.distribute.InputContext | None = None,
    shuffle_buffer: int = 10_000,
    seed: int | None = None,
    repeat: bool | None = None,
    cycle_length: int = 4,
    shard_policy: str = "data",
    dynamic_masking=None,
) -> tf.data.Dataset:
    """Reads pretraining TFRecords as batches of ``(features, labels, sample_weights)``.

    Args:
        file_patterns: glob(s) of TFRecord shards.
        batch_size: the global batch size; with ``input_context`` the per-replica
            share is taken (``get_per_replica_batch_size``).
        max_seq_length, max_predictions_per_seq: the sizes the records were
            written with (see their metadata JSON).
        training: shuffle files and records and repeat forever.
        input_context: from ``strategy.distribute_datasets_from_function``; each
            input pipeline then reads its own subset of files (or of records, when
            there are fewer files than pipelines).
        shuffle_buffer: records held for shuffling.
        seed: makes file and record order reproducible.
        repeat: repeat forever (default: ``training``).
        cycle_length: files read in parallel.
        shard_policy: how ``tf.distribute`` splits this dataset across workers when
            Keras distributes it (no ``input_context``): "data" (default; every
            worker reads all files and keeps its share of each global batch, so
            training equals a one-worker run with the same global batch) or
            "file" (each worker reads its own files: less I/O, different order).
        dynamic_masking: a ``DynamicMasking`` to draw new masks as records are
            read (records written with ``--masked-lm-prob 0``); None keeps the
            records' own masks.

    Returns:
        a ``tf.data.Dataset`` of batches, int32 features `[batch, max_seq_length]`
        and `[batch, max_predictions_per_seq]`.

    Example:
        >>> ds = pretraining_dataset("tfrecords/demo/*.tfrecord", 32, 128, 20)  # doctest: +SKIP
    """
    files = list_files(file_patterns)
    repeat = training if repeat is None else repeat
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    pipelines = input_context.num_input_pipelines if input_context is not None else 1
    pipeline_id = input_context.input_pipeline_id if input_context is not None else 0
    shard_files = pipelines > 1 and len(files) >= pipelines
    shard_records = pipelines > 1 and not shard_files
    base_seed = 0 if seed is None else int(seed)

    def one_pass(epoch):
        # Each pass over the data is shuffled with a seed derived from its index and
        # never re-drawn, so the stream is a pure function of the position in it:
        # a resumed run can skip the batches it already trained on and continue
        # exactly, and a fresh iterator repeats the same order.
        pass_seed = base_seed * 1_000_003 + epoch * 2
        names = tf.data.Dataset.from_tensor_slices(files)
        if shard_files:
            names = names.shard(pipelines, pipeline_id)
        if training:
            names = names.shuffle(len(files), seed=pass_seed, reshuffle_each_iteration=False)
        records = names.interleave(
            tf.data.TFRecordDataset,
            cycle_length=min(cycle_length, len(files)),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        if shard_records:
            records = records.shard(pipelines, pipeline_id)
        if training:
            records = records.shuffle(shuffle_buffer, seed=pass_seed + 1,
                                      reshuffle_each_iteration=False)
        return records

    if repeat:
        dataset = tf.data.Dataset.counter().flat_map(one_pass)
    else:
        dataset = one_pass(tf.constant(0, tf.int64))
    spec = parse_spec(max_seq_length, max_predictions_per_seq)
    if dynamic_masking is not None:
        # Each example's place in the stream seeds its masks (see dynamic_masking.py).
        dataset = dataset.enumerate()
    dataset = dataset.batch(batch_size, drop_remainder=training)

    def parse(*batch):
        if dynamic_masking is None:
            return to_fit_triple(tf.io.parse_example(batch[0], spec))
        positions, serialized = batch
        record = tf.io.parse_example(serialized, spec)
        return to_fit_triple(_mask_in_graph(record, positions, dynamic_masking,
                                            max_predictions_per_seq))

    dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    policies = {"data": tf.data.experimental.AutoShardPolicy.DATA,
                "file": tf.data.experimental.AutoShardPolicy.FILE}
    if input_context is not None:
        # Sharded above, per input pipeline; tf.distribute must not shard again.
        policy = tf.data.experimental.AutoShardPolicy.OFF
    elif shard_policy in policies:
        policy = policies[shard_policy]
    else:
        raise AlbertTfError(f"shard_policy must be 'data' or 'file', not {shard_policy!r}")
    options.experimental_distribute.auto_shard_policy = policy
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)

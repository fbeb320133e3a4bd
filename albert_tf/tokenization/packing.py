"""Packing one or two segments into ``input_ids``, ``input_mask``, ``segment_ids``.

``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``, padded to ``max_seq_length``; when the
pair is too long the longer segment loses its last token first, as the original
``_truncate_seq_pair`` (``while len(a) + len(b) > budget: pop from the longer, b on a
tie``). The loop has a closed form, so this runs on whole batches with plain TensorFlow
ops that TFLite also has (gather, scatter, cumsum, where).
"""

from __future__ import annotations

import tensorflow as tf


def truncated_lengths(len_a, len_b, budget):
    """Lengths ``(a, b)`` the original truncation loop ends with.

    Example:
        >>> [int(x) for x in truncated_lengths(tf.constant(10), tf.constant(10), 5)]
        [3, 2]
    """
    keep_b = tf.minimum(len_b, tf.maximum(budget - len_a, budget // 2))
    keep_a = tf.minimum(len_a, budget - keep_b)
    return keep_a, keep_b


def _flat(ragged):
    """``(values, row_splits, row_lengths)`` of a ragged ``[batch, None]`` int32 tensor."""
    values = tf.cast(ragged.values, tf.int32)
    splits = tf.cast(ragged.row_splits, tf.int32)
    return values, splits, splits[1:] - splits[:-1]


def _to_dense(values, splits, keep, width):
    """First ``keep[row]`` ids of each row, as a dense ``[batch, width]`` tensor (0-padded)."""
    n = tf.shape(values)[0]
    batch = tf.shape(splits)[0] - 1
    # The row of every flat position: count the row starts at or before it.
    starts = tf.scatter_nd(tf.expand_dims(splits[1:-1], 1), tf.ones_like(splits[1:-1]),
                           tf.expand_dims(n + 1, 0))
    rows = tf.cumsum(starts)[:n]
    cols = tf.range(n) - tf.gather(splits, rows)
    wanted = cols < tf.gather(keep, rows)
    index = tf.boolean_mask(tf.stack([rows, cols], axis=1), wanted)
    return tf.scatter_nd(index, tf.boolean_mask(values, wanted), tf.stack([batch, width]))


def pack(segment_a, segment_b, max_seq_length: int, cls_id: int, sep_id: int, pad_id: int):
    """Packs ragged ids into fixed-length model inputs.

    Args:
        segment_a: ``int32`` ragged ``[batch, None]`` ids of the first segment.
        segment_b: the same for the second segment, or None.
        max_seq_length: output width (room for the special tokens included).
        cls_id, sep_id, pad_id: special token ids.

    Returns:
        dict of ``int32`` ``[batch, max_seq_length]``: ``input_ids``, ``input_mask``
        (1 for real tokens), ``segment_ids`` (0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``).

    Example:
        >>> out = pack(tf.ragged.constant([[7, 8, 9]]), tf.ragged.constant([[5]]), 6, 2, 3, 0)
        >>> out["input_ids"].numpy().tolist(), out["segment_ids"].numpy().tolist()
        ([[2, 7, 8, 3, 5, 3]], [[0, 0, 0, 0, 1, 1]])
    """
    specials = 3 if segment_b is not None else 2
    if max_seq_length < specials:
        raise ValueError(f"max_seq_length {max_seq_length} leaves no room for the "
                         f"{specials} special tokens")
    budget = max_seq_length - specials
    a_values, a_splits, len_a = _flat(segment_a)
    if segment_b is not None:
        b_values, b_splits, len_b = _flat(segment_b)
        keep_a, keep_b = truncated_lengths(len_a, len_b, budget)
    else:
        keep_a = tf.minimum(len_a, budget)
        keep_b = tf.zeros_like(keep_a)
    dense_a = _to_dense(a_values, a_splits, keep_a, max_seq_length)
    dense_b = (_to_dense(b_values, b_splits, keep_b, max_seq_length)
               if segment_b is not None else tf.zeros_like(dense_a))

    position = tf.range(max_seq_length)[tf.newaxis, :]              # [1, L]
    end_a = (keep_a + 1)[:, tf.newaxis]                             # index of first [SEP]
    start_b = end_a + 1
    end_b = start_b + keep_b[:, tf.newaxis]                         # index of second [SEP]
    from_a = tf.gather(dense_a, tf.maximum(position - 1, 0) + 0 * end_a, batch_dims=1)
    from_b = tf.gather(dense_b, tf.maximum(position - start_b, 0), batch_dims=1)
    in_a = (position >= 1) & (position < end_a)
    in_b = (position >= start_b) & (position < end_b)
    is_sep = tf.equal(position, end_a)
    if segment_b is not None:
        is_sep |= tf.equal(position, end_b)
    length = end_b + 1 if segment_b is not None else end_a + 1
    real = position < length
    ids = tf.where(in_a, from_a, tf.where(in_b, from_b, tf.fill(tf.shape(from_a), pad_id)))
    ids = tf.where(is_sep, sep_id, ids)
    ids = tf.where(tf.equal(position, 0), cls_id, ids)
    # A select, not a cast of the bool: the TFLite converter rewrites the embedding
    # lookup's "index < 0" on a cast bool into a bool zeros_like it cannot lower.
    segment = tf.where(real & (position >= start_b), tf.ones_like(position), tf.zeros_like(position))
    return {"input_ids": tf.cast(ids, tf.int32), "input_mask": tf.cast(real, tf.int32),
            "segment_ids": segment}

"""Losses whose value does not depend on how a batch is split across replicas."""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops


def _sum_over_replicas(value):
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


@keras.saving.register_keras_serializable(package="albert_tf")
class WeightedSparseCrossEntropy(keras.losses.Loss):
    """``sum(w · CE) / (sum(w) + 1e-5)`` over the GLOBAL batch, as the original MLM loss.

    Each replica returns its share ``sum_local(w · CE) / (sum_global(w) + 1e-5)``;
    Keras adds the replicas' gradients, so training equals one replica holding the
    whole batch. (Keras' own weighted mean would normalise per replica.)

    Args (call):
        y_true: int `[batch, predictions]` target ids.
        y_pred: float `[batch, predictions, vocab]` logits.
        sample_weight: float `[batch, predictions]`, 1 for real predictions and 0
            for padding slots (``masked_lm_weights``).
    """

    def __init__(self, name="weighted_sparse_cross_entropy", **kwargs):
        super().__init__(name=name, reduction=None, **kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        logits = ops.cast(y_pred, "float32")
        labels = ops.cast(y_true, "int32")
        per_token = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        if sample_weight is None:
            sample_weight = ops.ones_like(per_token)
        weights = ops.reshape(ops.cast(sample_weight, "float32"), ops.shape(per_token))
        numerator = ops.sum(per_token * weights)
        denominator = _sum_over_replicas(ops.sum(weights)) + 1e-5
        # No 1/replicas factor: Keras applies it only inside its own reductions
        # (scale_loss_for_distribution), which this loss bypasses.
        return numerator / denominator

    def call(self, y_true, y_pred):  # pragma: no cover - __call__ is overridden
        raise NotImplementedError

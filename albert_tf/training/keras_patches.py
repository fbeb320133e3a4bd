"""A narrow fix for Keras 3's ``model.fit`` under ``MultiWorkerMirroredStrategy``.

Keras 3.15's TensorFlow trainer fails with MultiWorkerMirroredStrategy in two places:

1. ``TensorFlowTrainer._maybe_symbolic_build`` takes one distributed batch to
   build the model symbolically and calls ``strategy.reduce("MEAN", batch)``
   on it; under a multi-worker strategy that reduce receives ``PerReplica``
   values it cannot convert ("Attempt to convert a value (PerReplica...)").
   Only the shapes and dtypes of the batch are needed, so we take the first
   local replica's value instead: no collective, nothing to reduce.
2. ``reduce_per_replica`` (used on the logs returned by each train step)
   reduces with ``strategy.reduce("MEAN", v, axis=0)``; the logs are scalars, so
   axis 0 does not exist. We reduce scalars with ``axis=None``, which is the
   mean over replicas that Keras means to compute.

``apply()`` installs both replacements once, and only on the Keras versions
known to need them (``AFFECTED``); the multi-worker test in
``tests/test_pretraining_distributed.py`` fails if either fix stops working.
"""

from __future__ import annotations

import keras
import tensorflow as tf

AFFECTED = ("3.15.",)
_APPLIED = False


def _first_local(value):
    if isinstance(value, tf.distribute.DistributedValues):
        return value.values[0]
    return value


def _maybe_symbolic_build(self, iterator=None, data_batch=None):
    if self._distribute_strategy is None:
        return
    if iterator is not None:
        for _, _, it in iterator:
            data_batch = tf.nest.map_structure(
                _first_local, next(it), expand_composites=False
            )
            break
    with self.distribute_strategy.scope():
        self._symbolic_build(data_batch=data_batch)


def apply() -> bool:
    """Installs the fix if this Keras version needs it; returns whether it is active."""
    global _APPLIED
    if _APPLIED:
        return True
    if not keras.__version__.startswith(AFFECTED):
        return False
    from keras.src.backend.tensorflow import trainer as tf_trainer

    original_reduce = tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if tf_trainer._collective_all_reduce_multi_worker(strategy) and reduction in (
            "auto", "mean"
        ):
            def _reduce(v):
                if getattr(v, "shape", None) is not None and v.shape.rank == 0:
                    return strategy.reduce("MEAN", v, axis=None)
                return original_reduce(v, strategy, reduction)

            return tf.nest.map_structure(_reduce, values)
        return original_reduce(values, strategy, reduction)

    tf_trainer.reduce_per_replica = reduce_per_replica
    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    _APPLIED = True
    return True

"""The pretraining model: ``AlbertPretrainer`` compiled with the masked-LM and
sentence-order losses and metrics."""

from __future__ import annotations


import keras


def compile_pretrainer(model, optimizer, jit_compile=False, sop_loss_weight=1.0):
    """Compiles an ``AlbertPretrainer`` with the original losses and our metrics.

    Losses: masked-LM cross-entropy weighted by ``masked_lm_weights`` and
    normalised by their sum over the global batch, plus the sentence-order
    cross-entropy (mean over examples), weighted by ``sop_loss_weight`` (1 in the
    original; 0 trains the masked LM alone). Logged: ``loss``, ``mlm_loss``,
    ``sop_loss``, ``mlm_accuracy`` (weighted), ``sop_accuracy``.
    """
    from albert_tf.training.losses import WeightedSparseCrossEntropy

    model.compile(
        optimizer=optimizer,
        loss={
            "mlm": WeightedSparseCrossEntropy(),
            "sop": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"mlm": 1.0, "sop": float(sop_loss_weight)},
        # Keras 3 passes sample weights only to ``weighted_metrics``: under
        # ``metrics`` the padding slots of ``masked_lm_positions`` count as misses.
        weighted_metrics={
            "mlm": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "sop": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        },
        jit_compile=jit_compile,
    )
    return model


def build_model(config, task_info=None):
    """The pretraining model of ``config`` (the registry's builder)."""
    from albert_tf.modeling import AlbertPretrainer

    return AlbertPretrainer(config)

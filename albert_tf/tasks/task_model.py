"""What the public task classes share: the network, its tokenizer, the default optimizer
and ``save`` to a model directory (``TextClassifier``, ``TokenClassifier``,
``QuestionAnswerer``)."""

from __future__ import annotations

import os

import keras

SMALL_HIDDEN = 256  # models this narrow (the starters) fine-tune at 1e-3, wider at 5e-5


class TaskModel(keras.Model):
    """A task network with its tokenizer and ``task.json`` settings.

    Args:
        network: the task's Keras model (features in, a dict of outputs out), or None
            until the head can be built.
        tokenizer: its ``AlbertTokenizer``.
        info: the ``task.json`` settings.
    """

    def __init__(self, network, tokenizer, info, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self._tokenizer = tokenizer
        self.info = dict(info)

    tokenizer = property(lambda self: self._tokenizer)

    def default_learning_rate(self) -> float:
        """1e-3 for small models such as the starters (measured in docs/RESULTS.md),
        5e-5 for base-size and larger ones (the BERT and ALBERT papers' range)."""
        return 1e-3 if self.network.encoder.config.hidden_size <= SMALL_HIDDEN else 5e-5

    def default_optimizer(self, total_steps, learning_rate=None, warmup_proportion=0.1):
        """The project's AdamW with bias correction, warm-up, then linear decay to 0."""
        from albert_tf.training.optimizers import make_optimizer

        rate = learning_rate or self.default_learning_rate()
        return make_optimizer("adamw", self.network.trainable_variables, rate,
                              max(1, total_steps), int(warmup_proportion * total_steps),
                              bias_correction=True)

    def save(self, filepath, *args, **kwargs):
        """A folder: writes the model directory every CLI command reads (``.keras``
        file names go to ``keras.Model.save``)."""
        filepath = os.fspath(filepath)
        if filepath.endswith(".keras"):
            return super().save(filepath, *args, **kwargs)
        from albert_tf.model_dir import save_model

        return save_model(self.network, filepath, task_info=dict(self.info),
                          tokenizer=self._tokenizer)

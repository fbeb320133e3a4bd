"""Pretraining heads: masked-LM (tied to the word embeddings) and sentence order."""

import keras
from keras import ops

from albert_tf.modeling.activations import get_activation
from albert_tf.modeling.layers import LAYER_NORM_EPSILON, truncated_normal


def gather_positions(sequence, positions):
    """Picks vectors at given positions, per example.

    Args:
        sequence: float `[batch, seq_len, width]`.
        positions: int `[batch, num_positions]`.

    Returns:
        float `[batch, num_positions, width]`.

    Example:
        >>> import numpy as np
        >>> seq = np.arange(12, dtype="float32").reshape(1, 4, 3)
        >>> np.asarray(gather_positions(seq, np.array([[2, 0]]))).tolist()
        [[[6.0, 7.0, 8.0], [0.0, 1.0, 2.0]]]
    """
    shape = ops.shape(sequence)
    batch, seq_len, width = shape[0], shape[1], shape[2]
    positions = ops.cast(positions, "int32")
    offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * seq_len, 1)
    flat = ops.reshape(sequence, (-1, width))
    picked = ops.take(flat, ops.reshape(positions + offsets, (-1,)), axis=0)
    return ops.reshape(picked, (batch, ops.shape(positions)[1], width))


@keras.saving.register_keras_serializable(package="albert_tf")
class MaskedLMHead(keras.layers.Layer):
    """Masked-LM head: Dense(H→E, hidden_act) → LayerNorm → logits over the vocabulary.

    The output projection is the transposed word-embedding matrix of the encoder
    (tied: the same variable, not a copy) plus a per-token ``output_bias``, as
    in the original ``cls/predictions`` scope.

    Args:
        word_embeddings: the encoder's ``keras.layers.Embedding`` for word ids.
        embedding_size: E.
        hidden_act: the config's activation name.
        initializer_range: stddev of the truncated-normal initializer.

    Args (call):
        sequence_output: float `[batch, seq_len, hidden_size]`.
        masked_lm_positions: int `[batch, max_predictions]`.

    Returns:
        float `[batch, max_predictions, vocab_size]` logits.
    """

    def __init__(self, word_embeddings, embedding_size, hidden_act="gelu",
                 initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        # Held without tracking: the variable belongs to the encoder, and tracking
        # it here too would list (and save) it twice.
        object.__setattr__(self, "_tied_embeddings", word_embeddings)
        self.embedding_size = embedding_size
        self.hidden_act = hidden_act
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            embedding_size, activation=get_activation(hidden_act),
            kernel_initializer=truncated_normal(initializer_range),
            dtype=self.dtype_policy, name="transform_dense",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=LAYER_NORM_EPSILON, dtype=self.dtype_policy, name="transform_LayerNorm"
        )

    @property
    def vocab_size(self):
        return self._tied_embeddings.input_dim

    def build(self, sequence_output_shape, masked_lm_positions_shape=None):
        self.dense.build(tuple(sequence_output_shape))
        self.layer_norm.build(tuple(sequence_output_shape[:-1]) + (self.embedding_size,))
        self.output_bias = self.add_weight(
            shape=(self.vocab_size,), initializer="zeros", name="output_bias"
        )
        self.built = True

    def call(self, sequence_output, masked_lm_positions):
        x = gather_positions(sequence_output, masked_lm_positions)
        x = self.layer_norm(self.dense(x))
        table = ops.cast(self._tied_embeddings.embeddings, x.dtype)
        logits = ops.matmul(x, ops.transpose(table))
        return logits + ops.cast(self.output_bias, logits.dtype)

    def get_config(self):
        # Rebuilt by its owner (AlbertPretrainer), which supplies the embeddings.
        config = super().get_config()
        config.update(
            embedding_size=self.embedding_size,
            hidden_act=self.hidden_act,
            initializer_range=self.initializer_range,
        )
        return config


def sentence_order_head(initializer_range=0.02, dtype=None):
    """The SOP classifier: 2 logits from the pooled output (label 1 = swapped)."""
    return keras.layers.Dense(
        2, kernel_initializer=truncated_normal(initializer_range), dtype=dtype,
        name="seq_relationship",
    )

"""ALBERT's building blocks: factorized embeddings and the post-LN transformer block.

Written with ``keras`` and ``keras.ops`` only, so the model runs on every Keras 3
backend (TensorFlow, JAX, PyTorch). Sub-layer names follow the variable names of
the original TF1 checkpoints (``word_embeddings``, ``LayerNorm``, ``query``, ...).
"""

import math

import keras
from keras import ops

from albert_tf.modeling.activations import get_activation

# Every LayerNorm of the original model uses this epsilon.
LAYER_NORM_EPSILON = 1e-12
# The original adds this to attention logits of masked keys (additive mask).
MASK_ADDER = -10000.0


def truncated_normal(stddev):
    """The initializer of the original code: truncated normal with ``initializer_range``."""
    return keras.initializers.TruncatedNormal(stddev=stddev)


def _in_symbolic_scope() -> bool:
    """True while Keras infers output shapes on placeholder sizes (torch and JAX fill an
    unknown length with 83 or 89, which says nothing about the real input)."""
    try:
        from keras.src.backend.common.symbolic_scope import in_symbolic_scope
    except ImportError:  # a Keras without it: keep the check
        return False
    return in_symbolic_scope()


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertEmbeddings(keras.layers.Layer):
    """Word + position + segment embeddings of width E, then LayerNorm and dropout.

    Args (call):
        input_ids: int `[batch, seq_len]`.
        segment_ids: int `[batch, seq_len]`.

    Returns:
        float `[batch, seq_len, embedding_size]`.

    Example:
        >>> layer = AlbertEmbeddings(vocab_size=23, embedding_size=6,
        ...     max_position_embeddings=16, type_vocab_size=2)
        >>> tuple(layer(ops.ones((2, 5), "int32"), ops.zeros((2, 5), "int32")).shape)
        (2, 5, 6)
    """

    def __init__(
        self,
        vocab_size,
        embedding_size,
        max_position_embeddings,
        type_vocab_size,
        dropout_rate=0.0,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.dropout_rate = dropout_rate
        self.initializer_range = initializer_range
        init = truncated_normal(initializer_range)
        self.word_embeddings = keras.layers.Embedding(
            vocab_size, embedding_size, embeddings_initializer=init,
            dtype=self.dtype_policy, name="word_embeddings",
        )
        self.token_type_embeddings = keras.layers.Embedding(
            type_vocab_size, embedding_size, embeddings_initializer=init,
            dtype=self.dtype_policy, name="token_type_embeddings",
        )
        self.position_embeddings = keras.layers.Embedding(
            max_position_embeddings, embedding_size, embeddings_initializer=init,
            dtype=self.dtype_policy, name="position_embeddings",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=LAYER_NORM_EPSILON, dtype=self.dtype_policy, name="LayerNorm"
        )
        self.dropout = keras.layers.Dropout(dropout_rate, dtype=self.dtype_policy)

    def build(self, input_ids_shape, segment_ids_shape=None):
        self.word_embeddings.build(input_ids_shape)
        self.token_type_embeddings.build(input_ids_shape)
        self.position_embeddings.build((None,))
        self.layer_norm.build(tuple(input_ids_shape) + (self.embedding_size,))
        self.built = True

    def call(self, input_ids, segment_ids, training=None):
        seq_len = ops.shape(input_ids)[1]
        if (isinstance(seq_len, int) and seq_len > self.max_position_embeddings
                and not _in_symbolic_scope()):
            # Known here (eager, or a traced static shape): say so instead of failing
            # deep inside the position lookup.
            raise ValueError(
                f"input_ids has {seq_len} positions, more than max_position_embeddings "
                f"{self.max_position_embeddings}: pack the text to at most that many tokens "
                "(max_seq_length) or use a model with more positions")
        positions = ops.arange(seq_len, dtype="int32")
        x = (
            self.word_embeddings(input_ids)
            + self.token_type_embeddings(segment_ids)
            + ops.expand_dims(self.position_embeddings(positions), 0)
        )
        return self.dropout(self.layer_norm(x), training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocab_size=self.vocab_size,
            embedding_size=self.embedding_size,
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.type_vocab_size,
            dropout_rate=self.dropout_rate,
            initializer_range=self.initializer_range,
        )
        return config


@keras.saving.register_keras_serializable(package="albert_tf")
class TransformerEncoderBlock(keras.layers.Layer):
    """One post-LN transformer block: self-attention, add & norm, feed-forward, add & norm.

    This is the unit ALBERT shares across depth: the encoder calls the same
    instance once per layer of its group.

    Args (call):
        x: float `[batch, seq_len, hidden_size]`.
        input_mask: int or float `[batch, seq_len]`, 1 for real tokens and 0 for
            padding; padding keys get ``MASK_ADDER`` added to their attention
            logits (the additive mask of the original).
        return_attention: also return the attention probabilities
            `[batch, heads, seq_len, seq_len]`.

    Example:
        >>> block = TransformerEncoderBlock(hidden_size=8, num_attention_heads=2,
        ...     intermediate_size=12)
        >>> x = ops.ones((2, 5, 8))
        >>> tuple(block(x, ops.ones((2, 5), "int32")).shape)
        (2, 5, 8)
    """

    def __init__(
        self,
        hidden_size,
        num_attention_heads,
        intermediate_size,
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.initializer_range = initializer_range
        self.head_size = hidden_size // num_attention_heads

        def dense(units, name, activation=None):
            return keras.layers.Dense(
                units, activation=activation,
                kernel_initializer=truncated_normal(initializer_range),
                dtype=self.dtype_policy, name=name,
            )

        def layer_norm(name):
            return keras.layers.LayerNormalization(
                epsilon=LAYER_NORM_EPSILON, dtype=self.dtype_policy, name=name
            )

        self.query = dense(hidden_size, "query")
        self.key = dense(hidden_size, "key")
        self.value = dense(hidden_size, "value")
        self.attention_output = dense(hidden_size, "attention_output")
        self.attention_layer_norm = layer_norm("LayerNorm")
        self.ffn_intermediate = dense(
            intermediate_size, "ffn_intermediate", activation=get_activation(hidden_act)
        )
        self.ffn_output = dense(hidden_size, "ffn_output")
        self.output_layer_norm = layer_norm("LayerNorm_1")
        self.attention_dropout = keras.layers.Dropout(
            attention_probs_dropout_prob, dtype=self.dtype_policy
        )
        self.hidden_dropout = keras.layers.Dropout(hidden_dropout_prob, dtype=self.dtype_policy)

    def build(self, x_shape, input_mask_shape=None):
        hidden_shape = tuple(x_shape[:-1]) + (self.hidden_size,)
        for layer in (self.query, self.key, self.value, self.attention_output):
            layer.build(hidden_shape)
        self.attention_layer_norm.build(hidden_shape)
        self.ffn_intermediate.build(hidden_shape)
        self.ffn_output.build(tuple(x_shape[:-1]) + (self.intermediate_size,))
        self.output_layer_norm.build(hidden_shape)
        self.built = True

    def _split_heads(self, x):
        shape = ops.shape(x)
        x = ops.reshape(x, (shape[0], shape[1], self.num_attention_heads, self.head_size))
        return ops.transpose(x, (0, 2, 1, 3))  # [batch, heads, seq, head_size]

    def call(self, x, input_mask, training=None, return_attention=False):
        q = self._split_heads(self.query(x))
        k = self._split_heads(self.key(x))
        v = self._split_heads(self.value(x))
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2)))
        scores = scores * ops.cast(1.0 / math.sqrt(self.head_size), scores.dtype)
        scores = scores + attention_bias_from_mask(input_mask, scores.dtype)
        # Softmax in float32 even under mixed precision, as the original does.
        probs = ops.cast(ops.softmax(ops.cast(scores, "float32"), axis=-1), v.dtype)
        context = ops.matmul(self.attention_dropout(probs, training=training), v)
        context = ops.transpose(context, (0, 2, 1, 3))
        shape = ops.shape(context)
        context = ops.reshape(context, (shape[0], shape[1], self.hidden_size))
        attention = self.hidden_dropout(self.attention_output(context), training=training)
        attention = self.attention_layer_norm(x + attention)
        ffn = self.ffn_output(self.ffn_intermediate(attention))
        ffn = self.hidden_dropout(ffn, training=training)
        out = self.output_layer_norm(attention + ffn)
        if return_attention:
            return out, probs
        return out

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_size=self.hidden_size,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act=self.hidden_act,
            hidden_dropout_prob=self.hidden_dropout_prob,
            attention_probs_dropout_prob=self.attention_probs_dropout_prob,
            initializer_range=self.initializer_range,
        )
        return config


def attention_bias_from_mask(input_mask, dtype="float32"):
    """Turns a 0/1 mask `[batch, seq_len]` into the additive bias `[batch, 1, 1, seq_len]`."""
    mask = ops.cast(input_mask, dtype)
    return ops.expand_dims(ops.expand_dims((1.0 - mask) * MASK_ADDER, 1), 1)

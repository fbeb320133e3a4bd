"""ALBERT's SQuAD 2.0 head: start logits, end logits conditioned on the start, answerability.

As ``create_v2_model`` of google-research/albert ``squad_utils.py``, with its variable
scopes as layer names, so the weights are ``start_logits/dense/*``,
``end_logits/dense_0/*``, ``end_logits/LayerNorm/*``, ``end_logits/dense_1/*``,
``answer_class/dense_0/*`` and ``answer_class/dense_1/kernel``:

- start: ``Dense(1)`` on every position; positions that are not context pieces or [CLS]
  (question, [SEP], padding: the original's ``p_mask``) get ``-1e30``;
- end: ``Dense(H, tanh)`` on ``[h_i ; h_start]`` -> LayerNorm -> ``Dense(1)``, masked the
  same way; while training ``h_start`` is the gold start's vector (teacher forcing), at
  inference each of the ``start_n_top`` best starts gets its ``end_n_top`` best ends;
- answerability: ``Dense(H, tanh)`` on ``[sum_i softmax(start)_i h_i ; h_[CLS]]`` ->
  dropout -> ``Dense(1, no bias)``: ``cls_logits``, high = no answer.

The original computes ``p_mask`` in its featurizer; here it comes from the inputs
(``segment_ids == 1`` pieces before the final [SEP], and position 0), so the model takes
the three usual inputs.
"""

import keras
from keras import ops

from albert_tf.modeling.encoder import INPUT_NAMES, AlbertEncoder, as_config, select_inputs
from albert_tf.modeling.layers import LAYER_NORM_EPSILON, truncated_normal

NEG_INF = -1e30


def answer_positions(input_mask, segment_ids):
    """1.0 where an answer may start or end: context pieces and [CLS] (the original's
    ``1 - p_mask``). Inputs int ``[batch, seq]``; output float32 ``[batch, seq]``."""
    seq_len = ops.shape(input_mask)[1]
    positions = ops.arange(seq_len)[None, :]
    last = ops.sum(ops.cast(input_mask, "int32"), axis=1, keepdims=True) - 1  # final [SEP]
    context = ops.logical_and(ops.equal(segment_ids, 1), ops.equal(input_mask, 1))
    context = ops.logical_and(context, ops.not_equal(positions, last))
    return ops.cast(ops.logical_or(context, ops.equal(positions, 0)), "float32")


def _mask(logits, allowed):
    allowed = ops.cast(allowed, logits.dtype)
    return logits * allowed + ops.cast(NEG_INF, logits.dtype) * (1 - allowed)


def _dense(units, initializer_range, name, activation=None, use_bias=True):
    return keras.layers.Dense(units, activation=activation, use_bias=use_bias,
                              kernel_initializer=truncated_normal(initializer_range), name=name)


class _Scope(keras.layers.Layer):
    """A named group of layers (one variable scope of the original)."""

    def __init__(self, layers, input_dims, **kwargs):
        super().__init__(**kwargs)
        self._parts, self._input_dims = layers, input_dims

    def build(self, input_shape=None):
        for layer, dim in zip(self._parts, self._input_dims):
            layer.build((None, dim))
        self.built = True

    def call(self, x, training=None):
        for layer in self._parts:
            x = layer(x, training=training) if isinstance(layer, keras.layers.Dropout) else layer(x)
        return x


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertSquadVerifier(keras.Model):
    """The encoder with ALBERT's SQuAD 2.0 answer-verifier head.

    Args:
        config: an ``AlbertConfig`` (or dict).
        start_n_top, end_n_top: inference beam: best starts, and best ends per start.
        classifier_dropout: dropout in the answerability head (ALBERT's ``dropout_prob``).
        encoder: an existing ``AlbertEncoder`` to reuse.

    Inputs: ``input_ids``, ``input_mask``, ``segment_ids`` int32 ``[batch, seq]``; while
    training also ``start_positions`` int32 ``[batch]`` (the gold start, 0 = no answer).

    Outputs: ``start_logits`` ``[batch, seq]`` (masked), ``end_logits`` ``[batch, seq]``
    (given the gold start while training, the best start otherwise), ``cls_logits``
    ``[batch]``, and the beam: ``start_top_index``/``start_top_log_probs``
    ``[batch, start_n_top]`` and ``end_top_index``/``end_top_log_probs``
    ``[batch, start_n_top, end_n_top]`` (zeros while training with ``start_positions``).

    Example:
        >>> from albert_tf import AlbertConfig
        >>> import numpy as np
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12,
        ...     max_position_embeddings=16)
        >>> model = AlbertSquadVerifier(config, start_n_top=2, end_n_top=3)
        >>> x = {"input_ids": np.ones((1, 7), "int32"), "input_mask": np.ones((1, 7), "int32"),
        ...      "segment_ids": np.array([[0, 0, 0, 1, 1, 1, 1]], "int32")}
        >>> tuple(model(x)["end_top_index"].shape)
        (1, 2, 3)
    """

    def __init__(self, config, start_n_top=5, end_n_top=5, classifier_dropout=0.1,
                 encoder=None, name="albert_squad_verifier", **kwargs):
        super().__init__(name=name, **kwargs)
        config = as_config(config)
        hidden, init = config.hidden_size, config.initializer_range
        self.config, self.encoder = config, encoder or AlbertEncoder(config)
        self.start_n_top, self.end_n_top = int(start_n_top), int(end_n_top)
        self.start_logits = _Scope([_dense(1, init, "dense")], [hidden], name="start_logits")
        self.end_logits = _Scope(
            [_dense(hidden, init, "dense_0", "tanh"),
             keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name="LayerNorm"),
             _dense(1, init, "dense_1")], [2 * hidden, hidden, hidden], name="end_logits")
        self.answer_class = _Scope(
            [_dense(hidden, init, "dense_0", "tanh"), keras.layers.Dropout(classifier_dropout),
             _dense(1, init, "dense_1", use_bias=False)], [2 * hidden, hidden, hidden],
            name="answer_class")
        for scope in (self.start_logits, self.end_logits, self.answer_class):
            scope.build()
        self.built = True
        self._head_config = {"start_n_top": self.start_n_top, "end_n_top": self.end_n_top,
                             "classifier_dropout": classifier_dropout}

    def call(self, inputs, training=None):
        sequence = self.encoder(select_inputs(inputs, INPUT_NAMES, self.name),
                                training=training)["sequence_output"]
        allowed = answer_positions(inputs["input_mask"], inputs["segment_ids"])
        start_logits = _mask(ops.squeeze(self.start_logits(sequence), -1), allowed)
        start_probs = ops.softmax(start_logits, axis=-1)
        seq_len = ops.shape(sequence)[1]
        if training and "start_positions" in inputs:
            one_hot = ops.one_hot(ops.reshape(inputs["start_positions"], (-1,)), seq_len,
                                  dtype=sequence.dtype)
            chosen = ops.einsum("blh,bl->bh", sequence, one_hot)[:, None, :]  # [b, 1, H]
        else:
            top_log_probs, top_index = ops.top_k(ops.log_softmax(start_logits, -1),
                                                 self.start_n_top)
            one_hot = ops.one_hot(top_index, seq_len, dtype=sequence.dtype)
            chosen = ops.einsum("blh,bkl->bkh", sequence, one_hot)  # [b, k, H]
        # end logits for every chosen start: [b, k, L]
        k = ops.shape(chosen)[1]
        tiled = ops.broadcast_to(sequence[:, None], (ops.shape(sequence)[0], k, seq_len,
                                                     ops.shape(sequence)[2]))
        starts = ops.broadcast_to(chosen[:, :, None], ops.shape(tiled))
        end_logits = ops.squeeze(self.end_logits(ops.concatenate([tiled, starts], -1)), -1)
        end_logits = _mask(end_logits, allowed[:, None, :])
        cls = sequence[:, 0]
        start_feature = ops.einsum("blh,bl->bh", sequence, start_probs)
        cls_logits = ops.squeeze(self.answer_class(ops.concatenate([start_feature, cls], -1),
                                                   training=training), -1)
        outputs = {"start_logits": start_logits, "end_logits": end_logits[:, 0],
                   "cls_logits": cls_logits}
        if training and "start_positions" in inputs:
            # Keras fixes the output structure from an inference-mode trace: keep the keys.
            batch = ops.shape(sequence)[0]
            top_index = ops.zeros((batch, self.start_n_top), "int32")
            top_log_probs = ops.zeros((batch, self.start_n_top), start_logits.dtype)
            end_index = ops.zeros((batch, self.start_n_top, self.end_n_top), "int32")
            end_log_probs = ops.zeros((batch, self.start_n_top, self.end_n_top),
                                      start_logits.dtype)
        else:
            end_log_probs, end_index = ops.top_k(ops.log_softmax(end_logits, -1), self.end_n_top)
        outputs.update(start_top_index=top_index, start_top_log_probs=top_log_probs,
                       end_top_index=end_index, end_top_log_probs=end_log_probs)
        return outputs

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name, "trainable": self.trainable,
                **self._head_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

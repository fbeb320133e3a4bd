"""The SQuAD 2.0 answer-verifier head of the original ALBERT release, as Keras layers.

google-research/albert ``squad_utils.create_v2_model`` puts three heads on the
sequence output: ``start_logits`` (Dense 1), ``end_logits`` (Dense H tanh on the
token and the start token's vector, LayerNorm, Dense 1) and ``answer_class``
(Dense H tanh on the start-weighted vector and [CLS], Dense 1 without bias) whose
``cls_logits`` score "no answer". ``SquadV2Head`` holds those weights under layer
names that mirror the original scopes, so a released SQuAD 2.0 checkpoint loads
into it (``albert_tf.convert``), and computes the training-time form (the end
logits for a given start position). The original's beam search over the top
start positions at prediction time calls the same layers once per candidate.
"""

import keras
from keras import ops

from albert_tf.modeling.layers import LAYER_NORM_EPSILON, truncated_normal

# The original masks invalid positions with this (not the -10000 of attention).
P_MASK_ADDER = -1e30


def _dense(units, name, initializer_range, activation=None, use_bias=True):
    return keras.layers.Dense(units, activation=activation, use_bias=use_bias,
                              kernel_initializer=truncated_normal(initializer_range), name=name)


def _masked(logits, p_mask):
    return logits * (1.0 - p_mask) + P_MASK_ADDER * p_mask


@keras.saving.register_keras_serializable(package="albert_tf")
class SquadV2Head(keras.Model):
    """start/end/answer-class heads of the original SQuAD 2.0 fine-tuning.

    Args:
        hidden_size: H of the encoder.
        initializer_range: stddev of the truncated-normal initializer.

    Inputs: a dict with ``sequence_output`` float `[batch, seq_len, H]`, ``p_mask``
    float `[batch, seq_len]` (1 where no answer may start or end: question, special
    tokens, padding) and ``start_positions`` int `[batch]`.

    Outputs: ``start_logits`` and ``end_logits`` `[batch, seq_len]` (masked with
    -1e30 as the original), ``cls_logits`` `[batch]`.

    Example:
        >>> import numpy as np
        >>> head = SquadV2Head(hidden_size=8)
        >>> out = head({"sequence_output": np.ones((2, 5, 8), "float32"),
        ...             "p_mask": np.zeros((2, 5), "float32"),
        ...             "start_positions": np.array([1, 2], "int32")})
        >>> tuple(out["end_logits"].shape), tuple(out["cls_logits"].shape)
        ((2, 5), (2,))
    """

    def __init__(self, hidden_size, initializer_range=0.02, name="squad_v2_head", **kwargs):
        start = _dense(1, "start_logits", initializer_range)
        end_0 = _dense(hidden_size, "end_logits_dense_0", initializer_range, "tanh")
        end_norm = keras.layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON,
                                                   name="end_logits_LayerNorm")
        end_1 = _dense(1, "end_logits_dense_1", initializer_range)
        answer_0 = _dense(hidden_size, "answer_class_dense_0", initializer_range, "tanh")
        answer_1 = _dense(1, "answer_class_dense_1", initializer_range, use_bias=False)

        inputs = {
            "sequence_output": keras.Input((None, hidden_size), name="sequence_output"),
            "p_mask": keras.Input((None,), name="p_mask"),
            "start_positions": keras.Input((), dtype="int32", name="start_positions"),
        }
        seq, p_mask = inputs["sequence_output"], inputs["p_mask"]
        start_logits = _masked(ops.squeeze(start(seq), -1), p_mask)
        # End logits given the start token's vector, concatenated to every position.
        picked = ops.take_along_axis(
            seq, ops.reshape(ops.cast(inputs["start_positions"], "int32"), (-1, 1, 1)), axis=1)
        start_features = picked + ops.zeros_like(seq)  # [batch, seq_len, H], shape-agnostic
        end = end_1(end_norm(end_0(ops.concatenate([seq, start_features], axis=-1))))
        end_logits = _masked(ops.squeeze(end, -1), p_mask)
        # Answerability from [CLS] and the start-probability-weighted vector.
        start_p = ops.softmax(start_logits, axis=-1)
        start_feature = ops.sum(seq * ops.expand_dims(start_p, -1), axis=1)
        answer = answer_1(answer_0(ops.concatenate([start_feature, seq[:, 0, :]], axis=-1)))
        outputs = {"start_logits": start_logits, "end_logits": end_logits,
                   "cls_logits": ops.squeeze(answer, -1)}
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.hidden_size = hidden_size
        self.initializer_range = initializer_range

    def get_config(self):
        return {"hidden_size": self.hidden_size, "initializer_range": self.initializer_range,
                "name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

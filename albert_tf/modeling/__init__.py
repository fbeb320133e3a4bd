"""ALBERT as Keras 3 layers and models, written with ``keras.ops`` only (any backend)."""

from albert_tf.modeling.activations import gelu_exact, gelu_tanh, get_activation
from albert_tf.modeling.encoder import INPUT_NAMES, AlbertEncoder
from albert_tf.modeling.heads import MaskedLMHead, gather_positions, sentence_order_head
from albert_tf.modeling.layers import (
    LAYER_NORM_EPSILON,
    AlbertEmbeddings,
    TransformerEncoderBlock,
)
from albert_tf.modeling.pretrainer import AlbertPretrainer
from albert_tf.modeling.summary import parameter_breakdown

__all__ = [
    "INPUT_NAMES",
    "LAYER_NORM_EPSILON",
    "AlbertEmbeddings",
    "AlbertEncoder",
    "AlbertPretrainer",
    "MaskedLMHead",
    "TransformerEncoderBlock",
    "gather_positions",
    "gelu_exact",
    "gelu_tanh",
    "get_activation",
    "parameter_breakdown",
    "sentence_order_head",
]

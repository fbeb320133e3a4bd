"""AlbertEncoder: the ALBERT backbone as a functional Keras model."""

import keras
from keras import ops

from albert_tf.config import AlbertConfig
from albert_tf.modeling.layers import (
    AlbertEmbeddings,
    TransformerEncoderBlock,
    truncated_normal,
)

INPUT_NAMES = ("input_ids", "input_mask", "segment_ids")


def as_config(config) -> AlbertConfig:
    """Accepts an AlbertConfig or a dict of official keys."""
    if isinstance(config, AlbertConfig):
        return config
    return AlbertConfig.from_dict(dict(config))


def select_inputs(inputs, names, model_name):
    """Keeps only the named entries of a dict of inputs.

    Keras maps a dict with extra keys onto a functional model's inputs by
    position, silently feeding the wrong tensors; a TFRecord batch carries extra
    keys (labels, weights), so models take exactly their own names from it.
    """
    if not isinstance(inputs, dict):
        return inputs
    missing = [name for name in names if name not in inputs]
    if missing:
        raise KeyError(
            f"{model_name} needs inputs {', '.join(names)}; missing {', '.join(missing)}"
        )
    return {name: inputs[name] for name in names}


def encoder_inputs():
    """The three int32 `[batch, seq_len]` inputs, under their official names."""
    return {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertEncoder(keras.Model):
    """The ALBERT backbone: factorized embedding, shared transformer blocks, pooler.

    Layer ``i`` runs the blocks of group ``int(i / num_hidden_layers *
    num_hidden_groups)``; each group holds ``inner_group_num`` blocks run in turn.
    A block instance is called once per layer of its group, so the parameter
    count does not depend on ``num_hidden_layers``.

    Args:
        config: an ``AlbertConfig`` (or a dict of its official keys).
        output_attentions: also output ``attention_probs``
            `[batch, num_hidden_layers * inner_group_num, heads, seq_len, seq_len]`.

    Inputs: a dict of int32 `[batch, seq_len]` tensors ``input_ids``,
    ``input_mask`` (1 = real token) and ``segment_ids``; any ``seq_len`` up to
    ``max_position_embeddings``.

    Outputs: a dict with ``sequence_output`` `[batch, seq_len, hidden_size]` and
    ``pooled_output`` `[batch, hidden_size]` (tanh dense on the first token).

    Example:
        >>> import numpy as np
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12,
        ...     max_position_embeddings=16)
        >>> encoder = AlbertEncoder(config)
        >>> ids = np.array([[2, 5, 7, 3, 0]], "int32")
        >>> out = encoder({"input_ids": ids, "input_mask": (ids > 0).astype("int32"),
        ...                "segment_ids": np.zeros_like(ids)})
        >>> tuple(out["sequence_output"].shape), tuple(out["pooled_output"].shape)
        ((1, 5, 8), (1, 8))
    """

    def __init__(self, config, output_attentions=False, name="albert_encoder", **kwargs):
        config = as_config(config)
        dtype = kwargs.pop("dtype", None)
        embeddings = AlbertEmbeddings(
            vocab_size=config.vocab_size,
            embedding_size=config.embedding_size,
            max_position_embeddings=config.max_position_embeddings,
            type_vocab_size=config.type_vocab_size,
            dropout_rate=config.hidden_dropout_prob,
            initializer_range=config.initializer_range,
            dtype=dtype,
            name="embeddings",
        )
        mapping_in = keras.layers.Dense(
            config.hidden_size,
            kernel_initializer=truncated_normal(config.initializer_range),
            dtype=dtype,
            name="embedding_hidden_mapping_in",
        )
        groups = [
            [
                TransformerEncoderBlock(
                    hidden_size=config.hidden_size,
                    num_attention_heads=config.num_attention_heads,
                    intermediate_size=config.intermediate_size,
                    hidden_act=config.hidden_act,
                    hidden_dropout_prob=config.hidden_dropout_prob,
                    attention_probs_dropout_prob=config.attention_probs_dropout_prob,
                    initializer_range=config.initializer_range,
                    dtype=dtype,
                    name=f"group_{g}_inner_group_{i}",
                )
                for i in range(config.inner_group_num)
            ]
            for g in range(config.num_hidden_groups)
        ]
        pooler = keras.layers.Dense(
            config.hidden_size,
            activation="tanh",
            kernel_initializer=truncated_normal(config.initializer_range),
            dtype=dtype,
            name="pooler",
        )

        inputs = encoder_inputs()
        x = embeddings(inputs["input_ids"], inputs["segment_ids"])
        x = mapping_in(x)
        attention_maps = []
        for layer_index in range(config.num_hidden_layers):
            for block in groups[config.group_of_layer(layer_index)]:
                if output_attentions:
                    x, probs = block(x, inputs["input_mask"], return_attention=True)
                    attention_maps.append(probs)
                else:
                    x = block(x, inputs["input_mask"])
        first_token = x[:, 0, :]
        outputs = {"sequence_output": x, "pooled_output": pooler(first_token)}
        if output_attentions:
            outputs["attention_probs"] = ops.stack(attention_maps, axis=1)
        super().__init__(inputs=inputs, outputs=outputs, name=name, dtype=dtype, **kwargs)

        self.config = config
        self.output_attentions = output_attentions
        self.embeddings = embeddings
        self.embedding_hidden_mapping_in = mapping_in
        self.groups = groups
        self.pooler = pooler

    def call(self, inputs, training=None, mask=None):
        inputs = select_inputs(inputs, INPUT_NAMES, self.name)
        return super().call(inputs, training=training, mask=mask)

    @property
    def word_embeddings(self):
        """The `[vocab_size, embedding_size]` embedding layer the MLM head is tied to."""
        return self.embeddings.word_embeddings

    def blocks(self):
        """Every distinct TransformerEncoderBlock, group by group."""
        return [block for group in self.groups for block in group]

    def get_config(self):
        return {
            "config": self.config.to_dict(),
            "output_attentions": self.output_attentions,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

"""AlbertPretrainer: the encoder wired to the masked-LM and sentence-order heads."""

import keras

from albert_tf.modeling.encoder import (
    INPUT_NAMES,
    AlbertEncoder,
    as_config,
    encoder_inputs,
    select_inputs,
)
from albert_tf.modeling.heads import MaskedLMHead, sentence_order_head


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertPretrainer(keras.Model):
    """ALBERT for pretraining: masked-LM + sentence-order prediction.

    Args:
        config: an ``AlbertConfig`` (or a dict of its official keys).
        encoder: an existing ``AlbertEncoder`` to wrap (its weights are shared);
            a new one is built from ``config`` when omitted.

    Inputs: ``input_ids``, ``input_mask``, ``segment_ids`` (int32
    `[batch, seq_len]`) and ``masked_lm_positions`` (int32
    `[batch, max_predictions]`), the feature names of the pretraining TFRecords.

    Outputs (logits): ``mlm`` `[batch, max_predictions, vocab_size]` and
    ``sop`` `[batch, 2]`.

    Example:
        >>> import numpy as np
        >>> from albert_tf import AlbertConfig
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12,
        ...     max_position_embeddings=16)
        >>> model = AlbertPretrainer(config)
        >>> ids = np.array([[2, 4, 7, 3]], "int32")
        >>> out = model({"input_ids": ids, "input_mask": np.ones_like(ids),
        ...     "segment_ids": np.zeros_like(ids), "masked_lm_positions": np.array([[1]])})
        >>> tuple(out["mlm"].shape), tuple(out["sop"].shape)
        ((1, 1, 23), (1, 2))
    """

    def __init__(self, config, encoder=None, name="albert_pretrainer", **kwargs):
        config = as_config(config)
        dtype = kwargs.pop("dtype", None)
        if encoder is None:
            encoder = AlbertEncoder(config, dtype=dtype)
        mlm_head = MaskedLMHead(
            encoder.word_embeddings,
            embedding_size=config.embedding_size,
            hidden_act=config.hidden_act,
            initializer_range=config.initializer_range,
            dtype=dtype,
            name="predictions",
        )
        sop_head = sentence_order_head(config.initializer_range, dtype=dtype)

        inputs = encoder_inputs()
        inputs["masked_lm_positions"] = keras.Input(
            shape=(None,), dtype="int32", name="masked_lm_positions"
        )
        encoded = encoder({k: inputs[k] for k in ("input_ids", "input_mask", "segment_ids")})
        outputs = {
            "mlm": mlm_head(encoded["sequence_output"], inputs["masked_lm_positions"]),
            "sop": sop_head(encoded["pooled_output"]),
        }
        super().__init__(inputs=inputs, outputs=outputs, name=name, dtype=dtype, **kwargs)
        self.config = config
        self.encoder = encoder
        self.mlm_head = mlm_head
        self.sop_head = sop_head

    def call(self, inputs, training=None, mask=None):
        names = INPUT_NAMES + ("masked_lm_positions",)
        return super().call(select_inputs(inputs, names, self.name), training=training, mask=mask)

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

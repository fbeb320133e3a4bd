"""keras-hub ``AlbertBackbone`` <-> ``AlbertEncoder``: one name table, both directions."""

from __future__ import annotations

from albert_tf.config import AlbertConfig
from albert_tf.convert.mapping import transfer, variables_by_path
from albert_tf.errors import AlbertTfError

# (ours, keras-hub) outside the transformer blocks.
EMBEDDING_TABLE = [
    ("embeddings/word_embeddings/embeddings", "token_embedding/embeddings"),
    ("embeddings/position_embeddings/embeddings", "position_embedding/embeddings"),
    ("embeddings/token_type_embeddings/embeddings", "segment_embedding/embeddings"),
    ("embeddings/LayerNorm/gamma", "embeddings_layer_norm/gamma"),
    ("embeddings/LayerNorm/beta", "embeddings_layer_norm/beta"),
    ("embedding_hidden_mapping_in/kernel", "embedding_projection/kernel"),
    ("embedding_hidden_mapping_in/bias", "embedding_projection/bias"),
    ("pooler/kernel", "pooled_dense/kernel"),
    ("pooler/bias", "pooled_dense/bias"),
]

# (ours, keras-hub) inside block ``group_{g}_inner_group_{i}`` / ``group_{g}_inner_layer_{i}``.
# keras-hub keeps attention kernels as [H, heads, head_size]; ours as [H, H].
BLOCK_TABLE = [
    ("query/kernel", "self_attention_layer/query/kernel"),
    ("query/bias", "self_attention_layer/query/bias"),
    ("key/kernel", "self_attention_layer/key/kernel"),
    ("key/bias", "self_attention_layer/key/bias"),
    ("value/kernel", "self_attention_layer/value/kernel"),
    ("value/bias", "self_attention_layer/value/bias"),
    ("attention_output/kernel", "self_attention_layer/attention_output/kernel"),
    ("attention_output/bias", "self_attention_layer/attention_output/bias"),
    ("LayerNorm/gamma", "self_attention_layer_norm/gamma"),
    ("LayerNorm/beta", "self_attention_layer_norm/beta"),
    ("ffn_intermediate/kernel", "feedforward_intermediate_dense/kernel"),
    ("ffn_intermediate/bias", "feedforward_intermediate_dense/bias"),
    ("ffn_output/kernel", "feedforward_output_dense/kernel"),
    ("ffn_output/bias", "feedforward_output_dense/bias"),
    ("LayerNorm_1/gamma", "feedforward_layer_norm/gamma"),
    ("LayerNorm_1/beta", "feedforward_layer_norm/beta"),
]


def name_table(config: AlbertConfig):
    """Every ``(ours, keras-hub)`` variable-path pair for a config's group layout."""
    table = list(EMBEDDING_TABLE)
    for g in range(config.num_hidden_groups):
        for i in range(config.inner_group_num):
            for ours, theirs in BLOCK_TABLE:
                table.append(
                    (f"group_{g}_inner_group_{i}/{ours}", f"group_{g}_inner_layer_{i}/{theirs}")
                )
    return table


def config_from_backbone(backbone) -> AlbertConfig:
    """The AlbertConfig equivalent to a keras-hub ``AlbertBackbone``."""
    return AlbertConfig(
        vocab_size=backbone.vocabulary_size,
        embedding_size=backbone.embedding_dim,
        hidden_size=backbone.hidden_dim,
        num_hidden_layers=backbone.num_layers,
        num_hidden_groups=backbone.num_groups,
        inner_group_num=backbone.num_inner_repetitions,
        num_attention_heads=backbone.num_heads,
        intermediate_size=backbone.intermediate_dim,
        hidden_act="gelu",
        hidden_dropout_prob=backbone.dropout,
        attention_probs_dropout_prob=backbone.dropout,
        max_position_embeddings=backbone.max_sequence_length,
        type_vocab_size=backbone.num_segments,
    )


def backbone_kwargs(config: AlbertConfig) -> dict:
    """Constructor arguments of a keras-hub ``AlbertBackbone`` matching ``config``."""
    if config.hidden_act not in ("gelu", "gelu_new"):
        raise AlbertTfError(
            f"keras-hub's AlbertBackbone only has the tanh GELU; hidden_act is {config.hidden_act!r}"
        )
    if config.hidden_dropout_prob != config.attention_probs_dropout_prob:
        raise AlbertTfError(
            "keras-hub's AlbertBackbone has one dropout rate; the config has "
            f"hidden {config.hidden_dropout_prob} and attention {config.attention_probs_dropout_prob}"
        )
    return dict(
        vocabulary_size=config.vocab_size,
        num_layers=config.num_hidden_layers,
        num_heads=config.num_attention_heads,
        embedding_dim=config.embedding_size,
        hidden_dim=config.hidden_size,
        intermediate_dim=config.intermediate_size,
        num_groups=config.num_hidden_groups,
        num_inner_repetitions=config.inner_group_num,
        dropout=config.hidden_dropout_prob,
        max_sequence_length=config.max_position_embeddings,
        num_segments=config.type_vocab_size,
    )


def encoder_from_backbone(backbone):
    """Builds an ``AlbertEncoder`` holding a keras-hub ``AlbertBackbone``'s weights."""
    from albert_tf.modeling import AlbertEncoder

    config = config_from_backbone(backbone)
    encoder = AlbertEncoder(config)
    values = {path: _to_numpy(v) for path, v in variables_by_path(backbone).items()}
    transfer(values, encoder, name_table(config), source_name="keras-hub AlbertBackbone")
    return encoder


def backbone_from_encoder(encoder):
    """Builds a keras-hub ``AlbertBackbone`` holding an ``AlbertEncoder``'s weights."""
    import keras_hub

    config = encoder.config
    backbone = keras_hub.models.AlbertBackbone(**backbone_kwargs(config))
    values = {path: _to_numpy(v) for path, v in variables_by_path(encoder).items()}
    reverse = [(theirs, ours) for ours, theirs in name_table(config)]
    transfer(values, backbone, reverse, source_name="AlbertEncoder")
    return backbone


def _to_numpy(variable):
    import keras

    return keras.ops.convert_to_numpy(variable.value)

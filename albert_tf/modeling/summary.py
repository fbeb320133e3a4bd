"""Parameter counts of an encoder, broken down the way the ALBERT paper counts them."""


def _count(layer):
    return sum(_size(w) for w in layer.weights)


def _size(variable):
    size = 1
    for dim in variable.shape:
        size *= int(dim)
    return size


def parameter_breakdown(encoder):
    """Counts the parameters of an ``AlbertEncoder`` by part.

    Args:
        encoder: a built ``AlbertEncoder``.

    Returns:
        dict with ``embeddings`` (word, position, segment, LayerNorm),
        ``embedding_projection`` (E→H), ``transformer`` (the distinct shared
        blocks), ``pooler`` and ``total`` (the paper's "parameters").

    Example:
        >>> from albert_tf import AlbertConfig
        >>> from albert_tf.modeling import AlbertEncoder
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12,
        ...     max_position_embeddings=16)
        >>> parameter_breakdown(AlbertEncoder(config))["total"]
        918
    """
    parts = {
        "embeddings": _count(encoder.embeddings),
        "embedding_projection": _count(encoder.embedding_hidden_mapping_in),
        "transformer": sum(_count(block) for block in encoder.blocks()),
        "pooler": _count(encoder.pooler),
    }
    parts["total"] = sum(parts.values())
    return parts

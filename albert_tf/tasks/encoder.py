"""The encoder alone: ``AlbertEncoder`` without a head (converted or exported encoders)."""

NAME = "encoder"
SERVING = "albert_tf.export.encoder_serving"


def build_model(config, info=None):
    from albert_tf.modeling import AlbertEncoder

    return AlbertEncoder(config)


def model_classes():
    from albert_tf.modeling import AlbertEncoder

    return (AlbertEncoder,)

"""The activations an ``albert_config.json`` may name, as Keras functions."""

import keras

from albert_tf.errors import ConfigError


def gelu_tanh(x):
    """GELU, tanh approximation: what the original ALBERT code calls "gelu"."""
    return keras.activations.gelu(x, approximate=True)


def gelu_exact(x):
    """GELU with the Gaussian CDF (erf), for configs that ask for "gelu_exact"."""
    return keras.activations.gelu(x, approximate=False)


_BY_NAME = {
    "gelu": gelu_tanh,
    "gelu_new": gelu_tanh,
    "gelu_exact": gelu_exact,
    "relu": keras.activations.relu,
    "tanh": keras.activations.tanh,
    "swish": keras.activations.silu,
}


def get_activation(name: str):
    """Returns the Keras function for a config's ``hidden_act``.

    Args:
        name: one of "gelu" (tanh approximation), "gelu_new", "gelu_exact",
            "relu", "tanh", "swish".

    Example:
        >>> get_activation("gelu") is gelu_tanh
        True
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(
            f"hidden_act {name!r} is not supported; use one of {', '.join(_BY_NAME)}"
        ) from None

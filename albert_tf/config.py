"""AlbertConfig: the official ``albert_config.json`` keys as a typed dataclass."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from typing import Any

from albert_tf.errors import ConfigError
from albert_tf.io_utils import atomic_write_text

# Activations a config may name. "gelu" in the official configs is the tanh
# approximation (google-research/albert modeling.py); "gelu_new" is the same
# function under its Hugging Face name.
ACTIVATIONS = ("gelu", "gelu_new", "gelu_exact", "relu", "tanh", "swish")

# Keys of the original research code for variants we do not implement. They are
# accepted only at these (the released) values.
_UNSUPPORTED_DEFAULTS = {
    "net_structure_type": 0,
    "gap_size": 0,
    "num_memory_blocks": 0,
    "down_scale_factor": 1,
    "layers_to_keep": [],
}


# Keys every written config carries, even when its source file lacked them.
# The keys every albert_config.json must give (no silent defaults for sizes).
SIZE_KEYS = ("vocab_size", "embedding_size", "hidden_size", "num_hidden_layers",
             "num_attention_heads", "intermediate_size")
_CORE_KEYS = (
    "attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob", "embedding_size",
    "hidden_size", "initializer_range", "intermediate_size", "max_position_embeddings",
    "num_attention_heads", "num_hidden_layers", "num_hidden_groups", "inner_group_num",
    "type_vocab_size", "vocab_size",
)


@dataclasses.dataclass(frozen=True)
class AlbertConfig:
    """Hyper-parameters of an ALBERT model, named as in ``albert_config.json``.

    Args:
        vocab_size: number of token ids.
        embedding_size: width E of the factorized embeddings.
        hidden_size: width H of the transformer.
        num_hidden_layers: depth; layers share the weights of their group.
        num_hidden_groups: number of distinct parameter groups.
        inner_group_num: transformer blocks per group, run one after another.
        num_attention_heads: heads per attention layer; must divide H.
        intermediate_size: width of the feed-forward layer.
        hidden_act: "gelu" (tanh approximation, as the original), "gelu_new",
            "gelu_exact", "relu", "tanh" or "swish".
        hidden_dropout_prob: dropout on embeddings and block outputs.
        attention_probs_dropout_prob: dropout on attention probabilities.
        max_position_embeddings: longest sequence the model accepts.
        type_vocab_size: number of segment ids.
        initializer_range: stddev of the truncated-normal initializer.

    Example:
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12)
        >>> config.head_size
        4
    """

    # Fields in the order of the released albert_config.json files.
    attention_probs_dropout_prob: float = 0.0
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.0
    embedding_size: int = 128
    hidden_size: int = 4096
    initializer_range: float = 0.02
    intermediate_size: int = 16384
    max_position_embeddings: int = 512
    num_attention_heads: int = 64
    num_hidden_layers: int = 12
    num_hidden_groups: int = 1
    # Research-code keys, kept so official files round-trip; only defaults allowed.
    net_structure_type: int = 0
    layers_to_keep: tuple = ()
    gap_size: int = 0
    num_memory_blocks: int = 0
    inner_group_num: int = 1
    down_scale_factor: int = 1
    type_vocab_size: int = 2
    vocab_size: int = 30000

    def __post_init__(self):
        self._validate(source="AlbertConfig")

    # -- construction -----------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> "AlbertConfig":
        """Builds a config from a dict of official keys; ``source`` names it in errors."""
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: expected a JSON object, found {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{source}: unknown key {unknown[0]!r}"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
                + f"; known keys: {', '.join(sorted(known))}"
            )
        kwargs = dict(values)
        if "layers_to_keep" in kwargs and isinstance(kwargs["layers_to_keep"], list):
            kwargs["layers_to_keep"] = tuple(kwargs["layers_to_keep"])
        config = cls.__new__(cls)
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        for name, default in defaults.items():
            object.__setattr__(config, name, kwargs.get(name, default))
        config._validate(source=source)
        # Remember which keys the source had, in its order, so that writing the
        # config back reproduces an official file byte for byte.
        object.__setattr__(config, "_source_keys", tuple(values))
        return config

    @classmethod
    def from_json_file(cls, path: str | os.PathLike) -> "AlbertConfig":
        """Reads an ``albert_config.json``; errors name the file and the key."""
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                values = json.load(f)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        if isinstance(values, dict):
            missing = [key for key in SIZE_KEYS if key not in values]
            if missing:
                # A file without its sizes would silently get BERT-base-like defaults.
                raise ConfigError(f"{path}: missing key {missing[0]!r}"
                                  + (f" (and {', '.join(map(repr, missing[1:]))})"
                                     if len(missing) > 1 else "")
                                  + "; a config file gives every size: " + ", ".join(SIZE_KEYS))
        return cls.from_dict(values, source=path)

    def to_dict(self) -> dict[str, Any]:
        """The official keys and values, JSON-ready (``layers_to_keep`` as a list)."""
        values = dataclasses.asdict(self)
        values["layers_to_keep"] = list(self.layers_to_keep)
        keys = getattr(self, "_source_keys", None)
        if keys is None:
            # The released files carry layers_to_keep only in some sizes.
            keys = [k for k in values if k != "layers_to_keep" or self.layers_to_keep]
        else:
            keys = list(keys) + [k for k in values if k not in keys and k in _CORE_KEYS]
        return {k: values[k] for k in keys}

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_json_file(self, path: str | os.PathLike) -> None:
        """Writes the config atomically (temp name, then rename)."""
        atomic_write_text(path, self.to_json_string())

    def replace(self, **changes) -> "AlbertConfig":
        """A copy with some keys changed, validated again."""
        values = self.to_dict()
        values.update(changes)
        return type(self).from_dict(values, source="AlbertConfig.replace")

    # -- derived values ---------------------------------------------------
    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def group_of_layer(self, layer_index: int) -> int:
        """The parameter group that layer ``layer_index`` runs, as the original code."""
        return int(layer_index / self.num_hidden_layers * self.num_hidden_groups)

    # -- validation -------------------------------------------------------
    def _validate(self, source: str) -> None:
        def fail(key, message):
            raise ConfigError(f"{source}: key {key!r} {message}")

        positive_ints = (
            "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers",
            "num_hidden_groups", "inner_group_num", "num_attention_heads",
            "intermediate_size", "max_position_embeddings", "type_vocab_size",
        )
        for key in positive_ints:
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                fail(key, f"must be an integer, found {value!r}")
            if value < 1:
                fail(key, f"must be at least 1, found {value}")
        for key in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                fail(key, f"must be a probability in [0, 1), found {value!r}")
        value = self.initializer_range
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0
        ):
            fail("initializer_range", f"must be a positive number, found {value!r}")
        if self.hidden_act not in ACTIVATIONS:
            fail("hidden_act", f"must be one of {', '.join(ACTIVATIONS)}; found {self.hidden_act!r}")
        if self.hidden_size % self.num_attention_heads:
            fail(
                "hidden_size",
                f"({self.hidden_size}) must be divisible by num_attention_heads "
                f"({self.num_attention_heads})",
            )
        if self.num_hidden_layers % self.num_hidden_groups:
            fail(
                "num_hidden_layers",
                f"({self.num_hidden_layers}) must be divisible by num_hidden_groups "
                f"({self.num_hidden_groups})",
            )
        for key, default in _UNSUPPORTED_DEFAULTS.items():
            value = getattr(self, key)
            if (list(value) if isinstance(value, (list, tuple)) else value) != default:
                fail(key, f"is only supported at its default {default!r}, found {value!r}")

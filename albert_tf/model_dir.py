"""The model directory every command hands to the next (README.md, "A model directory").

    MODEL_DIR/
      albert_config.json   the AlbertConfig (official keys)
      task.json            which model this is and its settings
      vocab/               tokenizer assets (AlbertTokenizer.save_assets)
      model.weights.h5     the weights
"""

from __future__ import annotations

import importlib
import json
import os

from albert_tf.config import AlbertConfig
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path, atomic_write_text

CONFIG_FILE = "albert_config.json"
TASK_FILE = "task.json"
WEIGHTS_FILE = "model.weights.h5"
VOCAB_DIR = "vocab"
FORMAT = "albert-tf-model-dir/1"

# Models are built by their task's package (``albert_tf/tasks/registry.py``).
_BUILDERS: dict = {}  # release 0.1's register_task entries: name -> "module:function"


def register_task(name: str, builder: str) -> None:
    """Deprecated (goes in the next release): add a package to ``tasks/registry.py``, or
    call ``albert_tf.tasks.registry.register``. Registers ``"module:function"``."""
    import warnings

    warnings.warn("register_task is deprecated: use albert_tf.tasks.registry.register",
                  DeprecationWarning, stacklevel=2)
    _BUILDERS[name] = builder


def task_info_of(model) -> dict:
    """The ``task.json`` content describing ``model``."""
    if hasattr(model, "task_info"):
        return dict(model.task_info())
    from albert_tf.modeling import AlbertEncoder, AlbertPretrainer

    if isinstance(model, AlbertPretrainer):
        return {"task": "pretraining"}
    if isinstance(model, AlbertEncoder):
        return {"task": "encoder"}
    raise AlbertTfError(
        f"cannot save a {type(model).__name__}: not an ALBERT encoder, pretrainer or task model"
    )


def save_model(model, directory: str | os.PathLike, task_info: dict | None = None,
               tokenizer=None) -> str:
    """Writes ``model`` as a model directory; each file appears complete or not at all.

    Args:
        model: an ``AlbertEncoder``, ``AlbertPretrainer`` or task model with a
            ``config`` attribute.
        directory: the model directory to create or update.
        task_info: extra settings for ``task.json`` (merged over the model's own);
            with a ``"task"`` entry it describes the model by itself.
        tokenizer: an ``AlbertTokenizer`` whose assets go to ``vocab/``.

    Returns:
        the directory path.

    Example:
        >>> from albert_tf import AlbertConfig, load_model
        >>> from albert_tf.modeling import AlbertEncoder
        >>> import tempfile
        >>> config = AlbertConfig(vocab_size=23, embedding_size=6, hidden_size=8,
        ...     num_hidden_layers=3, num_attention_heads=2, intermediate_size=12,
        ...     max_position_embeddings=16)
        >>> path = save_model(AlbertEncoder(config), tempfile.mkdtemp())
        >>> type(load_model(path)).__name__
        'AlbertEncoder'
    """
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    # A task_info naming its task describes models this module does not know yet.
    own = {} if "task" in (task_info or {}) else task_info_of(model)
    info = {"format": FORMAT, **own, **(task_info or {})}
    # Weights first: a directory whose task.json exists is one whose weights exist.
    with atomic_path(os.path.join(directory, WEIGHTS_FILE), suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    model.config.to_json_file(os.path.join(directory, CONFIG_FILE))
    if tokenizer is not None:
        tokenizer.save_assets(directory)
    atomic_write_text(os.path.join(directory, TASK_FILE), json.dumps(info, indent=2) + "\n")
    return directory


def read_task_info(directory: str | os.PathLike) -> dict:
    """Reads ``task.json`` of a model directory, with a clear error when absent."""
    directory = os.fspath(directory)
    path = os.path.join(directory, TASK_FILE)
    if not os.path.isdir(directory):
        raise AlbertTfError(f"{directory}: no such model directory")
    if not os.path.exists(path):
        raise AlbertTfError(f"{directory}: not a model directory (no {TASK_FILE})")
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(info, dict) or "task" not in info:
        raise AlbertTfError(f"{path}: has no \"task\" entry")
    return info


def load_model(directory: str | os.PathLike, weights: bool = True):
    """Rebuilds the Keras model saved in a model directory.

    Args:
        directory: a directory written by ``save_model`` (or a command).
        weights: load ``model.weights.h5`` (False gives fresh initial weights).

    Returns:
        the Keras model (``AlbertEncoder``, ``AlbertPretrainer`` or a task model).
    """
    directory = os.fspath(directory)
    info = read_task_info(directory)
    config = AlbertConfig.from_json_file(os.path.join(directory, CONFIG_FILE))
    task = info["task"]
    from albert_tf.tasks import registry

    if task in _BUILDERS:
        module_name, function_name = _BUILDERS[task].split(":")
        build = getattr(importlib.import_module(module_name), function_name)
    elif task in registry.TASKS:
        build = registry.task(task).build_model
    else:
        raise AlbertTfError(
            f"{os.path.join(directory, TASK_FILE)}: unknown task {task!r}; "
            f"known: {', '.join(sorted(registry.TASKS))}"
        )
    model = build(config, info)
    if weights:
        path = os.path.join(directory, WEIGHTS_FILE)
        if not os.path.exists(path):
            raise AlbertTfError(f"{directory}: no {WEIGHTS_FILE}")
        model.load_weights(path)
    return model


def load_tokenizer(directory: str | os.PathLike):
    """The ``AlbertTokenizer`` saved in ``MODEL_DIR/vocab/``.

    Example:
        >>> tokenizer = load_tokenizer("saved_models/my_model")      # doctest: +SKIP
        >>> tokenizer.tokenize(["Hello"]).to_list()                  # doctest: +SKIP
    """
    from albert_tf.tokenization.tokenizer import AlbertTokenizer

    return AlbertTokenizer.from_model_dir(directory)

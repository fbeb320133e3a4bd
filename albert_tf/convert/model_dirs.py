"""albert-tf model directories as a conversion source and target (``--from/--to keras``).

Written with ``albert_tf.save_model``: ``albert_config.json``, ``task.json``,
``model.weights.h5`` and ``vocab/``. A SQuAD 2.0 verifier head read from an
original checkpoint goes beside them as ``squad_v2_head.weights.h5``, named in
``task.json`` under ``"squad_v2_head"``.
"""

from __future__ import annotations

import os

from albert_tf.config import AlbertConfig
from albert_tf.convert import vocab_files
from albert_tf.convert.models import Converted, build_model, task_of
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path
from albert_tf.model_dir import CONFIG_FILE, WEIGHTS_FILE, read_task_info, save_model

SQUAD_V2_FILE = "squad_v2_head.weights.h5"


def read_model_dir(directory: str, log=print) -> Converted:
    """Reads a model directory (any converted task) back into a ``Converted``.

    The model is rebuilt from ``task.json`` with the same classes the converter
    writes (``AlbertClassifier``, ``AlbertTagger``, ``AlbertSpanExtractor``, ...),
    so it works before ``load_model`` knows the fine-tuning tasks.
    """
    directory = os.fspath(directory)
    info = read_task_info(directory)
    config = AlbertConfig.from_json_file(os.path.join(directory, CONFIG_FILE))
    model = build_model(config, info)
    weights = os.path.join(directory, WEIGHTS_FILE)
    if not os.path.isfile(weights):
        raise AlbertTfError(f"{directory}: no {WEIGHTS_FILE}")
    model.load_weights(weights)
    info = task_of(model, info)
    info.pop("format", None)
    extras = {}
    if info.get("squad_v2_head"):
        from albert_tf.modeling.squad_v2_head import SquadV2Head

        name = info["squad_v2_head"]
        # task.json names a file beside it; any other path (absolute, "..", a folder) is
        # refused rather than read from wherever it points.
        if not isinstance(name, str) or os.path.basename(name) != name or name in (".", ".."):
            raise AlbertTfError(f"{directory}/task.json: squad_v2_head {name!r} must name a "
                                f"file in the model directory, such as {SQUAD_V2_FILE}")
        if not os.path.isfile(os.path.join(directory, name)):
            raise AlbertTfError(f"{directory}: task.json names squad_v2_head {name}, which is "
                                "not there")
        head = SquadV2Head(config.hidden_size, config.initializer_range)
        head.load_weights(os.path.join(directory, name))
        extras["squad_v2_head"] = head
    vocab, settings = None, {}
    from albert_tf.tokenization.assets import is_model_dir, read_assets

    if is_model_dir(directory):
        vocab, assets = read_assets(directory)
        settings = {k: assets[k] for k in ("do_lower_case", "keep_accents", "normalize_quotes")
                    if k in assets}
    log(f"read a {info['task']} model from {directory}")
    return Converted(model, info, vocab, settings, extras)


# The packing width a converted fine-tuned model gets when its source names none: the
# fine-tuning commands' defaults, capped by the model's max_position_embeddings.
DEFAULT_MAX_SEQ_LENGTH = {"classification": 128, "ner": 128, "squad": 384}


def complete_task_info(info: dict, config: AlbertConfig) -> dict:
    """``task.json`` with what the task commands read and a source may not carry:
    ``num_labels`` (from ``labels``) and ``max_seq_length``."""
    info = dict(info)
    if info.get("labels") and "num_labels" not in info:
        info["num_labels"] = len(info["labels"])
    if info["task"] in DEFAULT_MAX_SEQ_LENGTH and "max_seq_length" not in info:
        info["max_seq_length"] = min(DEFAULT_MAX_SEQ_LENGTH[info["task"]],
                                     config.max_position_embeddings)
    return info


def write_model_dir(converted: Converted, directory: str, log=print) -> None:
    """Writes ``converted`` as a model directory that ``albert_tf.load_model`` reads."""
    info = complete_task_info(converted.task_info, converted.config)
    head = converted.extras.get("squad_v2_head")
    if head is not None:
        os.makedirs(directory, exist_ok=True)
        with atomic_path(os.path.join(directory, SQUAD_V2_FILE), suffix=".weights.h5") as tmp:
            head.save_weights(tmp)
        info["squad_v2_head"] = SQUAD_V2_FILE
    tokenizer = None
    if converted.vocab:
        tokenizer = vocab_files.make_tokenizer(converted.vocab, converted.tokenizer_settings,
                                               converted.config.vocab_size)
    save_model(converted.model, directory, task_info=info, tokenizer=tokenizer)
    vocab = f", vocabulary {os.path.basename(converted.vocab)}" if converted.vocab else \
        ", no vocabulary found beside the source"
    log(f"wrote a {info['task']} model directory{vocab}")

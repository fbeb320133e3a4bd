"""albert-tf model directories as a conversion source and target (``--from/--to keras``).

Written with ``albert_tf.save_model``: ``albert_config.json``, ``task.json``,
``model.weights.h5`` and ``vocab/``. A SQuAD 2.0 checkpoint of the original release is
a squad model with ``"head": "verifier"``, like any other.
"""

from __future__ import annotations

import os

from albert_tf.config import AlbertConfig
from albert_tf.convert import vocab_files
from albert_tf.convert.models import Converted, build_model, task_of
from albert_tf.errors import AlbertTfError
from albert_tf.model_dir import CONFIG_FILE, WEIGHTS_FILE, read_task_info, save_model



def read_model_dir(directory: str, log=print) -> Converted:
    """Reads a model directory (any converted task) back into a ``Converted``.

    The model is rebuilt from ``task.json`` with the same classes the converter
    writes (``AlbertClassifier``, ``AlbertTagger``, ``AlbertSpanExtractor``, ...),
    so it works before ``load_model`` knows the fine-tuning tasks.
    """
    directory = os.fspath(directory)
    info = read_task_info(directory)
    if "squad_v2_head" in info:
        raise AlbertTfError(f"{directory}: written by albert-tf 0.1 with a separate "
                            "squad_v2_head; convert the TF1 checkpoint again (its verifier "
                            "head is now the squad task's \"verifier\" head)")
    config = AlbertConfig.from_json_file(os.path.join(directory, CONFIG_FILE))
    model = build_model(config, info)
    weights = os.path.join(directory, WEIGHTS_FILE)
    if not os.path.isfile(weights):
        raise AlbertTfError(f"{directory}: no {WEIGHTS_FILE}")
    model.load_weights(weights)
    info = task_of(model, info)
    info.pop("format", None)
    vocab, settings = None, {}
    from albert_tf.tokenization.assets import is_model_dir, read_assets

    if is_model_dir(directory):
        vocab, assets = read_assets(directory)
        settings = {k: assets[k] for k in ("do_lower_case", "keep_accents", "normalize_quotes")
                    if k in assets}
    log(f"read a {info['task']} model from {directory}")
    return Converted(model, info, vocab, settings)




def complete_task_info(info: dict, config: AlbertConfig) -> dict:
    """``task.json`` with what the task commands read and a source may not carry:
    ``num_labels`` (from ``labels``) and ``max_seq_length``."""
    info = dict(info)
    if info.get("labels") and "num_labels" not in info:
        info["num_labels"] = len(info["labels"])
    # The packing width when the source names none: the task's fine-tuning default (its
    # package's DEFAULT_MAX_SEQ_LENGTH), capped by the model's max_position_embeddings.
    from albert_tf.tasks import registry

    width = getattr(registry.task(info["task"]), "DEFAULT_MAX_SEQ_LENGTH", None)
    if width and "max_seq_length" not in info:
        info["max_seq_length"] = min(width, config.max_position_embeddings)
    return info


def write_model_dir(converted: Converted, directory: str, log=print) -> None:
    """Writes ``converted`` as a model directory that ``albert_tf.load_model`` reads."""
    info = complete_task_info(converted.task_info, converted.config)
    tokenizer = None
    if converted.vocab:
        tokenizer = vocab_files.make_tokenizer(converted.vocab, converted.tokenizer_settings,
                                               converted.config.vocab_size)
    save_model(converted.model, directory, task_info=info, tokenizer=tokenizer)
    vocab = f", vocabulary {os.path.basename(converted.vocab)}" if converted.vocab else \
        ", no vocabulary found beside the source"
    log(f"wrote a {info['task']} model directory{vocab}")

"""TF1 ALBERT checkpoints (``model.ckpt-*`` + ``albert_config.json``) into albert-tf.

Reads the official release (google-research/albert, English ``albert_*_v2`` and
Chinese ``albert_*_zh``) and brightmart's ``albert_zh`` with
``tf.train.load_checkpoint``: no TF1 graph, nothing executed. The layout is
recognised from the variable names; the task from the heads present.
"""

from __future__ import annotations

import glob
import json
import os

import numpy as np

from albert_tf.config import AlbertConfig
from albert_tf.convert import brightmart_names, tf1_names, vocab_files
from albert_tf.convert.mapping import ignored, transfer
from albert_tf.convert.models import Converted, build_model, default_labels, labelled, task_info
from albert_tf.errors import AlbertTfError

CONFIG_NAMES = ("albert_config.json", "bert_config.json")
SQUAD_V2_MARKER = "start_logits/dense/kernel"


def checkpoint_prefix(path: str) -> str:
    """The checkpoint prefix (``.../model.ckpt-best``) of a directory, prefix or ``.index``."""
    path = os.fspath(path)
    if path.endswith(".index"):
        path = path[: -len(".index")]
    if os.path.isfile(path + ".index"):
        return path
    if not os.path.isdir(path):
        raise AlbertTfError(f"{path}: no such checkpoint (neither a directory nor a "
                            "prefix with an .index file)")
    import tensorflow as tf

    latest = tf.train.latest_checkpoint(path)
    if latest:
        return latest
    indexes = sorted(glob.glob(os.path.join(path, "*.index")))
    if not indexes:
        raise AlbertTfError(f"{path}: holds no TF1 checkpoint (*.index)")
    if len(indexes) > 1:
        names = ", ".join(os.path.basename(p)[: -len(".index")] for p in indexes)
        raise AlbertTfError(f"{path}: holds several checkpoints ({names}); name one of them")
    return indexes[0][: -len(".index")]


def find_config(directory: str) -> str:
    """``albert_config.json`` (or ``bert_config.json``, or one ``*config*.json``) beside it."""
    for name in CONFIG_NAMES:
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    found = sorted(glob.glob(os.path.join(directory, "*config*.json")))
    if len(found) == 1:
        return found[0]
    raise AlbertTfError(f"{directory}: no albert_config.json beside the checkpoint; "
                        "pass --config FILE")


def read_variables(prefix: str, log=print) -> dict:
    """``{name: array}`` of a TF1 checkpoint, training state (optimizer slots) skipped."""
    import tensorflow as tf

    try:
        reader = tf.train.load_checkpoint(prefix)
    except (tf.errors.OpError, ValueError) as e:
        reason = getattr(e, "message", str(e)).splitlines()[0]
        raise AlbertTfError(f"{prefix}: not a readable TF checkpoint ({reason})") from None
    shapes = reader.get_variable_to_shape_map()
    skipped = ignored(shapes, tf1_names.IGNORED)
    names = sorted(set(shapes) - skipped)
    size = sum(int(np.prod(shapes[n])) * 4 for n in names) / 2**20
    log(f"reading {len(names)} variables ({size:.1f} MB) from {prefix}"
        + (f"; skipping {len(skipped)} optimizer slots and counters" if skipped else ""))
    values = {}
    for count, name in enumerate(names, start=1):
        values[name] = reader.get_tensor(name)
        if count % 200 == 0:
            log(f"  {count}/{len(names)} variables read")
    return values


def _config(config_path: str, brightmart: bool, shared: bool):
    with open(config_path, encoding="utf-8") as f:
        try:
            raw = json.load(f)
        except json.JSONDecodeError as e:
            raise AlbertTfError(f"{config_path}: not valid JSON (line {e.lineno}: {e.msg})") \
                from None
    if not brightmart:
        return AlbertConfig.from_dict(raw, source=config_path)
    if raw.get("ln_type", "postln") != "postln":
        raise AlbertTfError(f"{config_path}: ln_type {raw['ln_type']!r}; albert-tf has "
                            "post-LN blocks only")
    raw = {k: v for k, v in raw.items() if k not in brightmart_names.BERT_ONLY_CONFIG_KEYS}
    # The factorization is multiplied out: E becomes H (see brightmart_names).
    raw.update(embedding_size=raw.get("hidden_size"), inner_group_num=1,
               num_hidden_groups=1 if shared else raw.get("num_hidden_layers"))
    return AlbertConfig.from_dict(raw, source=config_path)


def infer_task(names) -> str:
    """The task whose head a checkpoint carries (``encoder`` when it has none)."""
    if "cls/squad/output_weights" in names or SQUAD_V2_MARKER in names:
        return "squad"
    if "output_weights" in names:
        return "classification"
    if "cls/predictions/output_bias" in names:
        return "pretraining"
    return "encoder"


def read_tf1(path: str, task: str | None = None, config_path: str | None = None,
             labels=None, log=print) -> Converted:
    """Reads a TF1 ALBERT checkpoint (official or brightmart names) into an albert-tf model.

    Args:
        path: the checkpoint directory, its prefix (``model.ckpt-best``) or ``.index``.
        task: the albert-tf task to build (default: from the heads present);
            ``"encoder"`` drops any head, ``"ner"`` reads ``output_weights`` per token.
        config_path: the config file (default: ``albert_config.json`` beside it).
        labels: label names for a classifier head (default ``"0"``, ``"1"``, ...).
        log: called with one progress line at a time.

    A SQuAD 2.0 checkpoint of ``squad_utils.create_v2_model`` (``start_logits/...``,
    ``end_logits/...``, ``answer_class/...``) becomes the squad task with its
    ``"verifier"`` head (``AlbertSquadVerifier``), the head ``finetune squad --head
    verifier`` trains, so every squad command and option works on it.

    Example:
        >>> converted = read_tf1("albert_base/")                        # doctest: +SKIP
        >>> converted.task, converted.config.hidden_size                # doctest: +SKIP
        ('pretraining', 768)
    """
    prefix = checkpoint_prefix(path)
    directory = os.path.dirname(os.path.abspath(prefix))
    values = read_variables(prefix, log)
    names = set(values)
    brightmart = brightmart_names.is_brightmart(names)
    shared = brightmart and brightmart_names.shared(names)
    config = _config(config_path or find_config(directory), brightmart, shared)
    found = infer_task(names)
    task = task or found
    if task not in ("encoder", found) and not (task == "ner" and found == "classification"):
        raise AlbertTfError(f"{prefix}: has no {task} head (its head is {found}); "
                            "--task encoder converts the encoder alone")
    labels = _labels(values, task, labels, prefix)
    head = "verifier" if task == "squad" and SQUAD_V2_MARKER in names else "standard"
    info = task_info(task, labels, **({"head": head} if head == "verifier" else {}))
    if brightmart:
        log("brightmart albert_zh layout: word_embeddings @ word_embeddings_2 multiplied "
            f"out to [{config.vocab_size}, {config.hidden_size}]")
        table = brightmart_names.name_table(config, task, shared)
    else:
        table = tf1_names.name_table(config, task, head=head)
    model = build_model(config, info)
    dropped = tf1_names.head_names() - {r.theirs for r in table}
    transfer(values, model, table, source_name=prefix, dropped=dropped)
    if head == "verifier":
        log("SQuAD 2.0 answer-verifier head (start_logits, end_logits, answer_class): the "
            "squad task's verifier head")
    not_loaded = sorted(dropped & names)
    if not_loaded:
        log(f"not converted (head of another task): {', '.join(not_loaded)}")
    return Converted(model, info, vocab_files.find_vocab(directory), {"do_lower_case": True})


def _labels(values, task, labels, prefix):
    if not labelled(task):
        return None
    count = int(np.shape(values["output_weights"])[0])
    labels = list(labels) if labels else default_labels(count)
    if len(labels) != count:
        raise AlbertTfError(f"{prefix}: 'output_weights' has {count} rows but "
                            f"{len(labels)} labels were given")
    return labels

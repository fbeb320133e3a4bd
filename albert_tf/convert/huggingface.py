"""Hugging Face ALBERT checkpoints (``config.json`` + ``model.safetensors``), both ways.

Reading and writing use the ``safetensors`` library with numpy: no PyTorch. A
``pytorch_model.bin`` is a pickle, and unpickling runs code, so it is read only
with ``allow_pickle=True`` and PyTorch installed.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from albert_tf.convert import hf_config, hf_names, vocab_files
from albert_tf.convert.mapping import export_values, transfer
from albert_tf.convert.models import Converted, build_model
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path, atomic_write_text

CONFIG = "config.json"
SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
PICKLE = "pytorch_model.bin"


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise AlbertTfError(f"{path}: not found (a Hugging Face model directory has "
                            f"{CONFIG})") from None
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None


def _load_safetensors(path):
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError, TypeError) as e:
        raise AlbertTfError(f"{path}: not a readable safetensors file ({e})") from None


def read_tensors(directory: str, allow_pickle: bool = False) -> dict:
    """``{name: float32 array}`` of a Hugging Face model directory.

    Args:
        directory: holds ``model.safetensors`` (or its sharded index), or
            ``pytorch_model.bin``.
        allow_pickle: permit reading ``pytorch_model.bin`` with PyTorch.
    """
    single = os.path.join(directory, SAFETENSORS)
    index = os.path.join(directory, SAFETENSORS_INDEX)
    if os.path.isfile(single):
        tensors = _load_safetensors(single)
    elif os.path.isfile(index):
        tensors = {}
        for shard in sorted(set(_read_json(index).get("weight_map", {}).values())):
            tensors.update(_load_safetensors(os.path.join(directory, shard)))
    elif os.path.isfile(os.path.join(directory, PICKLE)):
        tensors = _load_pickle(os.path.join(directory, PICKLE), allow_pickle)
    else:
        raise AlbertTfError(f"{directory}: no {SAFETENSORS} (nor {PICKLE})")
    return {name: np.asarray(value, dtype=np.float32) if value.dtype.kind == "f" else value
            for name, value in tensors.items()}


def _load_pickle(path, allow_pickle):
    if not allow_pickle:
        raise AlbertTfError(f"{path}: is a pickle, and unpickling runs code; convert it to "
                            f"{SAFETENSORS}, or pass --allow-pickle if you trust it")
    try:
        import torch
    except ImportError:
        raise AlbertTfError(f"{path}: reading a pickle needs PyTorch (pip install torch)") \
            from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a bad file
        raise AlbertTfError(f"{path}: not a readable PyTorch state dict ({e})") from None
    return {name: t.detach().float().numpy() if t.is_floating_point() else t.numpy()
            for name, t in state.items()}


def _canonical_names(tensors: dict) -> dict:
    """Adds the ``albert.`` prefix that a bare ``AlbertModel`` checkpoint lacks."""
    if any(name.startswith(hf_names.PREFIX) for name in tensors):
        return tensors
    heads = tuple(r.theirs.split(".")[0] + "."
                  for rows in hf_names.HEAD_TABLES.values() for r in rows)
    return {name if name.startswith(heads) else hf_names.PREFIX + name: value
            for name, value in tensors.items()}


def _untie(tensors: dict, source: str) -> dict:
    """Drops the tied copies (MLM decoder) after checking they equal what they copy."""
    out = dict(tensors)
    for copy, original in hf_names.TIED.items():
        if copy in out:
            if original in out and not np.array_equal(out[copy], out[original]):
                raise AlbertTfError(f"{source}: {copy!r} differs from {original!r}; albert-tf "
                                    "ties the MLM decoder to the word embeddings")
            del out[copy]
    return out


def read_huggingface(directory: str, task: str | None = None, allow_pickle: bool = False,
                     log=print) -> Converted:
    """Reads a Hugging Face ALBERT model directory into an albert-tf model.

    Args:
        directory: holds ``config.json`` and ``model.safetensors`` (as written by
            ``save_pretrained``), and optionally ``spiece.model``/``vocab.txt``.
        task: the albert-tf task to build (default: from ``architectures``); a
            smaller one drops heads (``"encoder"`` from any checkpoint).
        allow_pickle: permit ``pytorch_model.bin`` (needs PyTorch).
        log: called with one progress line at a time.

    Example:
        >>> converted = read_huggingface("albert-base-v2/")            # doctest: +SKIP
        >>> converted.task, type(converted.model).__name__             # doctest: +SKIP
        ('pretraining', 'AlbertPretrainer')
    """
    directory = os.fspath(directory)
    if os.path.isfile(directory):
        directory = os.path.dirname(os.path.abspath(directory))
    if not os.path.isdir(directory):
        raise AlbertTfError(f"{directory}: no such directory")
    config_path = os.path.join(directory, CONFIG)
    values = _read_json(config_path)
    config = hf_config.config_from_hf(values, source=config_path)
    info = hf_config.task_from_hf(values, source=config_path, task=task)
    tensors = read_tensors(directory, allow_pickle)
    log(f"read {len(tensors)} tensors ({_megabytes(tensors)}) from {directory}")
    tensors = _untie(_canonical_names(tensors), directory)
    head = hf_names.HEAD_TABLES[info["task"]]
    if head and head[0].theirs not in tensors:
        raise AlbertTfError(f"{directory}: has no {info['task']} head ({head[0].theirs}); "
                            "--task encoder converts the encoder alone")
    table = hf_names.name_table(config, info["task"],
                                pooler=hf_names.PREFIX + "pooler.weight" in tensors,
                                sop="sop_classifier.classifier.weight" in tensors)
    model = build_model(config, info)
    wanted = {r.theirs for r in table}
    dropped = {hf_names.PREFIX + r.theirs for r in hf_names.POOLER_TABLE} | {
        r.theirs for rows in hf_names.HEAD_TABLES.values() for r in rows}
    dropped -= wanted
    kept = transfer(tensors, model, table, source_name=directory, dropped=dropped,
                    ignore=hf_names.IGNORED)
    _log_dropped_and_kept(log, sorted(dropped & set(tensors)), kept)
    vocab = vocab_files.find_vocab(directory)
    return Converted(model, info, vocab, vocab_files.hf_tokenizer_settings(directory))


def write_huggingface(converted: Converted, directory: str, log=print) -> None:
    """Writes ``config.json``, ``model.safetensors`` and the vocabulary for transformers.

    The class named in ``architectures`` is the one matching the task
    (``AlbertForPreTraining``, ``AlbertForSequenceClassification``,
    ``AlbertForTokenClassification``, ``AlbertForQuestionAnswering``, ``AlbertModel``).
    """
    from safetensors.numpy import save_file

    task = converted.task
    arch = hf_names.ARCHITECTURES[task]
    table = hf_names.name_table(converted.config, task)
    skip = {r.ours for r in hf_names.POOLER_TABLE} if arch in hf_names.WITHOUT_POOLER else ()
    tensors = export_values(converted.model, table, skip=skip)
    if task == "encoder":  # AlbertModel.save_pretrained writes names without the prefix
        tensors = {name[len(hf_names.PREFIX):]: value for name, value in tensors.items()}
    os.makedirs(directory, exist_ok=True)
    with atomic_path(os.path.join(directory, SAFETENSORS)) as tmp:
        save_file(tensors, tmp, metadata={"format": "pt"})
    values = hf_config.config_to_hf(converted.config, converted.task_info)
    atomic_write_text(os.path.join(directory, CONFIG), json.dumps(values, indent=2) + "\n")
    if converted.vocab:
        kind = vocab_files.kind_of(converted.vocab)
        with atomic_path(os.path.join(directory, vocab_files.HF_NAMES[kind])) as tmp:
            shutil.copyfile(converted.vocab, tmp)
        settings = vocab_files.hf_tokenizer_config(kind, converted.tokenizer_settings)
        if kind == "sentencepiece" and not converted.tokenizer_settings.get("normalize_quotes"):
            log("note: Hugging Face's AlbertTokenizer turns `` and '' into \", which this "
                "model's tokenizer does not (the original ALBERT rule): text holding them "
                "gets other ids there")
        atomic_write_text(os.path.join(directory, "tokenizer_config.json"),
                          json.dumps(settings, indent=2) + "\n")
    log(f"wrote {len(tensors)} tensors ({_megabytes(tensors)}) as {arch}")


def _megabytes(tensors: dict) -> str:
    return f"{sum(np.asarray(v).nbytes for v in tensors.values()) / 2**20:.1f} MB"


def _log_dropped_and_kept(log, dropped, kept):
    if dropped:
        log(f"not converted (head of another task): {', '.join(dropped)}")
    if kept:
        log(f"not in the source, left at initial values: {', '.join(kept)}")

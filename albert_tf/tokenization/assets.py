"""The tokenizer's files inside a model directory: ``MODEL_DIR/vocab/``.

    vocab/
      30k-clean.model | vocab.txt   the vocabulary file, under its own name
      tokenizer.json                kind, vocab_file, do_lower_case, keep_accents,
                                    normalize_quotes, special tokens (piece and id)

``normalize_quotes`` is the Hugging Face quote rule (two backticks and two apostrophes
become ``"``). A ``tokenizer.json`` of format 1, written before the setting existed, has
no entry: its SentencePiece models were built and trained with the rule, so reading one
turns the rule on for them.

Each file is written under a temporary name and renamed when complete, the vocabulary
first: a ``vocab/`` whose ``tokenizer.json`` exists is complete.
"""

from __future__ import annotations

import json
import os
import shutil

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path, atomic_write_text

VOCAB_DIR = "vocab"
TOKENIZER_FILE = "tokenizer.json"
FORMAT = "albert-tf-tokenizer/2"


def write_assets(model_dir: str, vocab_path: str, settings: dict) -> str:
    """Copies the vocabulary file and writes ``tokenizer.json``; returns the vocab dir."""
    directory = os.path.join(os.fspath(model_dir), VOCAB_DIR)
    os.makedirs(directory, exist_ok=True)
    name = os.path.basename(vocab_path)
    target = os.path.join(directory, name)
    if os.path.abspath(vocab_path) != os.path.abspath(target):
        with atomic_path(target) as tmp:
            shutil.copyfile(vocab_path, tmp)
    info = {"format": FORMAT, "vocab_file": name, **settings}
    atomic_write_text(os.path.join(directory, TOKENIZER_FILE),
                      json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return directory


def read_assets(model_dir: str) -> tuple:
    """``(vocab_path, settings)`` from ``MODEL_DIR/vocab/tokenizer.json``."""
    model_dir = os.fspath(model_dir)
    path = os.path.join(model_dir, VOCAB_DIR, TOKENIZER_FILE)
    if not os.path.isdir(model_dir):
        raise AlbertTfError(f"{model_dir}: no such model directory")
    if not os.path.exists(path):
        raise AlbertTfError(f"{model_dir}: has no tokenizer ({VOCAB_DIR}/{TOKENIZER_FILE} "
                            "missing)")
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    for key in ("kind", "vocab_file", "do_lower_case"):
        if key not in info:
            raise AlbertTfError(f"{path}: has no {key!r} entry")
    if "normalize_quotes" not in info:  # format 1: the rule was always on then
        info["normalize_quotes"] = info["kind"] == "sentencepiece"
    vocab_path = os.path.join(model_dir, VOCAB_DIR, info["vocab_file"])
    if not os.path.exists(vocab_path):
        raise AlbertTfError(f"{path}: names {info['vocab_file']!r}, which is not in "
                            f"{VOCAB_DIR}/")
    return vocab_path, info


def is_model_dir(path: str) -> bool:
    """True when ``path`` is a directory holding ``vocab/tokenizer.json``."""
    return os.path.isfile(os.path.join(os.fspath(path), VOCAB_DIR, TOKENIZER_FILE))

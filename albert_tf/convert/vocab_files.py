"""Vocabulary files that travel beside a checkpoint, found and carried along.

The released archives put the vocabulary next to the weights: ``30k-clean.model``
(official English), ``vocab_chinese.txt`` (Google's Chinese), ``vocab.txt``
(brightmart), ``spiece.model`` (Hugging Face), ``assets/tokenizer/vocabulary.spm``
(keras-hub presets).
"""

from __future__ import annotations

import json
import os

from albert_tf.errors import AlbertTfError

# Looked for in this order, relative to the source directory.
CANDIDATES = ("30k-clean.model", "spiece.model", "vocab_chinese.txt", "vocab.txt",
              os.path.join("assets", "tokenizer", "vocabulary.spm"))
# Name of the vocabulary when written for Hugging Face, by kind.
HF_NAMES = {"sentencepiece": "spiece.model", "wordpiece": "vocab.txt"}


def kind_of(path: str) -> str:
    """``"wordpiece"`` for a ``.txt`` vocabulary, ``"sentencepiece"`` for anything else."""
    return "wordpiece" if path.endswith(".txt") else "sentencepiece"


def find_vocab(directory: str) -> str | None:
    """The first vocabulary file of ``CANDIDATES`` inside ``directory``, or None."""
    for name in CANDIDATES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def hf_tokenizer_settings(directory: str) -> dict:
    """``do_lower_case``/``keep_accents`` from a Hugging Face ``tokenizer_config.json``.

    Hugging Face's ``AlbertTokenizer`` always turns two backticks and two apostrophes into
    ``"``, so a model converted from there keeps that rule (``normalize_quotes``).
    """
    path = os.path.join(directory, "tokenizer_config.json")
    if not os.path.isfile(path):
        return {"normalize_quotes": True}
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    settings = {k: bool(values[k]) for k in ("do_lower_case", "keep_accents") if k in values}
    return {**settings, "normalize_quotes": True}


def make_tokenizer(vocab: str, settings: dict, vocab_size: int):
    """An ``AlbertTokenizer`` for ``vocab``, checked against the model's ``vocab_size``."""
    from albert_tf.tokenization import AlbertTokenizer

    kind = kind_of(vocab)
    tokenizer = AlbertTokenizer.from_vocab(
        vocab, kind=kind, do_lower_case=settings.get("do_lower_case", True),
        keep_accents=settings.get("keep_accents", False) if kind == "sentencepiece" else False,
        normalize_quotes=(settings.get("normalize_quotes", False)
                          if kind == "sentencepiece" else False))
    if tokenizer.vocab_size != vocab_size:
        raise AlbertTfError(f"{vocab}: has {tokenizer.vocab_size} ids but the model's "
                            f"vocab_size is {vocab_size}")
    return tokenizer


def hf_tokenizer_config(kind: str, settings: dict) -> dict:
    """The ``tokenizer_config.json`` written beside a Hugging Face model."""
    values = {"tokenizer_class": "AlbertTokenizer" if kind == "sentencepiece" else "BertTokenizer",
              "do_lower_case": bool(settings.get("do_lower_case", True))}
    if kind == "sentencepiece":
        values["keep_accents"] = bool(settings.get("keep_accents", False))
    return values

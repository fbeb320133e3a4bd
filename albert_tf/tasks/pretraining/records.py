"""The pretraining records: sizes, metadata, checks, and which file is damaged."""

from __future__ import annotations

import json
import os
import re

import tensorflow as tf

from albert_tf.errors import AlbertTfError


def records_metadata(files) -> dict | None:
    """The metadata JSON ``create-pretraining-data`` wrote beside these shards, if any."""
    folder = os.path.dirname(files[0]) or "."
    for name in sorted(os.listdir(folder)):
        if name.endswith(".metadata.json"):
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError):
                continue
            if any(os.path.basename(files[0]) == s.get("file") for s in meta.get("shards", [])):
                return meta
    return None


def record_sizes(files, flag="--train-data") -> tuple:
    """``(max_seq_length, max_predictions_per_seq)`` of pretraining TFRecords.

    Every file is checked, not only the first: from the metadata JSON beside its shards
    when present, else from its first record (which also finds files that are not
    TFRecords). Files of different sizes are one line naming two of them.
    """
    sizes, by_folder = {}, {}
    for path in files:
        folder = os.path.dirname(path) or "."
        if folder not in by_folder:
            meta = records_metadata([path])
            by_folder[folder] = meta
        meta = by_folder[folder]
        listed = meta is not None and any(os.path.basename(path) == shard.get("file")
                                          for shard in meta.get("shards", []))
        if listed:
            lengths = meta["features"]
            sizes[path] = (int(lengths["input_ids"]), int(lengths["masked_lm_positions"]))
        else:
            sizes[path] = _first_record_sizes(path)
    distinct = {}
    for path, size in sizes.items():
        distinct.setdefault(size, path)
    if len(distinct) > 1:
        (a, path_a), (b, path_b) = list(distinct.items())[:2]
        raise AlbertTfError(f"{flag} mixes record sizes: {path_a} holds {a[0]} tokens and "
                            f"{a[1]} predictions, {path_b} {b[0]} and {b[1]}; make them with "
                            "one --max-seq-length and --max-predictions-per-seq")
    return next(iter(distinct))


def _first_record_sizes(path) -> tuple:
    try:
        for raw in tf.data.TFRecordDataset([path]).take(1):
            example = tf.train.Example.FromString(raw.numpy())
            feature = example.features.feature
            try:
                return (len(feature["input_ids"].int64_list.value),
                        len(feature["masked_lm_positions"].int64_list.value))
            except KeyError as e:
                raise AlbertTfError(f"{path}: not a pretraining record (no {e})") from None
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as e:
        raise AlbertTfError(f"{path}: not a readable TFRecord file "
                            f"({(e.message or str(e)).strip().splitlines()[0]})") from None
    except Exception as e:  # a protobuf DecodeError: bytes that are not an Example
        if type(e).__name__ != "DecodeError":
            raise
        raise AlbertTfError(f"{path}: its records are not tf.train.Example") from None
    raise AlbertTfError(f"{path}: holds no records")


def check_records(files, flag, config, vocab=None):
    """Refuses records whose ids do not fit the config, or that another vocabulary made.

    Uses the metadata JSON beside the shards (records without one are not checked).
    """
    meta = records_metadata(files)
    if meta is None or "vocab" not in meta:
        return
    size = int(meta["vocab"].get("size", 0))
    if size > config.vocab_size:
        raise AlbertTfError(
            f"{flag} records hold ids up to {size - 1} (their vocabulary has {size:,} pieces) "
            f"but the config's vocab_size is {config.vocab_size:,}: use a config with "
            f"vocab_size {size}")
    if vocab and meta.get("vocab_sha256"):
        from albert_tf.data.documents import file_digest

        if os.path.isfile(vocab) and file_digest(vocab) != meta["vocab_sha256"]:
            raise AlbertTfError(
                f"--vocab {vocab} is not the vocabulary the {flag} records were made with "
                f"({meta['vocab'].get('path', 'another file')}; the sha256 differs)")


# Settings a resumed run must share with the run it continues (the rest, such as
# --verbose or --eval-steps, may change).
def damaged_record_file(groups) -> str | None:
    """The first file of ``[(flag, files), ...]`` whose records do not all read back
    (cut short, or a checksum that does not match), as one line; None when all read."""
    for flag, files in groups:
        for path in files:
            try:
                for _ in tf.data.TFRecordDataset([path]).batch(4096):
                    pass
            except tf.errors.DataLossError as e:
                cause = (e.message or str(e)).strip().splitlines()[0]
                cause = re.sub(r"^\{\{[^}]*\}\}\s*", "", cause).split("'", 1)[0].strip()
                return (f"{flag} {path}: damaged TFRecord file ({cause}); remake it with "
                        "create-pretraining-data")
    return None

"""``export``: a model directory -> SavedModel + TFLite variants + report."""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path


def _settings_path(model_dir, key):
    path = os.path.join(model_dir, "finetune_settings.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f).get(key)
    return None


def task_features(model_dir, data, limit, max_seq_length=None):
    """Features (and classification labels) of up to ``limit`` real examples of ``data``,
    packed to ``max_seq_length`` (the model's own by default)."""
    from albert_tf.model_dir import load_tokenizer, read_task_info
    from albert_tf.tasks.base import task_module

    info = read_task_info(model_dir)
    if info["task"] not in ("classification", "ner", "squad"):
        return None, None
    if max_seq_length:
        info = {**info, "max_seq_length": int(max_seq_length)}
    task = task_module(info["task"])
    examples = task.read_examples(data, info)[:limit]
    features, labels, _ = task.featurize(examples, load_tokenizer(model_dir), info, training=False)
    features = {k: features[k][:limit] for k in ("input_ids", "input_mask", "segment_ids")}
    y = labels.get("logits") if info["task"] == "classification" else None
    return features, (None if y is None or info.get("regression") else y[:limit])


def export(model_dir, output, formats=("saved_model", "tflite"),
           variants=("float32", "dynamic_int8"), max_seq_length=None, with_tokenizer=False,
           data=None, calibration=None, examples=200, log=print, signatures="all") -> dict:
    """Exports a model directory; returns the report (also written beside the files)."""
    from albert_tf.export import mobile, tflite
    from albert_tf.export.report import keras_outputs, write_report
    from albert_tf.export.saved_model import export_saved_model
    from albert_tf.model_dir import load_model, read_task_info

    info = read_task_info(model_dir)
    unknown = set(formats) - {"saved_model", "tflite"}
    if unknown:
        raise AlbertTfError(f"--format: unknown {', '.join(sorted(unknown))}")
    if with_tokenizer and signatures != "all":
        raise AlbertTfError("--with-tokenizer needs the text signatures: drop --signatures ids")
    log(f"exporting {info['task']} model {model_dir} to {output}")
    saved = export_saved_model(model_dir, output, max_seq_length, signatures=signatures)
    if signatures == "all":
        log(f"wrote SavedModel {saved}; its text signatures need tensorflow-text to load "
            "(import tensorflow_text first; --signatures ids makes one that stock TensorFlow "
            "loads)")
    else:
        log(f"wrote SavedModel {saved} (token ids in; stock TensorFlow loads it)")
    report = {"task": info["task"], "model_dir": os.path.abspath(model_dir),
              "saved_model": saved, "signatures": signatures, "max_seq_length": None,
              "tflite": []}
    with open(os.path.join(saved, "assets.extra", "task.json"), encoding="utf-8") as f:
        report["max_seq_length"] = json.load(f)["max_seq_length"]
    if "tflite" not in formats:
        return report
    data = data or _settings_path(model_dir, "dev")
    on_device = mobile.supported(info)
    features = labels = reference = None
    if data:
        features, labels = task_features(model_dir, data, examples, report["max_seq_length"])
    if features is not None:
        raw = keras_outputs(load_model(model_dir), features)
        raw = {k: v for k, v in raw.items() if k in _raw_outputs(info)}
        reference = mobile.reference_outputs(info, raw) if on_device else raw
        report.update(data=data, examples=len(features["input_ids"]))
        if labels is not None:
            first = sorted(reference)[0]
            report["keras_accuracy"] = float(np.mean(reference[first].argmax(-1) == labels))
    folder = os.path.join(output, "tflite")
    os.makedirs(output, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tmp-tflite-", dir=output) as tmp:
        source = saved
        if on_device:
            log(f"on-device layout: inputs ids, mask, segment_ids of [1, "
                f"{report['max_seq_length']}], MediaPipe metadata")
            if info.get("has_pair"):
                log("  a text-pair classifier: MediaPipe's TextClassifier takes one text, so "
                    "the metadata names the tokenizer and inputs only; the app packs "
                    "[CLS] a [SEP] b [SEP] and runs the file with the LiteRT interpreter")
            source = mobile.fixed_saved_model(model_dir, report["max_seq_length"], tmp)
            report["on_device"] = {"inputs": list(mobile.INPUTS),
                                   "length": report["max_seq_length"]}
        for variant in variants:
            row = _variant(model_dir, info, source, folder, output, variant, calibration,
                           on_device, features, labels, reference, log,
                           report["max_seq_length"])
            if row:
                report["tflite"].append(row)
    if with_tokenizer:
        log("converting TFLite float32 with the tokenizer (raw text in) ...")
        content = tflite.convert(saved, "float32", signature="serve_text")
        path = os.path.join(folder, "model_text.float32.tflite")
        with atomic_path(path, suffix=".tflite") as tmp:
            with open(tmp, "wb") as f:
                f.write(content)
        report["tflite_text"] = {"file": os.path.relpath(path, output), "bytes": len(content)}
    if report["tflite"]:
        write_report(output, report)
    else:
        from albert_tf.io_utils import atomic_write_text

        atomic_write_text(os.path.join(output, "export_report.json"), json.dumps(report, indent=2))
    return report


def _variant(model_dir, info, source, folder, output, variant, calibration, on_device,
             features, labels, reference, log, length):
    """Converts, labels and writes one TFLite variant; returns its report row or None."""
    from albert_tf.export import mobile, tflite
    from albert_tf.export.report import variant_row

    representative = None
    if variant == "full_int8":
        calibration_data = calibration or _settings_path(model_dir, "train")
        if not calibration_data:
            raise AlbertTfError("full_int8 needs --calibration-data (the task's training file)")
        cal, _ = task_features(model_dir, calibration_data, 100, length)
        representative = _representative(cal, on_device)
    log(f"converting TFLite {variant} ...")
    content = tflite.convert(source, variant, representative=representative)
    bare = len(content)
    if on_device:
        content, _ = mobile.with_metadata(content, model_dir, info)
    path = os.path.join(folder, f"model.{variant}.tflite")
    with atomic_path(path, suffix=".tflite") as tmp:
        with open(tmp, "wb") as f:
            f.write(content)
    if reference is None:
        return None
    row = variant_row(variant, content, reference, features, labels)
    row["file"] = os.path.relpath(path, output)
    row["metadata_bytes"] = len(content) - bare  # the tokenizer and label files inside
    log(f"  {variant}: {len(content) / 2**20:.2f} MiB, max |diff| {row['max_abs_diff']:.2e}, "
        f"{row['latency_ms_median']:.1f} ms")
    return row


def _raw_outputs(info):
    from albert_tf.export.saved_model import serving_code

    return serving_code(info["task"]).RAW_OUTPUTS


def _representative(features, on_device=False):
    from albert_tf.export.mobile import FEATURES

    def generate():
        for k in range(len(features["input_ids"])):
            row = {name: np.asarray(values[k:k + 1], np.int32) for name, values in features.items()}
            if on_device:  # the fixed-size inputs of export/mobile.py, padded with 0
                row = {FEATURES[name]: value for name, value in row.items()}
            yield row
    return generate

"""The demo's check: sentences through four runtimes, pictures and the summary table."""

from __future__ import annotations

import json
import os

from albert_tf.resources import REPO_ROOT

SENTENCES = [
    "a gorgeous , witty , seductive movie .",
    "the story is dull and the acting is worse .",
    "an uneven film that still manages a few genuine laughs .",
    "i would not recommend it to anyone .",
]


def check_and_summarise(s) -> dict:
    """The demo's last stage: ``SENTENCES`` through the Keras model, the SavedModel (raw
    text in) and the int8 TFLite file; the pictures; the summary table, written to
    ``OUT/SUMMARY.md`` and ``OUT/summary.json`` (``s`` is ``demo.Stages``)."""
    import numpy as np
    import tensorflow as tf

    from albert_tf.export.mediapipe_client import in_subprocess
    from albert_tf.export.tflite import interpreter, run_ids
    from albert_tf.model_dir import load_model, load_tokenizer
    from albert_tf.tasks.base import pack_texts

    model, tokenizer = load_model(s.sst2), load_tokenizer(s.sst2)
    with open(os.path.join(s.sst2, "task.json")) as f:
        length = json.load(f)["max_seq_length"]
    features = pack_texts(tokenizer, SENTENCES, None, length)
    keras_p = tf.nn.softmax(model(features)["logits"]).numpy()
    with open(os.path.join(s.export_dir, "export_report.json")) as f:
        report = json.load(f)
    saved = tf.saved_model.load(report["saved_model"])
    served = saved.signatures["serving_default"](text=tf.constant(SENTENCES))
    saved_p = served["probabilities"].numpy()
    lite_file = os.path.join(s.export_dir, "tflite", "model.dynamic_int8.tflite")
    with open(lite_file, "rb") as f:
        lite_p = run_ids(interpreter(f.read()), features)["probabilities"]
    device_p = in_subprocess([lite_file], SENTENCES)[lite_file]
    lines = ["", "Sentences through four runtimes (probability of positive):", "",
             "| sentence | Keras | SavedModel (raw text) | TFLite int8 | MediaPipe "
             "TextClassifier (raw text, the int8 file) |", "|---|---|---|---|---|"]
    for k, sentence in enumerate(SENTENCES):
        lines.append(f"| {sentence} | {keras_p[k, 1]:.3f} | {saved_p[k, 1]:.3f} | "
                     f"{lite_p[k, 1]:.3f} | {device_p[k, 1]:.3f} |")
    pictures = _pictures(s)
    with open(os.path.join(s.sst2, "eval_results.json")) as f:
        accuracy = json.load(f)["metrics"]["accuracy"]
    lines += ["", f"SST-2 dev accuracy {accuracy:.4f} (majority class: 0.5092).", "",
              "| made | where | size |", "|---|---|---|"]
    made = ([("vocabulary", s.vocab + ".model"), ("TFRecords", s.records),
             ("pretrained model", s.pretrained)] if s.pretrain_here
            else [("starter model (committed)", s.pretrained)])
    for name, path in made + [("SST-2 model", s.sst2),
                              ("SavedModel", report["saved_model"])] + [
            (f"TFLite {r['variant']}: {r['latency_ms_median']:.1f} ms at batch 1; accuracy "
             f"{r.get('accuracy', float('nan')):.3f} on {report.get('examples')} dev sentences "
             f"(Keras {report.get('keras_accuracy', float('nan')):.3f})",
             os.path.join(s.export_dir, r["file"]))
            for r in report["tflite"]] + [(f"picture: {k}", v) for k, v in pictures.items()]:
        lines.append(f"| {name} | {os.path.relpath(path, REPO_ROOT)} | {_size(path)} |")
    total = sum(s.timings.values())
    lines += ["", "Stage times: " + ", ".join(f"{k} {v:.0f}s" for k, v in s.timings.items())
              + f"; total {total / 60:.1f} min."]
    summary = {"accuracy": accuracy, "timings": s.timings,
               "agreement": {"savedmodel_max_abs_diff": float(np.abs(saved_p - keras_p).max()),
                             "tflite_int8_max_abs_diff": float(np.abs(lite_p - keras_p).max()),
                             "mediapipe_int8_max_abs_diff": float(np.abs(device_p - keras_p).max())},
               "pictures": pictures, "table": "\n".join(lines)}
    from albert_tf.io_utils import atomic_write_text

    atomic_write_text(os.path.join(s.out, "summary.json"),
                      json.dumps({k: v for k, v in summary.items() if k != "table"}, indent=2))
    atomic_write_text(os.path.join(s.out, "SUMMARY.md"), summary["table"] + "\n")
    return summary


def _pictures(s) -> dict:
    from albert_tf.viz.attention import visualize_attention
    from albert_tf.viz.attributions import visualize_attributions
    from albert_tf.viz.curves import plot_curves

    folder = os.path.join(s.out, "pictures")
    attention = visualize_attention(s.sst2, SENTENCES[0], folder)
    attributions = visualize_attributions(s.sst2, SENTENCES[0], folder)
    title = ("demo pretraining: albert_demo on pretrain_en" if s.pretrain_here else
             "albert_starter_en: its last pretraining phase")
    curves = plot_curves(s.pretrained, os.path.join(folder, "pretraining_curves.png"),
                         title=title)
    return {"attention map": attention["png"], "attention page": attention["html"],
            "attributions": attributions["html"], "pretraining curves": curves}


def _size(path):
    if os.path.isdir(path):
        total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    else:
        total = os.path.getsize(path) if os.path.exists(path) else 0
    return f"{total / 2**20:.1f} MiB"

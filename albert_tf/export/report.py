"""The export report: size, agreement with the Keras model, latency of each TFLite variant."""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

from albert_tf.io_utils import atomic_write_text


def keras_outputs(model, features, batch=32):
    from albert_tf.tasks.base import predict_batches

    return predict_batches(model, features, batch)


def latency_ms(interp, features, signature="serve_ids", runs=20, warmup=3):
    """Median, min and max milliseconds of one batch-1 call."""
    from albert_tf.export.tflite import signature_inputs

    runner = interp.get_signature_runner(signature)
    row = signature_inputs(runner, features, 0)
    for _ in range(warmup):
        runner(**row)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        runner(**row)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def variant_row(name, content, reference, features, labels=None, threads=2):
    """Measures one TFLite variant against the Keras outputs ``reference``."""
    from albert_tf.export.tflite import interpreter, run_ids

    interp = interpreter(content, threads)
    outputs = run_ids(interp, features)
    diff = max(float(np.max(np.abs(outputs[k] - reference[k]))) for k in reference)
    first = sorted(reference)[0]
    agree = float(np.mean(outputs[first].argmax(-1) == reference[first].argmax(-1)))
    median, low, high = latency_ms(interp, features)
    row = {"variant": name, "bytes": len(content), "max_abs_diff": diff,
           "argmax_agreement": agree, "latency_ms_median": median, "latency_ms_min": low,
           "latency_ms_max": high, "threads": threads}
    if labels is not None:
        row["accuracy"] = float(np.mean(outputs[first].argmax(-1) == labels))
    return row


def write_report(output_dir, report):
    """``export_report.json`` and ``export_report.md`` in ``output_dir``."""
    atomic_write_text(os.path.join(output_dir, "export_report.json"),
                      json.dumps(report, indent=2) + "\n")
    rows = report["tflite"]
    accuracy = "accuracy" in (rows[0] if rows else {})
    lines = [f"# Export report: {report['task']}", "",
             f"{report['examples']} real examples from `{report['data']}`; batch-1 latency at "
             f"max_seq_length {report['max_seq_length']} with {rows[0]['threads'] if rows else 2} "
             "threads (ai_edge_litert, XNNPACK), median of 20 runs.", ""]
    if accuracy:
        lines.append(f"Keras model accuracy: {report['keras_accuracy']:.4f}.")
        lines.append("")
    columns = ["variant", "size", "max \\|diff\\| vs Keras", "argmax agreement"]
    columns += ["accuracy"] if accuracy else []
    columns += ["latency ms (median, min–max)"]
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        cells = [r["variant"], f"{r['bytes'] / 2**20:.2f} MiB", f"{r['max_abs_diff']:.2e}",
                 f"{r['argmax_agreement']:.4f}"]
        if accuracy:
            cells.append(f"{r['accuracy']:.4f}")
        cells.append(f"{r['latency_ms_median']:.1f} ({r['latency_ms_min']:.1f}–"
                     f"{r['latency_ms_max']:.1f})")
        lines.append("| " + " | ".join(cells) + " |")
    device = report.get("on_device")
    if device and rows:
        packed = max(r.get("metadata_bytes", 0) for r in rows)
        lines += ["", f"Each file takes `{'`, `'.join(device['inputs'])}` of [1, "
                  f"{device['length']}] and carries MediaPipe metadata ({packed / 1024:.0f} KiB: "
                  "the tokenizer and its vocabulary file, the input roles and, for a "
                  "classifier, the labels); `albert-tf tflite-info FILE` prints it."]
    text = report.get("tflite_text")
    if text:
        lines += ["", f"Also `{text['file']}` ({text['bytes'] / 2**20:.2f} MiB): raw text in, "
                  "the tokenizer inside as tensorflow-text custom ops (register "
                  "`tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS` in the interpreter); "
                  "not in the table above."]
    atomic_write_text(os.path.join(output_dir, "export_report.md"), "\n".join(lines) + "\n")

"""Where full-int8 TFLite loses the SST-2 classifier: per-layer error, and ops kept in float.

    python bench/int8_layers.py [--model-dir saved_models/demo/sst2] [--no-write]

Issue 20 asks first where ``full_int8`` breaks. This script:

1. exports the model's ``serve_ids`` SavedModel at its packing width;
2. runs TensorFlow's ``QuantizationDebugger`` (``tf.lite.experimental``) with 200 SST-2
   training sentences as calibration and 100 dev sentences as the debug set, and ranks the
   quantized tensors by RMSE / scale (1 means an error of one quantization step; a
   well-quantized tensor is near 0.29, the rounding error of a uniform step);
3. converts full-int8 models that keep some op types in float (the debugger's
   ``denylisted_ops``: the LayerNorm ops, softmax, the GELU ops, and all of them), and
   measures each on all 872 dev sentences against the float32 file: argmax agreement,
   accuracy and size. Also the attention matmuls (``BATCH_MATMUL``), which the per-layer
   ranking puts first, the elementwise ops, and int8 for the dense layers (and the
   embedding lookup) alone.

Writes its section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, REPO, finish, machine  # noqa: E402

SECTION = "int8-layers"
# Op types to keep in float, by what they compute in the encoder.
LAYER_NORM = ["MEAN", "SQUARED_DIFFERENCE", "RSQRT"]
SOFTMAX = ["SOFTMAX"]
GELU = ["GELU", "TANH", "POW", "ERF"]
ATTENTION = ["BATCH_MATMUL"]  # scores = Q K^T and context = probs V
REMEDIES = [("full_int8 (every op int8 where a kernel exists)", []),
            ("LayerNorm ops in float", LAYER_NORM),
            ("softmax in float", SOFTMAX),
            ("GELU ops in float", GELU),
            ("LayerNorm, softmax and GELU in float", LAYER_NORM + SOFTMAX + GELU),
            ("attention matmuls (BATCH_MATMUL) in float", ATTENTION),
            ("attention matmuls, LayerNorm, softmax and GELU in float",
             ATTENTION + LAYER_NORM + SOFTMAX + GELU)]


def _features(model_dir, path, count):
    from albert_tf.export.run import task_features

    features, labels = task_features(model_dir, path, count)
    return features, labels


def _rows(features):
    import numpy as np

    for k in range(len(features["input_ids"])):
        yield {name: np.asarray(values[k:k + 1], np.int32) for name, values in features.items()}


def _ordered(features, content):
    """The debugger's dataset: lists of arrays in the interpreter's input order."""
    import numpy as np

    from albert_tf.export.tflite import interpreter

    names = [d["name"].removeprefix("serve_ids_").split(":")[0]
             for d in interpreter(content).get_input_details()]

    def rows():
        for k in range(len(features["input_ids"])):
            yield [np.asarray(features[name][k:k + 1], np.int32) for name in names]
    return rows


def _logits(content, features):
    from albert_tf.export.tflite import interpreter, run_ids

    return run_ids(interpreter(content), features)["logits"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=os.path.join(REPO, "saved_models", "demo",
                                                            "sst2"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    import numpy as np
    import tensorflow as tf

    from albert_tf.export.saved_model import export_saved_model
    from albert_tf.export.tflite import convert

    saved = export_saved_model(args.model_dir, tempfile.mkdtemp(prefix="bench-int8-"),
                               signatures="ids")
    calibration, _ = _features(args.model_dir, os.path.join(DATA, "sst2", "train.tsv"), 200)
    debug, _ = _features(args.model_dir, os.path.join(DATA, "sst2", "dev.tsv"), 100)
    dev, labels = _features(args.model_dir, os.path.join(DATA, "sst2", "dev.tsv"), 872)
    float_content = convert(saved, "float32")
    reference = _logits(float_content, dev)

    def converter():
        c = tf.lite.TFLiteConverter.from_saved_model(saved, signature_keys=["serve_ids"])
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = lambda: _rows(calibration)
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
                                       tf.lite.OpsSet.TFLITE_BUILTINS]
        return c

    print("[int8] per-layer statistics ...", flush=True)
    debug_rows = _ordered(debug, float_content)
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter(), debug_dataset=debug_rows)
    debugger.run()
    buffer = io.StringIO()
    debugger.layer_statistics_dump(buffer)
    layers = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    for row in layers:
        scale = float(row["scale"]) if row.get("scale") else 0.0
        row["rmse/scale"] = (np.sqrt(float(row["mean_squared_error"])) / scale
                             if scale else float("nan"))
    ranked = sorted((r for r in layers if np.isfinite(r["rmse/scale"])),
                    key=lambda r: -r["rmse/scale"])
    others = sorted({r["op_name"] for r in layers} - {"FULLY_CONNECTED"})
    elementwise = ["ADD", "MUL", "SUB"]
    remedies = REMEDIES + [
        ("elementwise ADD, MUL, SUB in float", elementwise),
        (f"only FULLY_CONNECTED int8 (float: {', '.join(others)})", others),
        ("only FULLY_CONNECTED and the embedding GATHER int8",
         [op for op in others if op != "GATHER"]),
    ]
    results = []
    for name, ops in remedies:
        print(f"[int8] {name} ...", flush=True)
        options = tf.lite.experimental.QuantizationDebugOptions(denylisted_ops=ops)
        model = tf.lite.experimental.QuantizationDebugger(
            converter=converter(), debug_dataset=debug_rows, debug_options=options)
        content = bytes(model.get_nondebug_quantized_model())
        logits = _logits(content, dev)
        results.append((name, len(content), float(np.mean(logits.argmax(-1) ==
                                                          reference.argmax(-1))),
                        float(np.mean(logits.argmax(-1) == labels))))
    accuracy = float(np.mean(reference.argmax(-1) == labels))
    lines = ["## Where full-int8 loses the SST-2 classifier (`bench/int8_layers.py`)", "",
             f"{machine('tensorflow', 'ai_edge_litert')}. Model: "
             f"`{os.path.relpath(args.model_dir, REPO)}` (the `make demo` classifier: the "
             "English starter fine-tuned on SST-2), at its packing width; calibration: 200 "
             "SST-2 training sentences; per-layer statistics on 100 dev sentences "
             "(`tf.lite.experimental.QuantizationDebugger`); agreement and accuracy on all "
             f"872 dev sentences. float32 file: {len(float_content) / 2**20:.2f} MiB, accuracy "
             f"{accuracy:.4f}.", "",
             "The quantized tensors with the largest error, as RMSE / scale (one quantization "
             "step = 1; rounding alone gives about 0.29):", "",
             "| tensor | op | RMSE / scale | max \\|error\\| | scale |", "|---|---|---|---|---|"]
    for row in ranked[:12]:
        lines.append(f"| `...{row['tensor_name'][-45:]}` | {row['op_name']} | "
                     f"{row['rmse/scale']:.2f} | {float(row['max_abs_error']):.3g} | "
                     f"{float(row['scale']):.3g} |")
    lines += ["", "Full-int8 files with some op types kept in float (the debugger's "
              "`denylisted_ops`):", "",
              "| model | size | vs float32 | argmax agreement with float32 | accuracy |",
              "|---|---|---|---|---|"]
    for name, size, agree, acc in results:
        lines.append(f"| {name} | {size / 2**20:.2f} MiB | {size / len(float_content):.0%} | "
                     f"{agree:.4f} | {acc:.4f} |")
    met = [name for name, size, agree, acc in results
           if agree >= 0.99 and acc >= accuracy - 0.01 and size <= 0.3 * len(float_content)]
    lines += ["", "Target of issue 20: agreement ≥ 0.99, accuracy within 1 point, size ≤ 30 % "
              "of float32. " + (f"Met by: {'; '.join(met)}." if met else "Met by none.")]
    lines += ["", "Read: keeping LayerNorm, softmax, GELU or the attention matmuls in float "
              "changes nothing; the loss is spread over the elementwise and reshaping ops "
              "between the dense layers. Quantizing the dense layers' (FULLY_CONNECTED) "
              "weights and activations and the embedding lookup, and nothing else, keeps the "
              "answers at a quarter of the size."]
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

"""Inference speed of ALBERT-base sequence classification: ours beside the peers, one process.

    python bench/inference.py [--runs 5] [--seq 128] [--threads 2] [--skip NAME,...] [--no-write]

One ALBERT-base classifier (random weights, 2 labels) is built once and copied into
every runtime, so all rows compute the same function (max |logit diff| vs ours is
reported). Rows: ours (Keras on TensorFlow, with and without XLA; the SavedModel's
``serve_ids``; TFLite float32 / float16 / dynamic_int8 through ai_edge_litert with
XNNPACK) and the peers (Hugging Face transformers on PyTorch, eager and
``torch.compile``; ONNX Runtime on the model exported from PyTorch; keras-hub's
``AlbertBackbone`` + a dense head, with XLA). Batch-1 latency (median, min, max of
``--runs`` × 3 calls after warm-up) and batch-32 throughput (median of ``--runs``
calls). GFLOP/s use the analytic count of the forward pass, beside this machine's
float32 matrix-multiply peak measured in the same run. Writes docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(THREADS))
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import call_times, finish, machine, median, REPO  # noqa: E402

import numpy as np  # noqa: E402

SECTION = "inference"


def forward_flops(config, seq):
    """Multiply-adds × 2 of one sequence through the classifier (embeddings excluded)."""
    h, i, e, layers = config.hidden_size, config.intermediate_size, config.embedding_size, \
        config.num_hidden_layers * config.inner_group_num
    per_layer = 2 * seq * (4 * h * h + 2 * h * i) + 4 * seq * seq * h
    return layers * per_layer + 2 * seq * e * h + 2 * h * h + 2 * h * 2


def matmul_peak(threads, n=2048, runs=5):
    """Best float32 GFLOP/s of an n×n matmul (NumPy and TensorFlow; the higher)."""
    import tensorflow as tf

    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    best = 0.0
    for fn in (lambda: a @ a, lambda: tf.linalg.matmul(a, a).numpy()):
        best = max(best, 2 * n ** 3 / min(call_times(fn, runs, warmup=1)) / 1e9)
    return best


def timed(fn, batch, runs, calls):
    return call_times(lambda: fn(batch), runs * calls)


class Setup:
    def __init__(self, seq, threads, work, config="albert_base_v2"):
        import keras
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        from albert_tf.config import AlbertConfig
        from albert_tf.modeling.task_models import AlbertClassifier

        keras.utils.set_random_seed(0)
        self.config = AlbertConfig.from_json_file(os.path.join(REPO, "configs", f"{config}.json"))
        self.model = AlbertClassifier(self.config, 2)
        self.seq, self.threads, self.work = seq, threads, work
        rng = np.random.default_rng(1)

        def batch(n):
            ids = rng.integers(5, self.config.vocab_size, (n, seq)).astype(np.int32)
            ids[:, 0], ids[:, -1] = 2, 3
            return {"input_ids": ids, "input_mask": np.ones_like(ids),
                    "segment_ids": np.zeros_like(ids)}

        self.batches = {1: batch(1), 32: batch(32)}
        self.reference = np.asarray(self.model(self.batches[1])["logits"])


def ours_keras(s, jit):
    import tensorflow as tf

    call = tf.function(lambda x: s.model(x, training=False)["logits"], jit_compile=jit,
                       reduce_retracing=True)
    return lambda b: call({k: tf.constant(v) for k, v in b.items()}).numpy()


def ours_saved_model(s):
    import tensorflow as tf

    from albert_tf.export.module import ServingModule

    class _NoTokenizer(tf.Module):
        pass

    module = ServingModule(s.model, _NoTokenizer(), {"task": "classification"}, s.seq)
    fn = module.serve_ids_function(("logits",))
    module.serve_ids = fn
    path = os.path.join(s.work, "saved_model")
    tf.saved_model.save(module, path, signatures={"serve_ids": fn.get_concrete_function()})
    s.saved_model_path = path
    signature = tf.saved_model.load(path).signatures["serve_ids"]
    return lambda b: signature(**{k: tf.constant(v) for k, v in b.items()})["logits"].numpy()


def ours_tflite(s, variant):
    from albert_tf.export import tflite

    if not hasattr(s, "saved_model_path"):
        ours_saved_model(s)
    content = tflite.convert(s.saved_model_path, variant)
    runners = {}

    def run(b):
        n = len(b["input_ids"])
        if n not in runners:
            interp = tflite.interpreter(content, s.threads)
            runner = interp.get_signature_runner("serve_ids")
            runners[n] = runner
        return runners[n](**b)["logits"]

    return run


def hf_model(s):
    import torch
    from transformers import AlbertConfig as HFConfig, AlbertForSequenceClassification

    torch.set_num_threads(s.threads)
    c = s.config
    model = AlbertForSequenceClassification(HFConfig(
        vocab_size=c.vocab_size, embedding_size=c.embedding_size, hidden_size=c.hidden_size,
        num_hidden_layers=c.num_hidden_layers, num_attention_heads=c.num_attention_heads,
        intermediate_size=c.intermediate_size, hidden_act="gelu_new", num_labels=2,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, classifier_dropout_prob=0.0,
        max_position_embeddings=c.max_position_embeddings, type_vocab_size=c.type_vocab_size))
    from albert_tf.convert.hf_names import name_table

    values = {v.path: np.asarray(v.numpy()) for v in s.model.weights}
    state = model.state_dict()
    for row in name_table(c, "classification"):
        ours, theirs, transform = row.ours, row.theirs, getattr(row, "transform", None)
        if theirs not in state or ours not in values:
            continue
        value = values[ours]
        if transform == "transpose":
            value = value.T
        state[theirs] = torch.tensor(value.reshape(state[theirs].shape))
    model.load_state_dict(state)
    return model.eval()


def hf(s, compiled):
    import torch

    model = hf_model(s)
    if compiled:
        model = torch.compile(model)

    def run(b):
        with torch.inference_mode():
            return model(input_ids=torch.from_numpy(b["input_ids"]).long(),
                         attention_mask=torch.from_numpy(b["input_mask"]).long(),
                         token_type_ids=torch.from_numpy(b["segment_ids"]).long()).logits.numpy()

    return run


def onnx_runtime(s):
    import onnxruntime as ort
    import torch

    model = hf_model(s)
    path = os.path.join(s.work, "albert.onnx")
    b = s.batches[1]
    torch.onnx.export(model, (torch.from_numpy(b["input_ids"]).long(),
                              torch.from_numpy(b["input_mask"]).long(),
                              torch.from_numpy(b["segment_ids"]).long()), path,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["logits"], dynamo=False, opset_version=17,
                      dynamic_axes={n: {0: "batch"} for n in ("input_ids", "attention_mask",
                                                             "token_type_ids", "logits")})
    options = ort.SessionOptions()
    options.intra_op_num_threads = s.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return lambda b: session.run(None, {"input_ids": b["input_ids"].astype(np.int64),
                                        "attention_mask": b["input_mask"].astype(np.int64),
                                        "token_type_ids": b["segment_ids"].astype(np.int64)})[0]


def keras_hub_row(s):
    import keras
    import tensorflow as tf

    from albert_tf.convert.keras_hub import backbone_from_encoder

    backbone = backbone_from_encoder(s.model.encoder)
    head = keras.layers.Dense(2)
    head.build((None, s.config.hidden_size))
    head.set_weights(s.model.classifier.get_weights())

    @tf.function(jit_compile=True)
    def call(ids, mask, seg):
        out = backbone({"token_ids": ids, "padding_mask": mask, "segment_ids": seg})
        return head(out["pooled_output"])

    return lambda b: call(b["input_ids"], b["input_mask"], b["segment_ids"]).numpy()


ROWS = [
    ("ours: Keras on TensorFlow", "keras", lambda s: ours_keras(s, False)),
    ("ours: Keras on TensorFlow, XLA", "keras_xla", lambda s: ours_keras(s, True)),
    ("ours: SavedModel serve_ids", "saved_model", ours_saved_model),
    ("ours: TFLite float32 (XNNPACK)", "tflite_float32", lambda s: ours_tflite(s, "float32")),
    ("ours: TFLite float16", "tflite_float16", lambda s: ours_tflite(s, "float16")),
    ("ours: TFLite dynamic_int8", "tflite_dynamic_int8", lambda s: ours_tflite(s, "dynamic_int8")),
    ("Hugging Face transformers, PyTorch eager", "hf_eager", lambda s: hf(s, False)),
    ("Hugging Face transformers, torch.compile", "hf_compile", lambda s: hf(s, True)),
    ("ONNX Runtime (exported from PyTorch)", "onnxruntime", onnx_runtime),
    ("keras-hub AlbertBackbone + head, XLA", "keras_hub_xla", keras_hub_row),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--skip", default="", help="comma-separated row keys to leave out")
    parser.add_argument("--config", default="albert_base_v2",
                        help="a config name in configs/ (the tables are for albert_base_v2)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="bench-inference-")
    s = Setup(args.seq, THREADS, work, args.config)
    flops = forward_flops(s.config, args.seq)
    peak = matmul_peak(THREADS)
    print(f"forward pass {flops / 1e9:.1f} GFLOP per sequence; float32 matmul peak {peak:.0f} GFLOP/s",
          flush=True)
    results = []
    for title, key, make in ROWS:
        if key in args.skip.split(","):
            continue
        try:
            run = make(s)
            diff = float(np.abs(np.asarray(run(s.batches[1])) - s.reference).max())
            one = timed(run, s.batches[1], args.runs, 3)
            many = timed(run, s.batches[32], args.runs, 1)
        except Exception as e:  # a peer that fails is reported, not fatal
            print(f"{title}: failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}", flush=True)
            results.append((title, None))
            continue
        row = {"diff": diff, "b1": median(one) * 1000, "b1_min": min(one) * 1000,
               "b1_max": max(one) * 1000, "b32": 32 / median(many)}
        row["gflops"] = max(flops / (row["b1"] / 1000), flops * row["b32"]) / 1e9
        results.append((title, row))
        print(f"{title}: batch 1 {row['b1']:.1f} ms, batch 32 {row['b32']:.2f} seq/s, "
              f"max |diff| {diff:.1e}", flush=True)
    write(results, peak, flops, args)


def write(results, peak, flops, args):
    ours = [r for t, r in results if r and t.startswith("ours") and "int8" not in t and "16" not in t]
    best1 = min(r["b1"] for r in ours) if ours else None
    lines = ["## Inference: ALBERT-base classification (`bench/inference.py`)", "",
             f"{machine('tensorflow', 'keras', 'torch', 'onnxruntime', 'transformers')}. "
             f"ALBERT-base (12 layers sharing one block, H 768), 2 labels, sequence length "
             f"{args.seq}, {THREADS} threads; {flops / 1e9:.1f} GFLOP per sequence; this "
             f"machine's float32 matrix-multiply peak, measured in the same run: {peak:.0f} GFLOP/s. "
             f"Batch 1: median (min–max) of {args.runs * 3} calls; batch 32: median of "
             f"{args.runs} calls. Same weights everywhere (last column).", "",
             "| runtime | batch 1 ms | batch 32 seq/s | GFLOP/s | of peak | vs best ours, batch 1 | max \\|diff\\| |",
             "|---|---|---|---|---|---|---|"]
    for title, r in results:
        if r is None:
            lines.append(f"| {title} | failed | | | | | |")
            continue
        ratio = r["b1"] / best1 if best1 else float("nan")
        lines.append(f"| {title} | {r['b1']:.1f} ({r['b1_min']:.1f}–{r['b1_max']:.1f}) | "
                     f"{r['b32']:.2f} | {r['gflops']:.0f} | {r['gflops'] / peak:.0%} | "
                     f"{ratio:.2f}x | {r['diff']:.1e} |")
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

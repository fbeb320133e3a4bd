"""How much of an ALBERT-base forward pass is matrix multiplication (batch 1, XLA, CPU).

    python bench/gemm_share.py [--calls 15] [--seq 128]

Times, interleaved in one process, the real classifier and the same layers reduced
to their matrix multiplies (Q, K, V, scores, context, attention output, both FFN
matmuls, with the reshapes attention needs and the residual adds). The difference
bounds what fusing the element-wise work (GELU, LayerNorm, softmax, masking) can win.
Prints only; the figure is quoted in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--seq", type=int, default=128)
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    from albert_tf.config import AlbertConfig
    from albert_tf.modeling.task_models import AlbertClassifier

    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    config = AlbertConfig.from_json_file(os.path.join(os.path.dirname(__file__), "..", "configs",
                                                      "albert_base_v2.json"))
    h, heads, t = config.hidden_size, config.num_attention_heads, args.seq
    rng = np.random.default_rng(0)
    kernels = [tf.Variable(rng.standard_normal(shape).astype(np.float32) * 0.02)
               for shape in [(h, h)] * 4 + [(h, config.intermediate_size),
                                            (config.intermediate_size, h)]]

    def split(x):
        return tf.transpose(tf.reshape(x, (-1, t, heads, h // heads)), (0, 2, 1, 3))

    @tf.function(jit_compile=True)
    def matmuls_only(x):
        for _ in range(config.num_hidden_layers):
            q, k, v = (split(x @ kernels[i]) for i in range(3))
            context = tf.matmul(tf.matmul(q, k, transpose_b=True), v)
            a = tf.reshape(tf.transpose(context, (0, 2, 1, 3)), (-1, t, h)) @ kernels[3] + x
            x = (a @ kernels[4]) @ kernels[5] + a
        return x

    model = AlbertClassifier(config, 2)
    full = tf.function(lambda x: model(x, training=False)["logits"], jit_compile=True)
    ids = tf.constant(rng.integers(5, config.vocab_size, (1, t)).astype(np.int32))
    inputs = {"input_ids": ids, "input_mask": tf.ones_like(ids), "segment_ids": tf.zeros_like(ids)}
    hidden = tf.constant(rng.standard_normal((1, t, h)).astype(np.float32) * 0.1)
    runs = {"full classifier": (full, inputs), "matrix multiplies only": (matmuls_only, hidden)}
    times = {name: [] for name in runs}
    for fn, arg in runs.values():
        fn(arg), fn(arg)
    for _ in range(args.calls):
        for name, (fn, arg) in runs.items():
            start = time.perf_counter()
            np.asarray(fn(arg))
            times[name].append(time.perf_counter() - start)
    full_ms, mm_ms = (float(np.median(times[n])) * 1000 for n in runs)
    print(f"batch 1, seq {t}, XLA: full classifier {full_ms:.1f} ms, matrix multiplies only "
          f"{mm_ms:.1f} ms ({mm_ms / full_ms:.0%} of the full pass)")


if __name__ == "__main__":
    main()

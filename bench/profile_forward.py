"""Where the time of an ALBERT-base forward pass goes: the TensorFlow profiler, by kind.

    python bench/profile_forward.py [--batches 1,32] [--steps 5] [--threads 2] [--no-write]

Runs the ALBERT-base classifier (random weights, sequence length 128) under
``tf.function(jit_compile=True)`` with the TensorFlow profiler on, XLA's CPU thunks
traced (``--xla_cpu_enable_xprof_traceme``), and sums the traced time of each kind
of XLA operation (``MatMul``/``dot``: matrix multiplies; ``*_fusion``: fused
element-wise work, LayerNorm, softmax; ``ynn_fusion``: XLA's YNNPACK kernels) per
forward pass. Writes its section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import sys
import tempfile

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(THREADS))
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                           " --xla_cpu_enable_xprof_traceme=true").strip()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import finish, machine, REPO  # noqa: E402

SECTION = "profile"
GEMM = ("MatMul", "dot")  # kinds starting so: MatMul, MatMul_1, dot, dot_add_fusion


def thunk_times(logdir, steps):
    """Milliseconds per step of each kind of traced XLA thunk (``name.N`` -> ``name``)."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    path = sorted(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True))[-1]
    with open(path, "rb") as f:
        space = xplane_pb2.XSpace.FromString(f.read())
    kinds, counts = collections.Counter(), collections.Counter()
    for plane in space.planes:
        names = {key: value.name for key, value in plane.event_metadata.items()}
        for line in plane.lines:
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if re.search(r"\.\d+$", name) and not name.startswith("end: "):
                    kind = re.sub(r"\.\d+$", "", name)
                    kinds[kind] += event.duration_ps / 1e9 / steps
                    counts[kind] += 1 / steps
    return kinds, counts


def profile(model, batch, steps, seq=128):
    import numpy as np
    import tensorflow as tf

    ids = np.random.default_rng(1).integers(5, 30000, (batch, seq)).astype(np.int32)
    inputs = {"input_ids": tf.constant(ids), "input_mask": tf.ones_like(ids),
              "segment_ids": tf.zeros_like(ids)}
    forward = tf.function(lambda x: model(x, training=False)["logits"], jit_compile=True)
    for _ in range(3):
        forward(inputs).numpy()
    logdir = tempfile.mkdtemp(prefix="albert_profile_")
    tf.profiler.experimental.start(logdir)
    for _ in range(steps):
        forward(inputs).numpy()
    tf.profiler.experimental.stop()
    return thunk_times(logdir, steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from albert_tf.config import AlbertConfig
    from albert_tf.modeling.task_models import AlbertClassifier

    keras.utils.set_random_seed(0)
    config = AlbertConfig.from_json_file(os.path.join(REPO, "configs", "albert_base_v2.json"))
    model = AlbertClassifier(config, 2)
    lines = ["## Profile of the forward pass (`bench/profile_forward.py`)", "",
             f"{machine('tensorflow', 'keras')}. ALBERT-base classifier, sequence length 128, "
             f"{THREADS} threads, Keras on TensorFlow with XLA; the TensorFlow profiler with "
             f"XLA's CPU thunks traced, {args.steps} forward passes after warm-up. Time per "
             "forward pass by kind of XLA operation (the profiler's own overhead included).", ""]
    for batch in [int(b) for b in args.batches.split(",") if b]:
        kinds, counts = profile(model, batch, args.steps)
        total = sum(kinds.values())
        gemm = sum(v for k, v in kinds.items() if k.startswith(GEMM))
        lines += [f"**Batch {batch}**: {total:.1f} ms traced; matrix multiplies "
                  f"{gemm:.1f} ms ({100 * gemm / total:.0f} %).", "",
                  "| XLA operation | ms per pass | share | calls per pass |", "|---|---|---|---|"]
        for kind, ms in kinds.most_common(10):
            lines.append(f"| `{kind}` | {ms:.2f} | {100 * ms / total:.1f} % | "
                         f"{counts[kind]:.0f} |")
        rest = total - sum(ms for _, ms in kinds.most_common(10))
        if rest > 0:
            lines.append(f"| everything else | {rest:.2f} | {100 * rest / total:.1f} % | |")
        lines.append("")
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

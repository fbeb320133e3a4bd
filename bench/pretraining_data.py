"""Throughput of ``create-pretraining-data`` and its scaling from 1 to 2 workers.

    python bench/pretraining_data.py [--runs 3] [--no-write]

Input and settings are those of the reference figure quoted in the issue for the
original single-threaded ``create_pretraining_data.py`` (13,271 instances in 40 s
including start-up, about 330 instances/s): the 1.47 MB of English in
``pretrain_en/gutenberg_pg1342.txt`` and ``gutenberg_pg98.txt``, a 16k SentencePiece
vocabulary made by ``train-vocab``, ``max_seq_length`` 128, ``dupe_factor`` 2,
n-gram masking (n ≤ 3). Each run is the whole command in a fresh process (start-up
included, as the reference); medians of ``--runs``. Writes its section of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, finish, machine, median, REPO  # noqa: E402

SECTION = "pretraining-data"
BOOKS = ["gutenberg_pg1342.txt", "gutenberg_pg98.txt"]
REFERENCE_PER_SECOND = 13_271 / 40.0


def _command(*args):
    env = {**os.environ, "PYTHONPATH": REPO}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "albert_tf", *args], env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    inputs = [os.path.join(DATA, "pretrain_en", name) for name in BOOKS]
    megabytes = sum(os.path.getsize(p) for p in inputs) / 1e6
    work = tempfile.mkdtemp(prefix="bench-pretraining-data-")
    vocab = os.path.join(work, "en16k")
    print("training a 16k SentencePiece vocabulary on pretrain_en ...", flush=True)
    _command("train-vocab", "--input", *[os.path.join(DATA, "pretrain_en", n)
             for n in sorted(os.listdir(os.path.join(DATA, "pretrain_en")))],
             "--output", vocab, "--vocab-size", "16000")
    rows = {}
    for workers in (1, 2):
        seconds, instances = [], None
        for run in range(args.runs):
            out = os.path.join(work, f"w{workers}-{run}")
            seconds.append(_command(
                "create-pretraining-data", "--input", *inputs, "--output-dir", out,
                "--vocab", vocab + ".model", "--max-seq-length", "128", "--dupe-factor", "2",
                "--ngram", "3", "--num-workers", str(workers), "--num-shards", "4"))
            with open(os.path.join(out, "pretrain.metadata.json")) as f:
                instances = json.load(f)["instances"]
            print(f"{workers} worker(s), run {run + 1}: {instances:,} instances in "
                  f"{seconds[-1]:.2f}s", flush=True)
        rows[workers] = (instances, median(seconds), min(seconds), max(seconds))
    lines = [
        "## Pretraining data (`bench/pretraining_data.py`)", "",
        f"{machine('sentencepiece')}. Whole command in a fresh process, start-up included; "
        f"median of {args.runs} runs. Input: `pretrain_en/{BOOKS[0]}` + `{BOOKS[1]}` "
        f"({megabytes:.2f} MB), 16k SentencePiece vocabulary from `train-vocab`, "
        "max_seq_length 128, dupe_factor 2, n-gram masking n ≤ 3, 4 shards.", "",
        "| run | instances | median s (min–max) | instances/s | MB/s | vs original (330/s) |",
        "|---|---|---|---|---|---|",
        f"| original `create_pretraining_data.py` (figure quoted in the issue) | 13,271 | 40.0 "
        f"| {REFERENCE_PER_SECOND:,.0f} | {megabytes / 40:.3f} | 1.0x |",
    ]
    for workers, (instances, med, low, high) in rows.items():
        rate = instances / med
        lines.append(f"| albert-tf, {workers} worker(s) | {instances:,} | {med:.2f} "
                     f"({low:.2f}–{high:.2f}) | {rate:,.0f} | {megabytes / med:.3f} | "
                     f"{rate / REFERENCE_PER_SECOND:.1f}x |")
    scaling = rows[1][1] / rows[2][1]
    lines += ["", f"Scaling from 1 to 2 workers: {scaling:.2f}x. Output bytes are identical "
              "for any worker count (tested).",
              "Instance counts differ from the reference because the vocabulary differs "
              "(ours is trained on the four books and WikiText)."]
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

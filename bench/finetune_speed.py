"""Fine-tuning speed with and without ``--group-by-length``, same data, same process order.

    python bench/finetune_speed.py [--examples 6400] [--repeats 2] [--no-write]

Fine-tunes ``configs/albert_demo.json`` (random start) on the first ``--examples``
SST-2 sentences for one epoch (batch 32, ``--max-seq-length 64``), alternating runs
with every batch padded to 64 tokens and runs with batches grouped by length and cut
to their longest sentence. Reports the median wall time of the whole command (start-up,
tokenization, XLA compilations and the dev evaluation included), the training steps/s
from the run's own log, and the dev accuracy of each, then writes its section of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, finish, machine, median, REPO  # noqa: E402

SECTION = "finetune-speed"


def run(out, examples, group, vocab):
    shutil.rmtree(out, ignore_errors=True)
    args = [sys.executable, "-m", "albert_tf", "finetune", "classification",
            "--train", os.path.join(DATA, "sst2", "train.tsv"),
            "--dev", os.path.join(DATA, "sst2", "dev.tsv"), "--output-dir", out,
            "--albert-config", os.path.join(REPO, "configs", "albert_demo.json"),
            "--vocab", vocab, "--epochs", "1", "--batch-size", "32",
            "--learning-rate", "3e-4", "--adam-bias-correction", "--max-seq-length", "64",
            "--max-train-examples", str(examples), "--verbose", "0",
            "--group-by-length" if group else "--no-group-by-length"]
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    seconds = time.perf_counter() - start
    with open(os.path.join(out, "training_log.csv")) as f:
        log = list(csv.DictReader(f))
    with open(os.path.join(out, "eval_results.json")) as f:
        accuracy = json.load(f)["metrics"]["accuracy"]
    return seconds, float(log[-1]["steps_per_second"]), accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=6400)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--vocab", default=os.path.join(
        REPO, "tfrecords", "bench_pretrain", "vocab", "en8k.model"),
        help="SentencePiece model (default: the one bench/pretrain_run.py trains)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not os.path.exists(args.vocab):
        sys.exit(f"--vocab {args.vocab}: not found (run bench/pretrain_run.py, or give one)")
    results = {False: [], True: []}
    work = tempfile.mkdtemp(prefix="finetune_speed_")
    try:
        for repeat in range(args.repeats):
            for group in (False, True):
                result = run(os.path.join(work, f"run{repeat}_{int(group)}"), args.examples,
                             group, args.vocab)
                print(f"group_by_length={group}: {result[0]:.1f} s, {result[1]:.2f} steps/s, "
                      f"dev accuracy {result[2]:.4f}", flush=True)
                results[group].append(result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    steps = args.examples // 32
    rows = []
    for group, label in ((False, "every batch padded to 64 tokens"),
                         (True, "`--group-by-length`")):
        seconds = median([r[0] for r in results[group]])
        rate = median([r[1] for r in results[group]])
        accuracy = " / ".join(f"{r[2]:.4f}" for r in results[group])
        rows.append((label, seconds, rate, accuracy))
    base = rows[0][1]
    lines = [
        "## Fine-tuning speed: batches grouped by length (`bench/finetune_speed.py`)", "",
        f"{machine('tensorflow', 'keras')}. `configs/albert_demo.json` from random weights, "
        f"SST-2, first {args.examples:,} training sentences, one epoch ({steps} steps of 32), "
        f"`--max-seq-length 64`, XLA on; runs alternated, median of {args.repeats}. Wall time "
        "is the whole command (start-up, tokenization, compilations, the dev evaluation).", "",
        "| batches | wall s (median) | speed-up | training steps/s | dev accuracy (each run) |",
        "|---|---|---|---|---|"]
    for label, seconds, rate, accuracy in rows:
        lines.append(f"| {label} | {seconds:.1f} | {base / seconds:.2f}x | {rate:.2f} | "
                     f"{accuracy} |")
    lines += ["", "Grouping sorts the rows by length inside windows of 50 batches (the batch "
              "order stays random) and cuts each batch to its longest row rounded up to 16 "
              "tokens; SST-2's median sentence is 13 pieces, so most batches are 16 or 32 "
              "tokens wide. Each width is one more XLA compilation (at most four here)."]
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

"""A short real pretraining run of a small config on ``pretrain_en``, with curves.

    python bench/pretrain_run.py [--albert-config configs/albert_demo.json] [--steps 6000]
                                 [--batch-size 16] [--learning-rate 5e-3] [--dynamic-masking]
                                 [--model-dir DIR] [--no-write]

Trains an 8k SentencePiece vocabulary on the four books and WikiText, writes
MLM + SOP TFRecords from the books (dupe_factor 5, read as prose; with
``--dynamic-masking`` the records keep the original tokens and the masks are drawn afresh
every epoch) and from WikiText (evaluation, a paragraph per line), pretrains the config
with LAMB on this CPU, and plots the MLM and SOP accuracy curves to
``docs/pretraining_curves.png``. Steps/s and tokens/s are
the medians over the run's chunks. Resumable: rerun after a crash. Writes its
section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, describe_config, finish, machine, median, REPO  # noqa: E402

SECTION = "pretraining-run"
BOOKS = ["gutenberg_pg1342.txt", "gutenberg_pg1661.txt", "gutenberg_pg2701.txt",
         "gutenberg_pg98.txt"]


def _albert_tf(*args):
    env = {**os.environ, "PYTHONPATH": REPO}
    subprocess.run([sys.executable, "-m", "albert_tf", *args], env=env, check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--albert-config", default=os.path.join(REPO, "configs", "albert_demo.json"))
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=5e-3)
    parser.add_argument("--dynamic-masking", action="store_true")
    parser.add_argument("--work", default=os.path.join(REPO, "tfrecords", "bench_pretrain"))
    parser.add_argument("--model-dir", default=os.path.join(REPO, "saved_models", "bench_pretrain"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    en = os.path.join(DATA, "pretrain_en")
    vocab = os.path.join(args.work, "vocab", "en8k")
    if not os.path.exists(vocab + ".model"):
        _albert_tf("train-vocab", "--input", *sorted(glob.glob(os.path.join(en, "*"))),
                   "--output", vocab, "--vocab-size", "8000")
    train = os.path.join(args.work, "train_dyn" if args.dynamic_masking else "train")
    evaluation = os.path.join(args.work, "eval")
    if not os.path.exists(os.path.join(train, "pretrain.metadata.json")):
        _albert_tf("create-pretraining-data", "--input", *[os.path.join(en, b) for b in BOOKS],
                   "--output-dir", train, "--vocab", vocab + ".model", "--dupe-factor", "5",
                   "--num-shards", "4", "--text-format", "prose",
                   *(["--masked-lm-prob", "0"] if args.dynamic_masking else []))
    if not os.path.exists(os.path.join(evaluation, "pretrain.metadata.json")):
        _albert_tf("create-pretraining-data", "--input",
                   os.path.join(en, "wikitext-2-raw.wiki.test.raw"), "--output-dir", evaluation,
                   "--vocab", vocab + ".model", "--dupe-factor", "1", "--num-shards", "1",
                   "--text-format", "paragraphs")
    from albert_tf.training.fit import finished_run

    if not finished_run(args.model_dir):  # a finished run is reported, not trained over
        _albert_tf("pretrain", "--albert-config", args.albert_config,
                   *(["--dynamic-masking"] if args.dynamic_masking else []),
                   "--train-data", os.path.join(train, "*.tfrecord"),
                   "--eval-data", os.path.join(evaluation, "*.tfrecord"),
                   "--model-dir", args.model_dir, "--vocab", vocab + ".model",
                   "--batch-size", str(args.batch_size), "--steps", str(args.steps),
                   "--learning-rate", str(args.learning_rate),
                   "--warmup-steps", str(args.steps // 10), "--checkpoint-every", "100",
                   "--eval-steps", "10", "--verbose", "2")

    from albert_tf.viz.curves import plot_curves, read_log

    log = read_log(args.model_dir)
    png = os.path.join(REPO, "docs", "pretraining_curves.png")
    name = os.path.splitext(os.path.basename(args.albert_config))[0]
    plot_curves(args.model_dir, png, title=f"{name} pretraining on pretrain_en (CPU)",
                panels=[("masked-LM accuracy", ["mlm_accuracy", "val_mlm_accuracy"]),
                        ("sentence-order accuracy", ["sop_accuracy", "val_sop_accuracy"]),
                        ("losses", ["mlm_loss", "sop_loss", "val_mlm_loss", "val_sop_loss"])])
    with open(os.path.join(train, "pretrain.metadata.json")) as f:
        instances = json.load(f)["instances"]
    sps, tps = median(log["steps_per_second"]), median(log["tokens_per_second"])
    first, last = 0, len(log["step"]) - 1
    lines = [
        "## Pretraining run (`bench/pretrain_run.py`)", "",
        f"{machine('tensorflow', 'keras')}. {describe_config(args.albert_config)}, LAMB, peak "
        f"learning rate {args.learning_rate:g}, {args.steps // 10} warm-up steps, batch "
        f"{args.batch_size} x 128 tokens, {args.steps} steps on {instances:,} instances from "
        "the four books (dupe_factor 5, `--text-format prose`"
        + (", masks drawn afresh every epoch by `--dynamic-masking`" if args.dynamic_masking
           else "") + "); evaluation on WikiText-2 test records "
        "(`--text-format paragraphs`). MLM accuracy counts the real predictions only.", "",
        "| | first 100 steps | last 100 steps | evaluation at the end |",
        "|---|---|---|---|",
        f"| MLM accuracy | {log['mlm_accuracy'][first]:.3f} | {log['mlm_accuracy'][last]:.3f} "
        f"| {log.get('val_mlm_accuracy', [float('nan')])[last]:.3f} |",
        f"| SOP accuracy | {log['sop_accuracy'][first]:.3f} | {log['sop_accuracy'][last]:.3f} "
        f"| {log.get('val_sop_accuracy', [float('nan')])[last]:.3f} |",
        f"| MLM loss | {log['mlm_loss'][first]:.3f} | {log['mlm_loss'][last]:.3f} "
        f"| {log.get('val_mlm_loss', [float('nan')])[last]:.3f} |", "",
        f"Speed: median {sps:.2f} steps/s, {tps:,.0f} tokens/s (per 100-step chunk, "
        "evaluation excluded).", "",
        "![pretraining curves](pretraining_curves.png)",
    ]
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

"""What a pretrained model's masked-LM accuracy is made of: context, or copying and frequency.

    python bench/mlm_breakdown.py [--run MODEL_DIR=RECORDS_GLOB ...] [--examples 512]
                                  [--no-write]

Of the predicted positions, 80 % show ``[MASK]``, 10 % a random piece and 10 % the original
piece (the original recipe). A model that has learnt only to copy what it sees and to guess
the most frequent piece scores about 0.1 + 0.8 x (share of that piece) overall, with nothing
learnt from context. This script scores each of the three kinds apart, counts how often the
most frequent guess at ``[MASK]`` is made, and compares with always guessing the most frequent
label piece. Writes its section of docs/RESULTS.md.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import REPO, finish, machine  # noqa: E402

SECTION = "mlm-breakdown"


def ids_in_records(pattern: str, limit: int = 50_000) -> set:
    """The token ids that occur in the inputs of (the first ``limit``) records."""
    import numpy as np
    import tensorflow as tf

    seen = set()
    data = tf.data.TFRecordDataset(sorted(glob.glob(pattern))).take(limit).batch(1024)
    for batch in data:
        for raw in batch.numpy():
            example = tf.train.Example.FromString(raw)
            seen.update(np.unique(example.features.feature["input_ids"].int64_list.value))
    return seen


def breakdown(model_dir: str, pattern: str, examples: int, batch_size: int = 64,
              seen_ids: set | None = None) -> dict:
    import numpy as np

    from albert_tf.data.pipeline import pretraining_dataset
    from albert_tf.model_dir import load_model

    files = sorted(glob.glob(pattern))
    if not files:
        sys.exit(f"--run {model_dir}={pattern}: no files match")
    with open(os.path.join(os.path.dirname(files[0]), "pretrain.metadata.json")) as f:
        meta = json.load(f)
    settings = meta["settings"]
    mask_id = meta["vocab"]["special_ids"]["mask"]
    model = load_model(model_dir)
    data = pretraining_dataset(pattern, batch_size, settings["max_seq_length"],
                               settings["max_predictions_per_seq"], training=False)
    hits, counts = collections.Counter(), collections.Counter()
    counts.update({"mask": 0, "original": 0, "random": 0})
    guesses, labels = collections.Counter(), collections.Counter()
    seen = 0
    for features, target, weights in data:
        logits = np.asarray(model(features, training=False)["mlm"])
        predicted = logits.argmax(-1)
        ids = features["input_ids"].numpy()
        positions = features["masked_lm_positions"].numpy()
        gold = target["mlm"].numpy()
        real = weights["mlm"].numpy() > 0
        for i in range(ids.shape[0]):
            for j in np.flatnonzero(real[i]):
                shown = ids[i, positions[i, j]]
                kind = ("mask" if shown == mask_id
                        else "original" if shown == gold[i, j] else "random")
                if kind == "random" and seen_ids is not None:
                    # Split random replacements by whether training inputs ever hold the piece.
                    sub = "random_seen" if int(shown) in seen_ids else "random_unseen"
                    counts[sub] += 1
                    hits[sub] += int(predicted[i, j] == gold[i, j])
                counts[kind] += 1
                hits[kind] += int(predicted[i, j] == gold[i, j])
                labels[gold[i, j]] += 1
                if kind == "mask":
                    guesses[predicted[i, j]] += 1
        seen += ids.shape[0]
        if seen >= examples:
            break
    total = sum(counts[k] for k in ("mask", "original", "random"))
    top_label_count = labels.most_common(1)[0][1]
    return {
        "examples": seen, "predictions": total,
        "share": {k: counts[k] / total for k in counts},
        "counts": dict(counts),
        "accuracy": {k: hits[k] / max(counts[k], 1) for k in counts},
        "overall": sum(hits[k] for k in ("mask", "original", "random")) / total,
        "most_frequent_label_share": top_label_count / total,
        "top_guess_share_at_mask": guesses.most_common(1)[0][1] / max(counts["mask"], 1),
        "distinct_guesses_at_mask": len(guesses),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run", action="append", metavar="MODEL_DIR=RECORDS_GLOB",
        help="a model directory and the TFRecords to score it on, repeatable (default: the "
             "English model of bench/pretrain_run.py on its books and on WikiText, and the "
             "Chinese model of bench/results_runs.py on its records)")
    parser.add_argument("--examples", type=int, default=512)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    en, work = (os.path.join(REPO, "saved_models", "bench_pretrain"),
                os.path.join(REPO, "tfrecords", "bench_pretrain"))
    for run in args.run or []:
        if "=" not in run:
            sys.exit(f"--run {run}: expected MODEL_DIR=RECORDS_GLOB")
    runs = [run.split("=", 1) for run in args.run or []] or [
        (en, os.path.join(work, "train", "*.tfrecord")),
        (en, os.path.join(work, "eval", "*.tfrecord")),
        (os.path.join(REPO, "saved_models", "results", "zh_pretrain"),
         os.path.join(REPO, "tfrecords", "results_zh", "*.tfrecord"))]
    rows = []
    for model_dir, pattern in runs:
        if not os.path.exists(os.path.join(model_dir, "model.weights.h5")):
            sys.exit(f"--run {model_dir}: no model.weights.h5 (run bench/pretrain_run.py or "
                     "bench/results_runs.py first)")
        r = breakdown(model_dir, pattern, args.examples)
        acc, share = r["accuracy"], r["share"]
        rows.append(
            f"| `{os.path.relpath(model_dir, REPO)}` | `{os.path.relpath(pattern, REPO)}` | "
            f"{r['predictions']:,} | {r['overall']:.3f} | "
            f"{acc.get('mask', 0):.3f} ({share.get('mask', 0):.0%}) | "
            f"{acc.get('original', 0):.3f} ({share.get('original', 0):.0%}) | "
            f"{acc.get('random', 0):.3f} ({share.get('random', 0):.0%}) | "
            f"{r['most_frequent_label_share']:.3f} | {r['top_guess_share_at_mask']:.0%} of "
            f"{r['distinct_guesses_at_mask']} |")
    lines = [
        "## What the masked-LM accuracy is made of (`bench/mlm_breakdown.py`)", "",
        f"{machine('tensorflow', 'keras')}. The first {args.examples} instances of each set "
        "of records, with their recorded masks. "
        "Accuracy at the predicted positions, by what the input shows there (share of the "
        "predictions in brackets); 'most frequent piece' is the accuracy of always guessing "
        "the commonest label; the last column is how often the commonest guess at `[MASK]` is "
        "made, and how many different pieces are guessed there.", "",
        "| model | records | predictions | all | at `[MASK]` | original shown | random shown | "
        "most frequent piece | commonest guess at `[MASK]` |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    finish(SECTION, lines, args.no_write, path=os.path.join(REPO, "docs", "RESULTS.md"))


if __name__ == "__main__":
    main()

"""Which part of the English pretrained model makes it a worse start than random weights?

    python bench/pretrained_parts.py [--work /tmp/pretrained_parts]

Makes two model directories from ``saved_models/bench_pretrain``: one keeping its
embeddings (word, position, segment, LayerNorm and the E -> H projection) with the
shared transformer block and the pooler drawn afresh, one keeping the block with the
embeddings and the pooler drawn afresh (fresh parts drawn with the fine-tuning seed,
12345). Each is fine-tuned with the few-label commands of docs/RESULTS.md (SST-2: first
2,000 sentences; CoNLL-2003: first 1,000 sentences; 3 epochs, AdamW 3e-4 with bias
correction) and the dev metric is printed. One run each: a diagnosis, not a result.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, REPO  # noqa: E402

SOURCE = os.path.join(REPO, "saved_models", "bench_pretrain")
RUNS = {
    "sst2": ["classification", "--train", os.path.join(DATA, "sst2", "train.tsv"),
             "--dev", os.path.join(DATA, "sst2", "dev.tsv"), "--max-train-examples", "2000"],
    "conll": ["ner", "--train", os.path.join(DATA, "conll2003", "eng.train"),
              "--dev", os.path.join(DATA, "conll2003", "eng.testa"),
              "--max-train-examples", "1000"],
}


def _leaves(item):
    if hasattr(item, "set_weights"):
        return [item]
    return [leaf for part in item for leaf in _leaves(part)]


def make_part_dirs(work):
    """Writes WORK/keep_embeddings and WORK/keep_block; returns their paths."""
    import keras

    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info, save_model

    paths = {}
    for keep in ("embeddings", "block"):
        model = load_model(SOURCE)
        keras.utils.set_random_seed(12345)
        fresh = load_model(SOURCE, weights=False)
        ours, new = model.encoder, fresh.encoder
        if keep == "embeddings":
            redraw = [(ours.groups, new.groups), (ours.pooler, new.pooler)]
        else:
            redraw = [(ours.embeddings, new.embeddings),
                      (ours.embedding_hidden_mapping_in, new.embedding_hidden_mapping_in),
                      (ours.pooler, new.pooler)]
        for target, source in redraw:
            for t, s in zip(_leaves(target), _leaves(source)):
                t.set_weights(s.get_weights())
        path = os.path.join(work, f"keep_{keep}")
        shutil.rmtree(path, ignore_errors=True)
        save_model(model, path, task_info=read_task_info(SOURCE), tokenizer=load_tokenizer(SOURCE))
        paths[keep] = path
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/pretrained_parts")
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(SOURCE, "model.weights.h5")):
        sys.exit(f"{SOURCE}: no pretrained model (run bench/pretrain_run.py first)")
    os.makedirs(args.work, exist_ok=True)
    paths = make_part_dirs(args.work)
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for task, task_args in RUNS.items():
        for keep, init in paths.items():
            out = os.path.join(args.work, f"{task}_{keep}")
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "albert_tf", "finetune", *task_args,
                            "--output-dir", out, "--epochs", "3", "--batch-size", "32",
                            "--learning-rate", "3e-4", "--adam-bias-correction",
                            "--max-seq-length", "64", "--verbose", "0", "--init-checkpoint", init],
                           env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
            with open(os.path.join(out, "eval_results.json")) as f:
                metrics = json.load(f)["metrics"]
            key = "accuracy" if task == "sst2" else "f1"
            print(f"{task} keeping the pretrained {keep}: {key} {metrics[key]:.4f}", flush=True)


if __name__ == "__main__":
    main()

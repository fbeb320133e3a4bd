"""500 pretraining steps of the starter config, albert-tf beside Hugging Face, one process.

    python bench/training_parity.py [--config configs/albert_starter_en.json]
                                    [--steps 500] [--batch-size 16] [--seq-len 64] [--no-write]

The long version of tests/test_training_parity.py: a random ``transformers``
``AlbertForPreTraining`` of the config's sizes (dropout 0, float32), trained with
``torch.optim.AdamW`` on masked-LM + sentence-order batches made from real SST-2
sentence pairs (tokenised by the starter's SentencePiece model); albert-tf converts the
same initial weights and trains the same batches with ``make_optimizer("adamw",
bias_correction=True)``. Both follow the same schedule (10 % warm-up, linear decay,
clip at global norm 1, weight decay 0.01 except LayerNorm and biases).

Writes the ``training-parity`` section of docs/BENCHMARKS.md (relative difference of the
losses at a few steps, and over all) and ``docs/training_parity.png`` (both curves).
Needs the bench extras (torch, transformers) and matplotlib.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import REPO, describe_config, finish, machine  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "tools"))
import make_training_parity_fixtures as fixtures  # noqa: E402

PLOT = os.path.join(REPO, "docs", "training_parity.png")


def reference_run(config_path, args, folder):
    """Saves the random initial weights in ``folder``; returns (batches, torch losses, s)."""
    import torch
    import transformers

    from albert_tf.config import AlbertConfig
    from albert_tf.convert.hf_config import config_to_hf

    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    values = config_to_hf(AlbertConfig.from_json_file(config_path), {"task": "pretraining"})
    values.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                  classifier_dropout_prob=0.0)
    values.pop("architectures", None)
    model = transformers.AlbertForPreTraining(transformers.AlbertConfig(**values))
    model.config._attn_implementation = "eager"
    model.save_pretrained(folder)
    ids, mask, segments, _ = fixtures.real_batches(model.config.vocab_size, rng)
    batches = dict(input_ids=ids, input_mask=mask, segment_ids=segments)
    batches.update(fixtures.task_targets("pretraining", ids, mask, None, rng, 2))
    model.train()
    start = time.perf_counter()
    losses = fixtures.train_reference(model, torch, "pretraining", batches)
    return batches, losses, time.perf_counter() - start


def albert_tf_run(folder, batches, args):
    from albert_tf.convert import read
    from albert_tf.tasks.pretraining import compile_pretrainer
    from albert_tf.training.optimizers import make_optimizer

    model = read("huggingface", folder, log=lambda _line: None).model
    optimizer = make_optimizer(
        "adamw", model.trainable_variables, learning_rate=args.learning_rate,
        total_steps=args.steps, warmup_steps=fixtures.WARMUP,
        weight_decay=fixtures.WEIGHT_DECAY, bias_correction=True)
    compile_pretrainer(model, optimizer)
    start = time.perf_counter()
    losses = []
    for step in range(args.steps):
        x = {k: batches[k][step].astype("int32") for k in
             ("input_ids", "input_mask", "segment_ids", "masked_lm_positions")}
        y = {"mlm": batches["masked_lm_ids"][step], "sop": batches["sop_labels"][step]}
        w = {"mlm": batches["masked_lm_weights"][step],
             "sop": np.ones(batches["sop_labels"][step].shape, "float32")}
        logs = model.train_on_batch(x, y, sample_weight=w, return_dict=True)
        losses.append(float(logs["loss"]))
    return np.array(losses), time.perf_counter() - start


def plot(ours, reference, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = np.arange(1, len(ours) + 1)
    relative = np.abs(ours - reference) / np.abs(reference)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    top.plot(steps, reference, label="Hugging Face AlbertForPreTraining + torch AdamW", lw=2.5)
    top.plot(steps, ours, "--", label="albert-tf AlbertPretrainer + AdamW", lw=1.2)
    top.set_ylabel("training loss (masked LM + SOP)")
    top.set_title(title, fontsize=9)
    top.legend()
    bottom.semilogy(steps, np.maximum(relative, 1e-9), color="k", lw=0.8)
    bottom.set_ylabel("relative diff")
    bottom.set_xlabel("step")
    fig.tight_layout()
    partial = PLOT + ".partial.png"
    fig.savefig(partial, dpi=90)
    os.replace(partial, PLOT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.path.join(REPO, "configs",
                                                         "albert_starter_en.json"))
    parser.add_argument("--vocab", default=os.path.join(
        REPO, "saved_models", "albert_starter_en", "vocab", "starter_en8k.model"),
        help="SentencePiece model that tokenises the SST-2 sentences")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--predictions", type=int, default=7)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.steps < 10:
        parser.error("--steps must be at least 10")
    fixtures.STEPS, fixtures.BATCH, fixtures.SEQ_LEN = args.steps, args.batch_size, args.seq_len
    fixtures.PREDICTIONS, fixtures.LEARNING_RATE = args.predictions, args.learning_rate
    fixtures.WARMUP, fixtures.SPM = args.steps // 10, args.vocab
    import torch
    import transformers

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        print(f"[parity] transformers: {args.steps} steps", flush=True)
        batches, reference, torch_seconds = reference_run(args.config, args, folder)
        print(f"[parity] albert-tf: {args.steps} steps", flush=True)
        ours, tf_seconds = albert_tf_run(folder, batches, args)
    relative = np.abs(ours - reference) / np.abs(reference)
    plot(ours, reference, f"{os.path.basename(args.config)}: {args.steps} steps of "
         f"{args.batch_size} x {args.seq_len} tokens, AdamW {args.learning_rate:g}")
    marks = sorted({1, 10, 50, 100, 250, args.steps} & set(range(1, args.steps + 1)))
    lines = [
        "## Training parity over 500 steps (`bench/training_parity.py`)", "",
        f"{machine('tensorflow', 'keras', 'torch', 'transformers')}. Config "
        f"{describe_config(args.config)}, dropout 0, float32. {args.steps} masked-LM + SOP "
        f"steps of {args.batch_size} x {args.seq_len} tokens ({args.predictions} masked "
        f"positions each) made from SST-2 sentence pairs; the same random initial weights "
        f"(transformers' initialisation, converted by albert-tf) and the same batches; "
        f"AdamW {args.learning_rate:g} with bias correction, {fixtures.WARMUP} warm-up "
        f"steps then linear decay, clip at global norm 1, weight decay 0.01 except "
        f"LayerNorm and biases. Curves: `docs/training_parity.png`.", "",
        "| step | Hugging Face loss | albert-tf loss | relative diff |", "|---|---|---|---|",
        *[f"| {s} | {reference[s - 1]:.5f} | {ours[s - 1]:.5f} | {relative[s - 1]:.1e} |"
          for s in marks], "",
        f"Max relative difference over all {args.steps} steps: {relative.max():.1e} (step "
        f"{relative.argmax() + 1}); median {np.median(relative):.1e}. The test "
        f"(tests/test_training_parity.py, tiny configs, 100 steps) holds it to 1e-4.", "",
        f"Time for the {args.steps} steps, one thread each (eager `train_on_batch` per "
        f"step, not a speed benchmark): torch {torch_seconds:.0f} s, albert-tf "
        f"{tf_seconds:.0f} s.",
    ]
    finish("training-parity", lines, args.no_write)
    summary = {"max_relative": float(relative.max()), "steps": args.steps,
               "transformers": transformers.__version__}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

"""Pretraining-step throughput: ours beside Hugging Face PyTorch and keras-hub, one process.

    python bench/training.py [--steps 6] [--no-write]

Masked-LM + sentence-order training steps, batch 8, sequence length 128, 20 masked
positions, for the demo config and ALBERT-base: ours (``AlbertPretrainer`` with our
losses and LAMB under ``model.fit``'s train step, with and without XLA), Hugging Face
``AlbertForPreTraining`` with ``torch.optim.AdamW``, and keras-hub's ``AlbertBackbone``
with an MLM head and AdamW under XLA. Median seconds per step after warm-up; sequences/s
and tokens/s. Writes docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import call_times, finish, machine, median, REPO  # noqa: E402

import numpy as np  # noqa: E402

SECTION = "training"
BATCH, SEQ, PREDS = 8, 128, 20


def batch(config, rng):
    ids = rng.integers(5, config.vocab_size, (BATCH, SEQ)).astype(np.int32)
    ids[:, 0] = 2
    positions = np.sort(rng.choice(np.arange(1, SEQ - 1), (BATCH, PREDS)), axis=1).astype(np.int32)
    labels = np.take_along_axis(ids, positions, 1)
    features = {"input_ids": ids, "input_mask": np.ones_like(ids), "segment_ids": np.zeros_like(ids),
                "masked_lm_positions": positions}
    return features, {"mlm": labels, "sop": rng.integers(0, 2, BATCH).astype(np.int32)}, \
        {"mlm": np.ones((BATCH, PREDS), np.float32), "sop": np.ones(BATCH, np.float32)}


def time_steps(step, steps):
    return median(call_times(step, steps))


def ours(config, data, jit):
    import keras
    import tensorflow as tf

    from albert_tf.modeling import AlbertPretrainer
    from albert_tf.tasks.pretraining import compile_pretrainer
    from albert_tf.training.optimizers import make_optimizer

    keras.utils.set_random_seed(0)
    model = AlbertPretrainer(config)
    compile_pretrainer(model, make_optimizer("lamb", model.trainable_variables, 1e-3, 1000, 10),
                       jit_compile=jit)
    dataset = tf.data.Dataset.from_tensors(data).repeat()
    iterator = iter(dataset)
    model.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)  # build and trace
    train = model.make_train_function()
    return lambda: train(iterator)


def hugging_face(config, data):
    import torch
    from transformers import AlbertConfig as HFConfig, AlbertForPreTraining

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    c = config
    model = AlbertForPreTraining(HFConfig(
        vocab_size=c.vocab_size, embedding_size=c.embedding_size, hidden_size=c.hidden_size,
        num_hidden_layers=c.num_hidden_layers, num_attention_heads=c.num_attention_heads,
        intermediate_size=c.intermediate_size, hidden_act="gelu_new",
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
        max_position_embeddings=c.max_position_embeddings)).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, eps=1e-6, weight_decay=0.01)
    features, labels, _ = data
    ids = torch.from_numpy(features["input_ids"]).long()
    mlm = torch.full_like(ids, -100)
    positions = torch.from_numpy(features["masked_lm_positions"]).long()
    mlm.scatter_(1, positions, torch.from_numpy(labels["mlm"]).long())
    sop = torch.from_numpy(labels["sop"]).long()

    def step():
        optimizer.zero_grad()
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=mlm,
                    sentence_order_label=sop)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    return step


def keras_hub_row(config, data):
    import keras
    import keras_hub
    import tensorflow as tf

    from albert_tf.convert.keras_hub import backbone_kwargs

    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.AlbertBackbone(**backbone_kwargs(config))
    model = keras_hub.models.AlbertMaskedLM(backbone=backbone, preprocessor=None)
    model.compile(optimizer=keras.optimizers.AdamW(1e-4, weight_decay=0.01, global_clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=True)
    features, labels, weights = data
    x = {"token_ids": features["input_ids"], "padding_mask": features["input_mask"],
         "segment_ids": features["segment_ids"], "mask_positions": features["masked_lm_positions"]}
    dataset = tf.data.Dataset.from_tensors((x, labels["mlm"], weights["mlm"])).repeat()
    iterator = iter(dataset)
    model.fit(dataset, steps_per_epoch=1, epochs=1, verbose=0)
    train = model.make_train_function()
    return lambda: train(iterator)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--configs", default="albert_demo,albert_base_v2")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from albert_tf.config import AlbertConfig

    rows = []
    for name in args.configs.split(","):
        config = AlbertConfig.from_json_file(os.path.join(REPO, "configs", f"{name}.json"))
        config = config.replace(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
        data = batch(config, np.random.default_rng(0))
        for title, make in [("ours, XLA", lambda: ours(config, data, True)),
                            ("ours, no XLA", lambda: ours(config, data, False)),
                            ("Hugging Face PyTorch, AdamW", lambda: hugging_face(config, data)),
                            ("keras-hub AlbertMaskedLM, XLA (MLM only)",
                             lambda: keras_hub_row(config, data))]:
            try:
                seconds = time_steps(make(), args.steps)
            except Exception as e:
                print(f"{name} / {title}: failed: {type(e).__name__}: {str(e)[:200]}", flush=True)
                rows.append((name, title, None))
                continue
            rows.append((name, title, seconds))
            print(f"{name} / {title}: {seconds:.3f} s/step, {BATCH / seconds:.2f} seq/s", flush=True)
    lines = ["## Training: pretraining steps (`bench/training.py`)", "",
             f"{machine('tensorflow', 'keras', 'torch', 'transformers', 'keras_hub')}. One masked-LM "
             f"+ sentence-order step: batch {BATCH} × {SEQ} tokens, {PREDS} masked positions, "
             f"{THREADS} threads, no dropout; median of {args.steps} steps after warm-up.", "",
             "| config | runtime | s/step | sequences/s | tokens/s | vs ours, XLA |",
             "|---|---|---|---|---|---|"]
    best = {}
    for name, title, seconds in rows:
        if title == "ours, XLA" and seconds:
            best[name] = seconds
    for name, title, seconds in rows:
        if seconds is None:
            lines.append(f"| {name} | {title} | failed | | | |")
            continue
        ratio = seconds / best[name] if name in best else float("nan")
        lines.append(f"| {name} | {title} | {seconds:.3f} | {BATCH / seconds:.2f} | "
                     f"{BATCH * SEQ / seconds:,.0f} | {ratio:.2f}x |")
    finish(SECTION, lines, args.no_write)


if __name__ == "__main__":
    main()

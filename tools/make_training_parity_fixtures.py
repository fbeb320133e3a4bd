"""Records 100 training steps of the Hugging Face reference, for tests/test_training_parity.py.

For each head (pretraining, sequence classification, token classification, question
answering) this builds a tiny random ``transformers`` ALBERT with dropout 0 and its
usual 0.02 initialisation, saves it (``config.json`` + ``model.safetensors``: the
initial weights), makes 100 batches from real text, trains them with
``torch.optim.AdamW`` and records the loss of every step in ``training.npz`` beside
the batches. The test converts the initial weights with albert-tf, trains the same
batches with ``make_optimizer("adamw", bias_correction=True)`` and the task's own
loss, and compares step by step; it never imports transformers.

The torch side is set up as albert-tf's optimizer is: beta 0.9 / 0.999, epsilon 1e-6,
weight decay 0.01 except for LayerNorm and bias parameters, the gradient clipped to
global norm 1.0 (``g / max(||g||, 1)``), and a learning rate that rises linearly for
``WARMUP`` steps from 0 and then falls linearly to 0 at step ``STEPS``.

Regenerate (needs the ``tools`` extra: torch and transformers)::

    pip install -e .[tools]
    python tools/make_training_parity_fixtures.py     # writes tests/fixtures/hf_training/
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("ALBERT_TF_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
SPM = os.path.join(DATA, "vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")
SST2 = os.path.join(DATA, "sst2", "train.tsv")
OUT = os.path.join(REPO, "tests", "fixtures", "hf_training")

STEPS, WARMUP, BATCH, SEQ_LEN, PREDICTIONS = 100, 10, 4, 20, 3
LEARNING_RATE, WEIGHT_DECAY = 3e-3, 0.01
# Distinct sizes per head, so that no shape check passes by coincidence.
HEADS = {
    "pretraining": ("AlbertForPreTraining",
                    dict(vocab_size=211, embedding_size=10, hidden_size=16, num_hidden_layers=3,
                         num_attention_heads=2, intermediate_size=24, num_hidden_groups=1,
                         inner_group_num=1)),
    "classification": ("AlbertForSequenceClassification",
                       dict(vocab_size=197, embedding_size=6, hidden_size=12, num_hidden_layers=4,
                            num_attention_heads=3, intermediate_size=20, num_hidden_groups=2,
                            inner_group_num=1, num_labels=2)),
    "ner": ("AlbertForTokenClassification",
            dict(vocab_size=223, embedding_size=8, hidden_size=14, num_hidden_layers=2,
                 num_attention_heads=2, intermediate_size=18, num_hidden_groups=1,
                 inner_group_num=2, num_labels=5)),
    "squad": ("AlbertForQuestionAnswering",
              dict(vocab_size=199, embedding_size=7, hidden_size=10, num_hidden_layers=3,
                   num_attention_heads=2, intermediate_size=22, num_hidden_groups=1,
                   inner_group_num=1)),
}
COMMON = dict(max_position_embeddings=32, type_vocab_size=2, hidden_act="gelu_new",
              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              classifier_dropout_prob=0.0, layer_norm_eps=1e-12, initializer_range=0.02)


def real_batches(vocab_size, rng, full_length=False):
    """[CLS] A [SEP] B [SEP] from consecutive SST-2 training sentences, ids mod vocab.

    Returns ids, mask, segments `[STEPS, BATCH, SEQ_LEN]` and the SST-2 label of each A.
    ``full_length`` fills every row to SEQ_LEN (no padding).
    """
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=SPM)
    with open(SST2, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in list(f)[1:]]
    rows = [(s.strip(), int(y)) for s, y in rows if len(s.split()) >= 4]
    n = STEPS * BATCH
    ids = np.zeros((n, SEQ_LEN), "int64")
    segments = np.zeros_like(ids)
    labels = np.zeros((n,), "int64")
    for row in range(n):
        (a_text, label), (b_text, _) = rows[2 * row], rows[2 * row + 1]
        a, b = sp.encode(a_text.lower()), sp.encode(b_text.lower())
        room = SEQ_LEN - 3 if full_length else int(rng.integers(8, SEQ_LEN - 2))
        while len(a) + len(b) > room:  # truncate the longer side, as the original
            (a if len(a) >= len(b) else b).pop()
        if full_length:
            b = (b + a * SEQ_LEN)[: room - len(a)]
        tokens = [2] + a + [3] + b + [3]
        ids[row, : len(tokens)] = tokens
        segments[row, len(a) + 2: len(tokens)] = 1
        labels[row] = label
    mask = (np.arange(SEQ_LEN)[None, :] < (ids != 0).sum(1, keepdims=True)).astype("int64")
    ids = np.where(ids < 5, ids, 5 + (ids - 5) % (vocab_size - 5))
    shape = (STEPS, BATCH, SEQ_LEN)
    return ids.reshape(shape), mask.reshape(shape), segments.reshape(shape), labels.reshape(
        STEPS, BATCH)


def task_targets(head, ids, mask, sst2_labels, rng, num_labels):
    """Inputs changed by the task and its targets, in albert-tf's terms (numpy)."""
    out = {}
    if head == "pretraining":
        positions = np.zeros(ids.shape[:2] + (PREDICTIONS,), "int64")
        masked = ids.copy()
        for s in range(ids.shape[0]):
            for r in range(ids.shape[1]):
                real = np.flatnonzero((mask[s, r] == 1) & (ids[s, r] >= 5))
                positions[s, r] = np.sort(rng.choice(real, PREDICTIONS, replace=False))
        originals = np.take_along_axis(ids, positions, axis=2)
        np.put_along_axis(masked, positions, 4, axis=2)  # [MASK]
        out.update(input_ids=masked, masked_lm_positions=positions, masked_lm_ids=originals,
                   masked_lm_weights=np.ones(positions.shape, "float32"),
                   sop_labels=rng.integers(0, 2, ids.shape[:2]))
    elif head == "classification":
        out["labels"] = sst2_labels
    elif head == "ner":
        out["labels"] = rng.integers(0, num_labels, ids.shape)
        # Only some pieces carry a label (first pieces of words); padding never.
        out["label_weights"] = (mask * (rng.random(ids.shape) < 0.7)).astype("float32")
        out["label_weights"][:, :, 1] = 1.0
    elif head == "squad":
        length = mask.sum(-1)
        start = rng.integers(1, length - 2)
        out["start_positions"] = start
        out["end_positions"] = np.minimum(start + rng.integers(0, 4, start.shape), length - 2)
    return out


def train_reference(model, torch, head, batches):
    """torch AdamW on every batch; returns the loss of each step (before its update)."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if ("LayerNorm" in name or "bias" in name) else decay).append(param)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-6)

    def factor(step):
        return step / WARMUP if step < WARMUP else max(0.0, 1.0 - step / STEPS)

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    params = [p for p in model.parameters() if p.requires_grad]
    losses = []
    for step in range(STEPS):
        b = {k: torch.tensor(v[step]) for k, v in batches.items()}
        inputs = dict(input_ids=b["input_ids"], attention_mask=b["input_mask"],
                      token_type_ids=b["segment_ids"])
        if head == "pretraining":
            labels = torch.full(b["input_ids"].shape, -100, dtype=torch.long)
            labels.scatter_(1, b["masked_lm_positions"], b["masked_lm_ids"])
            loss = model(**inputs, labels=labels, sentence_order_label=b["sop_labels"]).loss
        elif head == "classification":
            loss = model(**inputs, labels=b["labels"]).loss
        elif head == "ner":
            labels = torch.where(b["label_weights"] > 0, b["labels"], torch.tensor(-100))
            loss = model(**inputs, labels=labels).loss
        else:
            loss = model(**inputs, start_positions=b["start_positions"],
                         end_positions=b["end_positions"]).loss
        optimizer.zero_grad()
        loss.backward()
        norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params if p.grad is not None))
        scale = 1.0 / max(float(norm), 1.0)  # tf.clip_by_global_norm(g, 1.0)
        for p in params:
            if p.grad is not None:
                p.grad.mul_(scale)
        optimizer.step()
        schedule.step()
        losses.append(float(loss))
    return np.array(losses, "float64")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=OUT, help=f"fixture folder (default: {OUT})")
    args = parser.parse_args(argv)
    import torch
    import transformers

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    manifest = {"transformers": transformers.__version__,
                "torch": torch.__version__.split("+")[0],
                "steps": STEPS, "warmup": WARMUP, "learning_rate": LEARNING_RATE,
                "weight_decay": WEIGHT_DECAY, "heads": {}}
    for seed, (head, (class_name, changes)) in enumerate(HEADS.items(), start=11):
        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        config = transformers.AlbertConfig(**{**COMMON, **changes})
        model = getattr(transformers, class_name)(config)
        model.config._attn_implementation = "eager"
        folder = os.path.join(args.output, head)
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder)  # the initial weights
        os.chmod(os.path.join(folder, "model.safetensors"), 0o644)  # written 0600
        ids, mask, segments, sst2_labels = real_batches(config.vocab_size, rng,
                                                        full_length=head == "squad")
        batches = dict(input_ids=ids, input_mask=mask, segment_ids=segments)
        batches.update(task_targets(head, ids, mask, sst2_labels, rng,
                                    getattr(config, "num_labels", 2)))
        model.train()
        losses = train_reference(model, torch, head, batches)
        np.savez_compressed(os.path.join(folder, "training.npz"), losses=losses,
                            **{k: v.astype("float32" if v.dtype.kind == "f" else "int32")
                               for k, v in batches.items()})
        manifest["heads"][head] = {"class": class_name, "seed": seed,
                                   "first_loss": losses[0], "last_loss": losses[-1]}
        print(f"{head}: {class_name}, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    with open(os.path.join(args.output, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

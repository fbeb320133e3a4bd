"""Builds the Hugging Face ALBERT fixtures of tests/fixtures/hf_albert/ with transformers.

Tiny random transformers models of each ALBERT class (pretraining, sequence and
token classification, question answering), over the group layouts
``num_hidden_groups`` 1/2 and ``inner_group_num`` 1/2, saved with
``save_pretrained`` (``config.json`` + ``model.safetensors``), and their outputs on
fixed real token ids recorded in ``outputs.npz``. The tests convert each one with
albert-tf and compare to these outputs; they never import transformers.

The ids are real: SST-2 dev sentence pairs tokenized by the ALBERT-format
SentencePiece model of ../shared/data, taken modulo the tiny vocabulary (the
special ids 0-4 stay as they are) so that each ``model.safetensors`` stays a few
tens of kilobytes.

Regenerate (needs the optional ``tools`` extra: torch and transformers)::

    pip install -e .[tools]
    python tools/make_hf_albert_fixtures.py            # writes tests/fixtures/hf_albert/

The script is deterministic: a second run writes the same numbers.
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
SST2 = os.path.join(DATA, "sst2", "dev.tsv")
OUT = os.path.join(REPO, "tests", "fixtures", "hf_albert")

# Distinct sizes so that no shape check passes by coincidence.
BASE = dict(vocab_size=1003, embedding_size=6, hidden_size=8, num_attention_heads=2,
            intermediate_size=12, max_position_embeddings=40, type_vocab_size=2,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            classifier_dropout_prob=0.1, layer_norm_eps=1e-12)
BATCH, SEQ_LEN, MLM_POSITIONS = 4, 24, 3

# name -> (transformers class, config changes)
FIXTURES = {
    "pretraining_g1_i1": ("AlbertForPreTraining",
                          dict(num_hidden_layers=3, num_hidden_groups=1, inner_group_num=1)),
    "pretraining_g2_i2": ("AlbertForPreTraining",
                          dict(num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2)),
    "sequence_classification_g2_i1": (
        "AlbertForSequenceClassification",
        dict(num_hidden_layers=4, num_hidden_groups=2, inner_group_num=1, hidden_act="gelu",
             id2label={0: "negative", 1: "neutral", 2: "positive"},
             label2id={"negative": 0, "neutral": 1, "positive": 2})),
    "token_classification_g1_i2": (
        "AlbertForTokenClassification",
        dict(num_hidden_layers=3, num_hidden_groups=1, inner_group_num=2,
             id2label=dict(enumerate(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])),
             label2id={k: i for i, k in enumerate(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])})),
    "question_answering_g2_i2": ("AlbertForQuestionAnswering",
                                 dict(num_hidden_layers=4, num_hidden_groups=2,
                                      inner_group_num=2, hidden_act="relu")),
    # E == H, identity embedding_hidden_mapping_in and word embeddings of rank 4:
    # exactly a brightmart albert_zh model (see below), and an original checkpoint
    # without embedding_hidden_mapping_in.
    "brightmart_layout_g1_i1": ("AlbertForPreTraining",
                                dict(num_hidden_layers=3, num_hidden_groups=1, inner_group_num=1,
                                     embedding_size=8)),
}
# brightmart's factorization width for the fixture above.
BRIGHTMART_E = 4


def real_inputs(vocab_size):
    """[CLS] A [SEP] B [SEP] of SST-2 dev sentence pairs, padded to SEQ_LEN, ids mod vocab."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=SPM)
    with open(SST2, encoding="utf-8") as f:
        sentences = [line.split("\t")[0].strip() for line in list(f)[1:2 * BATCH + 1]]
    ids = np.zeros((BATCH, SEQ_LEN), "int64")
    segments = np.zeros_like(ids)
    for row in range(BATCH):
        a, b = (sp.encode(s.lower()) for s in sentences[2 * row: 2 * row + 2])
        room = SEQ_LEN - 3 - 2 * row  # rows get shorter: varied padding
        a, b = a[: room // 2 + room % 2], b[: room // 2]
        tokens = [2] + a + [3] + b + [3]
        ids[row, : len(tokens)] = tokens
        segments[row, len(a) + 2: len(tokens)] = 1
    mask = (np.arange(SEQ_LEN)[None, :] < (ids != 0).sum(1, keepdims=True)).astype("int64")
    special = ids < 5
    ids = np.where(special, ids, 5 + (ids - 5) % (vocab_size - 5))
    assert ids.max() < vocab_size and mask.sum(1).min() > 8
    return ids, mask, segments


def randomize(model, torch, seed):
    """Every parameter drawn at a scale where each one matters (HF's 0.02 init hides bugs)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in sorted(model.named_parameters()):
            noise = torch.randn(param.shape, generator=generator) * 0.3
            param.copy_(1.0 + noise if "LayerNorm" in name or "layer_norm" in name else noise)
    model.tie_weights()


def brightmart_layout(model, torch, seed):
    """Word embeddings A @ P (A [V, 4], P [4, H]) and an identity E -> H mapping.

    brightmart's modeling.py computes (A[ids] @ P) + position + segment (all width H),
    LayerNorm, blocks; its MLM logits are (x @ P^T) @ A^T. A transformers model with
    E = H, word embeddings A @ P and an identity mapping computes the same, so the
    tests write A and P under brightmart's names and compare to this model's outputs.
    """
    generator = torch.Generator().manual_seed(1000 + seed)
    vocab, hidden = model.config.vocab_size, model.config.hidden_size
    a = torch.randn((vocab, BRIGHTMART_E), generator=generator) * 0.3
    p = torch.randn((BRIGHTMART_E, hidden), generator=generator) * 0.6
    with torch.no_grad():
        model.albert.embeddings.word_embeddings.weight.copy_(a @ p)
        model.albert.encoder.embedding_hidden_mapping_in.weight.copy_(torch.eye(hidden))
        model.albert.encoder.embedding_hidden_mapping_in.bias.zero_()
    model.tie_weights()
    return {"brightmart_word_embeddings": a.numpy(), "brightmart_word_embeddings_2": p.numpy()}


def build(name, class_name, changes, seed):
    import torch
    import transformers

    torch.manual_seed(seed)
    config = transformers.AlbertConfig(**{**BASE, **changes})
    model = getattr(transformers, class_name)(config).eval()
    model.config._attn_implementation = "eager"
    randomize(model, torch, seed)
    extra = brightmart_layout(model, torch, seed) if name.startswith("brightmart") else {}
    return model, torch, extra


def record(model, torch, class_name, ids, mask, segments):
    """The outputs the tests compare against, as numpy arrays."""
    inputs = {k: torch.tensor(v) for k, v in
              dict(input_ids=ids, attention_mask=mask, token_type_ids=segments).items()}
    out = {"input_ids": ids.astype("int32"), "input_mask": mask.astype("int32"),
           "segment_ids": segments.astype("int32")}
    with torch.no_grad():
        base = model.albert(**inputs)
        out["sequence_output"] = base.last_hidden_state.numpy()
        if base.pooler_output is not None:
            out["pooled_output"] = base.pooler_output.numpy()
        result = model(**inputs)
    if class_name == "AlbertForPreTraining":
        positions = np.stack([np.linspace(1, mask[r].sum() - 2, MLM_POSITIONS).astype("int32")
                              for r in range(len(ids))])
        logits = result.prediction_logits.numpy()
        out["masked_lm_positions"] = positions
        out["mlm_logits"] = np.take_along_axis(logits, positions[:, :, None], axis=1)
        out["sop_logits"] = result.sop_logits.numpy()
    elif class_name == "AlbertForQuestionAnswering":
        out["start_logits"] = result.start_logits.numpy()
        out["end_logits"] = result.end_logits.numpy()
    else:
        out["logits"] = result.logits.numpy()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=OUT, help=f"fixture folder (default: {OUT})")
    args = parser.parse_args(argv)
    import torch
    import transformers

    ids, mask, segments = real_inputs(BASE["vocab_size"])
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__.split("+")[0],
                "fixtures": {}}
    for seed, (name, (class_name, changes)) in enumerate(FIXTURES.items(), start=1):
        model, torch, extra = build(name, class_name, changes, seed)
        folder = os.path.join(args.output, name)
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder)
        np.savez_compressed(os.path.join(folder, "outputs.npz"),
                            **record(model, torch, class_name, ids, mask, segments), **extra)
        sizes = {f: os.path.getsize(os.path.join(folder, f)) for f in sorted(os.listdir(folder))}
        manifest["fixtures"][name] = {"class": class_name, "seed": seed, "bytes": sizes}
        print(f"{name}: {class_name}, " + ", ".join(f"{f} {s // 1024} KB" for f, s in sizes.items()))
    with open(os.path.join(args.output, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

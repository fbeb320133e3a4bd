"""TF1 checkpoints under the original names (and brightmart's), written with tf.compat.v1
from the transformers fixtures' weights, converted and compared to transformers' outputs."""

import json
import os
import shutil

import numpy as np
import pytest

from albert_tf import AlbertTfError
from albert_tf.convert import convert, read
from helpers.convert_fixtures import (
    NAMES, fixture, hf_tensors, max_diffs, reference, to_tf1, write_tf1_checkpoint,
)

TASKS = {"pretraining": "pretraining", "sequence": "classification", "token": "ner",
         "question": "squad", "brightmart": "pretraining"}


def quiet(_line):
    pass


def official_config(name):
    """albert_config.json of the fixture: transformers' keys translated by hand."""
    source = json.loads(open(os.path.join(fixture(name), "config.json")).read())
    keys = ("attention_probs_dropout_prob", "hidden_dropout_prob", "embedding_size",
            "hidden_size", "initializer_range", "intermediate_size", "max_position_embeddings",
            "num_attention_heads", "num_hidden_layers", "num_hidden_groups", "inner_group_num",
            "type_vocab_size", "vocab_size")
    act = {"gelu_new": "gelu", "gelu": "gelu_exact", "relu": "relu"}[source["hidden_act"]]
    return {"hidden_act": act, **{k: source[k] for k in keys}}


def checkpoint_dir(tmp_path, name, values, config, **kwargs):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "albert_config.json").write_text(json.dumps(config, indent=2))
    write_tf1_checkpoint(values, str(folder / "model.ckpt-best"), **kwargs)
    return folder


def with_pooler(values, hidden):
    """Original checkpoints always have bert/pooler (BertModel builds it)."""
    rng = np.random.default_rng(0)
    values.setdefault("bert/pooler/dense/kernel", rng.normal(size=(hidden, hidden)).astype("f"))
    values.setdefault("bert/pooler/dense/bias", np.zeros(hidden, "f"))
    return values


@pytest.mark.parametrize("name", NAMES[:5])
def test_official_names_match_transformers_outputs(name, tmp_path):
    config = official_config(name)
    values = with_pooler(to_tf1(hf_tensors(name)), config["hidden_size"])
    folder = checkpoint_dir(tmp_path, name, values, config)
    task = TASKS[name.split("_")[0]]
    lines = []
    converted = read("tf1", folder, task="ner" if task == "ner" else None, log=lines.append)
    assert converted.task == task
    assert any("skipping" in line and "optimizer slots" in line for line in lines)
    diffs = max_diffs(converted.model, task, reference(name))
    print(name, diffs)
    assert max(diffs.values()) <= 1e-5, diffs


def test_brightmart_names_match_transformers_outputs(tmp_path):
    name = "brightmart_layout_g1_i1"
    ref = reference(name)
    factors = (ref["brightmart_word_embeddings"], ref["brightmart_word_embeddings_2"])
    values = to_tf1(hf_tensors(name), brightmart=factors)
    assert "bert/encoder/layer_shared/attention/output/LayerNorm/gamma" in values
    assert values["bert/embeddings/word_embeddings"].shape == (1003, 4)
    # brightmart's config: BERT keys, embedding_size 4 (its factorization width).
    config = {**official_config(name), "embedding_size": 4, "directionality": "bidi",
              "pooler_fc_size": 8, "pooler_type": "first_token_transform"}
    for key in ("num_hidden_groups", "inner_group_num"):
        del config[key]
    folder = checkpoint_dir(tmp_path, name, values, config, optimizer_slots=False)
    lines = []
    converted = read("tf1", folder, log=lines.append)
    assert any("brightmart" in line for line in lines)
    assert converted.config.embedding_size == converted.config.hidden_size == 8
    diffs = max_diffs(converted.model, "pretraining", ref)
    print(name, diffs)
    assert max(diffs.values()) <= 1e-5, diffs


def test_brightmart_unshared_layers(tmp_path):
    """brightmart with sharing off writes layer_{i}: one group per layer. Copies of the
    shared block in every layer compute the same model."""
    name = "brightmart_layout_g1_i1"
    ref = reference(name)
    values = to_tf1(hf_tensors(name), brightmart=(ref["brightmart_word_embeddings"],
                                                  ref["brightmart_word_embeddings_2"]))
    shared = "bert/encoder/layer_shared/"
    unshared = {k: v for k, v in values.items() if not k.startswith(shared)}
    for layer in range(3):
        unshared.update({k.replace(shared, f"bert/encoder/layer_{layer}/"): v
                         for k, v in values.items() if k.startswith(shared)})
    config = {**official_config(name), "embedding_size": 4}
    folder = checkpoint_dir(tmp_path, name, unshared, config, optimizer_slots=False)
    converted = read("tf1", folder, log=quiet)
    assert converted.config.num_hidden_groups == 3
    assert max(max_diffs(converted.model, "pretraining", ref).values()) <= 1e-5


def test_official_checkpoint_without_projection_when_e_equals_h(tmp_path):
    """E == H: the original has no embedding_hidden_mapping_in; identity + zero bias."""
    name = "brightmart_layout_g1_i1"  # E == H with an identity mapping in transformers
    values = to_tf1(hf_tensors(name))
    del values["bert/encoder/embedding_hidden_mapping_in/kernel"]
    del values["bert/encoder/embedding_hidden_mapping_in/bias"]
    folder = checkpoint_dir(tmp_path, name, values, official_config(name))
    converted = read("tf1", folder, log=quiet)
    kernel = converted.model.encoder.embedding_hidden_mapping_in.kernel.numpy()
    assert np.array_equal(kernel, np.eye(8))
    assert max(max_diffs(converted.model, "pretraining", reference(name)).values()) <= 1e-5


def test_encoder_from_a_head_checkpoint_drops_the_head(tmp_path):
    name = "question_answering_g2_i2"
    config = official_config(name)
    folder = checkpoint_dir(tmp_path, name, with_pooler(to_tf1(hf_tensors(name)), 8), config)
    lines = []
    out = convert("tf1", "keras", folder, tmp_path / "encoder", task="encoder",
                  log=lines.append)
    assert any("not converted" in line and "cls/squad/output_weights" in line for line in lines)
    from albert_tf import load_model

    encoder = load_model(out)
    assert type(encoder).__name__ == "AlbertEncoder"
    assert max(max_diffs(encoder, "encoder", reference(name)).values()) <= 1e-5
    with pytest.raises(AlbertTfError, match="has no classification head"):
        read("tf1", folder, task="classification", log=quiet)


@pytest.mark.parametrize("vocab, name_beside, kind, hf_name", [
    (("vocab", "nonofficial_albert_format_spm_de", "30k-clean.model"), "30k-clean.model",
     "sentencepiece", "spiece.model"),
    (("vocab", "chinese_wordpiece_21128", "vocab.txt"), "vocab_chinese.txt", "wordpiece",
     "vocab.txt"),
])
def test_vocabulary_beside_the_checkpoint_travels(tmp_path, vocab, name_beside, kind, hf_name):
    """30k-clean.model (English release) or vocab_chinese.txt (Google's Chinese release)."""
    from conftest import data_path

    from albert_tf.model_dir import load_tokenizer

    path = data_path(*vocab)
    size = 30000 if kind == "sentencepiece" else 21128
    name = "pretraining_g1_i1"
    values = to_tf1(hf_tensors(name))
    rng = np.random.default_rng(1)
    values["bert/embeddings/word_embeddings"] = rng.normal(size=(size, 6)).astype("f")
    values["cls/predictions/output_bias"] = np.zeros(size, "f")
    folder = checkpoint_dir(tmp_path, "release", values,
                            dict(official_config(name), vocab_size=size), optimizer_slots=False)
    shutil.copy(path, folder / name_beside)
    out = convert("tf1", "keras", folder / "model.ckpt-best", tmp_path / "albert", log=quiet)
    tokenizer = load_tokenizer(out)
    assert tokenizer.vocab_size == size and tokenizer.kind == kind
    assert sorted(os.listdir(out)) == ["albert_config.json", "model.weights.h5", "task.json",
                                       "vocab"]
    convert("keras", "huggingface", out, tmp_path / "hf", log=quiet)
    written = tmp_path / "hf" / hf_name
    assert written.read_bytes() == open(path, "rb").read()
    tokenizer_config = json.loads((tmp_path / "hf" / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == (
        "AlbertTokenizer" if kind == "sentencepiece" else "BertTokenizer")


def test_vocabulary_of_another_size_is_refused(tmp_path):
    from conftest import data_path

    name = "pretraining_g1_i1"
    folder = checkpoint_dir(tmp_path, "release", to_tf1(hf_tensors(name)),
                            official_config(name), optimizer_slots=False)
    shutil.copy(data_path("vocab", "chinese_wordpiece_21128", "vocab.txt"), folder)
    with pytest.raises(AlbertTfError, match="vocab.txt: has 21128 ids but the model's "
                                            "vocab_size is 1003"):
        convert("tf1", "keras", folder, tmp_path / "out", log=quiet)
    assert not (tmp_path / "out").exists()


def test_squad_v2_verifier_head(tmp_path):
    """A SQuAD 2.0 checkpoint of squad_utils.create_v2_model becomes the squad task with its
    verifier head (AlbertSquadVerifier, the head `finetune squad --head verifier` trains),
    which computes what the original computes (written out below from squad_utils.py)."""
    from albert_tf import load_model
    from albert_tf.modeling.squad_verifier import AlbertSquadVerifier, answer_positions

    name = "pretraining_g1_i1"
    hidden = 8
    rng = np.random.default_rng(7)
    head = {
        "start_logits/dense/kernel": (hidden, 1), "start_logits/dense/bias": (1,),
        "end_logits/dense_0/kernel": (2 * hidden, hidden), "end_logits/dense_0/bias": (hidden,),
        "end_logits/LayerNorm/gamma": (hidden,), "end_logits/LayerNorm/beta": (hidden,),
        "end_logits/dense_1/kernel": (hidden, 1), "end_logits/dense_1/bias": (1,),
        "answer_class/dense_0/kernel": (2 * hidden, hidden),
        "answer_class/dense_0/bias": (hidden,), "answer_class/dense_1/kernel": (hidden, 1),
    }
    head = {k: rng.normal(size=shape).astype("f") for k, shape in head.items()}
    values = {k: v for k, v in to_tf1(hf_tensors(name)).items() if not k.startswith("cls/")}
    folder = checkpoint_dir(tmp_path, "squad2", {**values, **head}, official_config(name))
    lines = []
    out = convert("tf1", "keras", folder, tmp_path / "model", log=lines.append)
    assert any("SQuAD 2.0" in line for line in lines)
    info = json.loads((tmp_path / "model" / "task.json").read_text())
    assert info["task"] == "squad" and info["head"] == "verifier"
    assert not (tmp_path / "model" / "squad_v2_head.weights.h5").exists()
    model = load_model(out)
    assert isinstance(model, AlbertSquadVerifier)
    ref = reference(name)
    batch = {k: np.asarray(ref[k]).copy() for k in ("input_ids", "input_mask", "segment_ids")}
    positions = np.arange(batch["input_ids"].shape[1])[None, :]
    batch["segment_ids"] = ((positions >= 3) & (batch["input_mask"] == 1)).astype("int32")
    got = model(batch)
    seq = np.asarray(model.encoder(batch)["sequence_output"])
    p_mask = 1.0 - np.asarray(answer_positions(batch["input_mask"], batch["segment_ids"]))
    want = squad_v2_reference(head, seq, p_mask, None)
    starts = want["start_logits"].argmax(-1)  # inference: the end logits of the best start
    want = squad_v2_reference(head, seq, p_mask, starts)
    for key in want:
        diff = np.abs(np.asarray(got[key]) - want[key])
        diff = diff[p_mask == 0] if diff.ndim == 2 else diff
        assert diff.max() <= 1e-5, key
    # Writing it to a format without that head is refused in one line, writing nothing.
    with pytest.raises(AlbertTfError, match="no class for ALBERT's SQuAD 2.0"):
        convert("keras", "huggingface", out, tmp_path / "hf", log=quiet)
    assert not (tmp_path / "hf").exists()
    # A 0.1 directory with a separate squad_v2_head file is refused in one line.
    (tmp_path / "model" / "task.json").write_text(json.dumps(
        {"task": "encoder", "squad_v2_head": "squad_v2_head.weights.h5"}))
    with pytest.raises(AlbertTfError, match="convert the TF1 checkpoint again"):
        read("keras", out, log=quiet)


def squad_v2_reference(w, seq, p_mask, starts):
    """squad_utils.create_v2_model in its training form, in numpy (batch-major)."""
    def dense(x, scope, bias=True):
        y = x @ w[scope + "/kernel"]
        return y + w[scope + "/bias"] if bias else y

    def layer_norm(x, scope, eps=1e-12):  # contrib_layers.layer_norm
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w[scope + "/gamma"] + w[scope + "/beta"]

    start = dense(seq, "start_logits/dense")[..., 0]
    start = start * (1 - p_mask) - 1e30 * p_mask
    if starts is None:
        return {"start_logits": start}
    start_features = seq[np.arange(len(seq)), starts][:, None, :].repeat(seq.shape[1], 1)
    end = np.tanh(dense(np.concatenate([seq, start_features], -1), "end_logits/dense_0"))
    end = dense(layer_norm(end, "end_logits/LayerNorm"), "end_logits/dense_1")[..., 0]
    end = end * (1 - p_mask) - 1e30 * p_mask
    probs = np.exp(start - start.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    feature = np.concatenate([np.einsum("blh,bl->bh", seq, probs), seq[:, 0]], -1)
    cls = dense(np.tanh(dense(feature, "answer_class/dense_0")), "answer_class/dense_1",
                bias=False)[:, 0]
    return {"start_logits": start, "end_logits": end, "cls_logits": cls}


def test_several_checkpoints_in_one_folder_need_a_name(tmp_path):
    name = "pretraining_g1_i1"
    folder = checkpoint_dir(tmp_path, name, to_tf1(hf_tensors(name)), official_config(name),
                            optimizer_slots=False)
    os.remove(folder / "checkpoint")  # as in the release archives: no "checkpoint" file
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(folder / f"model.ckpt-best{suffix}", folder / f"model.ckpt-100{suffix}")
    with pytest.raises(AlbertTfError, match="several checkpoints.*model.ckpt-100.*name one"):
        read("tf1", folder, log=quiet)
    assert read("tf1", folder / "model.ckpt-100.index", log=quiet).task == "pretraining"

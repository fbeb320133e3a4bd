"""Hugging Face checkpoints made by transformers itself, converted and compared to its outputs."""

import json
import os

import numpy as np
import pytest

from albert_tf import AlbertTfError
from albert_tf.convert import convert, read
from helpers.convert_fixtures import NAMES, fixture, hf_tensors, max_diffs, reference

TASKS = {"pretraining": "pretraining", "sequence": "classification", "token": "ner",
         "question": "squad", "brightmart": "pretraining"}


def quiet(_line):
    pass


@pytest.mark.parametrize("name", NAMES)
def test_transformers_checkpoint_matches_transformers_outputs(name):
    converted = read("huggingface", fixture(name), log=quiet)
    assert converted.task == TASKS[name.split("_")[0]]
    diffs = max_diffs(converted.model, converted.task, reference(name))
    print(name, diffs)  # the measured figures, shown with pytest -s
    assert max(diffs.values()) <= 1e-5, diffs
    # Not trivially equal: outputs depend on every weight at this scale.
    assert np.abs(reference(name)["sequence_output"]).max() > 0.5


def test_labels_and_settings_reach_task_json(tmp_path):
    out = convert("huggingface", "keras", fixture("sequence_classification_g2_i1"),
                  tmp_path / "model", log=quiet)
    info = json.loads((tmp_path / "model" / "task.json").read_text())
    assert info["task"] == "classification"
    assert info["labels"] == ["negative", "neutral", "positive"] and info["num_labels"] == 3
    config = json.loads((tmp_path / "model" / "albert_config.json").read_text())
    assert config["hidden_act"] == "gelu_exact"  # transformers' "gelu" is the erf form
    assert "layer_norm_eps" not in config and "id2label" not in config
    # Read back with the same class + load_weights: the recorded outputs again.
    from albert_tf import AlbertConfig
    from albert_tf.modeling.task_models import AlbertClassifier

    model = AlbertClassifier(AlbertConfig.from_json_file(os.path.join(out, "albert_config.json")),
                             num_labels=3)
    model.load_weights(os.path.join(out, "model.weights.h5"))
    diffs = max_diffs(model, "classification", reference("sequence_classification_g2_i1"))
    assert max(diffs.values()) <= 1e-5


def test_pretraining_directory_loads_with_load_model(tmp_path):
    from albert_tf import load_model

    convert("huggingface", "keras", fixture("pretraining_g2_i2"), tmp_path / "m", log=quiet)
    model = load_model(tmp_path / "m")
    assert type(model).__name__ == "AlbertPretrainer"
    assert max(max_diffs(model, "pretraining", reference("pretraining_g2_i2")).values()) <= 1e-5
    convert("huggingface", "keras", fixture("pretraining_g2_i2"), tmp_path / "e",
            task="encoder", log=quiet)
    with pytest.raises(AlbertTfError, match="has no squad head"):
        read("huggingface", fixture("pretraining_g2_i2"), task="squad", log=quiet)
    encoder = load_model(tmp_path / "e")
    assert type(encoder).__name__ == "AlbertEncoder"
    assert max(max_diffs(encoder, "encoder", reference("pretraining_g2_i2")).values()) <= 1e-5


@pytest.mark.parametrize("name", NAMES[:5])
def test_hugging_face_round_trip_is_exact(name, tmp_path):
    """transformers -> ours -> transformers gives back every tensor bit for bit,
    and ours -> transformers -> ours every weight."""
    from safetensors.numpy import load_file

    convert("huggingface", "keras", fixture(name), tmp_path / "ours", log=quiet)
    convert("keras", "huggingface", tmp_path / "ours", tmp_path / "hf", log=quiet)
    original, written = hf_tensors(name), load_file(tmp_path / "hf" / "model.safetensors")
    assert sorted(written) == sorted(original)
    for key in original:
        assert np.array_equal(original[key], written[key]), key
    config = json.loads((tmp_path / "hf" / "config.json").read_text())
    source = json.loads(open(os.path.join(fixture(name), "config.json")).read())
    source.setdefault("id2label", {"0": "LABEL_0", "1": "LABEL_1"})  # transformers' default
    for key in ("architectures", "hidden_act", "id2label", "num_hidden_groups",
                "inner_group_num", "embedding_size", "layer_norm_eps", "vocab_size"):
        assert config[key] == source[key], key
    first = read("keras", tmp_path / "ours", log=quiet).model
    again = read("huggingface", tmp_path / "hf", log=quiet).model
    for a, b in zip(first.weights, again.weights):
        if "pooler" in a.path and name.startswith(("token", "question")):
            continue  # transformers' token and QA classes have no pooler: nothing to keep
        assert a.path == b.path and np.array_equal(a.numpy(), b.numpy()), a.path


def test_bare_albert_model_and_tied_decoder(tmp_path):
    """An AlbertModel checkpoint (names without "albert.") and a decoder saved untied."""
    from safetensors.numpy import save_file

    tensors = hf_tensors("pretraining_g1_i1")
    base = {k[len("albert."):]: v for k, v in tensors.items() if k.startswith("albert.")}
    config = json.loads(open(os.path.join(fixture("pretraining_g1_i1"), "config.json")).read())
    (tmp_path / "base").mkdir()
    save_file(base, tmp_path / "base" / "model.safetensors", metadata={"format": "pt"})
    (tmp_path / "base" / "config.json").write_text(
        json.dumps({**config, "architectures": ["AlbertModel"]}))
    converted = read("huggingface", tmp_path / "base", log=quiet)
    assert converted.task == "encoder"
    assert max(max_diffs(converted.model, "encoder",
                         reference("pretraining_g1_i1")).values()) <= 1e-5
    # The decoder copy as older transformers saved it: checked, then ignored.
    tied = dict(tensors, **{"predictions.decoder.weight":
                            tensors["albert.embeddings.word_embeddings.weight"],
                            "predictions.decoder.bias": tensors["predictions.bias"],
                            "albert.embeddings.position_ids": np.arange(40)[None]})
    (tmp_path / "tied").mkdir()
    save_file(tied, tmp_path / "tied" / "model.safetensors", metadata={"format": "pt"})
    (tmp_path / "tied" / "config.json").write_text(json.dumps(config))
    read("huggingface", tmp_path / "tied", log=quiet)
    tied["predictions.decoder.bias"] = tied["predictions.decoder.bias"] + 1
    save_file(tied, tmp_path / "tied" / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(AlbertTfError, match="predictions.decoder.bias' differs"):
        read("huggingface", tmp_path / "tied", log=quiet)


def test_pickle_needs_allow_pickle(tmp_path):
    import torch

    config = open(os.path.join(fixture("question_answering_g2_i2"), "config.json")).read()
    (tmp_path / "config.json").write_text(config)
    torch.save({k: torch.from_numpy(v) for k, v in hf_tensors("question_answering_g2_i2").items()},
               tmp_path / "pytorch_model.bin")
    with pytest.raises(AlbertTfError, match="pickle.*--allow-pickle"):
        read("huggingface", tmp_path, log=quiet)
    converted = read("huggingface", tmp_path, allow_pickle=True, log=quiet)
    diffs = max_diffs(converted.model, "squad", reference("question_answering_g2_i2"))
    assert max(diffs.values()) <= 1e-5


def test_config_checks(tmp_path):
    from albert_tf.convert.hf_config import config_from_hf

    source = json.loads(open(os.path.join(fixture("pretraining_g1_i1"), "config.json")).read())
    with pytest.raises(AlbertTfError, match="layer_norm_eps is 1e-05"):
        config_from_hf({**source, "layer_norm_eps": 1e-5})
    with pytest.raises(AlbertTfError, match="model_type is 'bert'"):
        config_from_hf({**source, "model_type": "bert"})
    assert config_from_hf({**source, "hidden_act": "gelu_new"}).hidden_act == "gelu"


def test_reading_needs_neither_transformers_nor_torch(tmp_path):
    """safetensors with numpy only: a fresh process converts without importing either."""
    import subprocess
    import sys

    from conftest import REPO

    code = ("import sys, albert_tf.convert as c\n"
            f"c.convert('huggingface', 'keras', {fixture('pretraining_g1_i1')!r}, "
            f"{str(tmp_path / 'm')!r}, log=lambda _: None)\n"
            f"c.convert('keras', 'huggingface', {str(tmp_path / 'm')!r}, "
            f"{str(tmp_path / 'hf')!r}, log=lambda _: None)\n"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": REPO}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", ["token_classification_g1_i2", "sequence_classification_g2_i1",
                                  "question_answering_g2_i2"])
def test_converted_task_directories_load_and_match_transformers(name, tmp_path):
    """Each converted head is a model directory that load_model reads (built through the
    task registry), with transformers' outputs to 1e-5 (issue 19)."""
    from albert_tf import load_model

    convert("huggingface", "keras", fixture(name), tmp_path / "m", log=quiet)
    model = load_model(tmp_path / "m")
    task = TASKS[name.split("_")[0]]
    assert json.loads((tmp_path / "m" / "task.json").read_text())["task"] == task
    diffs = max_diffs(model, task, reference(name))
    assert max(diffs.values()) <= 1e-5, diffs

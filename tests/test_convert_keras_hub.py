"""keras-hub preset directories <-> albert-tf, both ways, on the transformers fixtures' ids."""

import os

import keras
import keras_hub
import numpy as np
import pytest

from albert_tf import AlbertTfError
from albert_tf.convert import convert, read
from helpers.convert_fixtures import fixture, reference


def quiet(_line):
    pass


def hub_inputs(ref):
    return {"token_ids": ref["input_ids"], "padding_mask": ref["input_mask"],
            "segment_ids": ref["segment_ids"]}


def test_transformers_to_keras_hub_preset_matches_transformers(tmp_path):
    """transformers -> albert-tf -> keras-hub preset on disk -> keras-hub's own loader."""
    import shutil

    from conftest import data_path

    source = tmp_path / "hf"
    shutil.copytree(fixture("pretraining_g2_i2"), source)
    convert("huggingface", "keras", source, tmp_path / "ours", log=quiet)
    lines = []
    convert("keras", "keras-hub", tmp_path / "ours", tmp_path / "preset", log=lines.append)
    assert any("pretraining head is not written" in line for line in lines)
    backbone = keras_hub.models.AlbertBackbone.from_preset(str(tmp_path / "preset"))
    ref = reference("pretraining_g2_i2")
    out = backbone(hub_inputs(ref))
    real = ref["input_mask"].astype(bool)
    diff = np.abs(np.asarray(out["sequence_output"]) - ref["sequence_output"])[real].max()
    pooled = np.abs(np.asarray(out["pooled_output"]) - ref["pooled_output"]).max()
    print("keras-hub backbone vs transformers", diff, pooled)
    assert max(diff, pooled) <= 1e-5
    # A SentencePiece vocabulary travels as keras-hub's tokenizer assets.
    spm = data_path("vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")
    converted = read("keras", tmp_path / "ours", log=quiet)
    converted.vocab = spm
    from albert_tf.convert.keras_hub_preset import write_keras_hub

    write_keras_hub(converted, str(tmp_path / "with_vocab"), log=quiet)
    tokenizer = keras_hub.models.AlbertTokenizer.from_preset(str(tmp_path / "with_vocab"))
    assert tokenizer.vocabulary_size() == 30000
    # ... and back: the preset's vocabulary.spm becomes the model directory's vocab/.
    converted = read("keras-hub", tmp_path / "with_vocab", log=quiet)
    assert converted.vocab.endswith("vocabulary.spm")
    from albert_tf.convert.vocab_files import make_tokenizer

    ours = make_tokenizer(converted.vocab, converted.tokenizer_settings, 30000)
    assert ours.kind == "sentencepiece"
    # albert-tf lowercases (and strips accents) as the original; keras-hub leaves it to you.
    assert ours.tokenize(["Der Hund spielt im Garten"]).to_list() == [
        [int(i) for i in np.asarray(tokenizer("der hund spielt im garten"))]]


def test_keras_hub_presets_to_albert_tf_both_heads(tmp_path):
    keras.utils.set_random_seed(3)
    backbone = keras_hub.models.AlbertBackbone(
        vocabulary_size=1003, num_layers=4, num_heads=2, embedding_dim=6, hidden_dim=8,
        intermediate_dim=12, num_groups=2, num_inner_repetitions=2, max_sequence_length=40)
    # keras-hub initialises with stddev 0.02; scale up so every weight shows in the outputs.
    for v in backbone.weights:
        v.assign(np.random.default_rng(len(v.path)).normal(size=v.shape).astype("f") * 0.3
                 + (1.0 if v.path.endswith("gamma") else 0.0))
    classifier = keras_hub.models.AlbertTextClassifier(backbone, num_classes=3,
                                                       preprocessor=None)
    classifier.save_to_preset(str(tmp_path / "cls"))
    backbone.save_to_preset(str(tmp_path / "bb"))
    ref = reference("pretraining_g1_i1")  # real ids of a 1003-id vocabulary
    batch = {k: ref[k] for k in ("input_ids", "input_mask", "segment_ids")}

    converted = read("keras-hub", tmp_path / "bb", log=quiet)
    assert converted.task == "encoder"
    ours, theirs = converted.model(batch), backbone(hub_inputs(ref))
    for key in ("sequence_output", "pooled_output"):
        assert np.abs(np.asarray(ours[key]) - np.asarray(theirs[key])).max() <= 1e-5, key

    converted = read("keras-hub", tmp_path / "cls", log=quiet)
    assert converted.task == "classification" and converted.task_info["num_labels"] == 3
    ours = np.asarray(converted.model(batch)["logits"])
    theirs = np.asarray(classifier.predict(hub_inputs(ref), verbose=0))
    print("keras-hub classifier vs albert-tf", np.abs(ours - theirs).max())
    assert np.abs(ours - theirs).max() <= 1e-5
    # ... and back: albert-tf -> keras-hub classifier preset gives the same logits.
    out = convert("keras-hub", "keras", tmp_path / "cls", tmp_path / "ours", log=quiet)
    convert("keras", "keras-hub", out, tmp_path / "again", log=quiet)
    again = keras_hub.models.AlbertTextClassifier.from_preset(str(tmp_path / "again"),
                                                              preprocessor=None)
    assert np.array_equal(np.asarray(again.predict(hub_inputs(ref), verbose=0)), theirs)


def test_hub_handles_and_other_directories_are_refused(tmp_path):
    with pytest.raises(AlbertTfError, match="local files only"):
        read("keras-hub", "kaggle://keras/albert/keras/albert_base_en_uncased", log=quiet)
    with pytest.raises(AlbertTfError, match="not a keras-hub AlbertBackbone preset"):
        read("keras-hub", fixture("pretraining_g1_i1"), log=quiet)  # a transformers folder
    with pytest.raises(AlbertTfError, match="not a keras-hub preset directory"):
        read("keras-hub", tmp_path, log=quiet)
    assert not os.listdir(tmp_path)

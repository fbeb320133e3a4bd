"""``albert_tf.TextClassifier``: raw text in, fit without compile, save for the CLI (issue 19)."""

import json
import os

import numpy as np
import pytest

from albert_tf import AlbertTfError, TextClassifier, load_model
from albert_tf.cli import main
from conftest import DATA, REPO

STARTER = os.path.join(REPO, "saved_models", "albert_starter_en")


def _sst2(name, count):
    with open(os.path.join(DATA, "sst2", name), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f.read().splitlines()[1:count + 1]]
    return [r[0].strip() for r in rows], [int(r[1]) for r in rows]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The starter fine-tuned on 512 real SST-2 sentences, from raw text, no compile()."""
    texts, labels = _sst2("train.tsv", 512)
    classifier = TextClassifier.from_preset(STARTER, labels=["negative", "positive"],
                                            max_seq_length=64)
    names = ["negative", "positive"]
    history = classifier.fit(texts, [names[k] for k in labels], epochs=2, batch_size=32,
                             seed=0, verbose=0)
    folder = tmp_path_factory.mktemp("text_classifier") / "sst2"
    classifier.save(folder)
    return classifier, history, folder


def test_fit_on_raw_text_without_compile(trained):
    classifier, history, _ = trained
    losses = history.history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]  # it learns
    assert classifier.optimizer.__class__.__name__ == "AdamWeightDecay"  # the project's AdamW
    assert float(classifier.optimizer.learning_rate) <= 1e-3  # the starter's rate, decayed
    dev, gold = _sst2("dev.tsv", 96)
    logits = classifier.predict(dev)
    assert logits.shape == (96, 2) and np.all(np.isfinite(logits))
    loss, accuracy = classifier.evaluate(dev, gold, verbose=0)
    assert accuracy == pytest.approx(float(np.mean(logits.argmax(-1) == np.array(gold))))


def test_save_gives_a_model_directory_with_the_same_outputs(trained):
    classifier, _, folder = trained
    dev, _ = _sst2("dev.tsv", 32)
    logits = classifier.predict(dev)
    features = classifier.tokenizer.pack(dev, None, max_seq_length=64)
    again = np.asarray(load_model(folder)(features)["logits"])
    assert np.abs(again - logits).max() <= 1e-5
    info = json.loads((folder / "task.json").read_text())
    assert info["labels"] == ["negative", "positive"] and info["max_seq_length"] == 64
    reloaded = TextClassifier.from_preset(folder)
    assert np.abs(reloaded.predict(dev) - logits).max() <= 1e-5


def test_the_cli_predicts_the_same_labels(trained, capsys):
    classifier, _, folder = trained
    dev, _ = _sst2("dev.tsv", 16)
    want = [classifier.labels[k] for k in classifier.predict(dev).argmax(-1)]
    capsys.readouterr()
    assert main(["predict", "classification", "--model-dir", str(folder),
                 *[a for text in dev for a in ("--text", text)]]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["label_name"] for r in rows] == want


def test_pairs_datasets_and_bad_labels(trained):
    import tensorflow as tf

    classifier, _, _ = trained
    dev, gold = _sst2("dev.tsv", 8)
    single = classifier.predict(dev)
    paired = classifier.predict((dev, dev))  # [CLS] a [SEP] a [SEP]: other inputs
    assert paired.shape == (8, 2) and np.abs(paired - single).max() > 1e-4
    data = tf.data.Dataset.from_tensor_slices((dev, gold))  # unbatched (text, label)
    loss, accuracy = classifier.evaluate(data, verbose=0)
    assert accuracy == pytest.approx(float(np.mean(single.argmax(-1) == np.array(gold))))
    with pytest.raises(AlbertTfError, match="label 'neutral' is not one of the labels "
                                            "negative, positive"):
        classifier.fit(dev, ["neutral"] * 8, verbose=0)
    with pytest.raises(AlbertTfError, match="give num_classes= or labels="):
        TextClassifier.from_preset(STARTER)
    with pytest.raises(AlbertTfError, match="classifies into 2 classes, not 3"):
        TextClassifier.from_preset(trained[2], num_classes=3)


def test_export_writes_the_serving_savedmodel(trained, tmp_path):
    """``export(dir)`` writes what ``albert-tf export`` writes (here the token-id SavedModel;
    the text signatures are the export tests' subject); it gives the classifier's logits."""
    import tensorflow as tf

    classifier, _, _ = trained
    report = classifier.export(tmp_path / "export", signatures="ids")
    assert os.listdir(tmp_path / "export") == ["saved_model"]
    loaded = tf.saved_model.load(report["saved_model"])
    assert sorted(loaded.signatures) == ["serve_examples", "serve_ids"]
    dev, _ = _sst2("dev.tsv", 8)
    features = classifier.tokenizer.pack(dev, None, max_seq_length=64)
    got = loaded.signatures["serve_ids"](**features)
    assert np.abs(np.asarray(got["logits"]) - classifier.predict(dev)).max() <= 1e-5


def test_from_preset_takes_keras_hub_presets_and_config_names(tmp_path):
    """Besides model directories: a keras-hub preset folder on disk (converted on the way
    in) and a bundled config name with vocab= (random weights); never a download."""
    from albert_tf.convert import convert

    preset = convert("keras", "keras-hub", STARTER, tmp_path / "preset", log=lambda *a: None)
    from_hub = TextClassifier.from_preset(preset, num_classes=2)
    starter = load_model(STARTER).encoder
    features = from_hub.tokenizer.pack(["a gorgeous, witty film"], None, max_seq_length=16)
    pooled = np.asarray(starter(features)["pooled_output"])
    again = np.asarray(from_hub.network.encoder(features)["pooled_output"])
    assert np.abs(pooled - again).max() <= 1e-5
    vocab = os.path.join(STARTER, "vocab", "starter_en8k.model")
    scratch = TextClassifier.from_preset("albert_starter_en", num_classes=3, vocab=vocab)
    assert scratch.predict(["a gorgeous, witty film"]).shape == (1, 3)
    random = np.asarray(scratch.network.encoder(features)["pooled_output"])
    assert np.abs(random - pooled).max() > 1e-3  # not the pretrained weights
    for source, kwargs, message in [
        ("albert_starter_en", {}, "a config alone has no vocabulary; give vocab="),
        ("albert/albert-base-v2", {}, "not a model directory, a keras-hub preset"),
        (STARTER, {"vocab": vocab}, "a model directory has its own vocabulary"),
    ]:
        with pytest.raises(AlbertTfError, match=message):
            TextClassifier.from_preset(source, num_classes=2, **kwargs)

"""Pretraining on real TFRecords: the losses fall, the model directory is complete."""

import csv
import json
import os
import subprocess
import sys

import pytest

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.pretraining import PretrainSettings, pretrain
from conftest import REPO


def _config(path, vocab_size):
    values = {"vocab_size": vocab_size, "embedding_size": 16, "hidden_size": 32,
              "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
              "max_position_embeddings": 128}
    path.write_text(json.dumps(values))
    return str(path)


def test_tiny_model_losses_fall_on_real_records(en_records, trained_spm_path, tmp_path):
    settings = PretrainSettings(
        albert_config=_config(tmp_path / "albert_config.json", 8000),
        train_data=str(en_records / "pretrain-*.tfrecord"), model_dir=str(tmp_path / "model"),
        vocab=trained_spm_path, batch_size=16, steps=150, learning_rate=2e-2, warmup_steps=15,
        checkpoint_every=50, verbose=0,
    )
    history = pretrain(settings, print_fn=lambda *a: None)
    mlm, sop = history.history["mlm_loss"], history.history["sop_loss"]
    assert len(mlm) == 3
    # From ln(8000) = 9.0 at the start towards the unigram entropy of the books.
    assert mlm[-1] < mlm[0] - 0.5 and mlm[-1] < 7.0
    assert history.history["mlm_accuracy"][-1] > 0.015
    assert sop[-1] < 0.75
    model_dir = tmp_path / "model"
    assert {"albert_config.json", "task.json", "model.weights.h5", "pretrain_settings.json",
            "training_log.csv", "vocab"} <= set(os.listdir(model_dir))
    with open(model_dir / "training_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and float(rows[-1]["mlm_loss"]) == pytest.approx(mlm[-1], rel=1e-5)
    task = json.loads((model_dir / "task.json").read_text())
    assert task["task"] == "pretraining" and task["max_seq_length"] == 128
    from albert_tf import load_model

    assert type(load_model(model_dir)).__name__ == "AlbertPretrainer"

    # The same command again must not train over the finished run.
    before = (model_dir / "model.weights.h5").read_bytes()
    with pytest.raises(AlbertTfError, match="already holds a finished run"):
        pretrain(settings, print_fn=lambda *a: None)
    assert (model_dir / "model.weights.h5").read_bytes() == before
    assert len((model_dir / "training_log.csv").read_text().strip().splitlines()) == 4


def test_pretrain_cli_errors_are_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": REPO}
    result = subprocess.run(
        [sys.executable, "-m", "albert_tf", "pretrain", "--albert-config", "albert_tiny_test",
         "--train-data", str(tmp_path / "none-*.tfrecord"), "--model-dir", str(tmp_path / "m")],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("albert-tf pretrain: error: no TFRecord")


def test_mlm_accuracy_counts_only_real_predictions(tmp_path):
    """Padding slots of masked_lm_positions (weight 0) are neither hits nor misses."""
    import numpy as np
    import keras

    from albert_tf import AlbertConfig
    from albert_tf.modeling.pretrainer import AlbertPretrainer
    from albert_tf.tasks.pretraining import compile_pretrainer

    config = AlbertConfig(vocab_size=37, embedding_size=8, hidden_size=12, num_hidden_layers=2,
                          num_attention_heads=2, intermediate_size=20, max_position_embeddings=16)
    model = compile_pretrainer(AlbertPretrainer(config), keras.optimizers.SGD(0.0))
    rng = np.random.default_rng(3)
    ids = rng.integers(5, 37, size=(6, 16)).astype("int32")
    positions = np.tile(np.arange(1, 9, dtype="int32"), (6, 1))
    weights = np.zeros((6, 8), "float32")
    weights[:, :3] = 1.0  # three real predictions per row, five padding slots
    x = {"input_ids": ids, "input_mask": np.ones_like(ids), "segment_ids": np.zeros_like(ids),
         "masked_lm_positions": positions}
    predicted = np.argmax(model(x)["mlm"], -1)
    labels = predicted.copy()
    labels[:, 1] = (labels[:, 1] + 1) % 37  # one real miss per row
    labels[:, 3:] = (labels[:, 3:] + 1) % 37  # padding slots that would all be misses
    y = {"mlm": labels, "sop": np.zeros((6,), "int32")}
    w = {"mlm": weights, "sop": np.ones((6,), "float32")}
    result = model.evaluate(x, y, sample_weight=w, batch_size=6, verbose=0, return_dict=True)
    assert result["mlm_accuracy"] == pytest.approx(2 / 3, abs=1e-6)

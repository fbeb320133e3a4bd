"""Pretraining on real TFRecords: the losses fall, the model directory is complete."""

import csv
import json
import os
import subprocess
import sys

import pytest

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.pretraining import PretrainSettings, pretrain
from conftest import DATA, REPO


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


def test_masked_positions_are_predicted_from_context(en_records):
    """The same positions masked in every sequence: only the context tells the answers apart.

    A regression guard for the attention path of the pretrainer (the masked-LM plateau of
    docs/RESULTS.md is a matter of training, not of wiring): a tiny model fits one batch of
    real sentences, beyond what the position alone could give.
    """
    import glob

    import keras
    import numpy as np
    import tensorflow as tf

    from albert_tf.data.pipeline import pretraining_dataset
    from albert_tf.modeling.pretrainer import AlbertPretrainer
    from conftest import tiny_config

    meta = json.loads((en_records / "pretrain.metadata.json").read_text())
    seq, preds = meta["settings"]["max_seq_length"], meta["settings"]["max_predictions_per_seq"]
    files = sorted(glob.glob(str(en_records / "pretrain-*.tfrecord")))
    batch = next(iter(pretraining_dataset(files, 8, seq, preds, training=False)))
    features, target, weights = batch
    ids = features["input_ids"].numpy().copy()
    real = weights["mlm"].numpy() > 0
    recorded, originals = features["masked_lm_positions"].numpy(), target["mlm"].numpy()
    for i in range(len(ids)):  # put the recorded originals back
        ids[i, recorded[i][real[i]]] = originals[i][real[i]]
    positions = np.tile(np.array([[3, 6, 9, 12, 15]], "int32"), (len(ids), 1))
    labels = np.take_along_axis(ids, positions, axis=1)
    np.put_along_axis(ids, positions, meta["vocab"]["special_ids"]["mask"], axis=1)
    by_position = sum(np.unique(col, return_counts=True)[1].max() for col in labels.T)
    assert by_position / labels.size < 0.5  # the position alone cannot do it

    keras.utils.set_random_seed(3)
    model = AlbertPretrainer(tiny_config(vocab_size=meta["vocab"]["size"], embedding_size=16,
                                         hidden_size=32, max_position_embeddings=seq))
    inputs = {"input_ids": ids.astype("int32"),
              "input_mask": features["input_mask"].numpy().astype("int32"),
              "segment_ids": features["segment_ids"].numpy().astype("int32"),
              "masked_lm_positions": positions}
    optimizer = keras.optimizers.Adam(3e-3)
    variables = [v for v in model.encoder.trainable_variables + model.mlm_head.trainable_variables
                 if "pooler" not in v.path]

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            logits = model(inputs, training=True)["mlm"]
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                labels, logits, from_logits=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return tf.reduce_mean(tf.cast(tf.argmax(logits, -1, output_type=tf.int32) == labels,
                                      tf.float32))

    for _ in range(200):
        accuracy = float(step())
    assert accuracy >= 0.9, accuracy


def test_sop_loss_weight_zero_trains_the_masked_lm_alone(tmp_path):
    import numpy as np
    import keras

    from albert_tf import AlbertConfig
    from albert_tf.modeling.pretrainer import AlbertPretrainer
    from albert_tf.tasks.pretraining import compile_pretrainer

    config = AlbertConfig(vocab_size=29, embedding_size=6, hidden_size=10, num_hidden_layers=2,
                          num_attention_heads=2, intermediate_size=14, max_position_embeddings=12)
    rng = np.random.default_rng(4)
    ids = rng.integers(5, 29, size=(4, 12)).astype("int32")
    x = {"input_ids": ids, "input_mask": np.ones_like(ids), "segment_ids": np.zeros_like(ids),
         "masked_lm_positions": np.tile(np.arange(1, 4, dtype="int32"), (4, 1))}
    y = {"mlm": ids[:, 1:4], "sop": np.array([0, 1, 1, 0], "int32")}
    w = {"mlm": np.ones((4, 3), "float32"), "sop": np.ones((4,), "float32")}
    results = {}
    for weight in (1.0, 0.0):
        keras.utils.set_random_seed(1)
        model = compile_pretrainer(AlbertPretrainer(config), keras.optimizers.SGD(0.0),
                                   sop_loss_weight=weight)
        results[weight] = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    both, alone = results[1.0], results[0.0]
    assert both["loss"] == pytest.approx(both["mlm_loss"] + both["sop_loss"], rel=1e-5)
    assert alone["loss"] == pytest.approx(alone["mlm_loss"], rel=1e-5)
    assert alone["sop_loss"] > 0.1  # still measured, just not trained on


def test_masking_ngram_overrides_the_records(tmp_path):
    """Real records' metadata (n-grams of up to 3 words) and the run's --masking-ngram."""
    from albert_tf.data.pipeline import list_files
    from albert_tf.tasks.pretraining import dynamic_masking, records_metadata

    data = os.path.join(DATA, "pretrain_en")
    vocab = tmp_path / "v"
    env = {**os.environ, "PYTHONPATH": REPO}
    run = [sys.executable, "-m", "albert_tf"]
    subprocess.run(run + ["train-vocab", "--input", os.path.join(data, "gutenberg_pg1661.txt"),
                          "--output", str(vocab), "--vocab-size", "500"],
                   env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(run + ["create-pretraining-data", "--input",
                          os.path.join(data, "gutenberg_pg1661.txt"), "--output-dir",
                          str(tmp_path / "r"), "--vocab", f"{vocab}.model", "--dupe-factor", "1",
                          "--masked-lm-prob", "0", "--text-format", "prose", "--num-shards", "1"],
                   env=env, check=True, capture_output=True, timeout=300)
    meta = records_metadata(list_files(str(tmp_path / "r" / "*.tfrecord")))
    base = dict(albert_config="albert_tiny_test", train_data="x", model_dir="m",
                dynamic_masking=True, masked_lm_prob=0.2)
    default = dynamic_masking(PretrainSettings(**base), meta)
    assert default.ngram == 3 and default.masked_lm_prob == 0.2
    assert default.vocab_size == 500 and default.mask_id == meta["vocab"]["special_ids"]["mask"]
    assert dynamic_masking(PretrainSettings(**base, masking_ngram=1), meta).ngram == 1
    with pytest.raises(AlbertTfError, match="metadata JSON"):
        dynamic_masking(PretrainSettings(**base), None)


@pytest.mark.parametrize("flag, value, message", [
    ("--masking-ngram", "0", "--masking-ngram must be at least 1"),
    ("--sop-loss-weight", "-1", "--sop-loss-weight must be 0 or more"),
])
def test_bad_recipe_flags_are_refused_in_one_line(tmp_path, flag, value, message):
    from helpers.records import write_records

    folder = tmp_path / "records"
    write_records(folder)
    env = {**os.environ, "PYTHONPATH": REPO}
    result = subprocess.run(
        [sys.executable, "-m", "albert_tf", "pretrain", "--albert-config", "albert_tiny_test",
         "--train-data", str(folder / "*.tfrecord"), "--model-dir", str(tmp_path / "m"),
         "--dynamic-masking", flag, value],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr[-500:]
    assert message in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "m").exists()  # refused before anything is written


def _quiet(*_args):
    pass


def test_a_loss_that_is_not_finite_stops_the_run_unfinished(tmp_path):
    """Records without metadata holding ids up to 1999 for a config of 50 pieces (the
    issue's probe): the loss is NaN from the first batch. One-line error naming the step,
    and the run is not marked finished (before, it was saved as done, exit 0)."""
    from helpers.records import write_config, write_records

    from albert_tf.training.fit import finished_run

    settings = PretrainSettings(
        albert_config=write_config(tmp_path / "c.json"),
        train_data=write_records(tmp_path / "r", vocab=2000), model_dir=str(tmp_path / "m"),
        batch_size=8, steps=40, checkpoint_every=10, verbose=0)
    with pytest.raises(AlbertTfError, match=r"the training loss is (nan|inf|-inf) at step \d+"):
        pretrain(settings, print_fn=_quiet)
    assert not finished_run(settings.model_dir)


def test_records_that_do_not_fit_the_config_or_vocab_are_refused(en_records, tmp_path):
    """Records of an 8,000-piece vocabulary with vocab_size 23 (NaN before), and a --vocab
    that did not make the records."""
    other_vocab = tmp_path / "other.txt"
    other_vocab.write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n")
    base = dict(train_data=str(en_records / "pretrain-*.tfrecord"), steps=5, verbose=0)
    cases = [
        (dict(albert_config=_config(tmp_path / "small.json", 23)),
         "records hold ids up to 7999 .* vocab_size is 23"),
        (dict(albert_config=_config(tmp_path / "ok.json", 8000), vocab=str(other_vocab)),
         "is not the vocabulary the --train-data records were made with"),
    ]
    for number, (changes, message) in enumerate(cases):
        model_dir = tmp_path / f"m{number}"
        with pytest.raises(AlbertTfError, match=message):
            pretrain(PretrainSettings(model_dir=str(model_dir), **base, **changes),
                     print_fn=_quiet)
        assert not model_dir.exists()


def test_a_resume_with_other_settings_is_refused(tmp_path):
    """An interrupted run (backup/ left) continues only under its own settings."""
    import dataclasses

    from helpers.records import write_config, write_records

    first = PretrainSettings(albert_config=write_config(tmp_path / "c.json"),
                             train_data=write_records(tmp_path / "r"),
                             model_dir=str(tmp_path / "m"), batch_size=8, steps=40, verbose=0)
    os.makedirs(tmp_path / "m" / "backup")
    saved = json.dumps(dataclasses.asdict(first))
    (tmp_path / "m" / "pretrain_settings.json").write_text(saved)
    for flag, changes in (("--batch-size", dict(batch_size=16)), ("--steps", dict(steps=80)),
                          ("--learning-rate", dict(learning_rate=2e-3))):
        with pytest.raises(AlbertTfError, match=f"^{flag} .* differs from the interrupted run"):
            pretrain(dataclasses.replace(first, **changes), print_fn=_quiet)
    assert (tmp_path / "m" / "pretrain_settings.json").read_text() == saved

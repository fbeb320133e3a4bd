"""Batches cut to their longest row: same outputs and losses, fewer columns."""

import numpy as np
import pytest

from conftest import tiny_config


def _rows(lengths, seq, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, 23, (len(lengths), seq)).astype("int32")
    mask = (np.arange(seq)[None, :] < np.asarray(lengths)[:, None]).astype("int32")
    return {"input_ids": ids * mask, "input_mask": mask, "segment_ids": np.zeros_like(ids)}


@pytest.mark.parametrize("longest, width, multiple, expected", [
    (17, 64, 16, 32), (16, 64, 16, 16), (1, 64, 16, 16), (0, 64, 16, 16),
    (63, 64, 16, 64), (64, 64, 16, 64), (61, 60, 16, 60), (5, 64, 0, 64)])
def test_padded_length(longest, width, multiple, expected):
    from albert_tf.tasks.base import padded_length

    assert padded_length(longest, width, multiple) == expected


def test_trim_batch_cuts_token_arrays_and_keeps_per_example_ones():
    import tensorflow as tf

    from albert_tf.tasks.base import trim_batch

    features = _rows([5, 9, 3], 40)
    token_labels = np.arange(3 * 40).reshape(3, 40)
    example_labels = np.array([0, 1, 0])
    parts = ({k: tf.constant(v) for k, v in features.items()},
             {"tags": tf.constant(token_labels), "label": tf.constant(example_labels)},
             {"tags": tf.ones((3, 40)), "label": tf.ones((3,))})
    features_out, labels_out, weights_out = trim_batch(parts, 8)
    assert {k: tuple(v.shape) for k, v in features_out.items()} == {
        "input_ids": (3, 16), "input_mask": (3, 16), "segment_ids": (3, 16)}
    np.testing.assert_array_equal(features_out["input_ids"], features["input_ids"][:, :16])
    np.testing.assert_array_equal(labels_out["tags"], token_labels[:, :16])
    np.testing.assert_array_equal(labels_out["label"], example_labels)
    assert tuple(weights_out["tags"].shape) == (3, 16) and tuple(weights_out["label"].shape) == (3,)


def test_grouped_batches_cover_each_row_once_and_hold_alike_lengths():
    from albert_tf.tasks.base import grouped_batches

    lengths = np.random.default_rng(3).integers(2, 64, 1000)
    batches = grouped_batches(lengths, 8, seed=5)
    assert batches.shape == (125, 8)
    assert sorted(batches.ravel().tolist()) == list(range(1000))
    np.testing.assert_array_equal(batches, grouped_batches(lengths, 8, seed=5))
    assert not np.array_equal(batches, grouped_batches(lengths, 8, seed=6))
    spread = (lengths[batches].max(1) - lengths[batches].min(1)).mean()
    assert spread < 3  # random batches of 8 from 2..63 spread about 43
    # the order of lengths is shuffled, not sorted
    assert not np.all(np.diff(lengths[batches].max(1)) >= 0)


def test_grouped_training_batches_are_narrow_and_resume_exactly():
    from albert_tf.tasks.base import array_dataset

    lengths = [3, 4, 5, 6, 30, 31, 2, 2, 7, 9, 11, 12, 40, 41, 3, 5]
    features = _rows(lengths, 48)
    labels = np.arange(len(lengths))
    dataset = array_dataset(features, labels, None, 4, training=True, group_by_length=True,
                            length_multiple=8)
    seen, widths = [], set()
    for batch_features, batch_labels in dataset.take(8):  # two passes
        mask = batch_features["input_mask"].numpy()
        widths.add(mask.shape[1])
        assert mask.shape[1] % 8 == 0 and mask.shape[1] <= 48
        np.testing.assert_array_equal(mask.sum(1), np.asarray(lengths)[batch_labels.numpy()])
        seen.append(batch_labels.numpy().tolist())
    assert sorted(sum(seen[:4], [])) == list(range(16))
    assert widths == {8, 16, 48}  # sorted: [2 2 3 3] [4 5 5 6] [7 9 11 12] [30 31 40 41]
    resumed = [b.numpy().tolist() for _, b in dataset.skip(5).take(3)]
    assert resumed == seen[5:8]
    full = array_dataset(features, labels, None, 4, training=True)
    assert {tuple(f["input_ids"].shape) for f, _ in full.take(3)} == {(4, 48)}


def test_trimmed_predictions_equal_full_width_ones():
    from albert_tf.modeling.task_models import AlbertClassifier
    from albert_tf.tasks import ner
    from albert_tf.tasks.base import PADDING_LOGIT, predict_batches

    config = tiny_config(max_position_embeddings=40)
    features = _rows([5, 9, 3, 12, 4, 7], 40, seed=1)
    classifier = AlbertClassifier(config, 3)
    full = predict_batches(classifier, features, batch_size=4)["logits"]
    cut = predict_batches(classifier, features, batch_size=4, length_multiple=8)["logits"]
    assert np.abs(full - cut).max() < 1e-5

    tagger = ner.build_model(config, {"labels": ["O", "B-X", "I-X"], "num_labels": 3})
    full = predict_batches(tagger, features, batch_size=4)["logits"]
    cut = predict_batches(tagger, features, batch_size=4, length_multiple=8,
                          token_outputs=("logits",))["logits"]
    assert cut.shape == full.shape == (6, 40, 3)
    real = features["input_mask"].astype(bool)
    assert np.abs(full[real] - cut[real]).max() < 1e-5
    # rows are taken by length: (3, 4, 5, 7 tokens) -> 8 columns, then (9, 12) -> 16
    for rows, width in (([0, 2, 4, 5], 8), ([1, 3], 16)):
        assert (cut[rows, width:] == PADDING_LOGIT).all()
        assert (cut[rows, :width] != PADDING_LOGIT).all()


@pytest.mark.parametrize("task", ["classification", "ner"])
def test_finetune_grouped_by_length_on_real_data(task, trained_spm_path, tmp_path):
    """A real SST-2 / CoNLL slice trains with grouped, narrowed batches (XLA on) and
    evaluates like the model it saved."""
    from conftest import data_path

    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, evaluate, finetune

    if task == "classification":
        source = data_path("sst2", "train.tsv")
        with open(source, encoding="utf-8") as f:
            lines = f.readlines()[:161]  # header + 160 sentences
        dev_lines = lines[:1] + lines[129:161]
    else:
        source = data_path("conll2003", "eng.train")
        with open(source, encoding="utf-8") as f:
            text = f.read()
        blocks = text.split("\n\n")[:140]
        lines = ["\n\n".join(blocks[:120]) + "\n"]
        dev_lines = ["\n\n".join(blocks[120:]) + "\n"]
    (tmp_path / "train.txt").write_text("".join(lines), encoding="utf-8")
    (tmp_path / "dev.txt").write_text("".join(dev_lines), encoding="utf-8")
    config = tmp_path / "albert_config.json"
    tiny_config(vocab_size=8000, max_position_embeddings=64).to_json_file(config)
    printed = []
    settings = FinetuneSettings(task=task, train=str(tmp_path / "train.txt"),
                                dev=str(tmp_path / "dev.txt"), output_dir=str(tmp_path / "model"),
                                albert_config=str(config), vocab=trained_spm_path, epochs=2,
                                batch_size=16, learning_rate=3e-3, bias_correction=True,
                                max_seq_length=64, verbose=0, group_by_length=True)
    metrics = finetune(settings, task_options(task), print_fn=printed.append)
    (summary,) = [line for line in printed if line.startswith("fine-tuning ")]
    assert "batches grouped by length" in summary
    with open(tmp_path / "model" / "training_log.csv") as f:
        header, *chunks = f.readlines()
    assert chunks and "steps_per_second" in header
    assert "tokens_per_second" not in header  # batch widths vary: no fixed token count
    again = evaluate(task, str(tmp_path / "model"), str(tmp_path / "dev.txt"),
                     output=str(tmp_path / "metrics.json"), args=task_options(task, "evaluate"))
    key = "accuracy" if task == "classification" else "f1"
    assert again[key] == pytest.approx(metrics[key], abs=1e-9)

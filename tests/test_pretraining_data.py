"""create-pretraining-data on real text: ALBERT's statistics, exact records, determinism."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from albert_tf.data.pretraining import DataSettings, create_pretraining_data
from conftest import BOOKS, DATA, REPO, data_path
ZH_VOCAB = ("vocab", "chinese_wordpiece_21128", "vocab.txt")


def _settings(inputs, out, vocab, **changes):
    values = dict(input=inputs, output_dir=str(out), vocab=vocab, dupe_factor=1,
                  num_workers=1, num_shards=2, random_seed=7)
    values.update(changes)
    return DataSettings(**values)


@pytest.fixture(scope="module")
def en_run(en_records):
    with open(en_records / "pretrain.metadata.json") as f:
        metadata = json.load(f)
    return en_records, metadata, _read(en_records, metadata)


def _read(out, metadata):
    """All records as numpy arrays, parsed by TensorFlow."""
    import tensorflow as tf

    from albert_tf.data.features import parse_spec

    lengths = metadata["features"]
    spec = parse_spec(lengths["input_ids"], lengths["masked_lm_positions"])
    files = [os.path.join(out, s["file"]) for s in metadata["shards"]]
    batches = [tf.io.parse_example(b, spec) for b in tf.data.TFRecordDataset(files).batch(4096)]
    return {k: np.concatenate([b[k].numpy() for b in batches]) for k in spec}


def test_records_and_metadata_agree(en_run):
    out, metadata, records = en_run
    n = metadata["instances"]
    assert n > 5000 and len(records["input_ids"]) == n
    assert sum(s["instances"] for s in metadata["shards"]) == n
    assert records["input_ids"].shape == (n, 128) and records["masked_lm_ids"].shape == (n, 20)
    assert sorted(os.listdir(out)) == ["pretrain-00000-of-00002.tfrecord",
                                        "pretrain-00001-of-00002.tfrecord", "pretrain.metadata.json"]
    assert metadata["statistics"]["masked"] == int(records["masked_lm_weights"].sum())


def test_masked_fraction_and_budget(en_run):
    _, _, r = en_run
    lengths = r["input_mask"].sum(1)
    masked = r["masked_lm_weights"].sum(1)
    budget = np.minimum(20, np.maximum(1, np.round(lengths * 0.15)))
    assert np.all(masked <= budget)
    assert np.mean(masked == budget) > 0.97  # short of budget only when words do not fit
    assert 0.145 <= masked.sum() / lengths.sum() <= 0.152


def test_ngram_lengths_follow_one_over_n(en_run):
    stats = en_run[1]["statistics"]
    drawn = np.array([stats["ngram_drawn"][str(n)] for n in (1, 2, 3)], float)
    assert drawn.sum() > 30_000
    np.testing.assert_allclose(drawn / drawn.sum(), [6 / 11, 3 / 11, 2 / 11], atol=0.006)
    applied = np.array([stats["ngram_applied"][str(n)] for n in (1, 2, 3)], float)
    assert applied[0] > applied[1] > applied[2] > 0  # shortened near the budget, as the original


def test_eighty_ten_ten(en_run, trained_spm_path):
    _, _, r = en_run
    from albert_tf.tokenization.vocab import read_vocabulary

    mask_id = read_vocabulary(trained_spm_path).special_ids["mask"]
    rows, cols = np.nonzero(r["masked_lm_weights"])
    shown = r["input_ids"][rows, r["masked_lm_positions"][rows, cols]]
    truth = r["masked_lm_ids"][rows, cols]
    as_mask = np.mean(shown == mask_id)
    kept = np.mean((shown == truth) & (shown != mask_id))
    other = np.mean((shown != truth) & (shown != mask_id))
    assert len(rows) > 50_000
    assert abs(as_mask - 0.8) < 0.006 and abs(kept - 0.1) < 0.005 and abs(other - 0.1) < 0.005


def test_sentence_order_labels_balanced(en_run):
    labels = en_run[2]["next_sentence_labels"][:, 0]
    assert set(np.unique(labels)) == {0, 1}
    assert abs(labels.mean() - 0.5) < 0.02


def test_layout_and_nothing_special_is_masked(en_run, trained_spm_path):
    from albert_tf.tokenization.vocab import read_vocabulary

    special = read_vocabulary(trained_spm_path).special_ids
    _, _, r = en_run
    for k in range(len(r["input_ids"])):
        n = int(r["input_mask"][k].sum())
        ids, segments = r["input_ids"][k], r["segment_ids"][k]
        assert np.all(r["input_mask"][k, :n] == 1) and np.all(ids[n:] == 0)
        seps = np.nonzero(ids[:n] == special["sep"])[0]
        assert ids[0] == special["cls"] and ids[n - 1] == special["sep"] and len(seps) >= 2
        a_end = seps[0]
        assert np.all(segments[:a_end + 1] == 0) and np.all(segments[a_end + 1:n] == 1)
        assert np.all(segments[n:] == 0)
        weights = r["masked_lm_weights"][k]
        m = int(weights.sum())
        positions = r["masked_lm_positions"][k, :m]
        assert np.all(weights[:m] == 1) and np.all(weights[m:] == 0)
        assert np.all(np.diff(positions) > 0)  # sorted, distinct
        assert np.all((positions > 0) & (positions < n - 1)) and a_end not in positions
        labels = r["masked_lm_ids"][k, :m]
        assert not np.isin(labels, [special["cls"], special["sep"], special["pad"]]).any()


def _previous_word_piece(ids, p, special):
    """The token a continuation piece is grouped with: the one before it, skipping a
    [SEP] (truncation can leave B starting mid-word; the original then groups the
    piece with A's last word, and so do we)."""
    q = p - 1
    while q > 0 and ids[q] in special:
        q -= 1
    return q if q > 0 else None  # None: the piece opens the sequence, a word of its own


def test_whole_words_are_masked_together(en_run, trained_spm_path):
    from albert_tf.tokenization.vocab import read_vocabulary

    ids_special = read_vocabulary(trained_spm_path).special_ids
    special = {ids_special["cls"], ids_special["sep"]}
    _, _, r = en_run
    continuation_masked = 0
    for k in range(len(r["input_ids"])):
        m = int(r["masked_lm_weights"][k].sum())
        masked = set(r["masked_lm_positions"][k, :m].tolist())
        original = r["input_ids"][k].copy()
        original[r["masked_lm_positions"][k, :m]] = r["masked_lm_ids"][k, :m]
        for p in masked:
            if r["token_boundary"][k, p] == 0:  # a piece inside a word
                continuation_masked += 1
                assert _previous_word_piece(original, p, special) in masked | {None}
    assert continuation_masked > 1000


def test_record_bytes_parse_back_to_the_instances(trained_spm_path):
    import random

    import tensorflow as tf

    from albert_tf.data import pretraining
    from albert_tf.data.features import parse_spec

    settings = _settings([data_path("pretrain_en", BOOKS[0])], "unused", trained_spm_path)
    pretraining._init_worker(settings.__dict__)
    with open(data_path("pretrain_en", BOOKS[0]), encoding="utf-8") as f:
        lines = [line.strip() for line in f][:400]
    documents, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            documents.append(current)
            current = []
    captured = []
    original = pretraining._record

    def spy(*args):
        record = original(*args)
        captured.append(record)
        return record

    pretraining._record = spy
    try:
        _, serialized, _ = pretraining.process_block((0, documents))
    finally:
        pretraining._record = original
    assert len(serialized) == len(captured) > 20
    parsed = tf.io.parse_example(tf.constant(serialized), parse_spec(128, 20))
    by_input = {tuple(r["input_ids"]): r for r in captured}
    for k in range(len(serialized)):
        record = by_input[tuple(parsed["input_ids"][k].numpy())]
        for name, value in record.items():
            np.testing.assert_array_equal(parsed[name][k].numpy(), np.asarray(value), err_msg=name)
    del random


def test_same_bytes_whatever_the_number_of_workers(trained_spm_path, tmp_path):
    inputs = [data_path("pretrain_en", BOOKS[0])]
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        create_pretraining_data(_settings(inputs, out, trained_spm_path, num_workers=workers,
                                          block_mb=0.1, dupe_factor=2), log=lambda _: None)
        outputs[workers] = {n: (out / n).read_bytes() for n in sorted(os.listdir(out))
                            if n.endswith(".tfrecord")}
    assert outputs[1] and outputs[1] == outputs[2]
    assert len(outputs[1]) == 2 and all(len(b) > 100_000 for b in outputs[1].values())


def _cli(args, env=None):
    env = {**os.environ, "PYTHONPATH": REPO, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "albert_tf", "create-pretraining-data", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_run_leaves_nothing_complete_and_resumes_exactly(trained_spm_path, tmp_path):
    inputs = [os.path.join(DATA, "pretrain_en", name) for name in BOOKS]
    common = ["--input", *inputs, "--vocab", trained_spm_path, "--num-workers", "1",
              "--block-mb", "0.05", "--dupe-factor", "2", "--num-shards", "3"]
    plain = _cli(common + ["--output-dir", str(tmp_path / "plain")])
    _, err = plain.communicate(timeout=600)
    assert plain.returncode == 0, err

    crashed = tmp_path / "crashed"
    process = _cli(common + ["--output-dir", str(crashed)],
                   env={"ALBERT_TF_DATA_CHECKPOINT_SECONDS": "0"})
    for line in process.stdout:
        if line.startswith("block 8:"):
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    left = sorted(os.listdir(crashed))
    assert not [n for n in left if n.endswith(".tfrecord") or n.endswith(".json") and not n.startswith(".")]
    assert any(n.endswith(".partial") for n in left)  # hidden, obviously unfinished

    resumed = _cli(common + ["--output-dir", str(crashed)])
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert "resuming after block" in out
    for name in sorted(os.listdir(tmp_path / "plain")):
        if name.endswith(".tfrecord"):
            assert (tmp_path / "plain" / name).read_bytes() == (crashed / name).read_bytes()
    assert not [n for n in os.listdir(crashed) if n.startswith(".")]


@pytest.mark.parametrize("segmenter", [None, "jieba"])
def test_chinese_whole_word_masking(segmenter, tmp_path):
    inputs = [data_path("pretrain_zh", "hongloumeng.txt")]
    metadata = create_pretraining_data(
        _settings(inputs, tmp_path, data_path(*ZH_VOCAB), segmenter=segmenter,
                  block_mb=1.0, num_workers=2), log=lambda _: None)
    r = _read(tmp_path, metadata)
    assert metadata["instances"] > 2000
    masked = r["masked_lm_weights"].sum() / r["input_mask"].sum()
    assert 0.14 < masked < 0.155
    from albert_tf.tokenization.vocab import read_vocabulary

    ids_special = read_vocabulary(data_path(*ZH_VOCAB)).special_ids
    special = {ids_special["cls"], ids_special["sep"]}
    inside = 0
    for k in range(len(r["input_ids"])):
        m = int(r["masked_lm_weights"][k].sum())
        positions = set(r["masked_lm_positions"][k, :m].tolist())
        original = r["input_ids"][k].copy()
        original[r["masked_lm_positions"][k, :m]] = r["masked_lm_ids"][k, :m]
        for p in positions:
            if r["token_boundary"][k, p] == 0:
                inside += 1
                assert _previous_word_piece(original, p, special) in positions | {None}
    if segmenter == "jieba":
        assert inside > 0.2 * r["masked_lm_weights"].sum()  # multi-character words masked whole
    else:
        # One character per word without a segmenter; only rare ## pieces (Latin
        # words, numbers) continue a word.
        assert inside < 0.01 * r["masked_lm_weights"].sum()


def test_bad_inputs_one_line_errors(trained_spm_path, tmp_path):
    process = _cli(["--input", str(tmp_path / "missing.txt"), "--output-dir", str(tmp_path / "o"),
                    "--vocab", trained_spm_path])
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2 and err.strip().count("\n") == 0
    assert "missing.txt" in err and not os.path.exists(tmp_path / "o")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    process = _cli(["--input", str(empty), "--output-dir", str(tmp_path / "o2"),
                    "--vocab", trained_spm_path])
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2 and "no instances" in err
    assert not [n for n in os.listdir(tmp_path / "o2") if not n.startswith(".")]


def _truncate_one_at_a_time(a, b, max_tokens, rng):
    """The original's truncate_seq_pair, one token per step: the reference for the fast one."""
    while len(a) + len(b) > max_tokens:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def test_truncate_pair_cuts_as_the_original_does():
    import random

    from albert_tf.data.instances import truncate_pair

    sizes = random.Random(3)
    for trial in range(300):
        a = list(range(sizes.randint(0, 90)))
        b = list(range(1000, 1000 + sizes.randint(0, 90)))
        room = sizes.randint(1, 130)
        fast, slow = (a[:], b[:]), (a[:], b[:])
        dropped = truncate_pair(*fast, room, random.Random(trial))
        _truncate_one_at_a_time(*slow, room, random.Random(trial))
        assert fast == slow, trial
        assert dropped == len(a) + len(b) - len(fast[0]) - len(fast[1])


def test_a_very_long_line_is_cut_once_and_reported(trained_spm_path, tmp_path):
    """A 2 MB line (quadratic before: about 20 s) gives its instance and a warning with the
    count of the tokens no instance holds."""
    with open(data_path("pretrain_en", BOOKS[0]), encoding="utf-8") as f:
        words = f.read().split()[:40000]
    text = tmp_path / "long.txt"
    # One ordinary document, then one document that is a single line of 400,000 words.
    text.write_text("\n".join([" ".join(words[i:i + 12]) for i in range(0, 600, 12)]) + "\n\n"
                    + " ".join(words * 10) + "\n", encoding="utf-8")
    lines = []
    metadata = create_pretraining_data(_settings([str(text)], tmp_path / "out", trained_spm_path,
                                                 max_seq_length=64, max_predictions_per_seq=10),
                                       log=lines.append)
    warning = [line for line in lines if line.startswith("warning:")]
    assert len(warning) == 1 and "1 line(s)" in warning[0], lines
    cut = metadata["statistics"]["long_segment_tokens"]
    assert cut > 400_000 and f"{cut:,} of their tokens" in warning[0]

"""Hostile input through the CLI: one line on stderr, a non-zero exit, nothing left behind.

Each row is a probe of issue 22: the command (run in this process, from a scratch folder
holding a few bad inputs), the exit status and a fragment of the one error line.
"""

import os

import pytest

from albert_tf.cli import main
from conftest import DATA, REPO

STARTER = os.path.join(REPO, "saved_models", "albert_starter_en")
VOCAB = os.path.join(STARTER, "vocab", "starter_en8k.model")
BOOK = os.path.join(DATA, "pretrain_en", "gutenberg_pg1661.txt")
SST2_DEV = os.path.join(DATA, "sst2", "dev.tsv")
CONFIG = os.path.join(REPO, "configs", "albert_starter_en.json")


def finetune(*extra):
    return ["finetune", "classification", "--train", SST2_DEV, "--dev", SST2_DEV,
            "--init-checkpoint", STARTER, "--output-dir", "out", *extra]


def pretrain(*extra):
    return ["pretrain", "--albert-config", CONFIG, "--train-data", "records/*.tfrecord",
            "--model-dir", "model", *extra]


PROBES = [
    # files that are not what they should be
    (["params", "a_dir"], "a_dir: is a directory, not a file"),
    (["pretrain", "--albert-config", "a_dir", "--train-data", "x", "--model-dir", "m"],
     "a_dir: is a directory, not a file"),
    (["create-pretraining-data", "--input", BOOK, "--vocab", VOCAB, "--output-dir", "a_file"],
     "a_file: exists and is not a directory"),
    (["pretrain", "--albert-config", "missing_here.json", "--train-data", "x",
      "--model-dir", "m"], "error: missing_here.json: no such config file"),
    # text that is not UTF-8
    (["finetune", "classification", "--train", "latin1.tsv", "--dev", "latin1.tsv",
      "--init-checkpoint", STARTER, "--output-dir", "out"],
     "latin1.tsv:3: not UTF-8 text (byte 0xe9 at column 4)"),
    (["finetune", "ner", "--train", "latin1.conll", "--dev", "latin1.conll",
      "--init-checkpoint", STARTER, "--output-dir", "out"],
     "latin1.conll:2: not UTF-8 text (byte 0xe9"),
    (["predict", "classification", "--model-dir", STARTER, "--input", "latin1.tsv"],
     "latin1.tsv:3: not UTF-8 text"),
    # labels: a stray class, a shifted column, a dev label the model cannot have
    (["finetune", "classification", "--train", "positive.tsv", "--dev", SST2_DEV,
      "--init-checkpoint", STARTER, "--output-dir", "out"],
     "positive.tsv:1002: label 'positive' appears in 1 of 2,001 rows beside 0, 1"),
    (["finetune", "classification", "--train", "half.tsv", "--dev", SST2_DEV,
      "--init-checkpoint", STARTER, "--output-dir", "out"], "half.tsv:1002: label '0.5' appears"),
    (["finetune", "classification", "--train", "third_column.tsv", "--dev", SST2_DEV,
      "--init-checkpoint", STARTER, "--output-dir", "out"],
     "third_column.tsv:4: 3 columns, the header has 2 (sentence, label)"),
    (["finetune", "classification", "--train", SST2_DEV, "--dev", "bad_dev.tsv",
      "--init-checkpoint", STARTER, "--output-dir", "out"],
     "bad_dev.tsv:3: label '7' is not one of the labels 0, 1"),
    # records that are not pretraining records
    (pretrain()[:4] + ["random.tfrecord", "--model-dir", "model"],
     "random.tfrecord: not a readable TFRecord file"),
    (pretrain()[:4] + ["a.tfrecord", "--model-dir", "model"],
     "a.tfrecord: its records are not tf.train.Example"),
    # binary files given as text
    (["create-pretraining-data", "--input", "random.bin", "--vocab", VOCAB, "--output-dir",
      "records"], "--input random.bin: not text (it holds NUL bytes"),
    (["create-pretraining-data", "--input", "a.tfrecord", "--vocab", VOCAB, "--output-dir",
      "records"], "--input a.tfrecord: not text (it holds NUL bytes"),
    (["create-pretraining-data", "--input", "latin1_book.txt", "--vocab", VOCAB, "--output-dir",
      "records"], "--input latin1_book.txt: not UTF-8 text"),
    (["train-vocab", "--input", "random.bin", "--output", "v", "--vocab-size", "100"],
     "--input random.bin: not text"),
    # a SQuAD 1.1 question without answers is not scored as a miss (was "54 of 55")
    (["evaluate", "squad", "--data", "no_answers.json", "--predictions", "predictions.json"],
     "unanswerable questions need the SQuAD 2.0 metrics (--version 2.0)"),
    # no TPU here
    (pretrain("--strategy", "tpu", "--tpu", "local"),
     "--strategy tpu --tpu local: no TPU found here (TPUs not found in the cluster)"),
    # a file that is not a TFLite model
    (["tflite-info", "random.bin"], "random.bin: not a TFLite model"),
    (["tflite-info", "missing.tflite"], "missing.tflite: no such file"),
    (["tflite-info", "--json", "missing.tflite"], "missing.tflite: no such file"),
    (["tflite-info", "--json", "random.bin"], "random.bin: not a TFLite model"),
    # numbers out of range
    (["visualize", "attributions", "--model-dir", STARTER, "--text", "a film", "--steps", "0",
      "--output-dir", "pictures"], "--steps must be 1 to 4,096, got 0"),
    (["create-pretraining-data", "--input", BOOK, "--vocab", VOCAB, "--output-dir", "records",
      "--num-workers", "-1"], "--num-workers must be 0 (one per core) to 1,024"),
    (["create-pretraining-data", "--input", BOOK, "--vocab", VOCAB, "--output-dir", "records",
      "--max-seq-length", str(10 ** 12)], "--max-seq-length must be 5 to 65,536"),
    (["create-pretraining-data", "--input", BOOK, "--vocab", VOCAB, "--output-dir", "records",
      "--dupe-factor", str(10 ** 12)], "--dupe-factor must be at most 1,000"),
    (finetune("--batch-size", "-4"), "--batch-size must be at least 1"),
    (finetune("--learning-rate", "-1"), "--learning-rate must be above 0"),
    (finetune("--epochs", "0"), "--epochs must be above 0"),
    (finetune("--warmup-proportion", "1.5"), "--warmup-proportion must be at least 0"),
    (pretrain("--checkpoint-every", "0"), "--checkpoint-every must be at least 1"),
    (pretrain("--checkpoint-every", "-3"), "--checkpoint-every must be at least 1"),
    (pretrain("--learning-rate", "-1"), "--learning-rate must be above 0"),
    (pretrain("--steps", "0"), "--steps must be at least 1"),
]


@pytest.mark.parametrize("args, fragment", PROBES, ids=[" ".join(p[0][:2]) + f" #{i}"
                                                        for i, p in enumerate(PROBES)])
def test_probe_gives_one_line_and_leaves_nothing(args, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "latin1.tsv").write_bytes(b"sentence\tlabel\nfine\t1\ncaf\xe9 au lait\t0\n")
    (tmp_path / "latin1.conll").write_bytes(b"EU B-ORG\ncaf\xe9 O\n\n")
    with open(os.path.join(DATA, "sst2", "train.tsv"), encoding="utf-8") as f:
        sst2 = f.read().splitlines()[:2001]
    for name, odd in (("positive.tsv", "positive"), ("half.tsv", "0.5")):
        rows = sst2[:1001] + [f"a fine film\t{odd}"] + sst2[1001:]
        (tmp_path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "third_column.tsv").write_text("\n".join(sst2[:3] + ["a film\tgood\t1"])
                                               + "\n", encoding="utf-8")
    (tmp_path / "bad_dev.tsv").write_text("\n".join(sst2[:2] + ["a film\t7"]) + "\n",
                                          encoding="utf-8")
    import random

    rng = random.Random(0)
    (tmp_path / "random.bin").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (tmp_path / "random.tfrecord").write_bytes(bytes(rng.randrange(256) for _ in range(999)))
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(tmp_path / "a.tfrecord")) as writer:
        writer.write(b"a record")
    (tmp_path / "latin1_book.txt").write_bytes("Caf\u00e9 cr\u00e8me, na\u00efve fa\u00e7ade.\n"
                                               .encode("latin-1") * 50)
    import json

    with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
        paragraph = json.load(f)["data"][0]["paragraphs"][0]
    questions = paragraph["qas"][:5]
    del questions[2]["answers"]
    (tmp_path / "no_answers.json").write_text(json.dumps({"version": "1.1", "data": [
        {"title": "t", "paragraphs": [{"context": paragraph["context"], "qas": questions}]}]}))
    (tmp_path / "predictions.json").write_text(json.dumps({q["id"]: "x" for q in questions}))
    before = sorted(os.listdir(tmp_path))
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith(f"albert-tf {args[0]}: error: "), err
    assert fragment in err[0], err[0]
    assert sorted(os.listdir(tmp_path)) == before  # nothing half-written


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_dir").mkdir()
    with pytest.raises(IsADirectoryError):
        main(["params", "a_dir", "--debug"])


def test_an_internal_error_is_one_line_with_exit_status_1(monkeypatch, capsys):
    import albert_tf.params

    def broken(*args, **kwargs):
        raise TypeError("'NoneType' object is not callable")

    monkeypatch.setattr(albert_tf.params, "parameter_rows", broken)
    code = main(["params", "albert_base_v2"])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert line == ("albert-tf params: error: TypeError: 'NoneType' object is not callable "
                    "(an internal error: run again with --debug for the traceback and report it)")


@pytest.fixture(scope="module")
def small_records(tmp_path_factory):
    """Pretraining records of 32 and of 64 tokens from a few pages of a real book."""
    from albert_tf.data.pretraining import DataSettings, create_pretraining_data

    folder = tmp_path_factory.mktemp("records")
    text = folder / "text.txt"
    with open(BOOK, encoding="utf-8") as f:
        text.write_text(f.read()[:20000], encoding="utf-8")
    for length in (32, 64):
        create_pretraining_data(DataSettings(
            input=[str(text)], output_dir=str(folder / f"r{length}"), vocab=VOCAB,
            max_seq_length=length, max_predictions_per_seq=5, dupe_factor=1, num_shards=1),
            log=lambda line: None)
    return folder


def test_records_of_two_sizes_in_one_run_are_refused(small_records, tmp_path, monkeypatch,
                                                     capsys):
    monkeypatch.chdir(small_records)
    code = main(pretrain()[:4] + ["r32/*.tfrecord,r64/*.tfrecord", "--model-dir",
                                  str(tmp_path / "model")])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert "--train-data mixes record sizes: r32/pretrain-00000-of-00001.tfrecord holds 32 " \
           "tokens and 5 predictions, r64/pretrain-00000-of-00001.tfrecord 64 and 5" in line
    assert not (tmp_path / "model").exists()


def test_a_run_that_fails_before_its_first_checkpoint_leaves_no_folder(small_records, tmp_path,
                                                                       capsys):
    other = os.path.join(REPO, "saved_models", "albert_starter_zh")  # another config
    code = main(["pretrain", "--albert-config", CONFIG, "--train-data",
                 str(small_records / "r32" / "*.tfrecord"), "--model-dir",
                 str(tmp_path / "model"), "--init-checkpoint", other, "--steps", "2"])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "its albert_config.json differs from --albert-config" in line
    assert not (tmp_path / "model").exists()  # not a folder holding only its settings


# A folder nobody may write to, root included (sysfs); the six writing commands.
LOCKED = "/sys/albert-tf-probe"
WRITERS = [
    ["create-pretraining-data", "--input", BOOK, "--vocab", VOCAB, "--output-dir",
     f"{LOCKED}/records"],
    ["train-vocab", "--input", BOOK, "--output", f"{LOCKED}/v", "--vocab-size", "100"],
    ["pretrain", "--albert-config", CONFIG, "--train-data", "{records}", "--model-dir",
     f"{LOCKED}/model", "--steps", "1"],
    finetune()[:-1] + [f"{LOCKED}/out"],
    ["export", "--model-dir", STARTER, "--output", f"{LOCKED}/export"],
    ["convert", "--from", "keras", "--to", "huggingface", "--input", STARTER, "--output",
     f"{LOCKED}/hf"],
]


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs")
@pytest.mark.parametrize("args", WRITERS, ids=[w[0] for w in WRITERS])
def test_an_output_folder_without_write_permission_is_one_line(args, small_records, capsys):
    records = str(small_records / "r32" / "*.tfrecord")
    code = main([a.replace("{records}", records) for a in args])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert line.startswith(f"albert-tf {args[0]}: error: {LOCKED}: "), line
    assert line.endswith(("permission denied", "read-only file system")), line


def test_a_record_file_cut_short_is_named(small_records, tmp_path, capsys):
    import shutil

    folder = tmp_path / "records"
    folder.mkdir()
    for name in os.listdir(small_records / "r32"):
        shutil.copy(small_records / "r32" / name, folder / name)
    shard = folder / "pretrain-00000-of-00001.tfrecord"
    data = shard.read_bytes()
    shard.write_bytes(data[:len(data) // 2])  # a copy that stopped half-way
    code = main(["pretrain", "--albert-config", CONFIG, "--train-data",
                 str(folder / "*.tfrecord"), "--model-dir", str(tmp_path / "model"),
                 "--steps", "20", "--batch-size", "8"])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert line.startswith(f"albert-tf pretrain: error: --train-data {shard}: damaged TFRecord "
                           "file (truncated record at "), line
    assert not (tmp_path / "model").exists()


def test_a_finetune_that_fails_before_its_first_checkpoint_leaves_no_folder(
        tmp_path, monkeypatch, capsys):
    import albert_tf.training.fit
    from albert_tf.errors import AlbertTfError

    def fails(*args, **kwargs):
        raise AlbertTfError("the loss is not finite at step 1")

    monkeypatch.setattr(albert_tf.training.fit, "run_fit", fails)
    monkeypatch.chdir(tmp_path)
    code = main(finetune("--batch-size", "8"))
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and line.endswith("the loss is not finite at step 1")
    assert not (tmp_path / "out").exists()  # not a folder holding only its settings


def test_predict_refuses_standard_input_that_is_not_utf8(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"fine\ncaf\xe9 au lait\n")))
    code = main(["predict", "classification", "--model-dir", STARTER])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert line == ("albert-tf predict: error: standard input line 2: not UTF-8 text "
                    "(byte 0xe9)")

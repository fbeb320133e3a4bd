"""``albert-tf tokenize`` and ``albert-tf train-vocab``: output, files, one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, data_path
from tokenization_data import SPM_DE, WORDPIECE_ZH


def _run(args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "albert_tf"] + args, input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONPATH": REPO})


def test_tokenize_reads_stdin_and_prints_json_per_line():
    from albert_tf.tokenization.reference import SentencePieceReference

    model = data_path(*SPM_DE)
    lines = ["ALBERT Was Released In 2019, In Zürich", "", "1,000, ``q''"]
    result = _run(["tokenize", "--vocab", model], stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr[-2000:]
    reference = SentencePieceReference(open(model, "rb").read())
    assert [json.loads(row) for row in result.stdout.splitlines()] == reference.encode_ids(lines)

    pieces = _run(["tokenize", "--vocab", model, "--pieces", "--no-do-lower-case",
                   "--text", "Der Hund"])
    assert json.loads(pieces.stdout) == ["▁Der", "▁Hund"]


def test_tokenize_wordpiece_and_model_dir(tmp_path):
    from albert_tf import AlbertTokenizer

    vocab = data_path(*WORDPIECE_ZH)
    result = _run(["tokenize", "--vocab", vocab, "--pieces", "--text", "你好，ALBERT!"])
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == ["你", "好", "，", "al", "##bert", "!"]
    AlbertTokenizer.from_vocab(vocab).save_assets(tmp_path)
    from_dir = _run(["tokenize", "--vocab", str(tmp_path), "--text", "你好，ALBERT!"])
    assert json.loads(from_dir.stdout) == [872, 1962, 8024, 9266, 10491, 106]


@pytest.mark.parametrize("args, message", [
    (["tokenize", "--vocab", "missing.model", "--text", "x"],
     "missing.model: no such vocabulary file"),
    (["tokenize", "--vocab", "README.md", "--text", "x"], "cannot tell the tokenizer kind"),
    (["train-vocab", "--input", "missing.txt", "--output", "out/v", "--vocab-size", "100"],
     "missing.txt: no such input file"),
    (["train-vocab", "--input", "README.md", "--output", "out/v", "--vocab-size", "5"],
     "--vocab-size 5 is too small"),
    (["train-vocab", "--input", "empty.txt", "--output", "out/v", "--vocab-size", "100"],
     "--input empty.txt: no text to train a vocabulary on"),
    (["train-vocab", "--kind", "wordpiece", "--input", "empty.txt", "--output", "out/v",
      "--vocab-size", "100"], "--input empty.txt: no text to train a vocabulary on"),
])
def test_errors_are_one_line_with_exit_status_2(args, message, tmp_path):
    (tmp_path / "README.md").write_text("some text\n")
    (tmp_path / "empty.txt").write_text("\n  \n")
    result = _run(args, cwd=tmp_path)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"albert-tf {args[0]}: error: ") and message in last
    assert sorted(os.listdir(tmp_path)) == ["README.md", "empty.txt"]  # nothing written


def test_train_vocab_keeps_existing_files_and_takes_a_folder(tmp_path):
    text = data_path("pretrain_en", "gutenberg_pg1661.txt")
    args = ["train-vocab", "--input", text, "--vocab-size", "300"]
    folder = tmp_path / "vocab_dir"
    made = _run(args + ["--output", f"{folder}/"])
    assert made.returncode == 0, made.stderr[-2000:]
    # DIR/ means DIR/vocab, never the hidden DIR/.model
    assert sorted(os.listdir(folder)) == ["vocab.model", "vocab.train-vocab.json", "vocab.vocab"]
    before = (folder / "vocab.model").read_bytes()
    again = _run(args[:-1] + ["400", "--output", str(folder)])  # an existing directory
    assert again.returncode == 2
    assert again.stderr.strip().splitlines()[-1].endswith(
        f"--output {folder}/vocab: {folder}/vocab.model exists; pass --overwrite to replace it")
    assert (folder / "vocab.model").read_bytes() == before
    replaced = _run(args[:-1] + ["400", "--output", str(folder), "--overwrite"])
    assert replaced.returncode == 0, replaced.stderr[-2000:]
    assert (folder / "vocab.model").read_bytes() != before


def test_train_vocab_sentencepiece_layout_and_determinism(tmp_path):
    import sentencepiece as spm

    text = data_path("pretrain_en", "gutenberg_pg1661.txt")
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name / "v"
        result = _run(["train-vocab", "--input", text, "--output", str(out),
                       "--vocab-size", "2000"])
        assert result.returncode == 0, result.stderr[-2000:]
        assert "[train-vocab] wrote" in result.stdout
        runs.append(out)
    assert sorted(os.listdir(tmp_path / "a")) == ["v.model", "v.train-vocab.json", "v.vocab"]
    model = open(f"{runs[0]}.model", "rb").read()
    assert model == open(f"{runs[1]}.model", "rb").read()  # deterministic
    sp = spm.SentencePieceProcessor(model_proto=model)
    assert sp.get_piece_size() == 2000
    assert [sp.id_to_piece(i) for i in range(13)] == [
        "<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]", "(", ")", '"', "-", ".", "–", "£", "€"]
    assert (sp.pad_id(), sp.unk_id(), sp.bos_id(), sp.eos_id()) == (0, 1, -1, -1)
    assert all(sp.is_control(i) for i in (2, 3, 4))
    assert all(p == p.lower() for p in (sp.id_to_piece(i) for i in range(13, 2000)))
    settings = json.load(open(f"{runs[0]}.train-vocab.json"))
    assert settings["vocab_size"] == 2000 and settings["do_lower_case"] is True


def test_train_vocab_wordpiece(tmp_path):
    from albert_tf import AlbertTokenizer

    out = tmp_path / "zh"
    result = _run(["train-vocab", "--kind", "wordpiece", "--input",
                   data_path("chnsenticorp", "dev.tsv"), "--output", str(out),
                   "--vocab-size", "3000"])
    assert result.returncode == 0, result.stderr[-2000:]
    tokens = open(f"{out}.txt", encoding="utf-8").read().splitlines()
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert 2500 <= len(tokens) <= 3000 and len(set(tokens)) == len(tokens)
    tokenizer = AlbertTokenizer.from_vocab(f"{out}.txt")
    text = "这个酒店的服务很好"
    assert tokenizer.tokenize(text).numpy().tolist() == tokenizer.reference().encode_ids(text)
    assert tokenizer.unk_id not in tokenizer.tokenize(text).numpy().tolist()

"""``albert-tf split-data``: whole units, nothing lost, one-line errors (issue 21, part 1)."""

import json
import os

import pytest

from albert_tf.cli import main
from conftest import data_path


def split(capsys, tmp_path, source, *extra):
    name = os.path.basename(source)
    code = main(["split-data", "--input", source, "--train-output", str(tmp_path / "t" / name),
                 "--dev-output", str(tmp_path / "d" / name), *extra])
    out, err = capsys.readouterr()
    return code, out, err, tmp_path / "t" / name, tmp_path / "d" / name


def test_squad_moves_whole_articles(capsys, tmp_path):
    source = data_path("squad", "dev-v1.1.json")
    code, out, _, train, dev = split(capsys, tmp_path, source, "--dev-size", "10")
    assert code == 0
    assert out.splitlines() == [
        f"[split-data] train: 38 articles (8,582 questions) -> {train}",
        f"[split-data] dev: 10 articles (1,988 questions) -> {dev}"]
    whole = json.load(open(source))
    parts = [json.load(open(p)) for p in (train, dev)]
    assert parts[0]["data"] + parts[1]["data"] == whole["data"]
    assert {p["version"] for p in parts} == {"1.1"}


@pytest.mark.parametrize("source,units", [
    (("conll2003", "eng.testa"), 3466),           # sentences and -DOCSTART- blocks
    (("chinese_ner_peoples_daily", "example.dev"), 2318),
])
def test_column_files_move_whole_sentences(capsys, tmp_path, source, units):
    code, out, _, train, dev = split(capsys, tmp_path, data_path(*source))
    assert code == 0
    original = open(data_path(*source), encoding="utf-8").read().split("\n\n")
    blocks = [b.strip("\n") for b in original if b.strip()]
    got = [b.strip("\n") for p in (train, dev) for b in p.read_text().split("\n\n") if b.strip()]
    assert len(blocks) == units and got == blocks
    assert f"dev: {round(units / 10):,} sentences" in out


def test_tsv_keeps_the_header_in_both_parts(capsys, tmp_path):
    source = data_path("sst2", "dev.tsv")
    code, _, _, train, dev = split(capsys, tmp_path, source, "--dev-size", "5%")
    assert code == 0
    lines = open(source, encoding="utf-8").read().splitlines()
    a, b = train.read_text().splitlines(), dev.read_text().splitlines()
    assert a[0] == b[0] == lines[0] == "sentence\tlabel"
    assert a[1:] + b[1:] == lines[1:] and len(b) - 1 == round(872 * 0.05)


@pytest.mark.parametrize("extra,message", [
    (["--dev-size", "0"], "--dev-size 0: give a count (1 or more) or a share such as 10%"),
    (["--dev-size", "48"], "--dev-size 48: the input has only 48 units"),
    (["--dev-size", "many"], "--dev-size many: give a count"),
])
def test_bad_sizes_are_one_line(capsys, tmp_path, extra, message):
    code, _, err, train, dev = split(capsys, tmp_path, data_path("squad", "dev-v1.1.json"),
                                     *extra)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("albert-tf split-data: error: " + message)
    assert not train.exists() and not dev.exists()


def test_existing_outputs_and_bad_input_are_refused(capsys, tmp_path):
    source = data_path("sst2", "dev.tsv")
    assert split(capsys, tmp_path, source)[0] == 0
    code, _, err, _, _ = split(capsys, tmp_path, source)
    assert code == 2 and "exists; pass --overwrite to replace it" in err
    assert split(capsys, tmp_path, source, "--overwrite")[0] == 0
    (tmp_path / "bad.json").write_text('{"data": ')
    code, _, err, _, _ = split(capsys, tmp_path, str(tmp_path / "bad.json"))
    assert code == 2 and f"{tmp_path / 'bad.json'}: not valid JSON" in err
    code, _, err, _, _ = split(capsys, tmp_path, str(tmp_path / "missing.tsv"))
    assert code == 2 and "no such file" in err

"""``albert-tf convert``: success, one-line errors with exit status 2, nothing half-written."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from albert_tf.cli import main
from conftest import REPO
from helpers.convert_fixtures import fixture, hf_tensors, max_diffs, reference


def run(capsys, *args):
    code = main(["convert", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err):
    lines = [line for line in err.splitlines() if not line.startswith("[convert]")]
    assert len(lines) == 1, err
    assert lines[0].startswith("albert-tf convert: error: ")
    return lines[0]


def leftovers(folder):
    return [name for name in os.listdir(folder) if ".tmp-" in name or ".old-" in name]


def test_help_lists_formats(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["convert", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for word in ("tf1", "huggingface", "keras-hub", "--allow-pickle", "--task", "brightmart"):
        assert word in out


def test_huggingface_to_keras_and_back(capsys, tmp_path):
    code, out, err = run(capsys, "--from", "huggingface", "--to", "keras", "--input",
                         fixture("token_classification_g1_i2"), "--output", tmp_path / "ner")
    assert code == 0 and out.strip() == str(tmp_path / "ner")
    assert "[convert] read 41 tensors" in err
    assert "left at initial values: pooler/kernel, pooler/bias" in err
    info = json.loads((tmp_path / "ner" / "task.json").read_text())
    assert info["task"] == "ner" and info["labels"][:2] == ["O", "B-PER"]
    code, _, _ = run(capsys, "--from", "keras", "--to", "huggingface", "--input",
                     tmp_path / "ner", "--output", tmp_path / "hf")
    assert code == 0
    assert sorted(os.listdir(tmp_path / "hf")) == ["config.json", "model.safetensors"]
    assert not leftovers(tmp_path)


def broken_copy(tmp_path, name, config_changes=None, extra=None):
    from safetensors.numpy import save_file

    folder = tmp_path / "broken"
    shutil.copytree(fixture(name), folder)
    if config_changes:
        config = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**config, **config_changes}))
    if extra:
        save_file({**hf_tensors(name), **extra}, folder / "model.safetensors",
                  metadata={"format": "pt"})
    return folder


def test_shape_mismatch_names_variable_and_shapes_and_writes_nothing(capsys, tmp_path):
    source = broken_copy(tmp_path, "pretraining_g1_i1", {"vocab_size": 1004})
    code, out, err = run(capsys, "--from", "huggingface", "--to", "keras", "--input", source,
                         "--output", tmp_path / "out")
    line = error_line(err)
    assert code == 2 and out == ""
    assert ("variable 'albert.embeddings.word_embeddings.weight' has shape (1003, 6), "
            "expected (1004, 6) for 'embeddings/word_embeddings/embeddings'") in line
    assert not (tmp_path / "out").exists() and not leftovers(tmp_path)


def test_transposed_shape_is_reported_in_the_sources_layout(tmp_path):
    from albert_tf import AlbertTfError
    from albert_tf.convert import read

    tensors = hf_tensors("sequence_classification_g2_i1")
    source = broken_copy(tmp_path, "sequence_classification_g2_i1",
                         extra={"classifier.weight": tensors["classifier.weight"][:2]})
    with pytest.raises(AlbertTfError, match=r"'classifier.weight' has shape \(2, 8\), "
                                            r"expected \(3, 8\) for 'classifier/kernel'"):
        read("huggingface", source, log=lambda _: None)


def test_unused_variables_are_listed(capsys, tmp_path):
    source = broken_copy(tmp_path, "question_answering_g2_i2",
                         extra={"albert.encoder.extra.weight": np.zeros(3, "f"),
                                "lm_head.weight": np.zeros(2, "f")})
    code, _, err = run(capsys, "--from", "huggingface", "--to", "huggingface", "--input",
                       source, "--output", tmp_path / "out")
    assert code == 2
    assert "2 unused variable(s): albert.encoder.extra.weight, lm_head.weight" in error_line(err)
    assert not (tmp_path / "out").exists() and not leftovers(tmp_path)


def test_existing_output_needs_overwrite(capsys, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    args = ["--from", "huggingface", "--to", "keras", "--input",
            fixture("question_answering_g2_i2"), "--output", tmp_path / "out"]
    code, _, err = run(capsys, *args)
    assert code == 2 and "already exists (pass --overwrite" in error_line(err)
    assert os.listdir(tmp_path / "out") == ["keep.txt"]
    code, _, _ = run(capsys, *args, "--overwrite")
    assert code == 0 and "keep.txt" not in os.listdir(tmp_path / "out")
    assert not leftovers(tmp_path)


def test_converting_in_place_is_refused(capsys, tmp_path):
    source = tmp_path / "model"
    shutil.copytree(fixture("sequence_classification_g2_i1"), source)
    before = sorted(os.listdir(source))
    for output in (source, tmp_path):  # the input itself, or a folder holding it
        code, _, err = run(capsys, "--from", "huggingface", "--to", "keras", "--input", source,
                           "--output", output, "--overwrite")
        assert code == 2 and "converting in place would replace the source" in error_line(err)
        assert sorted(os.listdir(source)) == before


@pytest.mark.parametrize("args, message", [
    (["--from", "huggingface", "--input", "hf://albert/albert-base-v2"], "local files only"),
    (["--from", "huggingface", "--input", "missing_dir"], "missing_dir: no such file"),
    (["--from", "tf1", "--input", "missing_ckpt"], "missing_ckpt: no such checkpoint"),
    (["--from", "huggingface", "--input", "FIXTURE", "--labels", "a,b"],
     "--labels applies to --from tf1"),
])
def test_bad_input_is_one_line(capsys, tmp_path, args, message):
    args = [fixture("pretraining_g1_i1") if a == "FIXTURE" else a for a in args]
    code, _, err = run(capsys, *args, "--to", "keras", "--output", tmp_path / "out")
    assert code == 2 and message in error_line(err)
    assert not os.listdir(tmp_path)


def test_pickle_refused_without_flag(capsys, tmp_path):
    import torch

    source = tmp_path / "bin"
    source.mkdir()
    shutil.copy(os.path.join(fixture("pretraining_g1_i1"), "config.json"), source)
    torch.save({k: torch.from_numpy(v) for k, v in hf_tensors("pretraining_g1_i1").items()},
               source / "pytorch_model.bin")
    args = ["--from", "huggingface", "--to", "keras", "--input", source,
            "--output", tmp_path / "out"]
    code, _, err = run(capsys, *args)
    assert code == 2 and "unpickling runs code" in error_line(err)
    assert run(capsys, *args, "--allow-pickle")[0] == 0


def test_command_line_process(tmp_path):
    """The installed entry point: exit status and the written model directory."""
    result = subprocess.run(
        [sys.executable, "-m", "albert_tf", "convert", "--from", "huggingface", "--to", "keras",
         "--input", fixture("sequence_classification_g2_i1"), "--output", str(tmp_path / "m")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": REPO}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    from albert_tf.convert import read

    converted = read("keras", tmp_path / "m", log=lambda _: None)
    diffs = max_diffs(converted.model, "classification",
                      reference("sequence_classification_g2_i1"))
    assert max(diffs.values()) <= 1e-5


def test_huggingface_sentencepiece_tokenizer_keeps_its_quote_rule(tmp_path, capsys):
    """HF's AlbertTokenizer turns `` and '' into ": a model from there keeps that rule in its
    directory; the other way round, convert says that HF will apply it (issue 21, part 8)."""
    from albert_tf.convert import vocab_files
    from conftest import data_path

    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": true}')
    settings = vocab_files.hf_tokenizer_settings(tmp_path)
    assert settings == {"do_lower_case": True, "normalize_quotes": True}
    spm = data_path("vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")
    tokenizer = vocab_files.make_tokenizer(spm, settings, 30000)
    assert tokenizer.normalize_quotes
    tokenizer.save_assets(tmp_path / "ours")
    saved = json.loads((tmp_path / "ours" / "vocab" / "tokenizer.json").read_text())
    assert saved["normalize_quotes"] is True
    assert not vocab_files.make_tokenizer(spm, {}, 30000).normalize_quotes  # tf1, keras-hub

"""The READMEs' code blocks run and print what they say."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

READMES = ["README.md", "README.zh-CN.md"]
# Every doc with Python snippets: the READMEs, and the pages of docs/ that hold some.
PYTHON_DOCS = READMES + sorted(
    os.path.relpath(p, REPO) for p in __import__("glob").glob(os.path.join(REPO, "docs", "*.md"))
    if "\n```python\n" in open(p, encoding="utf-8").read())


def _blocks(name, language):
    """The fenced code blocks of a Markdown file whose info string is ``language``."""
    blocks, current, info = [], None, None
    for line in open(os.path.join(REPO, name), encoding="utf-8"):
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if info == language:
                    blocks.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


_PASSED_BLOCKS = set()  # a block both READMEs hold (comments aside) runs once


def _code_key(block):
    """The block without its comments, except the expected output after ``print(...)``:
    the Chinese README translates the comments of the same code."""
    import io
    import tokenize

    kept = []
    for token in tokenize.generate_tokens(io.StringIO(block).readline):
        if token.type == tokenize.COMMENT and not token.line.startswith("print("):
            continue
        kept.append((token.type, token.string))
    return tuple(kept)


@pytest.mark.parametrize("readme", PYTHON_DOCS)
def test_python_blocks_run_and_print_what_their_comments_say(readme, tmp_path):
    blocks = _blocks(readme, "python")
    assert blocks
    shutil.copytree(os.path.join(REPO, "configs"), tmp_path / "configs")
    # The committed starters, read-only by the snippets (they write into tmp_path).
    os.makedirs(tmp_path / "saved_models")
    for name in ("albert_starter_en", "albert_starter_zh"):
        os.symlink(os.path.join(REPO, "saved_models", name), tmp_path / "saved_models" / name)
    for block in blocks:
        if _code_key(block) in _PASSED_BLOCKS:
            continue
        expected = [line.split("#", 1)[1].strip() for line in block.splitlines()
                    if line.startswith("print(") and "#" in line]
        result = subprocess.run(
            [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        printed = result.stdout.strip().splitlines()
        assert printed == expected
        _PASSED_BLOCKS.add(_code_key(block))


@pytest.mark.parametrize("readme", READMES)
def test_bad_config_example_prints_the_documented_line(readme, tmp_path, monkeypatch, capsys):
    import json

    from albert_tf.cli import main

    (block,) = [b for b in _blocks(readme, "") if b.startswith("$ albert-tf params bad.json")]
    command, expected = block.strip().splitlines()
    values = json.load(open(os.path.join(REPO, "configs", "albert_base_v2.json")))
    values["hidden_size"] = 100
    (tmp_path / "bad.json").write_text(json.dumps(values))
    monkeypatch.chdir(tmp_path)
    assert main(command.split()[2:]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == expected


def test_quick_start_is_exactly_two_commands():
    for readme in READMES:
        bash = _blocks(readme, "bash")
        assert bash[0].split() == ["make", "demo", "make", "test"]


def test_both_readmes_document_the_same_commands():
    from docs_runner import blocks

    def subcommands(readme):  # test_docs.py runs them all
        return {c.text.split()[1] for b in blocks(readme) for c in b.commands
                if c.text.startswith("albert-tf ")}

    assert subcommands("README.md") == subcommands("README.zh-CN.md")
    assert {"train-vocab", "create-pretraining-data", "pretrain", "finetune", "evaluate",
            "predict", "export", "convert", "visualize"} <= subcommands("README.md")

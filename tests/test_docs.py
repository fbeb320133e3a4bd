"""Every shell block of README.md, README.zh-CN.md and docs/*.md runs as written (issue 21).

See tests/docs_runner.py for how blocks are read, which may be skipped (marked: needs a
download or an accelerator, and the text says so), and the few flags appended to keep
the runs short. Each doc runs in its own workspace, so every input a doc uses is in
../shared/data, committed in the repo, or made by an earlier step of the same doc. The
Chinese README repeats most English commands: it runs after the English one in the same
workspace, and a command the English README already ran with the same text is not run
twice. docs/RESULTS.md lists each fine-tuning run with three seeds; one seed of each
runs (the others differ only in --seed and --output-dir).
"""

import glob
import os
import time

import pytest

from conftest import REPO
from docs_runner import REASONS, blocks, check_output, run, seed_variant_key, workspace

DOCS = ["README.md", "README.zh-CN.md"] + sorted(
    os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "*.md")))
RUNNABLE = [d for d in DOCS if any(b.skip_reason is None for b in blocks(d))]


def test_every_doc_is_covered_and_every_skip_is_explained():
    runnable = 0
    for doc in DOCS:
        for block in blocks(doc):
            where = f"{doc}:{block.line}"
            assert block.commands, f"{where}: an empty shell block"
            if block.skip_reason is None:
                runnable += len(block.commands)
                continue
            assert block.skip_reason in REASONS, f"{where}: unknown reason {block.skip_reason!r}"
            assert REASONS[block.skip_reason].search(block.context), (
                f"{where}: marked '{block.skip_reason}' but the text before it does not say so")
    assert runnable >= 40
    assert {"README.md", "README.zh-CN.md", "docs/CONVERT.md", "docs/FINETUNING.md",
            "docs/RESULTS.md"} <= set(RUNNABLE)


_RAN = {}  # workspace folder -> texts of the commands already run there


@pytest.fixture(scope="module")
def readme_workspace(tmp_path_factory):
    return workspace(tmp_path_factory.mktemp("docs-readme"))


@pytest.mark.parametrize("doc", RUNNABLE)
def test_doc_runs_as_written(doc, readme_workspace, tmp_path):
    runnable = [b for b in blocks(doc) if b.skip_reason is None]
    cwd = readme_workspace if doc.startswith("README") else workspace(tmp_path)
    ran = _RAN.setdefault(cwd, set())
    seeds = set()  # finetune runs that differ only in --seed and --output-dir run once
    for block in runnable:
        for command in block.commands:
            if command.text in ran:  # run already by the English README
                continue
            if " finetune " in f" {command.text} ":
                key = seed_variant_key(command.text)
                if key in seeds:
                    continue
                seeds.add(key)
            start = time.perf_counter()
            result = run(command, cwd)
            where = f"{doc}:{block.line}: {command.text[:120]}"
            assert result.code == 0, f"{where}\nexit {result.code}: {result.stderr[-1500:]}"
            problem = check_output(command, result)
            assert problem is None, f"{where}\n{problem}"
            ran.add(command.text)
            print(f"{time.perf_counter() - start:6.1f} s  {where}")

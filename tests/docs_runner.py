"""Reads the shell blocks of our Markdown files and runs them (tests/test_docs.py).

A block is a fenced ``console`` (or ``bash``) block. Its commands start with ``$ ``; a
line ending in ``\\`` continues on the next; the lines after a command, up to the next
``$ ``, are the output the doc shows.

A block that cannot run here carries a marker on the line before its fence:

    <!-- not run by tests/test_docs.py: needs a download -->
    <!-- not run by tests/test_docs.py: needs an accelerator -->

Everything else runs, in order, in one workspace per doc: a fresh folder beside a link
to ``../shared`` (so ``../shared/data/...`` works as in the repo), with the repo's
``configs/`` and committed starter models. Each command runs with the flags it shows;
BUDGET appends a few flags (the parser keeps the last value of a flag) so that the whole
tour takes minutes, not hours: fewer steps and examples, never other files or models.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field

from conftest import REPO

MARKER = "<!-- not run by tests/test_docs.py: "
REASONS = {
    # the reason, and the words the text before the block must use to say so
    "needs a download": re.compile(r"download|curl|pip install|Docker|docker|下载"),
    "needs an accelerator": re.compile(r"GPU|TPU|accelerator|加速器"),
}

# Flags appended to a command to keep it short (the last value of a flag wins).
BUDGET = {
    "pretrain": ["--steps", "2", "--jit-compile", "false"],
    "finetune": ["--max-train-examples", "64", "--max-dev-examples", "16", "--epochs", "1",
                 "--jit-compile", "false"],
    "create-pretraining-data": ["--dupe-factor", "1"],
    "export": ["--report-examples", "16"],
}

# Commands that run in a child process: they start worker processes of their own.
IN_CHILD = {"create-pretraining-data", "train-vocab"}


@dataclass
class Command:
    text: str                  # as in the doc, continuations joined
    output: list = field(default_factory=list)  # the lines the doc shows after it


@dataclass
class Block:
    doc: str
    line: int                  # of the opening fence, 1-based
    commands: list
    skip_reason: str | None    # a REASONS key, or None: the block runs
    context: str               # the text between the previous block and this one


def blocks(doc: str) -> list:
    """The shell blocks of ``doc`` (a path relative to the repo)."""
    lines = open(os.path.join(REPO, doc), encoding="utf-8").read().splitlines()
    found, context_start, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("```"):
            i += 1
            continue
        info, start = line[3:].strip(), i
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        if info in ("console", "bash"):
            marker = lines[start - 1] if start else ""
            reason = None
            if marker.startswith(MARKER):
                reason = marker[len(MARKER):].removesuffix("-->").strip()
            body = lines[start + 1:end]
            found.append(Block(doc, start + 1, _commands(body, info), reason,
                               "\n".join(lines[context_start:start])))
        context_start, i = end + 1, end + 1
    return found


def _commands(body, info):
    if info == "bash":  # bare commands, no prompt and no output
        return [Command(line.strip()) for line in body if line.strip()]
    commands, current = [], None
    for line in body:
        if current is not None and current.text.endswith("\\"):
            current.text = current.text[:-1].rstrip() + " " + line.strip()
        elif line.startswith("$ "):
            current = Command(line[2:].rstrip())
            commands.append(current)
        elif current is not None:
            current.output.append(line)
        elif line.strip() and not line.startswith("#"):  # a bare line before any "$ "
            commands.append(Command(line.strip()))
    return commands


def seed_variant_key(text: str) -> str:
    """The command without its ``--seed`` and ``--output-dir`` values: two commands with
    the same key are the same run with another seed (docs/RESULTS.md has three each)."""
    words = shlex.split(text)
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--seed", "--output-dir"):
            skip = True
        else:
            kept.append(word)
    return " ".join(kept)


def subcommand(words):
    """``finetune`` of ``albert-tf finetune ner ...``."""
    return words[1] if len(words) > 1 else ""


def budgeted(words):
    """The command's words with BUDGET's flags appended."""
    return words + BUDGET.get(subcommand(words), [])


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run(command: Command, cwd: str) -> Result:
    """Runs one documented command in ``cwd``: ``albert-tf ...`` (maybe fed by
    ``echo ... |``), or ``ls DIR``. Anything else is not a runnable command."""
    text = command.text.split("  #", 1)[0].strip()  # a trailing comment
    stdin = None
    if text.startswith("echo ") and "|" in text:
        left, text = text.split("|", 1)
        stdin = shlex.split(left)[1] + "\n"
        text = text.strip()
    words = _expanded(shlex.split(text), text, cwd)
    if words[0] == "ls":
        path = os.path.join(cwd, words[1])
        names = sorted(n + ("/" if os.path.isdir(os.path.join(path, n)) else "")
                       for n in os.listdir(path))
        return Result(0, "\n".join(names) + "\n", "")
    if words[0] != "albert-tf":
        raise AssertionError(f"not a runnable command (mark its block): {command.text}")
    argv = budgeted(words)[1:]
    if subcommand(words) in IN_CHILD:
        done = subprocess.run([sys.executable, "-m", "albert_tf", *argv], cwd=cwd,
                              input=stdin, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": REPO})
        return Result(done.returncode, done.stdout, done.stderr)
    return _in_process(argv, cwd, stdin)


def _expanded(words, text, cwd):
    """Unquoted wildcards expanded against ``cwd``, as the shell does (sorted; a pattern
    that matches nothing stays as it is)."""
    import glob

    out = []
    for word in words:
        quoted = f"'{word}'" in text or f'"{word}"' in text
        matches = [] if quoted or not any(c in word for c in "*?[") else sorted(
            glob.glob(word, root_dir=cwd))
        out += matches or [word]
    return out


def _in_process(argv, cwd, stdin):
    from albert_tf.cli import main

    # Byte-backed streams: commands write to sys.stdout.buffer too, as to a real pipe.
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
                for _ in range(2))
    old_cwd, old_stdin = os.getcwd(), sys.stdin
    try:
        os.chdir(cwd)
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old_cwd)
        sys.stdin = old_stdin
    out.flush(), err.flush()
    return Result(code, out.buffer.getvalue().decode("utf-8"),
                  err.buffer.getvalue().decode("utf-8"))


def model_dependent(command: Command) -> bool:
    """Whether the output depends on trained weights (then only its shape is compared)."""
    return "--model-dir" in command.text and (" predict " in command.text
                                              or " evaluate " in command.text)


def top_level_keys(text: str) -> list:
    """The keys of the outermost JSON objects in ``text`` (which may hold ``...``)."""
    keys, depth = [], 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"\s*:|[{}\[\]]', text):
        token = match.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1:
            keys.append(token.rstrip(":").strip().strip('"'))
    return keys


def check_output(command: Command, result: Result) -> str | None:
    """None when the output matches what the doc shows, else the reason.

    Model outputs (scores, labels) are compared by their JSON keys; every other output
    exactly, whitespace runs collapsed, where ``...`` in the doc stands for any text.
    """
    if not command.output:
        return None
    shown = " ".join(" ".join(command.output).split())
    got = " ".join(result.stdout.split())
    if model_dependent(command):
        missing = [k for k in top_level_keys(shown) if f'"{k}":' not in got]
        return f"keys {missing} missing from {got[:300]!r}" if missing else None
    pattern = re.escape(shown).replace(re.escape("..."), ".*")
    if re.fullmatch(pattern, got, re.DOTALL):
        return None
    return f"shows {shown[:300]!r}, printed {got[:300]!r}"


def workspace(path) -> str:
    """A fresh folder set up like a clone: returns the folder to run commands in."""
    path = os.fspath(path)
    os.makedirs(os.path.join(path, "repo", "saved_models"), exist_ok=True)
    if not os.path.exists(os.path.join(path, "shared")):
        os.symlink(os.path.join(os.path.dirname(REPO), "shared"), os.path.join(path, "shared"))
    cwd = os.path.join(path, "repo")
    for name in ("configs", "bench", "tools"):
        if not os.path.exists(os.path.join(cwd, name)):
            os.symlink(os.path.join(REPO, name), os.path.join(cwd, name))
    for name in ("albert_starter_en", "albert_starter_zh"):
        target = os.path.join(cwd, "saved_models", name)
        if not os.path.exists(target):
            os.symlink(os.path.join(REPO, "saved_models", name), target)
    return cwd

"""What every bench shares: paths, the machine's description, its section of BENCHMARKS.md."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)
DATA = os.environ.get("ALBERT_TF_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
BENCHMARKS = os.path.join(REPO, "docs", "BENCHMARKS.md")


def machine(*packages) -> str:
    """CPU, cores, OS and the versions of ``packages`` (module names)."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    versions = [f"Python {platform.python_version()}"]
    for name in packages:
        module = __import__(name)
        versions.append(f"{name} {getattr(module, '__version__', '?')}")
    return (f"{datetime.date.today().isoformat()}; {cpu}, {os.cpu_count()} logical cores "
            f"visible, {platform.system()} {platform.release()}; {', '.join(versions)}")


def describe_config(path: str) -> str:
    """``configs/NAME.json`` (E .., H .., N layers sharing one block, ...) for the docs."""
    import json

    with open(path) as f:
        c = json.load(f)
    dropout = ("no dropout" if not (c["hidden_dropout_prob"] or c["attention_probs_dropout_prob"])
               else f"dropout {c['hidden_dropout_prob']:g}")
    return (f"`{os.path.relpath(path, REPO)}` (E {c['embedding_size']}, H {c['hidden_size']}, "
            f"{c['num_hidden_layers']} layers sharing one block, {c['num_attention_heads']} heads, "
            f"vocabulary {c['vocab_size']}, {dropout})")


def median(values):
    return statistics.median(values)


def call_times(fn, calls: int, warmup: int = 2) -> list:
    """Seconds of each of ``calls`` calls of ``fn()``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def write_section(section: str, body: str, path: str = BENCHMARKS) -> None:
    """Replaces (or appends) the ``<!-- bench:SECTION -->`` block of BENCHMARKS.md."""
    start, end = f"<!-- bench:{section} -->", f"<!-- /bench:{section} -->"
    title = os.path.splitext(os.path.basename(path))[0].capitalize()
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else (
        f"# {title}\n\nEach section is written by one script in `bench/`; rerun the "
        "script to update it.\n")
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    from albert_tf.io_utils import atomic_write_text

    atomic_write_text(path, text)


def finish(section: str, lines, no_write: bool, path: str = BENCHMARKS) -> str:
    """Prints a bench's Markdown section and, unless ``no_write``, writes it."""
    body = "\n".join(lines)
    print(body)
    if not no_write:
        write_section(section, body, path)
        print(f"\nwrote {os.path.relpath(path, REPO)}")
    return body

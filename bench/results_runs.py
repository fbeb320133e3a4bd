"""The real runs of docs/RESULTS.md: fine-tuned from the starter models vs from random weights.

    python bench/results_runs.py [--only sst2,conll,squad,chnsenticorp] [--workers 2]
                                 [--no-write]

English tasks start from ``saved_models/albert_starter_en``, Chinese from
``saved_models/albert_starter_zh`` (both rebuilt by ``bench/pretrain_starter.py``). Each
task is fine-tuned with three seeds (finetune's default 12345, then 1 and 2), each with the
same command twice: from the starter (``--init-checkpoint``) and from random weights of
the same config and vocabulary (``--albert-config`` + ``--vocab``).

Every finished run is kept in ``docs/results_runs.json`` (committed): its command, the
sha256 of what it started from (the starter's weights, or the config and vocabulary) and
its dev metrics. A run whose command and starting files are unchanged is not run again,
so the script resumes after a crash, ``--only`` reruns one task without losing the other
rows of the table, and retraining a starter reruns exactly the runs that start from it.

``--workers N`` runs N fine-tunes at once, each pinned to its own core with one thread
(for pretraining on this 2-core machine that gave about 1.5x the tokens/s of one
2-thread run; docs/PRETRAINING.md). Writes
the ``results`` section of docs/RESULTS.md, beside the simple baselines of
``bench/baselines.py`` (read from its cache, ``docs/baselines.json``, when there).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import queue
import shlex
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, REPO, describe_config, machine  # noqa: E402

OUT = os.path.join(REPO, "saved_models", "results")
EN = os.path.join(REPO, "saved_models", "albert_starter_en")
ZH = os.path.join(REPO, "saved_models", "albert_starter_zh")
BASELINES = os.path.join(REPO, "docs", "baselines.json")
CACHE = os.path.join(REPO, "docs", "results_runs.json")
SHOWN_DATA = "../shared/data"
SEEDS = (None, 1, 2)  # None: finetune's default seed (12345)
LEARNING_RATE, BATCH = "1e-3", "32"


def shown(path):
    """A path as the README shows it (relative to the repository)."""
    path = os.path.abspath(path)
    if path.startswith(os.path.abspath(DATA)):
        return SHOWN_DATA + path[len(os.path.abspath(DATA)):]
    return os.path.relpath(path, REPO)


def _command(args):
    return "albert-tf " + " ".join(shlex.quote(shown(a) if os.path.isabs(a) else a) for a in args)


def albert_tf(args, log_path, core=None):
    """Runs ``albert-tf ARGS`` (on ``core`` alone, one thread, when given); (command, s)."""
    command = _command(args)
    print(f"$ {command}", flush=True)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2"}
    prefix = []
    if core is not None:
        env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
        prefix = ["taskset", "-c", str(core)]
    with open(log_path, "w") as log:
        done = subprocess.run([*prefix, sys.executable, "-m", "albert_tf", *args], env=env,
                              stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    if done.returncode:
        raise SystemExit(f"albert-tf {args[0]} failed (exit {done.returncode}); see {log_path}")
    return command, time.perf_counter() - start


def split_squad(train_path, dev_path, held_out=10):
    """dev-v1.1 split by article: all but the last ``held_out`` articles train (what
    ``albert-tf split-data --dev-size 10`` writes; docs/RESULTS.md shows the command)."""
    if os.path.exists(train_path) and os.path.exists(dev_path):
        return
    from albert_tf.data.splitting import split_file

    split_file(os.path.join(DATA, "squad", "dev-v1.1.json"), train_path, dev_path,
               str(held_out), overwrite=True)


# Each task: three seeds. The epochs were cut to fit one session; whether the dev score
# has levelled off by then is not checked yet (docs/RESULTS.md).
TASKS = {
    "sst2": dict(task="classification", metric="accuracy", pretrained=EN, epochs="2",
                 train=("sst2", "train.tsv"), dev=("sst2", "dev.tsv"),
                 extra=["--max-train-examples", "20000", "--max-seq-length", "64"]),
    "conll": dict(task="ner", metric="f1", pretrained=EN, epochs="2",
                  train=("conll2003", "eng.train"), dev=("conll2003", "eng.testa"),
                  extra=["--max-seq-length", "64"]),
    "squad": dict(task="squad", metric="f1", pretrained=EN, epochs="2", train=None, dev=None,
                  extra=["--max-seq-length", "128", "--doc-stride", "80",
                         "--max-query-length", "32"]),
    # 4 epochs: at 2 neither start had levelled off (train accuracy 0.91). Each start gets
    # the better rate of {5e-4, 1e-3} on the default seed (docs/RESULTS.md, "ChnSentiCorp:
    # epochs and rate"): from random weights 1e-3 for 4 epochs stayed at the majority class.
    "chnsenticorp": dict(task="classification", metric="accuracy", pretrained=ZH, epochs="4",
                         train=("chnsenticorp", "train.tsv"), dev=("chnsenticorp", "dev.tsv"),
                         extra=["--max-seq-length", "128"],
                         learning_rate={"pretrained": "1e-3", "scratch": "5e-4"}),
}


def plan_task(name, spec):
    """The runs of one task: (output dir, finetune args) for each start and seed."""
    if spec["task"] == "squad":
        train = os.path.join(OUT, "squad_split", "train-38-articles.json")
        dev = os.path.join(OUT, "squad_split", "dev-last-10-articles.json")
        split_squad(train, dev)
    else:
        train, dev = os.path.join(DATA, *spec["train"]), os.path.join(DATA, *spec["dev"])
    runs = []
    for start in ("pretrained", "scratch"):
        for seed in SEEDS:
            out = os.path.join(OUT, f"{name}_{start}" + (f"_seed{seed}" if seed else ""))
            args = ["finetune", spec["task"], "--train", train, "--dev", dev, "--output-dir", out,
                    "--epochs", spec["epochs"], "--batch-size", BATCH,
                    "--learning-rate", spec.get("learning_rate", {}).get(start, LEARNING_RATE),
                    "--adam-bias-correction",
                    "--group-by-length", "--verbose", "2",
                    *spec["extra"], *(["--seed", str(seed)] if seed else [])]
            if start == "pretrained":
                args += ["--init-checkpoint", spec["pretrained"]]
            else:
                args += ["--albert-config", os.path.join(spec["pretrained"], "albert_config.json"),
                         "--vocab", _vocab_file(spec["pretrained"])]
            runs.append(dict(task=name, start=start, seed=seed, out=out, args=args))
    return runs


def starting_point(run):
    """The sha256 of the files a run starts from: the starter's weights, or (scratch) the
    config and vocabulary it builds random weights for."""
    from albert_tf.data.documents import file_digest

    args = run["args"]
    if "--init-checkpoint" in args:
        return file_digest(os.path.join(args[args.index("--init-checkpoint") + 1], "model.weights.h5"))
    import hashlib

    with open(args[args.index("--albert-config") + 1], encoding="utf-8") as f:
        config = json.dumps(json.load(f), sort_keys=True)  # the settings, not the layout
    return hashlib.sha256((config + file_digest(args[args.index("--vocab") + 1])).encode()).hexdigest()


_CACHE_LOCK = threading.Lock()


def load_cache():
    if not os.path.exists(CACHE):
        return {}
    with open(CACHE, encoding="utf-8") as f:
        return json.load(f)


def save_cache(cache, key, row):
    """Adds one row to the cache file, merged with what other processes wrote meanwhile."""
    import fcntl

    from albert_tf.io_utils import atomic_write_text

    with open(CACHE + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = load_cache()
        merged[key] = row
        atomic_write_text(CACHE, json.dumps(merged, indent=1, sort_keys=True) + "\n")
        cache.update(merged)


def run_key(run):
    return f"{run['task']}/{run['start']}/seed{run['seed'] or 'default'}"


def execute(run, cache, cores=None):
    """One run's row: from the cache when its command and starting point are unchanged,
    otherwise by running it now (and caching it)."""
    command = _command(run["args"])
    start_sha = starting_point(run)
    cached = cache.get(run_key(run))
    if cached and cached["command"] == command and cached.get("start_sha256") == start_sha:
        return cached
    # A finished run whose cache row is stale (another command or starting point) is
    # made again; an interrupted one (backup/ left) resumes.
    if os.path.exists(os.path.join(run["out"], "model.weights.h5")) and not glob.glob(
            os.path.join(run["out"], "backup*")):
        shutil.rmtree(run["out"])
    core = cores.get() if cores is not None else None
    try:
        command, seconds = albert_tf(run["args"], run["out"] + ".log", core)
    finally:
        if core is not None:
            cores.put(core)
    with open(os.path.join(run["out"], "eval_results.json")) as f:
        metrics = json.load(f)["metrics"]
    row = {"task": run["task"], "start": run["start"], "seed": run["seed"],
           "command": command, "seconds": seconds, "metrics": metrics,
           "start_sha256": start_sha, "date": time.strftime("%Y-%m-%d")}
    with _CACHE_LOCK:  # --workers: runs finish in parallel threads
        save_cache(cache, run_key(run), row)
    return row


def _cell(values, form):
    """One value, or the mean of several followed by each in brackets."""
    if len(values) == 1:
        return form.format(values[0])
    each = ", ".join(form.split()[-1].format(v) for v in values)
    return f"{form.format(sum(values) / len(values))} ({each})"


def _vocab_file(model_dir):
    with open(os.path.join(model_dir, "vocab", "tokenizer.json")) as f:
        return os.path.join(model_dir, "vocab", json.load(f)["vocab_file"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(TASKS),
                        help=f"comma-separated tasks (default: all: {','.join(TASKS)})")
    parser.add_argument("--workers", type=int, default=1,
                        help="fine-tunes at once, one core and one thread each (default: 1, "
                             "all threads)")
    parser.add_argument("--starts", default="pretrained,scratch",
                        help="which starts to run: pretrained, scratch or both (default); "
                        "e.g. scratch while a starter is still training")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    starts = [s for s in args.starts.split(",") if s]
    if not starts or set(starts) - {"pretrained", "scratch"}:
        parser.error(f"--starts {args.starts}: choose from pretrained, scratch")
    names = [n for n in args.only.split(",") if n]
    unknown = sorted(set(names) - set(TASKS))
    if unknown:
        parser.error(f"--only: unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASKS)}")
    if not 1 <= args.workers <= (os.cpu_count() or 1):
        parser.error(f"--workers must be between 1 and the {os.cpu_count()} cores")
    for model in {TASKS[n]["pretrained"] for n in names}:
        if not os.path.exists(os.path.join(model, "model.weights.h5")):
            raise SystemExit(f"{model}: no starter model; run bench/pretrain_starter.py first")
    os.makedirs(OUT, exist_ok=True)
    cache = load_cache()
    runs = [run for n in names for run in plan_task(n, TASKS[n]) if run["start"] in starts]
    if args.workers == 1:
        for run in runs:
            execute(run, cache)
    else:
        cores = queue.Queue()
        for core in sorted(os.sched_getaffinity(0))[: args.workers]:
            cores.put(core)
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(lambda run: execute(run, cache, cores), runs))
    if not args.no_write:
        # The table holds every task whose runs are all current, not only --only's.
        current = []
        for name in TASKS:
            planned = plan_task(name, TASKS[name])
            rows = [cache.get(run_key(run)) for run in planned]
            if all(row and row["command"] == _command(run["args"])
                   and row.get("start_sha256") == starting_point(run)
                   for row, run in zip(rows, planned)):
                current += rows
            else:
                print(f"[results] {name}: not every run is current; left out of the table "
                      f"(run --only {name})")
        write_results(current)


def _baselines():
    """{task: "0.7982 (20,000) / 0.8222 (full)"} from bench/baselines.py's cache."""
    if not os.path.exists(BASELINES):
        return {}
    with open(BASELINES) as f:
        cached = json.load(f)
    wanted = {"sst2": ("SST-2 dev", ("20,000", "67,349 (full)")),
              "conll": ("CoNLL-2003 eng.testa", ("14,041 sentences (full)",)),
              "chnsenticorp": ("ChnSentiCorp dev", ("9,600 (full)",))}
    out = {}
    for task, (key, sizes) in wanted.items():
        rows = {row[1]: row[3] for row in cached.get(key, [])}
        cells = [f"{rows[s]:.4f} ({s.split(' ')[0]}{', full' if 'full' in s else ''})"
                 for s in sizes if s in rows]
        if cells:
            out[task] = " / ".join(cells)
    return out


def _epochs():
    """"2 epochs (3 for squad)": the epochs of TASKS, the commonest first."""
    counts = [spec["epochs"] for spec in TASKS.values()]
    common = max(set(counts), key=counts.count)
    others = ", ".join(f"{spec['epochs']} for {name}" for name, spec in TASKS.items()
                       if spec["epochs"] != common)
    return f"{common} epochs" + (f" ({others})" if others else "")


def _rates():
    """"1e-3 (chnsenticorp: 1e-3 pretrained, 5e-4 scratch)": the learning rates of TASKS."""
    others = "; ".join(
        f"{name}: " + ", ".join(f"{rate} {start}" for start, rate in spec["learning_rate"].items())
        for name, spec in TASKS.items() if spec.get("learning_rate"))
    return LEARNING_RATE + (f" ({others})" if others else "")


def write_results(rows):
    from report import write_section

    lines = ["## Fine-tuned from the starters vs from scratch (`bench/results_runs.py`)", "",
             f"{machine('tensorflow', 'keras')}. English: the starter "
             f"{describe_config(os.path.join(EN, 'albert_config.json'))}; Chinese: the starter "
             f"{describe_config(os.path.join(ZH, 'albert_config.json'))}; their data, recipe and held-out scores are in each directory's README.md. "
             f"Each run: {_epochs()}, batch {BATCH}, AdamW "
             f"{_rates()} with bias correction, 10 % warm-up, batches grouped by length, "
             "one CPU core; three seeds (finetune's default 12345, `--seed 1`, `--seed 2`), "
             "each with the same command twice: `--init-checkpoint` the starter (pretrained) "
             "or `--albert-config` + `--vocab` of the starter (scratch: random weights). "
             "Baselines: `bench/baselines.py` (TF-IDF + logistic regression; a CRF for CoNLL) "
             "on the training set named.", "",
             "| task | metric | pretrained, mean of 3 seeds (each) | from scratch, mean of 3 "
             "seeds (each) | gain | simple baseline | minutes (each run) |",
             "|---|---|---|---|---|---|---|"]
    by_task = {}
    for row in rows:
        by_task.setdefault(row["task"], {}).setdefault(row["start"], []).append(row)
    labels = {"sst2": ("SST-2 dev, first 20,000 training sentences", "accuracy"),
              "conll": ("CoNLL-2003 eng.testa, all 14,041 training sentences", "f1"),
              "squad": ("SQuAD v1.1, last 10 dev articles (1,988 questions; the 8,582 of the "
                        "other 38 train)", "f1"),
              "chnsenticorp": ("ChnSentiCorp dev, all 9,600 training reviews", "accuracy")}
    baselines = _baselines()
    for task, runs in by_task.items():
        title, key = labels[task]
        means = {}
        if task == "squad":
            metric = "EM / F1"
            values = {}
            for s, rs in runs.items():
                f1 = [r["metrics"]["f1"] for r in rs]
                means[s] = sum(f1) / len(f1)
                values[s] = (_cell([r["metrics"].get("exact_match", r["metrics"].get("exact", 0))
                                    for r in rs], "EM {:.1f}") + " / " + _cell(f1, "F1 {:.1f}"))
            gain = "{:+.1f} F1"
        else:
            metric = "entity F1 (conlleval)" if key == "f1" else key
            values = {s: _cell([r["metrics"][key] for r in rs], "{:.4f}") for s, rs in runs.items()}
            means = {s: 100 * sum(r["metrics"][key] for r in rs) / len(rs)
                     for s, rs in runs.items()}
            gain = "{:+.1f} points" if key == "accuracy" else "{:+.1f} F1"
        gained = (gain.format(means["pretrained"] - means["scratch"])
                  if {"pretrained", "scratch"} <= set(means) else "-")
        minutes = " / ".join(f"{sum(r['seconds'] for r in rs) / len(rs) / 60:.1f}"
                             for rs in runs.values())
        lines.append(f"| {title} | {metric} | {values.get('pretrained', '-')} | "
                     f"{values.get('scratch', '-')} | {gained} | {baselines.get(task, '-')} | "
                     f"{minutes} |")
    carried = sorted({(row["task"], row["start"], row["date"], row["source"])
                      for row in rows if row.get("source")})
    if carried:
        lines += [""] + [f"The {start} runs of {task} are carried over from {date}: {source}."
                         for task, start, date, source in carried]
    lines += ["", "Commands, exactly as run (the SQuAD split first, then the fine-tuning runs; "
              "`python bench/results_runs.py` runs them all, and skips the runs it has):",
              "", "```console",
              "$ albert-tf split-data --input ../shared/data/squad/dev-v1.1.json --dev-size 10 "
              "--train-output saved_models/results/squad_split/train-38-articles.json "
              "--dev-output saved_models/results/squad_split/dev-last-10-articles.json"]
    lines += [f"$ {row['command']}" for row in rows]
    lines += ["```"]
    write_section("results", "\n".join(lines), path=os.path.join(REPO, "docs", "RESULTS.md"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

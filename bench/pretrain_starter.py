"""Rebuilds a starter model from scratch: saved_models/albert_starter_en/ or albert_starter_zh/.

    python bench/pretrain_starter.py --lang en|zh [--work DIR] [--output DIR]
                                     [--steps-64 N] [--steps-128 N] [--steps-ngram N]
                                     [--steps-wiki N] [--init-from MODEL_DIR] [--no-write]

One command, resumable: every stage keeps its output in ``--work`` (default
``tfrecords/starter_LANG/``) and is skipped when that output is there, and the
pretraining phases resume after a crash (``albert-tf pretrain`` resumes by itself).
Stop it at any time and run the same command again; the run may span sessions.

Stages:
1. text. English: the four books of ``pretrain_en/`` train; WikiText-2 (test), with its
   tokenisation undone (`` @-@ `` -> ``-``, `` , `` -> ``,``, ...), is held out. Chinese:
   all three novels of ``pretrain_zh/`` train, except chapters 111-120 of
   *Hongloumeng*, which are held out.
2. vocabulary. English: an 8,000-piece SentencePiece model trained on the training text.
   Chinese: the 21,128-entry BERT-Chinese WordPiece vocabulary of ``vocab/``.
3. records. Training text without masks (``--masked-lm-prob 0``; the masks are drawn
   afresh every epoch by ``pretrain --dynamic-masking``) at 64 and at 128 tokens;
   held-out text with recorded masks at 128 tokens (ALBERT's n-grams of up to 3 words).
4. pretraining in phases, each from the one before (AdamW with bias correction,
   warm-up 10 %, linear decay, batch 64, no dropout): short sequences first, as BERT
   did, with single whole-word masks (``--steps-64`` updates at 64 tokens, then
   ``--steps-128`` at 128); then ``--steps-ngram`` updates at 128 tokens with ALBERT's
   n-gram masks. English adds in phase 3 the unlabelled text of the fine-tuning tasks'
   training splits (the Wikipedia paragraphs of the 38 SQuAD articles that
   bench/results_runs.py trains on, the Reuters sentences of CoNLL-2003 eng.train; never
   their evaluation parts, never WikiText), and has a fourth phase (``--steps-wiki``)
   on the same text with the Wikipedia paragraphs drawn 3x as often. ``--init-from``
   starts from an existing starter: the phases its ``starter_phases.json`` lists are
   skipped, and the next one starts from its weights.
5. the model directory (``albert_config.json``, ``task.json``, ``vocab/``,
   ``model.weights.h5``, ``training_log.csv``, ``starter_phases.json``) copied to
   ``--output`` with a README.md that gives the data, the recipe, the minutes and the
   held-out scores of ``bench/mlm_breakdown.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, REPO, machine  # noqa: E402

BOOKS = ["gutenberg_pg1342.txt", "gutenberg_pg1661.txt", "gutenberg_pg2701.txt",
         "gutenberg_pg98.txt"]
NOVELS = ["hongloumeng.txt", "sanguoyanyi.txt", "shuihuzhuan.txt"]
CHUNK = 250  # updates between checkpoints and log rows
HELD_OUT_NOVEL, HELD_OUT_FROM = "hongloumeng.txt", "第一一一回"  # chapters 111-120
SQUAD_HELD_OUT = 10  # bench/results_runs.py evaluates SQuAD on the last 10 dev articles

# The recipe (see docs/PRETRAINING.md, "Leaving the plateau").
# Phases 1 and 2 mask single whole words (an easier start); phase 3 switches to ALBERT's
# own n-gram masks (up to 3 words, p(n) ∝ 1/n), which the held-out records also use.
# English has a fourth phase that weighs the Wikipedia paragraphs more (drawn 3x as
# often: their records are cut with a dupe factor of 15 instead of 5).
RECIPE = {
    "en": dict(steps_64=12000, steps_128=6000, steps_ngram=2400, steps_wiki=4000,
               batch_size=64, learning_rate=2e-3, ngram_learning_rate=1e-3, dupe_factor=5,
               masking_ngram=1),
    "zh": dict(steps_64=12000, steps_128=4000, steps_ngram=3000, steps_wiki=0,
               batch_size=64, learning_rate=2e-3, ngram_learning_rate=1e-3, dupe_factor=3,
               masking_ngram=1),
}
# The extra records each phase reads beside its own, by language.
EXTRA = {"phase128ngram": {"en": ("wiki128", "news128"), "zh": ()},
         "phase128wiki": {"en": ("wiki128x3", "news128"), "zh": ()}}
PHASES = [  # (name, records, recipe key of its steps, phase it starts from)
    ("phase64", "train64", "steps_64", None),
    ("phase128", "train128", "steps_128", "phase64"),
    ("phase128ngram", "train128", "steps_ngram", "phase128"),
    ("phase128wiki", "train128", "steps_wiki", "phase128ngram"),
]
PHASES_FILE = "starter_phases.json"  # each phase's settings and minutes, in the model dir


def _albert_tf(*args, log=None):
    env = {**os.environ, "PYTHONPATH": REPO}
    command = [sys.executable, "-m", "albert_tf", *args]
    if log is None:
        subprocess.run(command, env=env, check=True)
        return
    with open(log, "a", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            out.write(line)
            out.flush()
            if line.startswith(("step ", "pretraining ", "resuming ")):
                print(line.rstrip()[:160], flush=True)
        if process.wait():
            raise SystemExit(f"albert-tf {args[0]} failed (exit {process.returncode}); "
                             f"see {log}")


def detokenize_wikitext(text: str) -> str:
    """Undoes WikiText's tokenisation: ``a @-@ b`` -> ``a-b``, ``word , word`` -> ``word, word``."""
    for sep in ("-", ",", "."):
        text = text.replace(f" @{sep}@ ", sep)
    text = re.sub(r" ([,.;:!?)\]%])", r"\1", text)
    text = re.sub(r"([(\[$]) ", r"\1", text)
    text = re.sub(r" (['’]s|n't|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = re.sub(r'" ([^"\n]*?) "', r'"\1"', text)
    return text


def prepare_text(lang: str, work: str) -> tuple[list, list, str]:
    """(training files, held-out files, text format of the held-out files)."""
    folder = os.path.join(work, "text")
    os.makedirs(folder, exist_ok=True)
    if lang == "en":
        train = [os.path.join(DATA, "pretrain_en", b) for b in BOOKS]
        held_out = os.path.join(folder, "wikitext-2-test.detok.txt")
        if not os.path.exists(held_out):
            with open(os.path.join(DATA, "pretrain_en", "wikitext-2-raw.wiki.test.raw"),
                      encoding="utf-8") as f:
                text = detokenize_wikitext(f.read().replace("\r\n", "\n"))
            _write(held_out, text)
        return train, [held_out], "paragraphs"
    train = [os.path.join(DATA, "pretrain_zh", n) for n in NOVELS if n != HELD_OUT_NOVEL]
    head = os.path.join(folder, "hongloumeng.ch001-110.txt")
    tail = os.path.join(folder, "hongloumeng.ch111-120.txt")
    if not (os.path.exists(head) and os.path.exists(tail)):
        with open(os.path.join(DATA, "pretrain_zh", HELD_OUT_NOVEL), encoding="utf-8") as f:
            lines = f.read().replace("\r\n", "\n").split("\n")
        cut = next(i for i, line in enumerate(lines) if line.startswith(HELD_OUT_FROM))
        _write(head, "\n".join(lines[:cut]) + "\n")
        _write(tail, "\n".join(lines[cut:]) + "\n")
    return train + [head], [tail], "prose"


def prepare_extra_text(work: str) -> dict:
    """English text of the fine-tuning tasks' training splits, without their labels:
    the Wikipedia paragraphs of the SQuAD articles that bench/results_runs.py trains on
    (all dev-v1.1 articles but the last 10, which it evaluates on; one paragraph per
    line, a blank line between articles) and the Reuters sentences of CoNLL-2003
    eng.train (one sentence per line, a blank line between documents). Neither holds
    WikiText or any evaluation text. {name: (path, text format)}."""
    folder = os.path.join(work, "text")
    wiki = os.path.join(folder, "squad-train-articles.txt")
    if not os.path.exists(wiki):
        with open(os.path.join(DATA, "squad", "dev-v1.1.json"), encoding="utf-8") as f:
            articles = json.load(f)["data"][:-SQUAD_HELD_OUT]
        _write(wiki, "\n".join("\n".join(p["context"].strip() for p in a["paragraphs"]) + "\n"
                               for a in articles))
    news = os.path.join(folder, "conll2003-eng-train.txt")
    if not os.path.exists(news):
        documents, sentence = [[]], []
        with open(os.path.join(DATA, "conll2003", "eng.train"), encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                if fields and fields[0] == "-DOCSTART-":
                    documents.append([])
                elif fields:
                    sentence.append(fields[0])
                elif sentence:
                    documents[-1].append(detokenize_wikitext(" ".join(sentence)))
                    sentence = []
        if sentence:
            documents[-1].append(detokenize_wikitext(" ".join(sentence)))
        _write(news, "\n".join("\n".join(d) + "\n" for d in documents if d))
    return {"wiki128": (wiki, "paragraphs"), "news128": (news, "lines")}


def _write(path, text):
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(partial, path)


def vocabulary(lang: str, work: str, train: list) -> str:
    if lang == "zh":
        return os.path.join(DATA, "vocab", "chinese_wordpiece_21128", "vocab.txt")
    prefix = os.path.join(work, "vocab", "starter_en8k")
    if not os.path.exists(prefix + ".model"):
        os.makedirs(os.path.dirname(prefix), exist_ok=True)
        _albert_tf("train-vocab", "--input", *train, "--output", prefix, "--vocab-size", "8000")
    return prefix + ".model"


def records(lang, work, vocab, train, held_out, held_out_format, dupe_factor):
    out = {}
    common = ["--vocab", vocab, "--num-shards", "4"]
    if lang == "zh":
        common += ["--segmenter", "jieba"]
    for length in (64, 128):
        folder = os.path.join(work, f"train{length}")
        if not os.path.exists(os.path.join(folder, "pretrain.metadata.json")):
            _albert_tf("create-pretraining-data", "--input", *train, "--output-dir", folder,
                       "--text-format", "prose", "--dupe-factor", str(dupe_factor),
                       "--masked-lm-prob", "0", "--max-seq-length", str(length),
                       "--max-predictions-per-seq", str(length * 20 // 128), *common)
        out[f"train{length}"] = folder
    if lang == "en":
        texts = prepare_extra_text(work)
        texts["wiki128x3"] = texts["wiki128"]
        for name, (path, text_format) in texts.items():
            folder = os.path.join(work, name)
            dupe = dupe_factor * (3 if name.endswith("x3") else 1)
            if not os.path.exists(os.path.join(folder, "pretrain.metadata.json")):
                _albert_tf("create-pretraining-data", "--input", path, "--output-dir", folder,
                           "--text-format", text_format, "--dupe-factor", str(dupe),
                           "--masked-lm-prob", "0", "--max-seq-length", "128",
                           "--max-predictions-per-seq", "20", "--vocab", vocab,
                           "--num-shards", "2")
            out[name] = folder
    folder = os.path.join(work, "heldout128")
    if not os.path.exists(os.path.join(folder, "pretrain.metadata.json")):
        _albert_tf("create-pretraining-data", "--input", *held_out, "--output-dir", folder,
                   "--text-format", held_out_format, "--dupe-factor", "1",
                   "--max-seq-length", "128", "--max-predictions-per-seq", "20",
                   "--random-seed", "777", "--vocab", vocab, "--num-shards", "1",
                   *(["--segmenter", "jieba"] if lang == "zh" else []))
    out["heldout128"] = folder
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "zh"), required=True)
    parser.add_argument("--work", help="working folder (default: tfrecords/starter_LANG)")
    parser.add_argument("--output", help="model directory (default: saved_models/albert_starter_LANG)")
    parser.add_argument("--steps-64", type=int, help="updates at 64 tokens")
    parser.add_argument("--steps-128", type=int, help="updates at 128 tokens, single words")
    parser.add_argument("--steps-ngram", type=int, help="updates at 128 tokens, n-gram masks")
    parser.add_argument("--steps-wiki", type=int,
                        help="English: updates at 128 tokens, n-gram masks, more Wikipedia")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument(
        "--init-from", metavar="MODEL_DIR",
        help="start from this model directory (a starter, e.g. the committed one): the phases "
             "its starter_phases.json lists are skipped and carried over, and the next phase "
             "starts from its weights")
    parser.add_argument("--no-write", action="store_true", help="do not write the README")
    args = parser.parse_args(argv)
    lang = args.lang
    recipe = dict(RECIPE[lang])
    for key in ("steps_64", "steps_128", "steps_ngram", "steps_wiki", "batch_size",
                "learning_rate"):
        if getattr(args, key) is not None:
            recipe[key] = getattr(args, key)
    work = args.work or os.path.join(REPO, "tfrecords", f"starter_{lang}")
    output = args.output or os.path.join(REPO, "saved_models", f"albert_starter_{lang}")
    config = os.path.join(REPO, "configs", f"albert_starter_{lang}.json")
    start = time.time()
    train, held_out, held_out_format = prepare_text(lang, work)
    vocab = vocabulary(lang, work, train)
    data = records(lang, work, vocab, train, held_out, held_out_format, recipe["dupe_factor"])
    from albert_tf.training.fit import finished_run

    history = []  # what each phase did, for starter_phases.json and the README
    done = set()  # phases the --init-from model already went through
    if args.init_from:
        init_from = os.path.abspath(args.init_from)
        if not os.path.exists(os.path.join(init_from, "model.weights.h5")):
            sys.exit(f"--init-from {args.init_from}: no model.weights.h5 there")
        phases_file = os.path.join(init_from, PHASES_FILE)
        if not os.path.exists(phases_file):
            sys.exit(f"--init-from {args.init_from}: no {PHASES_FILE} there (not a starter)")
        with open(phases_file, encoding="utf-8") as f:
            history = json.load(f)
        done = {p["phase"] for p in history}
        # The output directory is replaced at the end; train from a copy of its weights.
        if os.path.abspath(output) == init_from:
            copy = os.path.join(work, "init_from")
            if not os.path.exists(os.path.join(copy, PHASES_FILE)):
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(init_from, copy + ".partial")
                os.replace(copy + ".partial", copy)
            init_from = copy
    last = None
    for name, train_records, steps_key, init in PHASES:
        steps = recipe[steps_key]
        if steps <= 0 or name in done:
            continue
        model_dir = os.path.join(work, name)
        ngram = recipe["masking_ngram"] if name in ("phase64", "phase128") else 3
        rate = recipe["ngram_learning_rate" if ngram > 1 else "learning_rate"]
        if last is not None:
            init_dir = last
        elif args.init_from:
            init_dir = init_from
        else:
            init_dir = None
        extra = EXTRA.get(name, {}).get(lang, ())
        if not finished_run(model_dir):
            _pretrain(config, data, (train_records, *extra), model_dir, vocab, ngram, init_dir,
                      recipe["batch_size"], steps, rate, os.path.join(work, f"{name}.log"))
        minutes, _ = _phase_minutes(model_dir)
        history.append(dict(phase=name, max_seq_length=int(train_records[5:]),
                            text=[train_records, *extra], masking_ngram=ngram, updates=steps, batch_size=recipe["batch_size"],
                            peak_learning_rate=rate, minutes=round(minutes, 1)))
        last = model_dir
    if last is None:
        sys.exit("nothing to train: every phase has 0 steps")
    finish(lang, last, output, data, history, work, args.no_write)
    print(f"[starter] {lang}: done in {(time.time() - start) / 60:.1f} min this run; {output}")


def _pretrain(config, data, train_records, model_dir, vocab, ngram, init_dir, batch_size,
              steps, rate, log):
    held = os.path.join(data["heldout128"], "*.tfrecord")
    _albert_tf(
        "pretrain", "--albert-config", config, "--dynamic-masking",
        "--train-data", ",".join(os.path.join(data[r], "*.tfrecord") for r in train_records),
        *(["--eval-data", held] if train_records[0] == "train128" else []),
        "--model-dir", model_dir, "--vocab", vocab, "--masking-ngram", str(ngram),
        *(["--init-checkpoint", init_dir] if init_dir else []),
        "--batch-size", str(batch_size), "--steps", str(steps),
        "--learning-rate", str(rate), "--warmup-steps", str(steps // 10),
        "--optimizer", "adamw", "--adam-bias-correction",
        "--checkpoint-every", str(CHUNK), "--keep-checkpoints", "2", "--eval-steps", "8",
        "--verbose", "2", log=log)


def finish(lang, final, output, data, history, work, no_write):
    from mlm_breakdown import breakdown, ids_in_records

    staging = output + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    for name in ("albert_config.json", "task.json", "training_log.csv"):
        shutil.copy2(os.path.join(final, name), os.path.join(staging, name))
    # The training directory's weights file also holds the optimizer's moments (3x the
    # size); the starter keeps the model's weights only.
    from albert_tf import load_model

    load_model(final).save_weights(os.path.join(staging, "model.weights.h5"))
    shutil.copytree(os.path.join(final, "vocab"), os.path.join(staging, "vocab"))
    with open(os.path.join(staging, PHASES_FILE), "w", encoding="utf-8") as f:
        json.dump(history, f, indent=2)
        f.write("\n")
    seen = ids_in_records(os.path.join(data["train128"], "*.tfrecord"))
    result = breakdown(final, os.path.join(data["heldout128"], "*.tfrecord"), examples=1024,
                       seen_ids=seen)
    with open(os.path.join(staging, "heldout_scores.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=float)
        f.write("\n")
    if not no_write:
        _write(os.path.join(staging, "README.md"), readme(lang, history, result))
    shutil.rmtree(output, ignore_errors=True)
    os.replace(staging, output)


def _phase_minutes(model_dir):
    """(training minutes, last step) from a run's training_log.csv."""
    import csv

    path = os.path.join(model_dir, "training_log.csv")
    if not os.path.exists(path):
        return 0.0, 0
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return 0.0, 0
    seconds = sum(CHUNK / float(r["steps_per_second"]) for r in rows if r.get("steps_per_second"))
    return seconds / 60, int(float(rows[-1]["step"]))


EXTRA_TEXT = {"wiki128": "the Wikipedia paragraphs of the 38 SQuAD articles fine-tuning "
                         "trains on",
              "wiki128x3": "the Wikipedia paragraphs of the 38 SQuAD articles fine-tuning "
                           "trains on (3x as often)",
              "news128": "the Reuters sentences of CoNLL-2003 eng.train"}


def _describe_phase(p):
    masks = "single whole words" if p["masking_ngram"] == 1 else \
        f"whole-word n-grams up to {p['masking_ngram']}"
    extra = [EXTRA_TEXT[name] for name in p.get("text", [])[1:]]
    text = f", with {' and '.join(extra)} beside the training text" if extra else ""
    return (f"{p['updates']:,} updates at {p['max_seq_length']} tokens, {masks}{text}, "
            f"peak rate {p['peak_learning_rate']:g} ({p['minutes']:.0f} min)")


def readme(lang, history, result) -> str:
    acc, share = result["accuracy"], result["share"]
    batch = history[-1]["batch_size"]
    data = ("the four books of `pretrain_en/` (Austen, Doyle, Melville, Dickens; 3.3 MB), "
            "an 8,000-piece SentencePiece vocabulary trained on them, lowercased; in the n-gram "
            "phases also the unlabelled text of the English fine-tuning tasks' training splits "
            "(1.3 MB of Wikipedia paragraphs from SQuAD, 1.1 MB of Reuters news from "
            "CoNLL-2003; never their evaluation parts)"
            if lang == "en" else
            "the three novels of `pretrain_zh/` without chapters 111-120 of *Hongloumeng* "
            "(6.6 MB), the 21,128-entry BERT-Chinese WordPiece vocabulary, whole-word masking "
            "by jieba")
    held = ("WikiText-2 test (Wikipedia articles, with its tokenisation undone), which no "
            "stage saw (no article of it is among the SQuAD ones)"
            if lang == "en" else "chapters 111-120 of *Hongloumeng*, which no stage saw")
    phases = "; ".join(f"({i}) {_describe_phase(p)}" for i, p in enumerate(history, 1))
    minutes = sum(p["minutes"] for p in history)
    return "\n".join([
        f"# albert_starter_{lang}", "",
        f"A small ALBERT pretrained from scratch with albert-tf on this repository's CPU, "
        f"as a starting point for fine-tuning (`albert-tf finetune --init-checkpoint "
        f"saved_models/albert_starter_{lang}`, or `albert_tf.load_model`).", "",
        f"- **Config:** `configs/albert_starter_{lang}.json`.",
        f"- **Data:** {data}.",
        f"- **Recipe:** masked-LM + sentence order, masks drawn afresh every epoch, batch "
        f"{batch}, AdamW with bias correction, 10 % warm-up then linear decay in each phase, "
        f"no dropout. Phases, each starting from the one before: {phases}. "
        f"`{PHASES_FILE}` lists them; `training_log.csv` is the last phase's log.",
        f"- **Time:** {minutes:.0f} min of training on one CPU core "
        f"({machine('tensorflow', 'keras')}).",
        f"- **Rebuild:** `python bench/pretrain_starter.py --lang {lang}` (resumable).", "",
        "## Held-out masked-LM scores (`bench/mlm_breakdown.py`)", "",
        f"On {held}: {result['examples']:,} instances, {result['predictions']:,} predicted "
        f"positions, masked as ALBERT masks (whole-word n-grams up to 3).", "",
        "| | accuracy | share of positions |", "|---|---|---|",
        f"| at `[MASK]` | {acc.get('mask', 0):.3f} | {share.get('mask', 0):.0%} |",
        f"| original piece shown | {acc.get('original', 0):.3f} | {share.get('original', 0):.0%} |",
        f"| random piece shown | {acc.get('random', 0):.3f} | {share.get('random', 0):.0%} |",
        f"| ... a piece the training inputs hold | {acc.get('random_seen', 0):.3f} | "
        f"{share.get('random_seen', 0):.0%} |",
        f"| ... a piece they never hold | {acc.get('random_unseen', 0):.3f} | "
        f"{share.get('random_unseen', 0):.0%} |",
        f"| all | {result['overall']:.3f} | |", "",
        f"Always guessing the commonest piece: {result['most_frequent_label_share']:.3f} "
        f"(accuracy at `[MASK]` is {acc.get('mask', 0) / result['most_frequent_label_share']:.2f}x "
        f"that). The commonest guess at `[MASK]` is {result['top_guess_share_at_mask']:.0%} of "
        f"the guesses there, out of {result['distinct_guesses_at_mask']:,} distinct pieces.", "",
    ])


if __name__ == "__main__":
    main()

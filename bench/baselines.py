"""The simple baselines a user would try first, on the same data and metrics as docs/RESULTS.md.

    python bench/baselines.py [--only sst2|conll|chnsenticorp] [--no-write]

- SST-2 (and ChnSentiCorp): TF-IDF of word 1-2-grams and character 2-5-grams (within word
  boundaries for English, plain for Chinese), one LogisticRegression (C=4, liblinear). Dev
  accuracy, on the full training set and on the first 2,000 / 20,000 sentences.
- CoNLL-2003: a linear-chain CRF (sklearn-crfsuite, L-BFGS, c1=0.1, c2=0.1, 100
  iterations) on hand-made features of each word and its two neighbours each side
  (lowercase form, suffixes and prefixes up to 3, shape, title/upper/digit flags, POS and
  chunk columns are NOT used: the transformer sees words only). Entity F1 by the project's
  own conlleval on eng.testa, on the full training set and on the first 1,000 sentences.

Needs the bench extras (``pip install -e .[bench]``: scikit-learn, sklearn-crfsuite).
Each task's rows are kept in ``docs/baselines.json`` (committed), so ``--only`` reruns one task and
the section still lists all. Writes its section of docs/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, REPO, finish, machine  # noqa: E402

SECTION = "baselines"


def _tfidf_logreg(train_texts, train_labels, dev_texts, dev_labels, chinese=False):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if chinese:  # no spaces: character n-grams carry the words
        vectorizers = [TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                       min_df=2)]
    else:
        vectorizers = [
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                            token_pattern=r"(?u)\b\w+\b|[^\w\s]"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2),
        ]
    train = hstack([v.fit_transform(train_texts) for v in vectorizers]).tocsr()
    dev = hstack([v.transform(dev_texts) for v in vectorizers]).tocsr()
    model = LogisticRegression(C=4.0, solver="liblinear", max_iter=1000)
    model.fit(train, train_labels)
    return float((model.predict(dev) == dev_labels).mean())


def classification_rows(name, train_path, dev_path, sizes, chinese=False):
    import numpy as np

    from albert_tf.tasks.classification.data import read_classification_file

    train = read_classification_file(train_path)
    dev = read_classification_file(dev_path)
    dev_texts = [e.text_a for e in dev]
    dev_labels = np.array([str(e.label) for e in dev])
    rows = []
    for size in sizes:
        part = train if size is None else train[:size]
        start = time.perf_counter()
        accuracy = _tfidf_logreg([e.text_a for e in part], np.array([str(e.label) for e in part]),
                                 dev_texts, dev_labels, chinese=chinese)
        seconds = time.perf_counter() - start
        label = f"{len(part):,} (full)" if size is None else f"{len(part):,}"
        rows.append((name, label, "dev accuracy", accuracy, seconds))
        print(f"[baselines] {name} {label}: accuracy {accuracy:.4f} ({seconds:.0f} s)", flush=True)
    return rows


def _shape(word):
    out = []
    for char in word:
        kind = "X" if char.isupper() else "x" if char.islower() else "d" if char.isdigit() else char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def _word_features(word, prefix):
    lower = word.lower()
    return {
        f"{prefix}lower": lower, f"{prefix}suf3": lower[-3:], f"{prefix}suf2": lower[-2:],
        f"{prefix}pre3": lower[:3], f"{prefix}shape": _shape(word),
        f"{prefix}title": word.istitle(), f"{prefix}upper": word.isupper(),
        f"{prefix}digit": any(c.isdigit() for c in word),
    }


def sentence_features(words):
    feats = []
    for i, word in enumerate(words):
        f = {"bias": 1.0, **_word_features(word, "")}
        f["suf1"] = word[-1:].lower()
        f["pre1"], f["pre2"] = word[:1], word[:2].lower()
        f["len"] = min(len(word), 10)
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                f.update(_word_features(words[j], f"{offset:+d}:"))
            else:
                f[f"{offset:+d}:edge"] = True
        feats.append(f)
    return feats


def conll_rows(sizes):
    import sklearn_crfsuite

    from albert_tf.tasks.ner.conlleval import conlleval_sentences
    from albert_tf.tasks.ner.data import read_columns

    train = read_columns(os.path.join(DATA, "conll2003", "eng.train"))
    dev = read_columns(os.path.join(DATA, "conll2003", "eng.testa"))
    dev_x = [sentence_features([w for _, w, _ in s]) for s in dev]
    dev_y = [[t for _, _, t in s] for s in dev]
    rows = []
    for size in sizes:
        part = train if size is None else train[:size]
        start = time.perf_counter()
        crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=0.1, c2=0.1, max_iterations=100,
                                   all_possible_transitions=True)
        crf.fit([sentence_features([w for _, w, _ in s]) for s in part],
                [[t for _, _, t in s] for s in part])
        f1 = conlleval_sentences(dev_y, crf.predict(dev_x))["f1"]
        seconds = time.perf_counter() - start
        label = f"{len(part):,} sentences (full)" if size is None else f"{len(part):,} sentences"
        rows.append(("CoNLL-2003 eng.testa", label, "entity F1 (conlleval)", f1, seconds))
        print(f"[baselines] CoNLL {label}: F1 {f1:.4f} ({seconds:.0f} s)", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sst2", "conll", "chnsenticorp"), action="append",
                        help="run only these (repeatable; default: all three)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    only = set(args.only or ("sst2", "conll", "chnsenticorp"))
    cache = os.path.join(REPO, "docs", "baselines.json")
    kept = {}
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            kept = json.load(f)
    rows = []
    if "sst2" in only:
        rows += classification_rows("SST-2 dev", os.path.join(DATA, "sst2", "train.tsv"),
                                    os.path.join(DATA, "sst2", "dev.tsv"), [2000, 20000, None])
    if "conll" in only:
        rows += conll_rows([1000, None])
    if "chnsenticorp" in only:
        rows += classification_rows(
            "ChnSentiCorp dev", os.path.join(DATA, "chnsenticorp", "train.tsv"),
            os.path.join(DATA, "chnsenticorp", "dev.tsv"), [None], chinese=True)
    for task in {r[0] for r in rows}:
        kept[task] = [list(r) for r in rows if r[0] == task]
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, "w", encoding="utf-8") as f:
        json.dump(kept, f, indent=1)
    order = ["SST-2 dev", "CoNLL-2003 eng.testa", "ChnSentiCorp dev"]
    rows = [tuple(r) for task in sorted(kept, key=lambda t: order.index(t) if t in order else 9)
            for r in kept[task]]
    lines = [
        "## Simple baselines (`bench/baselines.py`)", "",
        f"{machine('sklearn', 'sklearn_crfsuite')}. What a user gets from a library in a few "
        "lines, on the same splits and metrics as the rows above: TF-IDF (word 1-2-grams and "
        "character 2-5-grams; character 1-3-grams for Chinese) + LogisticRegression(C=4) for "
        "sentiment; for CoNLL-2003 a linear-chain CRF (sklearn-crfsuite, L-BFGS, 100 "
        "iterations) on word form, affix, shape and case features of the word and two "
        "neighbours each side (no POS or chunk columns).", "",
        "| task | training examples | metric | score | seconds |",
        "|---|---|---|---|---|",
        *[f"| {task} | {size} | {metric} | {score:.4f} | {sec:.0f} |"
          for task, size, metric, score, sec in rows],
    ]
    finish(SECTION, lines, args.no_write, path=os.path.join(REPO, "docs", "RESULTS.md"))


if __name__ == "__main__":
    main()

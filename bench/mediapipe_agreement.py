"""MediaPipe's TextClassifier on the exported demo-size classifiers: does the phone agree?

    python bench/mediapipe_agreement.py [--sst2 saved_models/demo/sst2]
                                        [--chinese saved_models/results/chnsenticorp_pretrained]

Exports each model's four TFLite variants (the on-device layout with MediaPipe metadata,
export/mobile.py), then runs every dev sentence through MediaPipe's own TextClassifier
(its own process, raw text in, as an app calls it) and compares it with albert-tf on the
same sentences:

- top-label agreement with the Keras model (what ``albert-tf predict`` answers);
- max |score diff| against the Keras probabilities;
- lines where the device's tokenizer gave other ids than albert-tf: MediaPipe's scores
  against the LiteRT interpreter running the same file on albert-tf's ids (equal to
  1e-6 only when the ids are equal);
- MediaPipe's time per sentence (mean over the dev set; tokenizing included).

English is SST-2 dev (872 lines, lowercase as released) and the same lines as typed
(first letter capitalised); Chinese is ChnSentiCorp dev (1,200 reviews). Writes its
section of docs/BENCHMARKS.md. The models come from ``make demo`` and
``bench/results_runs.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, finish, machine, REPO  # noqa: E402

SECTION = "mediapipe"
VARIANTS = ("float32", "float16", "dynamic_int8", "full_int8")

def _column(path, column, n=None):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f]
    k = header.index(column)
    return [r[k] for r in rows[:n]]


def measure(model_dir, dev, train, texts, labels):
    from albert_tf.export.mediapipe_client import in_subprocess
    from albert_tf.export.run import export
    from albert_tf.export.tflite import interpreter, run_ids
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info
    from albert_tf.tasks.base import pack_texts, predict_batches

    info = read_task_info(model_dir)
    length = info["max_seq_length"]
    out = tempfile.mkdtemp(prefix="bench-mediapipe-")
    report = export(model_dir, out, variants=VARIANTS, data=dev, calibration=train,
                    examples=32, log=lambda *a: None)
    features = pack_texts(load_tokenizer(model_dir), texts, None, length)
    logits = predict_batches(load_model(model_dir), features, 32)["logits"]
    keras_p = np.exp(logits - logits.max(-1, keepdims=True))
    keras_p /= keras_p.sum(-1, keepdims=True)
    files = {r["variant"]: os.path.join(out, r["file"]) for r in report["tflite"]}
    times = {}
    scores = in_subprocess(files.values(), texts, times)
    rows = []
    for variant, path in files.items():
        device = scores[path]
        with open(path, "rb") as f:
            lite = run_ids(interpreter(f.read()), features)["probabilities"]
        rows.append({
            "variant": variant, "bytes": os.path.getsize(path),
            "agreement": float(np.mean(device.argmax(-1) == keras_p.argmax(-1))),
            "accuracy": float(np.mean(device.argmax(-1) == labels)),
            "max_diff": float(np.abs(device - keras_p).max()),
            "other_ids": int(np.sum(np.abs(device - lite).max(-1) > 1e-6)),
            "ms": times[path]})
    return {"model_dir": model_dir, "length": length, "lines": len(texts), "rows": rows,
            "keras_accuracy": float(np.mean(keras_p.argmax(-1) == labels))}


def _table(title, result):
    lines = [f"**{title}**: `{os.path.relpath(result['model_dir'], REPO)}`, max_seq_length "
             f"{result['length']}, {result['lines']} lines; Keras accuracy "
             f"{result['keras_accuracy']:.4f}.", "",
             "| variant | file | top label = albert-tf | accuracy | max \\|score diff\\| vs "
             "Keras | lines with other ids on device | MediaPipe ms / sentence |",
             "|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['variant']} | {r['bytes'] / 2**20:.2f} MiB | {r['agreement']:.4f} | "
                     f"{r['accuracy']:.4f} | {r['max_diff']:.1e} | {r['other_ids']} | "
                     f"{r['ms']:.2f} |")
    return lines + [""]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sst2", default=os.path.join(REPO, "saved_models", "demo", "sst2"))
    parser.add_argument("--chinese", default=os.path.join(REPO, "saved_models", "results",
                                                          "chnsenticorp_pretrained"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    start = time.time()
    sst2 = os.path.join(DATA, "sst2")
    texts = [t.strip() for t in _column(os.path.join(sst2, "dev.tsv"), "sentence")]
    labels = np.asarray([int(x) for x in _column(os.path.join(sst2, "dev.tsv"), "label")])
    typed = [t[:1].upper() + t[1:] for t in texts]
    en = measure(args.sst2, os.path.join(sst2, "dev.tsv"), os.path.join(sst2, "train.tsv"),
                 texts + typed, np.concatenate([labels, labels]))
    zh_dir = os.path.join(DATA, "chnsenticorp")
    zh_texts = _column(os.path.join(zh_dir, "dev.tsv"), "text_a")
    zh_labels = np.asarray([int(x) for x in _column(os.path.join(zh_dir, "dev.tsv"), "label")])
    zh = measure(args.chinese, os.path.join(zh_dir, "dev.tsv"),
                 os.path.join(zh_dir, "train.tsv"), zh_texts, zh_labels)
    lines = ["## MediaPipe's TextClassifier on the exported classifiers "
             "(`bench/mediapipe_agreement.py`)", "",
             f"{machine('tensorflow', 'mediapipe', 'ai_edge_litert')}. Each file is loaded by "
             "`TextClassifier.create_from_options` from its metadata alone and given raw text "
             "(its own process, as an app); the scores are compared with the Keras model on "
             "the same lines. \"Lines with other ids\" compares MediaPipe with the LiteRT "
             "interpreter running the same file on albert-tf's ids (equal to 1e-6 only when "
             "the device tokenized alike). Time per sentence: MediaPipe's classify(), "
             "tokenizing included, its default threads, mean over the set after one warm-up "
             "call.", ""]
    lines += _table("SST-2 dev, as released and with a capital first letter (English, "
                    "the fused SentencePiece model in the metadata)", en)
    lines += _table("ChnSentiCorp dev (Chinese, WordPiece `vocab.txt` in BertTokenizer "
                    "metadata)", zh)
    lines.append(f"Total {time.time() - start:.0f} s.")
    finish(SECTION, lines, args.no_write)
    print(json.dumps({"en": en, "zh": zh}, indent=1))


if __name__ == "__main__":
    main()

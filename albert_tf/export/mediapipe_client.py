"""Runs exported classifiers through MediaPipe's own ``TextClassifier``, as an app would.

    python -m albert_tf.export.mediapipe_client MODEL.tflite [MODEL2.tflite ...] < texts.json

reads a JSON list of strings on standard input and prints one JSON object:
``{"scores": {file: [[score of each label] for each text]}, "ms": {file: ms per text}}``.
It imports mediapipe and never TensorFlow, so it runs in a process of its own (MediaPipe
brings its own copy of the TFLite runtime): ``in_subprocess`` starts it, for the demo,
the tests and bench/mediapipe_agreement.py.
"""

from __future__ import annotations

import json
import sys


def classify(paths, texts, times=None) -> dict:
    """``{path: [[score of label 0, label 1, ...] for each text]}`` from MediaPipe.

    ``times``, a dict, gets ``{path: mean milliseconds of one classify() call}`` (after
    one warm-up call; loading the file not included)."""
    import time

    from mediapipe.tasks.python.core import base_options
    from mediapipe.tasks.python.text import text_classifier

    results = {}
    for path in paths:
        options = text_classifier.TextClassifierOptions(
            base_options=base_options.BaseOptions(model_asset_path=path))
        with text_classifier.TextClassifier.create_from_options(options) as classifier:
            rows = []
            if texts:
                classifier.classify(texts[0])  # warm-up
            start = time.perf_counter()
            for text in texts:
                categories = classifier.classify(text).classifications[0].categories
                scores = [0.0] * len(categories)
                for category in categories:
                    scores[category.index] = float(category.score)
                rows.append(scores)
            if times is not None and texts:
                times[path] = (time.perf_counter() - start) / len(texts) * 1000
        results[path] = rows
    return results


def in_subprocess(paths, texts, times=None) -> dict:
    """``classify`` in a fresh Python process; ``{path: numpy scores [texts, labels]}``."""
    import subprocess

    import numpy as np

    paths = [str(p) for p in paths]
    done = subprocess.run([sys.executable, "-m", __name__, *paths], input=json.dumps(texts),
                          capture_output=True, text=True)
    if done.returncode:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"MediaPipe's TextClassifier failed on {', '.join(paths)}: {last[0]}")
    result = json.loads(done.stdout)
    if times is not None:
        times.update(result["ms"])
    return {path: np.asarray(rows) for path, rows in result["scores"].items()}


def main(argv=None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths or paths[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if paths else 2
    texts, times = json.load(sys.stdin), {}
    json.dump({"scores": classify(paths, texts, times), "ms": times}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

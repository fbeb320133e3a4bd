"""Classification and regression metrics, written out (no scikit-learn needed)."""

from __future__ import annotations

import math

import numpy as np


def classification_metrics(gold, predicted, num_labels) -> dict:
    """Accuracy, macro-F1 and Matthews correlation (multi-class form) of label ids.

    Example:
        >>> m = classification_metrics([0, 1, 1, 0], [0, 1, 0, 0], 2)
        >>> round(m["accuracy"], 2), round(m["macro_f1"], 4)
        (0.75, 0.7333)
    """
    gold, predicted = np.asarray(gold), np.asarray(predicted)
    confusion = np.zeros((num_labels, num_labels), np.int64)
    np.add.at(confusion, (gold, predicted), 1)
    f1s = []
    for k in range(num_labels):
        tp = confusion[k, k]
        fp = confusion[:, k].sum() - tp
        fn = confusion[k, :].sum() - tp
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    # Matthews correlation for K classes (Gorodkin 2004), as scikit-learn computes it.
    t, p, c, s = confusion.sum(1), confusion.sum(0), np.trace(confusion), confusion.sum()
    denominator = math.sqrt(float(s * s - (p * p).sum()) * float(s * s - (t * t).sum()))
    mcc = 0.0 if denominator == 0 else float(c * s - (t * p).sum()) / denominator
    return {"accuracy": float(np.mean(gold == predicted)) if len(gold) else 0.0,
            "macro_f1": float(np.mean(f1s)), "mcc": mcc, "examples": int(len(gold))}


def _ranks(values):
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), float)
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1  # ties share their average rank
        i = j + 1
    return ranks


def regression_metrics(gold, predicted) -> dict:
    """Pearson and Spearman correlations and the mean squared error."""
    gold, predicted = np.asarray(gold, float), np.asarray(predicted, float)

    def pearson(a, b):
        a, b = a - a.mean(), b - b.mean()
        denominator = math.sqrt(float((a * a).sum() * (b * b).sum()))
        return 0.0 if denominator == 0 else float((a * b).sum() / denominator)

    return {"pearson": pearson(gold, predicted),
            "spearman": pearson(_ranks(gold), _ranks(predicted)),
            "mse": float(np.mean((gold - predicted) ** 2)), "examples": int(len(gold))}

"""SQuAD metrics exactly as the official v1.1 and v2.0 evaluation scripts compute them.

v1.1 (``evaluate-v1.1.py``): exact match and token F1 of the normalized answer
(lowercase, punctuation, the articles a/an/the and extra whitespace removed), the
maximum over the gold answers, in percent; a missing prediction scores 0 and counts.

v2.0 (``evaluate-v2.0.py``): the same normalization; an unanswerable question's only gold
answer is ``""``; F1 is 1 when both are empty and 0 when one is; ``HasAns_*`` and
``NoAns_*`` split the scores; with no-answer scores (``na_probs``) a prediction whose score
exceeds ``na_prob_thresh`` counts as "no answer", and ``best_exact``/``best_f1`` with
their thresholds are the best that any threshold gives.

One difference, where the official v2.0 script has none to offer: it skips a missing
prediction in ``total`` and then fails on it in ``HasAns``/``NoAns``; here a missing
prediction scores 0 and counts, as in v1.1 (and in the threshold search it is never
right). With every id predicted, both are the same.
"""

from __future__ import annotations

import collections
import re
import string

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation, drop articles, collapse whitespace (official order).

    Example:
        >>> normalize_answer("The  Broncos!")
        'broncos'
    """
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_v1(prediction: str, gold: str) -> int:
    return int(normalize_answer(prediction) == normalize_answer(gold))


def _overlap_f1(predicted: list, wanted: list) -> float:
    """F1 of the tokens two answers share (counted with multiplicity); 0 when none."""
    same = sum((collections.Counter(predicted) & collections.Counter(wanted)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def f1_v1(prediction: str, gold: str) -> float:
    """v1.1 token F1: 0 when nothing is shared (so also when both are empty)."""
    return _overlap_f1(normalize_answer(prediction).split(), normalize_answer(gold).split())


def f1_v2(prediction: str, gold: str) -> float:
    """v2.0 token F1: 1 when both normalize to nothing, 0 when only one does."""
    predicted = normalize_answer(prediction).split() if prediction else []
    wanted = normalize_answer(gold).split() if gold else []
    if not predicted or not wanted:
        return float(predicted == wanted)
    return _overlap_f1(predicted, wanted)


def squad_v1_metrics(gold: dict, predictions: dict) -> dict:
    """``{"exact_match", "f1", "exact", "total"}`` as ``evaluate-v1.1.py``.

    Args:
        gold: ``{id: [gold answer texts]}`` in file order.
        predictions: ``{id: predicted text}``.

    ``exact`` repeats ``exact_match`` under the v2.0 script's name, so both versions
    share the keys ``exact``/``f1``/``total``.

    Example:
        >>> squad_v1_metrics({"q": ["Denver Broncos"]}, {"q": "the Broncos"})["f1"]
        66.66666666666667
    """
    exact = f1 = 0.0
    for qas_id, answers in gold.items():
        if qas_id not in predictions:
            continue  # "will receive score 0"
        prediction = predictions[qas_id]
        exact += max(exact_v1(prediction, a) for a in answers)
        f1 += max(f1_v1(prediction, a) for a in answers)
    total = len(gold)
    return {"exact_match": 100.0 * exact / total, "f1": 100.0 * f1 / total,
            "exact": 100.0 * exact / total, "total": total}


def _raw_scores_v2(gold, predictions):
    exact, f1 = {}, {}
    for qas_id, answers in gold.items():
        answers = [a for a in answers if normalize_answer(a)] or [""]
        prediction = predictions.get(qas_id)
        if prediction is None:
            exact[qas_id] = f1[qas_id] = 0.0
            continue
        exact[qas_id] = float(max(int(normalize_answer(a) == normalize_answer(prediction))
                                  for a in answers))
        f1[qas_id] = max(f1_v2(prediction, a) for a in answers)
    return exact, f1


def _best_threshold(predictions, scores, na_probs, has_answer):
    """The official ``find_best_thresh``: sweep the threshold up through the sorted scores."""
    score = best = sum(1 for k, v in has_answer.items() if not v and k in predictions)
    threshold = 0.0
    for qas_id in sorted(na_probs, key=lambda k: na_probs[k]):
        if qas_id not in scores or qas_id not in predictions:
            continue
        if has_answer[qas_id]:
            score += scores[qas_id]
        elif predictions[qas_id]:
            score -= 1
        if score > best:
            best, threshold = score, na_probs[qas_id]
    return 100.0 * best / len(scores), threshold


def squad_v2_metrics(gold: dict, predictions: dict, na_probs: dict | None = None,
                     na_prob_thresh: float = 1.0) -> dict:
    """The ``evaluate-v2.0.py`` dictionary.

    Args:
        gold: ``{id: [gold answer texts]}`` in file order (``[]`` = unanswerable).
        predictions: ``{id: predicted text}`` (``""`` = no answer).
        na_probs: ``{id: no-answer score}``; with it, the ``best_*`` entries.
        na_prob_thresh: a prediction whose no-answer score exceeds this counts as
            "no answer" (the script's ``--na-prob-thresh``, 1.0).

    Returns:
        ``exact``, ``f1``, ``total``, ``HasAns_exact/f1/total``, ``NoAns_exact/f1/total``
        (when there are such questions), and with ``na_probs`` ``best_exact``,
        ``best_exact_thresh``, ``best_f1``, ``best_f1_thresh``.
    """
    from albert_tf.errors import AlbertTfError

    has_answer = {k: bool(v) for k, v in gold.items()}
    exact_raw, f1_raw = _raw_scores_v2(gold, predictions)
    if na_probs is not None:
        missing = [k for k in gold if k in predictions and k not in na_probs]
        if missing:
            raise AlbertTfError(f"the no-answer scores lack {len(missing)} predicted id(s), "
                                f"e.g. {missing[0]}")
    scored = {k: na_probs[k] if na_probs is not None and k in predictions else 0.0
              for k in gold}

    def thresholded(raw):
        return {k: float(not has_answer[k]) if k in predictions and scored[k] > na_prob_thresh
                else s for k, s in raw.items()}

    exact, f1 = thresholded(exact_raw), thresholded(f1_raw)

    def block(ids):
        return {"exact": 100.0 * sum(exact[k] for k in ids) / len(ids),
                "f1": 100.0 * sum(f1[k] for k in ids) / len(ids), "total": len(ids)}

    metrics = block(list(gold))
    for prefix, wanted in (("HasAns", True), ("NoAns", False)):
        ids = [k for k, v in has_answer.items() if v == wanted]
        if ids:
            metrics.update({f"{prefix}_{k}": v for k, v in block(ids).items()})
    if na_probs is not None:
        kept = {k: na_probs[k] for k in gold if k in na_probs}
        metrics["best_exact"], metrics["best_exact_thresh"] = _best_threshold(
            predictions, exact_raw, kept, has_answer)
        metrics["best_f1"], metrics["best_f1_thresh"] = _best_threshold(
            predictions, f1_raw, kept, has_answer)
    return metrics


def gold_answers(examples) -> dict:
    """``{id: [answer texts]}`` of ``SquadExample``s, in order."""
    return {e.qas_id: [text for text, _ in e.answers] for e in examples}


def squad_metrics(examples, predictions, version, na_probs=None, na_prob_thresh=1.0) -> dict:
    """The official metrics of ``version`` (``1.1`` or ``2.0``) for predictions on examples."""
    from albert_tf.errors import AlbertTfError

    if not examples:
        raise AlbertTfError("no questions to score")
    gold = gold_answers(examples)
    if version == "2.0":
        return squad_v2_metrics(gold, predictions, na_probs, na_prob_thresh)
    if any(not answers for answers in gold.values()):
        raise AlbertTfError("unanswerable questions need the SQuAD 2.0 metrics (--version 2.0)")
    return squad_v1_metrics(gold, predictions)

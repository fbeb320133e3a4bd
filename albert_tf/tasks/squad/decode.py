"""From start/end scores of windows to answer text: n-best spans and the no-answer choice.

Standard head (BERT's ``write_predictions``): in each window, the ``n_best_size`` best
starts times the ``n_best_size`` best ends give candidate spans, kept when both ends are
context pieces, the start piece has its maximum context in this window, end >= start and
the span has at most ``max_answer_length`` pieces; a span scores start + end logit. The
no-answer score of an example is the smallest ``start[0] + end[0]`` ([CLS]) over its
windows; its null odds are that score minus the best span's score.

Verifier head (ALBERT's ``write_predictions_v2``): the model's beam already gives the top
starts and, for each, the top ends with log-probabilities; the same checks apply, a span
scores ``start_log_prob + end_log_prob``, and the null odds are the smallest
``cls_logits`` over the windows.

SQuAD 2.0: the answer is ``""`` when the null odds exceed ``null_threshold``.
Text is ``context[char_start:char_end]`` of the original context.
"""

from __future__ import annotations

import collections
import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class Answer:
    """The decoded answer of one example.

    Attributes:
        text: the answer (``""`` = no answer, SQuAD 2.0).
        start, end: character offsets of the best span in the context (``text ==
            context[start:end]`` unless no answer was chosen); None without any span.
        score: the best span's score; ``-inf`` without any span.
        null_odds: no-answer score minus the best span's (verifier: ``cls_logits``);
            None for SQuAD 1.1.
        nbest: ``[{"text", "start", "end", "score", "probability"}]``, best first.
    """

    text: str
    start: int | None
    end: int | None
    score: float
    null_odds: float | None
    nbest: list


def _top(values, k):
    order = np.argsort(-values, kind="stable")
    return order[:k]


def standard_candidates(start_logits, end_logits, valid_start, valid_end, n_best_size,
                        max_answer_length):
    """``[(start, end, score)]`` of one window from top-n starts and ends (+ a fallback).

    Args:
        start_logits, end_logits: float ``[seq]``.
        valid_start: bool ``[seq]``, context pieces with their maximum context here.
        valid_end: bool ``[seq]``, context pieces.
    """
    found = []
    for s in _top(start_logits, n_best_size):
        if not valid_start[s]:
            continue
        for e in _top(end_logits, n_best_size):
            if valid_end[e] and s <= e < s + max_answer_length:
                found.append((int(s), int(e), float(start_logits[s] + end_logits[e])))
    if found or not valid_start.any():
        return found
    # Nothing valid among the top scores (an untrained model): the best valid span.
    scores = start_logits[:, None] + end_logits[None, :]
    s_idx, e_idx = np.indices(scores.shape)
    allowed = (valid_start[:, None] & valid_end[None, :] & (e_idx >= s_idx)
               & (e_idx < s_idx + max_answer_length))
    if not allowed.any():
        return []
    best = np.where(allowed, scores, -np.inf).argmax()
    s, e = divmod(int(best), scores.shape[1])
    return [(s, e, float(scores[s, e]))]


def verifier_candidates(start_top_index, start_top_log_probs, end_top_index,
                        end_top_log_probs, valid_start, valid_end, max_answer_length):
    """``[(start, end, score)]`` of one window from the verifier's beam.

    Args:
        start_top_index, start_top_log_probs: ``[start_n_top]``.
        end_top_index, end_top_log_probs: ``[start_n_top, end_n_top]``.
    """
    found = []
    for i, s in enumerate(start_top_index):
        if not valid_start[s]:
            continue
        for j, e in enumerate(end_top_index[i]):
            if valid_end[e] and s <= e < s + max_answer_length:
                found.append((int(s), int(e),
                              float(start_top_log_probs[i] + end_top_log_probs[i, j])))
    return found


def _softmax(scores):
    if not scores:
        return []
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    return [x / sum(exp) for x in exp]


def best_answer(context, spans, null_score, n_best_size, version, null_threshold,
                null_is_odds=False) -> Answer:
    """The answer of one example from its windows' candidate spans.

    Args:
        context: the original context.
        spans: ``[(char_start, char_end, score)]`` over all its windows.
        null_score: the example's no-answer score (min over windows); None for 1.1.
        n_best_size: entries kept in ``nbest``.
        version: ``1.1`` or ``2.0``.
        null_threshold: SQuAD 2.0: answer ``""`` when the null odds exceed it.
        null_is_odds: ``null_score`` already is the odds (verifier ``cls_logits``).
    """
    nbest, seen = [], set()
    for start, end, score in sorted(spans, key=lambda x: -x[2]):
        text = context[start:end]
        if text in seen or not text:
            continue
        seen.add(text)
        nbest.append({"text": text, "start": start, "end": end, "score": score})
        if len(nbest) >= n_best_size:
            break
    for entry, p in zip(nbest, _softmax([e["score"] for e in nbest])):
        entry["probability"] = p
    best = nbest[0] if nbest else None
    text, start, end = (best["text"], best["start"], best["end"]) if best else ("", None, None)
    score = best["score"] if best else -math.inf
    odds = None
    if version == "2.0":
        if null_is_odds:
            odds = float(null_score)
        else:
            # No span at all: as sure of "no answer" as a finite number can say.
            odds = float(null_score - score) if best else 1e9
        if odds > null_threshold:
            text = ""
    return Answer(text, start, end, score, odds, nbest)


def decode(examples, windows, outputs, version, n_best_size=20, max_answer_length=30,
           null_threshold=0.0):
    """Answers of examples from their windows and the model's outputs.

    Args:
        examples: the ``SquadExample``s the windows were made from.
        windows: their ``squad_features.Windows``.
        outputs: the model's NumPy outputs per window: ``start_logits``/``end_logits``
            (standard), or ``start_top_index``, ``start_top_log_probs``,
            ``end_top_index``, ``end_top_log_probs``, ``cls_logits`` (verifier).
        version: ``1.1`` (never ``""``) or ``2.0``.
        n_best_size, max_answer_length, null_threshold: see the module doc.

    Returns:
        a list of ``Answer``, one per example.
    """
    verifier = "cls_logits" in outputs
    rows_of = collections.defaultdict(list)
    for row, index in enumerate(windows.example_index):
        rows_of[int(index)].append(row)
    answers = []
    for index, example in enumerate(examples):
        spans, null = [], math.inf
        for row in rows_of[index]:
            valid_end = windows.char_start[row] >= 0
            valid_start = valid_end & windows.max_context[row]
            if verifier:
                found = verifier_candidates(
                    outputs["start_top_index"][row], outputs["start_top_log_probs"][row],
                    outputs["end_top_index"][row], outputs["end_top_log_probs"][row],
                    valid_start, valid_end, max_answer_length)
                null = min(null, float(outputs["cls_logits"][row]))
            else:
                start_logits, end_logits = outputs["start_logits"][row], outputs["end_logits"][row]
                found = standard_candidates(start_logits, end_logits, valid_start, valid_end,
                                            n_best_size, max_answer_length)
                null = min(null, float(start_logits[0] + end_logits[0]))
            spans.extend((int(windows.char_start[row, s]), int(windows.char_end[row, e]), score)
                         for s, e, score in found)
        if null == math.inf:
            null = 0.0  # an example without windows (never made by make_windows)
        answers.append(best_answer(example.context, spans, null, n_best_size, version,
                                   null_threshold, null_is_odds=verifier))
    return answers

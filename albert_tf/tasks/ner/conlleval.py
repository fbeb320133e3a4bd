"""Entity-level precision, recall and F1 counted exactly as the CoNLL ``conlleval`` script.

This is the counting of ``conlleval`` (Erik Tjong Kim Sang, version 2004-01-26, the
script of the CoNLL-2000 and CoNLL-2003 shared tasks), written in Python:

- a tag ``PREFIX-TYPE`` is split at its first ``-`` (``I-ORG`` → ``I``, ``ORG``); a tag
  without ``-`` (``O``) has the empty type;
- a chunk *starts* between two tags by the rules of ``startOfChunk`` (``B`` always starts
  one after ``B``/``I``/``O``; ``I`` after ``O``; ``E`` after ``E``/``O``; ``I`` after
  ``E``; any tag but ``O``/``.`` whose type differs from the previous tag's; ``[`` and
  ``]``), and *ends* by ``endOfChunk`` (the mirror rules);
- a sentence boundary (``None`` here, a blank line in the file) is the tag ``O``;
- a guessed chunk is correct when it starts where a gold chunk starts, with the same
  type, and both end at the same place;
- precision = correct / guessed chunks, recall = correct / gold chunks,
  F1 = 2PR / (P + R) (each 0 when its denominator is 0); per type the same with the
  type's counts; accuracy = tokens whose gold and guessed tags are equal / tokens.

Figures are fractions in [0, 1] (the script prints percentages).

Example:
    >>> m = conlleval([("B-PER", "B-PER"), ("I-PER", "O"), None, ("B-LOC", "B-LOC")])
    >>> m["found_gold"], m["found_predicted"], m["correct"], round(m["f1"], 4)
    (2, 2, 1, 0.5)
"""

from __future__ import annotations

from collections import Counter

OUTSIDE = ("O", "")


def split_tag(tag: str):
    """``(prefix, type)`` as conlleval splits a tag: at the first ``-``.

    Example:
        >>> split_tag("B-MISC"), split_tag("O"), split_tag("I-B-X")
        (('B', 'MISC'), ('O', ''), ('I', 'B-X'))
    """
    prefix, dash, kind = tag.partition("-")
    return (prefix, kind) if dash else (tag, "")


def end_of_chunk(prev_tag, tag, prev_type, kind) -> bool:
    """conlleval's ``endOfChunk``: did a chunk end between the previous word and this one?"""
    if (prev_tag, tag) in _END_PAIRS:
        return True
    if prev_tag not in ("O", ".") and prev_type != kind:
        return True
    return prev_tag in ("]", "[")


def start_of_chunk(prev_tag, tag, prev_type, kind) -> bool:
    """conlleval's ``startOfChunk``: did a chunk start between the previous word and this one?"""
    if (prev_tag, tag) in _START_PAIRS:
        return True
    if tag not in ("O", ".") and prev_type != kind:
        return True
    return tag in ("[", "]")


_END_PAIRS = frozenset([("B", "B"), ("B", "O"), ("I", "B"), ("I", "O"),
                        ("E", "E"), ("E", "I"), ("E", "O")])
_START_PAIRS = frozenset([("B", "B"), ("I", "B"), ("O", "B"), ("O", "I"),
                          ("E", "E"), ("E", "I"), ("O", "E")])


def conlleval(lines) -> dict:
    """Counts one tagged corpus the way conlleval reads its input file.

    Args:
        lines: an iterable of ``(gold_tag, guessed_tag)`` per token, and ``None`` for
            each sentence boundary (a blank line of the file).

    Returns:
        ``{"precision", "recall", "f1", "accuracy", "found_gold", "found_predicted",
        "correct", "tokens", "correct_tags", "per_type": {TYPE: {"precision", "recall",
        "f1", "found_gold", "found_predicted", "correct"}}}``.
    """
    found_gold, found_guessed, correct = Counter(), Counter(), Counter()
    tokens = correct_tags = 0
    in_correct = False
    last_gold, last_guess = OUTSIDE, OUTSIDE
    for line in lines:
        if line is None:
            gold, guess = OUTSIDE, OUTSIDE
        else:
            gold, guess = split_tag(line[0]), split_tag(line[1])
        gold_end = end_of_chunk(last_gold[0], gold[0], last_gold[1], gold[1])
        guess_end = end_of_chunk(last_guess[0], guess[0], last_guess[1], guess[1])
        if in_correct:
            if gold_end and guess_end and last_guess[1] == last_gold[1]:
                in_correct = False
                correct[last_gold[1]] += 1
            elif gold_end != guess_end or guess[1] != gold[1]:
                in_correct = False
        gold_start = start_of_chunk(last_gold[0], gold[0], last_gold[1], gold[1])
        guess_start = start_of_chunk(last_guess[0], guess[0], last_guess[1], guess[1])
        if gold_start and guess_start and guess[1] == gold[1]:
            in_correct = True
        if gold_start:
            found_gold[gold[1]] += 1
        if guess_start:
            found_guessed[guess[1]] += 1
        if line is not None:
            correct_tags += gold == guess
            tokens += 1
        last_gold, last_guess = gold, guess
    if in_correct:
        correct[last_gold[1]] += 1
    metrics = _scores(sum(correct.values()), sum(found_guessed.values()),
                      sum(found_gold.values()))
    metrics["accuracy"] = correct_tags / tokens if tokens else 0.0
    metrics.update(tokens=tokens, correct_tags=correct_tags)
    metrics["per_type"] = {kind: _scores(correct[kind], found_guessed[kind], found_gold[kind])
                           for kind in sorted(set(found_gold) | set(found_guessed))}
    return metrics


def _scores(correct, guessed, gold) -> dict:
    precision = correct / guessed if guessed else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "found_gold": gold, "found_predicted": guessed, "correct": correct}


def conlleval_sentences(gold, predicted) -> dict:
    """``conlleval`` of tag sequences, one list of tags per sentence.

    Args:
        gold, predicted: lists of sentences, each a list of tags (same lengths).
    """
    def lines():
        for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
            yield from zip(gold_tags, predicted_tags, strict=True)
            yield None

    return conlleval(lines())

"""Sentence-order pairs from documents, as ALBERT's ``create_instances_from_document``.

A document is a list of segments (the tokenized lines); a segment is
``(ids, starts)``. Segments are packed up to a target length (the maximum, or
with ``short_seq_prob`` a random shorter one), split at a random point into A and
B, swapped with probability 0.5 (label 1 = swapped), and truncated to fit.

A chunk of a single segment cannot be split between segments. The original
script then takes B from a random other document and labels the pair 1, which
mixes next-sentence-style negatives into SOP and, on text with many one-line
documents, tilts the labels towards 1. ``single_segment`` chooses:
"split" (default) cuts the segment itself at a random word start, so every pair
is two consecutive pieces of one text and the labels stay balanced;
"random_next" is the original behaviour; "skip" drops such chunks.
"""

from __future__ import annotations

SINGLE_SEGMENT = ("split", "random_next", "skip")


def truncate_pair(a, b, max_tokens, rng):
    """Drops tokens from the longer side, at its front or back at random, until they fit.

    Draws one ``rng.random()`` per dropped token, as the original's
    ``truncate_seq_pair`` does (so the records stay the same), but counts the drops first
    and cuts each list once: linear in the length, where removing ``longer[0]`` one at a
    time was quadratic (a 4 MB line took 88 s). Returns the number of tokens dropped.
    """
    length_a, length_b = len(a), len(b)
    front_a = back_a = front_b = back_b = 0
    while length_a + length_b > max_tokens:
        front = rng.random() < 0.5
        if length_a > length_b:
            length_a -= 1
            front_a, back_a = front_a + front, back_a + (not front)
        else:
            length_b -= 1
            front_b, back_b = front_b + front, back_b + (not front)
    for side, front, back in ((a, front_a, back_a), (b, front_b, back_b)):
        if front or back:
            side[:] = side[front:len(side) - back]
    return front_a + back_a + front_b + back_b


def _split_segment(segment, rng):
    """A and B from one segment, cut at a random word start (any token if none)."""
    cuts = [k for k in range(1, len(segment)) if segment[k][1]] or list(range(1, len(segment)))
    if not cuts:
        return None, None
    cut = cuts[rng.randint(0, len(cuts) - 1)]
    return list(segment[:cut]), list(segment[cut:])


def document_instances(documents, index, rng, *, max_seq_length, short_seq_prob, emit,
                       single_segment="split"):
    """Calls ``emit(tokens_a, tokens_b, is_swapped_or_random)`` for each pair of a document.

    ``tokens_a``/``tokens_b`` are lists of ``(id, starts_word)`` pairs.

    Args:
        documents: all documents of the block.
        index: the document to cut into pairs.
        rng: a ``random.Random``.
        max_seq_length: room for [CLS] A [SEP] B [SEP].
        short_seq_prob: probability of a shorter random target length.
        emit: receives each pair.
        single_segment: "split", "random_next" (the original) or "skip".
    """
    document = documents[index]
    max_tokens = max_seq_length - 3
    target = max_tokens
    if rng.random() < short_seq_prob:
        target = rng.randint(2, max_tokens)
    chunk, length, i = [], 0, 0
    while i < len(document):
        segment = document[i]
        chunk.append(segment)
        length += len(segment)
        if i == len(document) - 1 or length >= target:
            if chunk:
                a_end = rng.randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
                a = [t for segment in chunk[:a_end] for t in segment]
                b = []
                if len(chunk) == 1 and single_segment != "random_next":
                    a, b = _split_segment(chunk[0], rng) if single_segment == "split" else (None, None)
                    if a is None:
                        chunk, length = [], 0
                        i += 1
                        continue
                    label = 0
                    if rng.random() < 0.5:
                        label = 1
                        a, b = b, a
                elif len(chunk) == 1:
                    label = 1
                    b_target = target - len(a)
                    for _ in range(10):
                        other = rng.randint(0, len(documents) - 1)
                        if other != index:
                            break
                    other_document = documents[other]
                    for segment in other_document[rng.randint(0, len(other_document) - 1):]:
                        b.extend(segment)
                        if len(b) >= b_target:
                            break
                    i -= len(chunk) - a_end
                elif rng.random() < 0.5:
                    label = 1
                    b = [t for segment in chunk[a_end:] for t in segment]
                    a, b = b, a
                else:
                    label = 0
                    b = [t for segment in chunk[a_end:] for t in segment]
                truncate_pair(a, b, max_tokens, rng)
                if a and b:
                    emit(a, b, label)
            chunk, length = [], 0
        i += 1

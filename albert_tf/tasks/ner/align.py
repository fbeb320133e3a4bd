"""Words -> pieces -> model rows, and piece predictions back to word tags.

Each word is tokenized on its own. For SentencePiece that is the word as it tokenizes in
running text after a space (the model's dummy prefix adds the ``▁``), so the pieces of a
sentence are the concatenation of its words' pieces (checked against the reference
tokenizer on real CoNLL sentences; it holds whenever the vocabulary splits at whitespace,
as ALBERT's do). A word that tokenizes to nothing (only characters the tokenizer deletes)
gets one ``[UNK]`` piece, so every word has a position.

The first piece of each word carries the word's label (weight 1); the other pieces,
``[CLS]``, ``[SEP]`` and padding have weight 0 and label 0.

A sentence longer than ``max_seq_length - 2`` pieces is cut, at word boundaries, into
overlapping windows that start about half a window apart; every window is a training row,
and at prediction time each word takes its tag from the window where it has the most
context (the smaller of its left and right piece counts, as BERT's SQuAD
"max context" rule). A single word longer than a whole window keeps only its first
``max_seq_length - 2`` pieces.
"""

from __future__ import annotations

import numpy as np


def word_pieces(tokenizer, sentences, batch=8192):
    """Piece ids of every word: a list (per sentence) of lists (per word) of id lists.

    Args:
        tokenizer: an ``AlbertTokenizer``.
        sentences: lists of words.
    """
    import tensorflow as tf

    words = [w for sentence in sentences for w in sentence]
    pieces = []
    for start in range(0, len(words), batch):
        ragged = tokenizer.tokenize(tf.constant(words[start:start + batch]))
        values = ragged.flat_values.numpy().tolist()
        splits = ragged.row_splits.numpy().tolist()
        pieces.extend(values[a:b] or [tokenizer.unk_id] for a, b in zip(splits, splits[1:]))
    out, k = [], 0
    for sentence in sentences:
        out.append(pieces[k:k + len(sentence)])
        k += len(sentence)
    return out


def windows(counts, budget, stride=None):
    """``(first_word, end_word)`` windows of at most ``budget`` pieces.

    Args:
        counts: pieces per word (each at least 1 and at most ``budget``).
        budget: pieces per window (``max_seq_length - 2``).
        stride: pieces between window starts (default ``budget // 2``).

    Example:
        >>> windows([2, 2, 2, 2, 2], budget=6)
        [(0, 3), (2, 5)]
    """
    stride = max(1, budget // 2) if stride is None else stride
    offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()
    n, start, out = len(counts), 0, []
    while n:
        end = start + 1
        while end < n and offsets[end + 1] - offsets[start] <= budget:
            end += 1
        out.append((start, end))
        if end == n:
            break
        following = start + 1
        while following < end and offsets[following] < offsets[start] + stride:
            following += 1
        start = following
    return out


def build_rows(pieces, labels, max_seq_length, cls_id, sep_id, pad_id):
    """Model rows for sentences of word pieces.

    Args:
        pieces: per sentence, per word, piece ids (from ``word_pieces``).
        labels: per sentence, per word, label ids; or None.
        max_seq_length: row width.
        cls_id, sep_id, pad_id: special ids.

    Returns:
        ``(features, labels, weights, index)``: ``features`` holds ``input_ids``,
        ``input_mask``, ``segment_ids`` (``int32 [rows, max_seq_length]``); ``labels``
        ``int32`` and ``weights`` ``float32`` of that shape; ``index`` holds
        ``example`` (``[rows]``: the sentence of each row), ``word`` (``[rows, seq]``:
        the word whose first piece is at each position, -1 elsewhere) and ``score``
        (``[rows, seq]``: that word's context in the row).
    """
    budget = max_seq_length - 2
    rows = []
    for number, sentence in enumerate(pieces):
        sentence = [p[:budget] for p in sentence]
        counts = [len(p) for p in sentence]
        for first, end in windows(counts, budget):
            rows.append((number, first, end, sentence, counts))
    shape = (len(rows), max_seq_length)
    ids = np.full(shape, pad_id, np.int32)
    mask = np.zeros(shape, np.int32)
    label_ids = np.zeros(shape, np.int32)
    weights = np.zeros(shape, np.float32)
    word = np.full(shape, -1, np.int32)
    score = np.zeros(shape, np.float32)
    example = np.zeros(len(rows), np.int32)
    for r, (number, first, end, sentence, counts) in enumerate(rows):
        flat = [cls_id] + [i for p in sentence[first:end] for i in p] + [sep_id]
        ids[r, :len(flat)] = flat
        mask[r, :len(flat)] = 1
        example[r] = number
        total = sum(counts[first:end])
        position, left = 1, 0
        for w in range(first, end):
            word[r, position] = w
            score[r, position] = min(left, total - left - counts[w]) + 0.01 * total
            weights[r, position] = 1.0
            if labels is not None:
                label_ids[r, position] = labels[number][w]
            position += counts[w]
            left += counts[w]
    features = {"input_ids": ids, "input_mask": mask, "segment_ids": np.zeros(shape, np.int32)}
    return features, label_ids, weights, {"example": example, "word": word, "score": score}


def word_predictions(values, index, lengths):
    """Per-word predictions from per-position ``values`` (``[rows, seq, ...]``).

    Each word takes the value at its first piece in the row where its context score is
    highest (the first such row on ties).

    Args:
        values: an array ``[rows, seq, ...]`` (label ids, or logits).
        index: the ``index`` from ``build_rows``.
        lengths: words per sentence.

    Returns:
        a list (per sentence) of arrays ``[words, ...]``.
    """
    out = [np.zeros((n,) + values.shape[2:], values.dtype) for n in lengths]
    best = [np.full(n, -np.inf) for n in lengths]
    for r in range(len(values)):
        number = index["example"][r]
        positions = np.nonzero(index["word"][r] >= 0)[0]
        words = index["word"][r, positions]
        scores = index["score"][r, positions]
        better = scores > best[number][words]
        out[number][words[better]] = values[r, positions[better]]
        best[number][words[better]] = scores[better]
    return out

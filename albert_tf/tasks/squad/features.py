"""SQuAD windows: ``[CLS] question [SEP] context window [SEP]`` rows with span maps.

As the original ``run_squad``: the question is cut to ``max_query_length`` pieces; a
long context is covered by windows of ``max_seq_length - len(question) - 3`` pieces that
start every ``doc_stride`` pieces; a piece seen by several windows belongs, for decoding,
to the one where it has the most context (``_check_is_max_context``: the larger
``min(left, right) + 0.01 * window length``, the first window on ties).

Unlike the original, which re-aligns detokenized pieces to the text with a longest common
subsequence, each piece's place in the ORIGINAL context comes from the tokenizer's byte
offsets (``tokenize_with_offsets``), turned into character offsets; a piece's leading
whitespace (the ``▁`` of SentencePiece) is not part of its span. So an answer is always
``context[char_start:char_end]``, a substring of the original text.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from albert_tf.errors import AlbertTfError

_BATCH = 256


@dataclasses.dataclass
class Windows:
    """Model rows and what decoding needs to map them back to text.

    Attributes (``rows`` windows of ``seq`` = ``max_seq_length`` positions):
        features: ``input_ids``, ``input_mask``, ``segment_ids``, int32 ``[rows, seq]``.
        example_index: int32 ``[rows]``, the example each window comes from.
        char_start, char_end: int32 ``[rows, seq]``, each context piece's span in its
            example's context (end exclusive); -1 on [CLS], question, [SEP], padding.
        max_context: bool ``[rows, seq]``, the piece's best window is this one.
        start_positions, end_positions: int32 ``[rows]``, training targets: the answer's
            first and last piece when it lies inside the window, else 0 ([CLS]).
        is_impossible: int32 ``[rows]``, 1 when the target is [CLS].
        unmapped: examples whose answer matched no piece (left out when training).
    """

    features: dict
    example_index: np.ndarray
    char_start: np.ndarray
    char_end: np.ndarray
    max_context: np.ndarray
    start_positions: np.ndarray
    end_positions: np.ndarray
    is_impossible: np.ndarray
    unmapped: int = 0


def char_spans(text: str, byte_starts, byte_ends):
    """Character spans ``(starts, ends)`` of pieces given as UTF-8 byte offsets into ``text``.

    A start inside a multi-byte character moves back to it and an end forward past it;
    leading whitespace of a piece is dropped (``▁the`` spans ``"the"``, not ``" the"``).

    Example:
        >>> char_spans("é a", [0, 2], [2, 4])
        (array([0, 2], dtype=int32), array([1, 3], dtype=int32))
    """
    data = text.encode("utf-8")
    char_of_byte = np.zeros(len(data) + 1, np.int64)
    widths = np.fromiter((len(c.encode("utf-8")) for c in text), np.int64, len(text))
    char_of_byte[:-1] = np.repeat(np.arange(len(text)), widths)
    char_of_byte[-1] = len(text)
    byte_starts = np.asarray(byte_starts, np.int64)
    byte_ends = np.asarray(byte_ends, np.int64)
    starts = char_of_byte[byte_starts]
    ends = np.where(byte_ends > byte_starts, char_of_byte[np.maximum(byte_ends - 1, 0)] + 1,
                    starts)
    for i in range(len(starts)):
        while starts[i] < ends[i] and text[starts[i]].isspace():
            starts[i] += 1
    return starts.astype(np.int32), ends.astype(np.int32)


def answer_pieces(starts, ends, char_start: int, char_end: int):
    """First and last piece covering the characters ``[char_start, char_end)``, or None.

    The first piece is the first non-empty one ending after ``char_start``; the last is
    the last non-empty one starting before ``char_end`` (a piece may run past the answer,
    as ``1800s`` for the answer ``1800``).
    """
    starts, ends = np.asarray(starts), np.asarray(ends)
    real = ends > starts
    first = np.flatnonzero(real & (ends > char_start))
    last = np.flatnonzero(real & (starts < char_end))
    if not len(first) or not len(last) or first[0] > last[-1]:
        return None
    return int(first[0]), int(last[-1])


def window_starts(length: int, window: int, stride: int) -> list:
    """Start offsets of the windows covering ``length`` pieces (the original loop)."""
    starts, start = [], 0
    while True:
        starts.append(start)
        if start + window >= length:
            return starts
        start += min(window, stride)


def _max_context(starts, lengths, doc_length):
    """``best[p]``: the window index where doc piece ``p`` has the most context."""
    positions = np.arange(doc_length)
    scores = np.full((len(starts), doc_length), -np.inf)
    for j, (s, n) in enumerate(zip(starts, lengths)):
        inside = (positions >= s) & (positions < s + n)
        scores[j, inside] = (np.minimum(positions - s, s + n - 1 - positions)[inside]
                             + 0.01 * n)
    return scores.argmax(0)


def _tokenize_contexts(tokenizer, contexts):
    """``{context: (ids, char_starts, char_ends)}`` for distinct contexts."""
    out = {}
    distinct = list(dict.fromkeys(contexts))
    for begin in range(0, len(distinct), _BATCH):
        batch = distinct[begin:begin + _BATCH]
        ids, starts, ends = (r.to_list() for r in tokenizer.tokenize_with_offsets(batch))
        for text, i, s, e in zip(batch, ids, starts, ends):
            cs, ce = char_spans(text, s, e)
            out[text] = (np.asarray(i, np.int32), cs, ce)
    return out


def _tokenize_questions(tokenizer, questions, max_query_length):
    out = []
    for begin in range(0, len(questions), _BATCH * 4):
        out.extend(tokenizer.tokenize(list(questions[begin:begin + _BATCH * 4])).to_list())
    return [q[:max_query_length] for q in out]


def make_windows(examples, tokenizer, max_seq_length: int, doc_stride: int = 128,
                 max_query_length: int = 64, training: bool = False) -> Windows:
    """Windows of ``SquadExample``s.

    Args:
        examples: ``SquadExample``s (``answers[0]`` is the training target).
        tokenizer: an ``AlbertTokenizer``.
        max_seq_length: row width.
        doc_stride: pieces between window starts.
        max_query_length: question pieces kept.
        training: leave out examples whose answer matches no piece.

    Returns:
        a ``Windows``; every example has at least one window (unless left out).
    """
    if doc_stride < 1 or max_query_length < 1:
        raise AlbertTfError("--doc-stride and --max-query-length must be at least 1")
    contexts = _tokenize_contexts(tokenizer, [e.context for e in examples])
    questions = _tokenize_questions(tokenizer, [e.question for e in examples], max_query_length)
    cls_id, sep_id, pad_id = tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id
    rows, unmapped = [], 0
    for index, (example, query) in enumerate(zip(examples, questions)):
        doc_ids, doc_starts, doc_ends = contexts[example.context]
        budget = max_seq_length - len(query) - 3
        if budget < 1:
            raise AlbertTfError(f"--max-seq-length {max_seq_length} leaves no room for the "
                                f"context after a {len(query)}-piece question; lower "
                                f"--max-query-length")
        target = None
        if example.answers and not example.is_impossible:
            text, start = example.answers[0]
            target = answer_pieces(doc_starts, doc_ends, start, start + len(text))
            if target is None:
                unmapped += 1
                if training:
                    continue
        starts = window_starts(len(doc_ids), budget, doc_stride)
        lengths = [min(budget, len(doc_ids) - s) for s in starts]
        best = _max_context(starts, lengths, len(doc_ids))
        offset = len(query) + 2
        for j, (s, n) in enumerate(zip(starts, lengths)):
            ids = [cls_id, *query, sep_id, *doc_ids[s:s + n].tolist(), sep_id]
            row = {"ids": ids, "segment_from": offset, "index": index,
                   "doc": (s, n), "best": best[s:s + n] == j, "target": (0, 0)}
            if target is not None and s <= target[0] and target[1] < s + n:
                row["target"] = (target[0] - s + offset, target[1] - s + offset)
            rows.append(row)
    return _to_arrays(rows, contexts, examples, max_seq_length, pad_id, unmapped)


def _to_arrays(rows, contexts, examples, width, pad_id, unmapped) -> Windows:
    count = len(rows)
    input_ids = np.full((count, width), pad_id, np.int32)
    input_mask = np.zeros((count, width), np.int32)
    segment_ids = np.zeros((count, width), np.int32)
    char_start = np.full((count, width), -1, np.int32)
    char_end = np.full((count, width), -1, np.int32)
    max_context = np.zeros((count, width), bool)
    targets = np.zeros((count, 2), np.int32)
    for r, row in enumerate(rows):
        ids, offset = row["ids"], row["segment_from"]
        s, n = row["doc"]
        input_ids[r, :len(ids)] = ids
        input_mask[r, :len(ids)] = 1
        segment_ids[r, offset:len(ids)] = 1
        _, doc_starts, doc_ends = contexts[examples[row["index"]].context]
        char_start[r, offset:offset + n] = doc_starts[s:s + n]
        char_end[r, offset:offset + n] = doc_ends[s:s + n]
        max_context[r, offset:offset + n] = row["best"]
        targets[r] = row["target"]
    return Windows(
        features={"input_ids": input_ids, "input_mask": input_mask, "segment_ids": segment_ids},
        example_index=np.array([row["index"] for row in rows], np.int32),
        char_start=char_start, char_end=char_end, max_context=max_context,
        start_positions=targets[:, 0].copy(), end_positions=targets[:, 1].copy(),
        is_impossible=(targets[:, 0] == 0).astype(np.int32), unmapped=unmapped)

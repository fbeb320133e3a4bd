"""ALBERT's digit-comma rule, for one piece and as an id table applied in-graph.

The original ``encode_pieces`` re-encodes every piece longer than one character that
ends in ``,`` after a digit (``"▁1,000,"`` → ``"▁1,000"`` + ``","``): the piece without its
comma and without ``▁`` goes through the model again, a leading ``▁`` that the original
piece did not have is removed (dropped when it is a piece of its own), and the comma is
appended. The outcome depends on the piece string only, so for the pieces of a
vocabulary it is computed once (``expansion_table``) and applied to ids in the graph
(``expand_ids``) with ops TFLite has (gather, boolean mask, cumsum).
"""

from __future__ import annotations

import numpy as np

SPIECE_UNDERLINE = "\u2581"


def split_digit_comma(encode_pieces, piece: str):
    """The original rule on one piece: its replacement pieces, or None if it does not apply.

    Args:
        encode_pieces: ``str -> list[str]``, the model's plain ``EncodeAsPieces``.
        piece: one piece of ``EncodeAsPieces`` output.

    Example:
        >>> fake = {"1,000": ["▁1", ",", "000"]}.get
        >>> split_digit_comma(fake, "1,000,"), split_digit_comma(fake, "a,")
        (['1', ',', '000', ','], None)
    """
    if not (len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit()):
        return None
    pieces = list(encode_pieces(piece[:-1].replace(SPIECE_UNDERLINE, "")))
    if piece[0] != SPIECE_UNDERLINE and pieces and pieces[0][0] == SPIECE_UNDERLINE:
        if len(pieces[0]) == 1:
            pieces = pieces[1:]
        else:
            pieces[0] = pieces[0][1:]
    pieces.append(piece[-1])
    return pieces


def expansion_table(processor) -> dict:
    """``{id: [ids]}`` for every piece of the vocabulary the rule re-splits.

    Args:
        processor: a ``sentencepiece.SentencePieceProcessor`` of the ORIGINAL model (the
            rule re-encodes with the model alone, without ALBERT's preprocessing).
    """
    table = {}
    encode = lambda text: processor.encode(text, out_type=str)  # noqa: E731
    for i in range(processor.get_piece_size()):
        if processor.is_control(i) or processor.is_unknown(i):
            continue
        pieces = split_digit_comma(encode, processor.id_to_piece(i))
        if pieces is not None:
            table[i] = [processor.piece_to_id(p) for p in pieces]
    return table


def table_arrays(table: dict, vocab_size: int):
    """The table as two arrays: ``slot[id]`` (0 = unchanged) and ``rows[slot, k]`` (-1 pad).

    Row 0 is ``[-2, -1, ...]``: -2 stands for the id itself.
    """
    width = max((len(v) for v in table.values()), default=1)
    slot = np.zeros([vocab_size], np.int32)
    rows = np.full([len(table) + 1, width], -1, np.int32)
    rows[0, 0] = -2
    for n, (i, ids) in enumerate(sorted(table.items()), start=1):
        slot[i] = n
        rows[n, :len(ids)] = ids
    return slot, rows


def expand_ids(values, row_splits, slot, rows):
    """Applies the table to flat ids; returns ``(new_values, new_row_splits, counts)``.

    Args:
        values: ``int32 [num_tokens]`` ids of all rows, concatenated.
        row_splits: ``[batch + 1]`` row boundaries into ``values``.
        slot: ``int32 [vocab_size]`` from ``table_arrays``.
        rows: ``int32 [num_rules + 1, width]`` from ``table_arrays``.

    Returns:
        the new ids, the new row boundaries, and how many ids each old id became
        (``[num_tokens]``, to repeat per-token data such as offsets).
    """
    import tensorflow as tf

    picked = tf.gather(rows, tf.gather(slot, values))             # [n, width]
    picked = tf.where(picked == -2, tf.expand_dims(values, 1), picked)
    keep = picked >= 0
    counts = tf.reduce_sum(tf.cast(keep, tf.int32), axis=1)        # [n]
    new_values = tf.boolean_mask(picked, keep)
    ends = tf.concat([tf.zeros([1], tf.int32), tf.cumsum(counts)], axis=0)
    new_splits = tf.gather(ends, tf.cast(row_splits, tf.int32))
    return new_values, new_splits, counts

"""The one table of pretraining feature names, dtypes and shapes; writing and parsing.

Names are the official ones of ALBERT's ``create_pretraining_data.py``;
``next_sentence_labels`` holds the sentence-order label (1 = segments swapped).
``token_boundary`` (1 where a piece starts a word) is written as the original
does, so masks can be re-drawn later (dynamic masking).
"""

from __future__ import annotations

import struct

import numpy as np

# name -> (dtype on disk, length key: "seq" = max_seq_length, "pred" =
# max_predictions_per_seq, or a fixed int).
PRETRAINING_FEATURES = {
    "input_ids": ("int64", "seq"),
    "input_mask": ("int64", "seq"),
    "segment_ids": ("int64", "seq"),
    "token_boundary": ("int64", "seq"),
    "masked_lm_positions": ("int64", "pred"),
    "masked_lm_ids": ("int64", "pred"),
    "masked_lm_weights": ("float32", "pred"),
    "next_sentence_labels": ("int64", 1),
}

# The model inputs among them, and the label / weight entries for model.fit.
MODEL_INPUTS = ("input_ids", "input_mask", "segment_ids", "masked_lm_positions")


def feature_lengths(max_seq_length: int, max_predictions_per_seq: int) -> dict:
    """``{name: length}`` of every pretraining feature for the given sizes."""
    sizes = {"seq": max_seq_length, "pred": max_predictions_per_seq}
    return {name: sizes.get(length, length) for name, (_, length) in PRETRAINING_FEATURES.items()}


# -- serialization: tf.train.Example bytes without importing TensorFlow -------
# Example{features=1: Features{feature=1: map<string, Feature>}};
# Feature{bytes_list=1 | float_list=2 | int64_list=3}; lists hold packed values (field 1).


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_SMALL = 1 << 16
_VARINT_CACHE: list = []


def _packed_varints(values) -> bytes:
    """Varint-encodes int64 values; ids below 65536 come from a lookup table."""
    values = np.asarray(values, dtype=np.int64).ravel().tolist()
    if not _VARINT_CACHE:
        _VARINT_CACHE.extend(_varint(i) for i in range(_SMALL))
    cache = _VARINT_CACHE
    try:
        return b"".join([cache[v] if v >= 0 else _varint(v) for v in values])
    except IndexError:
        return b"".join(_varint(v) for v in values)


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _varint((field << 3) | 2) + _varint(len(payload)) + payload


def _feature(dtype: str, values) -> bytes:
    if dtype == "int64":
        inner = _length_delimited(1, _packed_varints(values))
        return _length_delimited(3, inner)
    if dtype == "float32":
        data = np.asarray(values, dtype="<f4").ravel().tobytes()
        return _length_delimited(2, _length_delimited(1, data))
    raise ValueError(f"unsupported dtype {dtype}")


def serialize_example(values: dict, table: dict = PRETRAINING_FEATURES) -> bytes:
    """Encodes one record as ``tf.train.Example`` bytes, features in table order.

    Args:
        values: ``{name: 1-D array}`` for every name of ``table``.
        table: ``{name: (dtype, length)}``.

    Returns:
        bytes that ``tf.train.Example.FromString`` and ``tf.io.parse_example`` read.

    Example:
        >>> record = serialize_example({"a": [1, 2]}, {"a": ("int64", 2)})
        >>> len(record) > 0
        True
    """
    entries = []
    for name, (dtype, _) in table.items():
        entry = _length_delimited(1, name.encode()) + _length_delimited(2, _feature(dtype, values[name]))
        entries.append(_length_delimited(1, entry))
    return _length_delimited(1, b"".join(entries))


# -- TFRecord framing --------------------------------------------------------

def _crc32c_table():
    poly = 0x82F63B78
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``; uses google_crc32c when installed."""
    try:
        import google_crc32c

        return google_crc32c.value(data)
    except ImportError:
        crc = 0xFFFFFFFF
        table = _CRC_TABLE
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord_frame(record: bytes) -> bytes:
    """One record framed as in a TFRecord file (length, CRCs, payload)."""
    length = struct.pack("<Q", len(record))
    return (length + struct.pack("<I", _masked_crc(length)) + record
            + struct.pack("<I", _masked_crc(record)))


# -- parsing (TensorFlow) --------------------------------------------------------

def parse_spec(max_seq_length: int, max_predictions_per_seq: int) -> dict:
    """The ``tf.io.parse_example`` spec for pretraining records of these sizes."""
    import tensorflow as tf

    lengths = feature_lengths(max_seq_length, max_predictions_per_seq)
    dtypes = {"int64": tf.int64, "float32": tf.float32}
    return {
        name: tf.io.FixedLenFeature([lengths[name]], dtypes[dtype])
        for name, (dtype, _) in PRETRAINING_FEATURES.items()
    }

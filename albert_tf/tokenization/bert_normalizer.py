"""BERT's exact text cleaning as a ``FastBertNormalizer`` model (runs in TF and TFLite).

``tensorflow_text.FastBertNormalizer`` maps each code point through a table stored in a
small flatbuffer: a darts-clone trie from the UTF-8 bytes of a code point to an
(offset, length) of its replacement in a string pool. tensorflow-text's own table does
NFKC case folding (so ``，`` becomes ``,`` and ``ß`` becomes ``ss``) and turns control
characters into spaces, which is not what the original BERT/ALBERT code does. This
module writes the table of the original instead, computed with Python's
``unicodedata``:

- NUL, U+FFFD and control characters (Cc, Cf except tab/newline/return): deleted;
- BERT whitespace (space, tab, newline, return, Zs): a space;
- with ``do_lower_case``: ``str.lower()``, NFD, and category Mn dropped;
- a character that tensorflow-text's pre-tokenizer classes differently from BERT
  (whitespace or punctuation in one and not the other, see ``probe.py``) is rewritten
  so that the words come out as BERT's.
"""

from __future__ import annotations

import itertools
import unicodedata

import flatbuffers
import numpy as np

from albert_tf.tokenization.chars import (
    bert_is_removed, bert_is_whitespace, candidate_code_points,
)
from albert_tf.tokenization.darts import build_double_array

# Layout of a FastBertNormalizer table entry (tensorflow_text fast_bert_normalizer.h).
_DIFFERENT = 0x40000000
_LENGTH_BITS = 6
_MAX_LENGTH = (1 << _LENGTH_BITS) - 1


def bert_char_image(char: str, do_lower_case: bool) -> str:
    """What BERT's BasicTokenizer makes of one character before splitting.

    Example:
        >>> bert_char_image("É", True), bert_char_image("\\u200b", True)
        ('e', '')
    """
    if bert_is_removed(char):
        return ""
    if bert_is_whitespace(char) or char.isspace():
        # _clean_text spaces BERT whitespace; whitespace_tokenize's str.split() also
        # splits on the rest of Python's whitespace (U+2028, U+2029).
        return " "
    if not do_lower_case:
        return char
    return "".join(c for c in unicodedata.normalize("NFD", char.lower())
                   if unicodedata.category(c) != "Mn")


def bert_normalizer_table(do_lower_case: bool, fixes=None) -> dict:
    """``{char: replacement}`` for every character the original changes.

    Args:
        do_lower_case: as the original BasicTokenizer.
        fixes: ``{char: text}`` applied to the characters of each replacement
            (``probe.pretokenizer_fixes``).
    """
    fixes = fixes or {}
    table = {}
    for char in itertools.chain("\0", candidate_code_points()):
        image = bert_char_image(char, do_lower_case)
        if fixes:
            image = "".join(fixes.get(c, c) for c in image)
        if image != char:
            table[char] = image
    return table


def build_normalizer_model(table: dict) -> bytes:
    """Serializes ``{char: replacement}`` as a ``FastBertNormalizerModel`` flatbuffer.

    Example:
        >>> import tensorflow_text as tf_text
        >>> model = build_normalizer_model({"A": "a", "\\u200b": ""})
        >>> norm = tf_text.FastBertNormalizer(model_buffer=model)
        >>> norm.normalize(["A\\u200bB"]).numpy().tolist()
        [b'aB']
    """
    pool = bytearray()
    offsets: dict = {}
    entries = []
    data_for_zero = 0
    for char, image in sorted(table.items()):
        encoded = image.encode("utf-8")
        if len(encoded) > _MAX_LENGTH:
            raise ValueError(f"replacement of U+{ord(char):04X} is too long")
        if encoded and encoded not in offsets:
            offsets[encoded] = len(pool)
            pool += encoded
        data = _DIFFERENT | len(encoded) | (offsets.get(encoded, 0) << _LENGTH_BITS)
        if char == "\0":
            data_for_zero = data
        else:
            entries.append((char.encode("utf-8"), data))
    units = build_double_array(entries)
    builder = flatbuffers.Builder(len(pool) + 4 * len(units) + 256)
    pool_vector = builder.CreateNumpyVector(np.frombuffer(bytes(pool) or b"\0", np.uint8))
    trie_vector = builder.CreateNumpyVector(units.astype("<u4"))
    # Fields in schema order (fast_bert_normalizer_model.fbs): lower_case_nfd_strip_accents,
    # trie_array, data_for_codepoint_zero, normalized_string_pool.
    builder.StartObject(4)
    builder.PrependBoolSlot(0, False, False)
    builder.PrependUOffsetTRelativeSlot(1, trie_vector, 0)
    builder.PrependInt32Slot(2, data_for_zero, 0)
    builder.PrependUOffsetTRelativeSlot(3, pool_vector, 0)
    builder.Finish(builder.EndObject())
    return bytes(builder.Output())

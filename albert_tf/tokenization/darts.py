"""A darts-clone double-array trie writer (the trie format the Fast* tensorflow-text ops read).

A double array stores a byte trie in one ``uint32`` array. Unit layout (darts-clone):
bits 0-7 the label of the edge into this node, bit 8 "has a value", bits 10-30 the
offset to the children (bit 9 unused here: offsets stay below 2**21), and a value unit
has bit 31 set and the value in bits 0-30. A child of the node at ``p`` with label
``c`` sits at ``p ^ offset ^ c``; the value of a node sits at ``p ^ offset`` (label 0).

Only what ``FastBertNormalizer`` needs is written: keys are short byte strings (one
UTF-8 character), values fit in 31 bits.
"""

from __future__ import annotations

import numpy as np

_MAX_OFFSET = 1 << 21
_WINDOW = 16 * 256


def build_double_array(items) -> np.ndarray:
    """A darts-clone unit array mapping each key (bytes, no NUL) to its value.

    Args:
        items: iterable of ``(key: bytes, value: int)`` with ``0 <= value < 2**31``.

    Returns:
        ``uint32`` array ``[num_units]``.

    Example:
        >>> units = build_double_array([(b"a", 7), (b"ab", 9)])
        >>> lookup(units, b"ab"), lookup(units, b"b")
        (9, None)
    """
    root: dict = {}
    for key, value in items:
        if not key or b"\0" in key or not 0 <= value < (1 << 31):
            raise ValueError(f"bad double-array entry {key!r} -> {value}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1
    used_bases: set = set()
    queue = [(root, 0)]
    search_from, high_water = 1, 1
    while queue:
        node, pos = queue.pop()
        if not node:
            continue
        labels = sorted(0 if label is None else label for label in node)
        # As darts-clone, search only the last few blocks: older holes stay unused,
        # which keeps the build linear in the number of nodes.
        start = used.find(0, max(search_from, high_water - _WINDOW))
        search_from = start if start >= 0 else len(used)
        base = _find_base(labels, used, used_bases, search_from)
        if (base | 0xFF) >= len(units):
            extra = max(base | 0xFF, 2 * len(units)) + 1 - len(units)
            units.extend([0] * extra)
            used.extend(bytes(extra))
        used_bases.add(base)
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("double array too large")
        units[pos] |= offset << 10
        for label, child in node.items():
            child_pos = base ^ (0 if label is None else label)
            used[child_pos] = 1
            high_water = max(high_water, child_pos + 1)
            if label is None:
                units[pos] |= 0x100
                units[child_pos] = (1 << 31) | child
            else:
                units[child_pos] = label
                queue.append((child, child_pos))
    last = len(used.rstrip(b"\0"))
    return np.asarray(units[:last], dtype=np.uint32)


def _find_base(labels, used, used_bases, search_from):
    """The first base whose child slots ``base ^ label`` are all free."""
    size = len(used)
    candidate = search_from
    first = labels[0]
    while True:
        if candidate >= size:
            return _free_base(labels, used_bases, size)
        base = candidate ^ first
        if base not in used_bases and base != 0:
            for label in labels:
                slot = base ^ label
                if slot < size and used[slot]:
                    break
            else:
                return base
        candidate = used.find(0, candidate + 1)
        if candidate < 0:
            candidate = size


def _free_base(labels, used_bases, size):
    """A base past the end of the array (every slot there is free)."""
    base = (size | 0xFF) + 1
    while base in used_bases or (base ^ labels[0]) < size:
        base += 256
    return base


def lookup(units, key: bytes):
    """The value stored for ``key``, or None (the same walk as darts-clone's)."""
    pos, unit = 0, int(units[0])
    for byte in key:
        pos ^= ((unit >> 10) << ((unit & 0x200) >> 6)) ^ byte
        if pos >= len(units):
            return None
        unit = int(units[pos])
        if unit & 0x800000FF != byte:
            return None
    if not unit & 0x100:
        return None
    return int(units[pos ^ ((unit >> 10) << ((unit & 0x200) >> 6))]) & 0x7FFFFFFF

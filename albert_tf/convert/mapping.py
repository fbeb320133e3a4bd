"""Moves weights between two layouts along a table of variable names.

A table is a list of rows ``(ours, theirs[, transform[, fallback]])``:

- ``ours``: a variable path of an albert-tf model (``pooler/kernel``);
- ``theirs``: the name in the other format, or a tuple of names that one
  ``transform`` combines (brightmart's factorized embedding);
- ``transform``: a name from ``TRANSFORMS`` (``"transpose"`` for PyTorch
  ``Linear`` weights and TF1 ``output_weights``), ``None`` for a plain copy;
- ``fallback``: what to do when ``theirs`` is absent: ``"eye"``/``"zeros"``
  (the original skips ``embedding_hidden_mapping_in`` when E = H), ``"keep"``
  (leave the target's initial value: a pooler that a Hugging Face QA model
  lacks), or ``None`` (an error).

Values are reshaped when only the layout differs (a ``[H, heads, head_size]``
kernel into an ``[H, H]`` one); anything else is an error that names the variable.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from albert_tf.errors import AlbertTfError


class Row(NamedTuple):
    """One table entry; see the module docstring."""

    ours: str
    theirs: str | tuple
    transform: str | None = None
    fallback: str | None = None


def _matmul(a, b):
    # float64 product, rounded once: as close to the original's float32 matmul as it gets.
    return (a.astype(np.float64) @ b.astype(np.float64)).astype(a.dtype)


# name -> (function of the source arrays, inverse or None when the format is read-only)
TRANSFORMS = {
    None: (lambda a: a, lambda a: a),
    "transpose": (lambda a: a.T, lambda a: a.T),
    "matmul": (_matmul, None),
}
FALLBACKS = ("eye", "zeros", "keep")


def as_rows(table) -> list:
    """Rows from a table whose entries may be plain ``(ours, theirs)`` pairs."""
    return [row if isinstance(row, Row) else Row(*row) for row in table]


def variables_by_path(model) -> dict:
    """``{variable.path: variable}`` for every weight of a Keras model."""
    return {v.path: v for v in model.weights}


def model_values(model) -> dict:
    """``{variable.path: numpy array}`` for every weight of a Keras model."""
    import keras

    return {v.path: keras.ops.convert_to_numpy(v.value) for v in model.weights}


def _prefix_products(shape):
    products, total = set(), 1
    for dim in shape:
        total *= int(dim)
        products.add(total)
    return products


def same_layout(found, expected) -> bool:
    """True when ``found`` reshapes to ``expected`` by merging or splitting adjacent dims.

    ``[H, heads, head_size]`` and ``[H, H]`` are one layout; ``[2, H]`` and ``[H, 2]``
    are not (that takes a transpose, which only a table may ask for).
    """
    a, b = _prefix_products(found), _prefix_products(expected)
    if not a or not b:
        return int(np.prod(found)) == int(np.prod(expected))
    return max(a) == max(b) and (a <= b or b <= a)


def ignored(names, patterns) -> set:
    """The names matching any regular expression of ``patterns`` (optimizer slots, ...)."""
    compiled = [re.compile(p) for p in patterns]
    return {n for n in names if any(p.search(n) for p in compiled)}


def map_values(source_values: dict, table, expected_shapes: dict,
               source_name="source", dropped=(), ignore=()):
    """Computes every target value of ``table`` from ``source_values``, checking everything.

    Args:
        source_values: ``{name: array}`` of the source checkpoint.
        table: rows (see ``Row``); ``ours`` names the target variables.
        expected_shapes: ``{ours: shape}`` of the target variables.
        source_name: what to call the source in error messages.
        dropped: source names known to the format and deliberately not loaded
            (a head the requested task does not have); never reported as unused.
        ignore: regular expressions of source names to skip silently
            (optimizer slots, ``global_step``).

    Returns:
        ``(values, kept)``: ``{ours: array}`` and the target names left at their
        initial values (``fallback="keep"`` rows whose source was absent).

    Raises:
        AlbertTfError: a missing name, a shape mismatch (naming the variable,
            the expected and the found shape), or source variables left unused.
    """
    values, kept, used = {}, [], set()
    for row in as_rows(table):
        if row.ours not in expected_shapes:
            raise AlbertTfError(f"target model has no variable {row.ours!r}")
        expected = tuple(int(d) for d in expected_shapes[row.ours])
        names = row.theirs if isinstance(row.theirs, tuple) else (row.theirs,)
        missing = [n for n in names if n not in source_values]
        if missing or not names:
            if row.fallback == "keep":
                kept.append(row.ours)
                continue
            if row.fallback in ("eye", "zeros"):
                values[row.ours] = (np.eye(*expected, dtype="float32") if row.fallback == "eye"
                                    else np.zeros(expected, "float32"))
                continue
            raise AlbertTfError(
                f"{source_name}: missing variable {missing[0]!r} (for {row.ours!r})")
        used.update(names)
        forward, _ = TRANSFORMS[row.transform]
        try:
            value = np.asarray(forward(*[np.asarray(source_values[n]) for n in names]))
        except ValueError:
            shapes = ", ".join(f"{n!r} {tuple(np.shape(source_values[n]))}" for n in names)
            raise AlbertTfError(
                f"{source_name}: variables {shapes} do not combine ({row.transform}) "
                f"into {expected} for {row.ours!r}") from None
        if tuple(value.shape) != expected and not same_layout(value.shape, expected):
            shown = names[0] if len(names) == 1 else " @ ".join(names)
            found = tuple(np.shape(source_values[names[0]])) if len(names) == 1 else value.shape
            raise AlbertTfError(
                f"{source_name}: variable {shown!r} has shape {tuple(found)}, "
                f"expected {_shown_expected(expected, row.transform)} for {row.ours!r}")
        values[row.ours] = value.reshape(expected)
    skip = used | set(dropped) | ignored(source_values, ignore)
    unused = sorted(set(source_values) - skip)
    if unused:
        raise AlbertTfError(
            f"{source_name}: {len(unused)} unused variable(s): {', '.join(unused[:8])}"
            + (" ..." if len(unused) > 8 else ""))
    return values, kept


def _shown_expected(expected, transform):
    # The shape the SOURCE should have had: transposed when the table transposes.
    return tuple(reversed(expected)) if transform == "transpose" else expected


def transfer(source_values: dict, target_model, table, source_name="source",
             dropped=(), ignore=()) -> list:
    """Assigns ``source_values`` to ``target_model`` along ``table``; all or nothing.

    Args: as ``map_values``; ``target_model`` is the Keras model receiving the weights.

    Returns:
        the target variable paths left at their initial values (``fallback="keep"``).

    Example:
        >>> import numpy as np, keras
        >>> layer = keras.layers.Dense(2, name="d"); layer.build((None, 3))
        >>> model = keras.Sequential([keras.Input((3,)), layer])
        >>> transfer({"w": np.ones((2, 3)), "b": np.zeros(2)}, model,
        ...          [("d/kernel", "w", "transpose"), ("d/bias", "b")])
        []
    """
    targets = variables_by_path(target_model)
    shapes = {path: tuple(v.shape) for path, v in targets.items()}
    values, kept = map_values(source_values, table, shapes, source_name, dropped, ignore)
    # Assign only once everything checked out, so a failure changes nothing.
    for path, value in values.items():
        targets[path].assign(value.astype(targets[path].dtype))
    return kept


def export_values(model, table, skip=()) -> dict:
    """The other format's ``{theirs: array}`` from an albert-tf model, along ``table``.

    Args:
        model: the albert-tf Keras model.
        table: the rows used for reading that format; each is inverted.
        skip: ``ours`` paths not to write (a pooler the other model class lacks).

    Raises:
        AlbertTfError: a row whose transform has no inverse (a read-only format).
    """
    ours = model_values(model)
    out = {}
    for row in as_rows(table):
        if row.ours in skip:
            continue
        _, inverse = TRANSFORMS[row.transform]
        if inverse is None or isinstance(row.theirs, tuple):
            raise AlbertTfError(f"{row.ours!r}: the {row.transform} mapping only reads")
        out[row.theirs] = np.ascontiguousarray(inverse(ours[row.ours]))
    return out

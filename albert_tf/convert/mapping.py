"""Moves weights between two models along a table of variable names.

A table is a list of ``(ours, theirs)`` variable paths. Values are reshaped
when only the layout differs (a ``[H, heads, head_size]`` kernel into an
``[H, H]`` one); anything else is an error that names the variable.
"""

from __future__ import annotations

import numpy as np

from albert_tf.errors import AlbertTfError


def variables_by_path(model) -> dict:
    """``{variable.path: variable}`` for every weight of a Keras model."""
    return {v.path: v for v in model.weights}


def transfer(source_values: dict, target_model, table, source_name="source") -> None:
    """Assigns ``source_values[theirs]`` to the target's variable ``ours`` for each pair.

    Args:
        source_values: ``{name: array}`` of the source checkpoint.
        target_model: the Keras model receiving the weights.
        table: ``[(ours, theirs), ...]``; ``ours`` are target variable paths.
        source_name: what to call the source in error messages.

    Raises:
        AlbertTfError: a missing name, a size mismatch (naming the variable,
            the expected and the found shape), or source variables left unused.
    """
    targets = variables_by_path(target_model)
    pending = []
    for ours, theirs in table:
        if ours not in targets:
            raise AlbertTfError(f"target model has no variable {ours!r}")
        if theirs not in source_values:
            raise AlbertTfError(f"{source_name}: missing variable {theirs!r} (for {ours!r})")
        value = np.asarray(source_values[theirs])
        expected = tuple(targets[ours].shape)
        if value.size != int(np.prod(expected)):
            raise AlbertTfError(
                f"{source_name}: variable {theirs!r} has shape {tuple(value.shape)}, "
                f"expected {expected} for {ours!r}"
            )
        pending.append((targets[ours], value.reshape(expected)))
    unused = sorted(set(source_values) - {theirs for _, theirs in table})
    if unused:
        raise AlbertTfError(
            f"{source_name}: {len(unused)} unused variable(s): {', '.join(unused[:8])}"
            + (" ..." if len(unused) > 8 else "")
        )
    # Assign only once everything checked out, so a failure changes nothing.
    for variable, value in pending:
        variable.assign(value)

"""Training curves from a model directory's ``training_log.csv`` (PNG)."""

from __future__ import annotations

import csv
import os

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_path


def read_log(model_dir) -> dict:
    """``{column: [float, ...]}`` of ``MODEL_DIR/training_log.csv``."""
    path = os.path.join(model_dir, "training_log.csv")
    if not os.path.exists(path):
        raise AlbertTfError(f"{model_dir}: no training_log.csv (train a model there first)")
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise AlbertTfError(f"{path}: holds no rows yet")
    columns = {}
    for key in rows[0]:
        try:
            columns[key] = [float(row[key]) for row in rows]
        except (TypeError, ValueError):
            continue
    return columns


def plot_curves(model_dir, output, title=None, panels=None) -> str:
    """Draws accuracy and loss curves against the step; returns the PNG path.

    Args:
        model_dir: a model directory with ``training_log.csv``.
        output: PNG path (written atomically).
        title: figure title (default: the directory name).
        panels: ``[(panel title, [column, ...]), ...]``; default: every
            ``*accuracy`` column, then every ``*loss`` column (with ``val_`` twins).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log = read_log(model_dir)
    x = log.get("step") or [i + 1 for i in range(len(next(iter(log.values()))))]
    if panels is None:
        accuracy = sorted(k for k in log if k.endswith("accuracy"))
        loss = sorted(k for k in log if k.endswith("loss"))
        panels = [(name, cols) for name, cols in (("accuracy", accuracy), ("loss", loss)) if cols]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for ax, (name, columns) in zip(axes[0], panels):
        for column in columns:
            if column in log:
                ax.plot(x, log[column], label=column, marker="." if len(x) < 60 else None)
        ax.set_xlabel("step" if "step" in log else "chunk")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or os.path.basename(os.path.abspath(model_dir)))
    fig.tight_layout()
    with atomic_path(output, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return output

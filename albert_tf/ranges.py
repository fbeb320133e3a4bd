"""Ranges of the numeric settings: a value outside is a one-line error naming its flag.

A negative learning rate, a zero checkpoint interval or a batch of -4 used to train (or
crash deep inside TensorFlow); each is refused before anything runs or is written.
"""

from __future__ import annotations

import dataclasses
import math

from albert_tf.errors import AlbertTfError

# name: (lowest, highest, lowest included). None: no bound on that side.
RANGES = {
    "batch_size": (1, 1 << 20, True),
    "steps": (1, 1 << 40, True),
    "epochs": (0, 1e6, False),
    "learning_rate": (0, 10, False),
    "warmup_steps": (0, 1 << 40, True),
    "warmup_proportion": (0, 1, True),
    "weight_decay": (0, 1, True),
    "gradient_accumulation_steps": (1, 1 << 20, True),
    "checkpoint_every": (1, 1 << 40, True),
    "keep_checkpoints": (1, 1 << 20, True),
    "eval_steps": (1, 1 << 40, True),
    "masked_lm_prob": (0, 1, False),
    "max_seq_length": (3, 1 << 20, True),
    "max_train_examples": (0, 1 << 40, True),
    "max_dev_examples": (0, 1 << 40, True),
    "max_examples": (0, 1 << 40, True),
    "cpu_devices": (0, 1 << 12, True),
}


def check_ranges(settings, allow_zero=()) -> None:
    """Raises ``AlbertTfError`` for the first field of ``settings`` (a dataclass) outside
    its range; ``allow_zero`` names fields for which 0 means "off"."""
    for field in dataclasses.fields(settings):
        if field.name not in RANGES:
            continue
        value = getattr(settings, field.name)
        if value is None or (value == 0 and field.name in allow_zero):
            continue
        low, high, inclusive = RANGES[field.name]
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise AlbertTfError(f"{flag} must be a number, got {value!r}")
        if value < low or (value == low and not inclusive) or value > high:
            bound = (f"at least {low}" if inclusive else f"above {low}")
            raise AlbertTfError(f"{flag} must be {bound} and at most {high:,}, got {value:g}")

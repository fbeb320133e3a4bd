"""Checkpoint interop: declarative name tables between albert-tf and other formats.

``convert(source_format, target_format, input, output)`` converts local files:
the original TF1 checkpoints (Google's English and Chinese releases, brightmart's
``albert_zh``), Hugging Face (``config.json`` + ``model.safetensors``), keras-hub
presets and albert-tf model directories. ``read``/``write`` expose the halves.
See docs/CONVERT.md.
"""

from albert_tf.convert.api import SOURCES, TARGETS, convert, read, write
from albert_tf.convert.models import TASKS, Converted

__all__ = ["SOURCES", "TARGETS", "TASKS", "Converted", "convert", "read", "write"]

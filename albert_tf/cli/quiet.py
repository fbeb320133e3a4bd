"""Starts TensorFlow without its C++ start-up chatter on the terminal.

TensorFlow prints oneDNN and CUDA-probe lines to file descriptor 2 while it loads,
before any log level applies. The command line loads it with that descriptor
pointed at a temporary file, and shows the captured text only if loading fails.
"""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def _stderr_to_file():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield capture
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def start_tensorflow_quietly() -> None:
    """Imports TensorFlow and lists its devices with fd 2 captured; re-raises on failure."""
    if os.environ.get("ALBERT_TF_VERBOSE_STARTUP"):
        return
    captured = None
    with _stderr_to_file() as capture:
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except BaseException:
            capture.seek(0)
            captured = capture.read().decode("utf-8", "replace")
    if captured is not None:
        sys.stderr.write(captured)
        import tensorflow  # noqa: F401  (raise the real error, now visible)

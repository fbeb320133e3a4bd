"""Atomic file writes: a reader never sees a half-written file under its final name."""

from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yields a temporary path beside ``path``; renames it onto ``path`` on success.

    Args:
        path: the final file name.
        suffix: ending the temporary name must keep (Keras wants ``.weights.h5``).

    Example:
        >>> with atomic_path("/tmp/x.json") as tmp:
        ...     _ = open(tmp, "w").write("{}")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix="." + os.path.basename(path) + ".tmp-", suffix=suffix, dir=directory
    )
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp
        # Again: a writer may have replaced the file with its own (safetensors: 0600).
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def not_utf8(path: str | os.PathLike, label: str = "") -> str:
    """The one-line reason a text file failed to decode: its first line that is not
    UTF-8, found by reading the bytes again (only called after a UnicodeDecodeError)."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                return (f"{label}{os.fspath(path)}:{number}: not UTF-8 text (byte "
                        f"0x{line[e.start]:02x} at column {e.start + 1}); convert the file "
                        "to UTF-8")
    return f"{label}{os.fspath(path)}: not UTF-8 text"

"""The one exception type users see: a bad input named in one line."""


class AlbertTfError(Exception):
    """A user-facing error: bad file, flag, record or setting.

    The command line prints ``str(error)`` on one line and exits with status 2;
    library callers can catch it like any ``ValueError``-style error.
    """


class ConfigError(AlbertTfError, ValueError):
    """An ``albert_config.json`` (or a config dict) that cannot describe a model."""


def graph_error(error) -> str:
    """The line of a TensorFlow graph error that says what was wrong: the message of a
    failed assertion (``input_ids must be 0 or more``), else the first line."""
    message = (getattr(error, "message", None) or str(error)).strip()
    for line in message.splitlines():
        if "assertion failed: [" in line:
            return line.split("assertion failed: [", 1)[1].split("]", 1)[0].strip(" .")
    return message.splitlines()[0] if message else type(error).__name__

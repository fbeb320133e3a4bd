"""The one exception type users see: a bad input named in one line."""


class AlbertTfError(Exception):
    """A user-facing error: bad file, flag, record or setting.

    The command line prints ``str(error)`` on one line and exits with status 2;
    library callers can catch it like any ``ValueError``-style error.
    """


class ConfigError(AlbertTfError, ValueError):
    """An ``albert_config.json`` (or a config dict) that cannot describe a model."""

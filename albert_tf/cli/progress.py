"""How much training progress the command line prints.

A Keras progress bar redraws itself with carriage returns and colour codes, which a log file
keeps as clutter. So the default is the bar on a terminal and plain ``step N/M: ...`` lines
otherwise (Keras ``verbose=2`` plus our StepLogger).
"""

import sys

VERBOSE_HELP = ("1 = progress bar, 2 = one plain line per checkpoint, 0 = quiet (default: 1 on "
                "a terminal, 2 when the output goes to a file or a pipe)")


def verbosity(flag, stream=None) -> int:
    """``--verbose`` as given, else 1 when ``stream`` (stdout) is a terminal and 2 if not."""
    if flag is not None:
        return flag
    stream = sys.stdout if stream is None else stream
    try:
        return 1 if stream.isatty() else 2
    except (AttributeError, ValueError):  # a closed or unusual stream
        return 2

"""``albert-tf <command>``: parses arguments and calls the library, nothing else.

Each command lives in its own module here with ``register(commands)``, which adds
its sub-parser and sets ``func``; ``COMMANDS`` lists them in ``--help`` order.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from albert_tf import __version__
from albert_tf.errors import AlbertTfError, graph_error

COMMANDS = [
    "demo",
    "train-vocab",
    "create-pretraining-data",
    "pretrain",
    "finetune",
    "evaluate",
    "predict",
    "export",
    "visualize",
    "params",
    "tokenize",
    "convert",
    "split-data",
    "tflite-info",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="albert-tf",
        description="ALBERT (A Lite BERT) for Keras 3 / TensorFlow: pretrain, fine-tune, "
        "serve with TF Serving and ship to phones as TFLite.",
    )
    parser.add_argument("--version", action="version", version=f"albert-tf {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an error instead of one line "
                        "(also accepted after the command)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"albert_tf.cli.{name.replace('-', '_')}").register(commands)
    return parser


def main(argv=None) -> int:
    # TensorFlow's C++ start-up chatter hides our own output; users can set it back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        if getattr(args, "needs_tensorflow", True):
            from albert_tf.cli.quiet import start_tensorflow_quietly

            start_tensorflow_quietly()
        return args.func(args) or 0
    except KeyboardInterrupt:
        print(f"albert-tf {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one line for the user; --debug keeps the traceback
        if debug:
            raise
        line, code = describe_error(e)
        print(f"albert-tf {args.command}: error: {line}", file=sys.stderr)
        return code


def describe_error(error: BaseException) -> tuple[str, int]:
    """(one line, exit status) for an exception that ends a command: 2 for bad input
    (files, text, records, sizes), 1 for anything else, which is a bug to report."""
    if isinstance(error, AlbertTfError):
        return str(error), 2
    if isinstance(error, OSError) and (error.filename or error.strerror):
        reasons = {IsADirectoryError: "is a directory, not a file",
                   NotADirectoryError: "is not a directory (or a part of the path is a file)",
                   FileExistsError: "exists and is not a directory",
                   FileNotFoundError: "no such file or directory",
                   PermissionError: "permission denied"}
        reason = next((text for kind, text in reasons.items() if isinstance(error, kind)),
                      (error.strerror or str(error)).lower())
        return f"{error.filename}: {reason}" if error.filename else reason, 2
    if isinstance(error, UnicodeDecodeError):
        return (f"input is not UTF-8 text: byte 0x{error.object[error.start]:02x} at offset "
                f"{error.start} ({error.reason})"), 2
    if isinstance(error, MemoryError):
        return "out of memory: the sizes asked for do not fit; use smaller ones", 2
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(error, tf.errors.OpError):
        first = graph_error(error)
        if isinstance(error, tf.errors.ResourceExhaustedError):
            return f"out of memory: {first[:300]}; use smaller sizes", 2
        if isinstance(error, (tf.errors.DataLossError, tf.errors.NotFoundError,
                              tf.errors.InvalidArgumentError, tf.errors.OutOfRangeError)):
            return first[:500], 2
    name = type(error).__name__
    return (f"{name}: {str(error).strip().splitlines()[0][:300] if str(error).strip() else ''} "
            "(an internal error: run again with --debug for the traceback and report it)"), 1


if __name__ == "__main__":
    sys.exit(main())

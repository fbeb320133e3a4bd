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
from albert_tf.errors import AlbertTfError

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
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="albert-tf",
        description="ALBERT (A Lite BERT) for Keras 3 / TensorFlow: pretrain, fine-tune, "
        "serve with TF Serving and ship to phones as TFLite.",
    )
    parser.add_argument("--version", action="version", version=f"albert-tf {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"albert_tf.cli.{name.replace('-', '_')}").register(commands)
    return parser


def main(argv=None) -> int:
    # TensorFlow's C++ start-up chatter hides our own output; users can set it back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if getattr(args, "needs_tensorflow", True):
        from albert_tf.cli.quiet import start_tensorflow_quietly

        start_tensorflow_quietly()
    try:
        return args.func(args) or 0
    except AlbertTfError as e:
        print(f"albert-tf {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"albert-tf {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

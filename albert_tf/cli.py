"""``albert-tf <command>``: parses arguments and calls the library, nothing else."""

from __future__ import annotations

import argparse
import os
import sys

from albert_tf import __version__
from albert_tf.errors import AlbertTfError


def _cmd_demo(args) -> int:
    from albert_tf.demo import run_demo

    return run_demo(config_dir=args.configs)


def _cmd_params(args) -> int:
    from albert_tf.demo import format_table, parameter_rows
    from albert_tf.resources import config_path

    rows = parameter_rows([config_path(c) for c in args.albert_config], log=lambda _: None)
    print(format_table(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="albert-tf",
        description="ALBERT (A Lite BERT) for Keras 3 / TensorFlow: pretrain, fine-tune, "
        "serve and ship to phones.",
    )
    parser.add_argument("--version", action="version", version=f"albert-tf {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run the main job on the bundled data (now: build every config and "
        "print its parameter table)",
        description="Builds every config under configs/ and prints its parameter table.",
    )
    demo.add_argument("--configs", metavar="DIR", help="folder of albert_config.json files "
                      "(default: the repository's configs/)")
    demo.set_defaults(func=_cmd_demo)

    params = commands.add_parser(
        "params", help="print the parameter table of one or more configs",
        description="Builds the encoder of each config (no forward pass) and counts its "
        "parameters by part.",
    )
    params.add_argument("albert_config", nargs="+", metavar="CONFIG",
                        help="an albert_config.json path or a bundled name (albert_base_v2)")
    params.set_defaults(func=_cmd_params)
    return parser


def main(argv=None) -> int:
    # TensorFlow's C++ start-up chatter hides our own output; users can set it back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
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

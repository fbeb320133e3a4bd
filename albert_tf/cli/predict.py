"""``albert-tf predict TASK``."""

import json
import sys


DATA_FILES = (".tsv", ".csv", ".jsonl")


def _common(parser):
    parser.add_argument("--model-dir", required=True, help="a fine-tuned model directory")
    parser.add_argument("--text", action="append", help="an input (repeatable)")
    parser.add_argument("--input", help="a file of inputs, one per line (default: stdin); "
                        "classification also reads a data file (.tsv, .csv, .jsonl) by its "
                        "header: the text column (--text-column), labels ignored")
    parser.set_defaults(func=run)


def register(commands):
    from albert_tf.cli.finetune import task_parsers

    task_parsers(commands, "predict", "run a model directory on raw text, print JSON lines",
                 "Reads inputs from --text, --input or standard input and prints one JSON "
                 "object per input.", _common)


def run(args) -> int:
    from albert_tf.errors import AlbertTfError
    from albert_tf.io_utils import not_utf8
    from albert_tf.model_dir import read_task_info
    from albert_tf.tasks.base import task_module
    from albert_tf.tasks.finetuning import predict

    info = read_task_info(args.model_dir)
    task = task_module(args.task)
    if args.input and args.task == "classification" and args.input.lower().endswith(
            DATA_FILES):
        # A data file: its header names the columns; the label column is not an input.
        overrides = task.info_overrides(args)
        examples = task.read_examples(args.input, {**info, **overrides}, labelled=False)
        for row in predict(args.task, args.model_dir, examples, args):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if args.text:
        lines = args.text
    elif args.input:
        try:
            with open(args.input, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise AlbertTfError(f"--input {args.input}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise AlbertTfError(not_utf8(args.input, "--input ")) from None
    else:
        data = sys.stdin.buffer.read()
        try:
            lines = data.decode("utf-8").splitlines()
        except UnicodeDecodeError as e:
            line = data[:e.start].count(b"\n") + 1
            raise AlbertTfError(f"standard input line {line}: not UTF-8 text (byte "
                                f"0x{data[e.start]:02x})") from None
    inputs = task.read_inputs(lines, info)
    for row in predict(args.task, args.model_dir, inputs, args):
        print(json.dumps(row, ensure_ascii=False))
    return 0

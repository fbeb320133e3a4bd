"""``albert-tf finetune TASK``."""

import argparse

from albert_tf.cli.help_format import DefaultsHelpFormatter
from albert_tf.cli.progress import VERBOSE_HELP
from albert_tf.tasks import registry


def task_parsers(commands, command, help_text, description, add_common):
    """One sub-parser per task under ``command``; each task adds its own flags."""
    parser = commands.add_parser(command, help=help_text, description=description)
    tasks = parser.add_subparsers(dest="task", metavar="TASK", required=True)
    for name in registry.finetuning_tasks():
        package = registry.task(name)
        sub = tasks.add_parser(name, help=package.HELP, formatter_class=DefaultsHelpFormatter)
        add_common(sub)
        for option in package.OPTIONS:
            if command in option.commands:
                add_option(sub, option, command)
    return parser


def add_option(parser, option, command):
    """The flag of one task ``Option`` (``albert_tf/tasks/options.py``)."""
    if option.type is bool:
        parser.add_argument(option.flag, action="store_true", help=option.help)
        return
    parser.add_argument(option.flag, type=option.type, choices=option.choices,
                        default=option.default_for(command), help=option.help)


def _common(parser):
    parser.add_argument("--train", required=True, help="training file")
    parser.add_argument("--dev", help="development file, evaluated after training")
    parser.add_argument("--output-dir", required=True, help="the fine-tuned model directory")
    parser.add_argument("--init-checkpoint", "--model-dir", dest="init_checkpoint",
                        help="pretrained model directory to start from")
    parser.add_argument("--albert-config", help="config to start from random weights "
                        "(a path or a bundled name); with --init-checkpoint, a check")
    parser.add_argument("--vocab", help="vocabulary (default: the --init-checkpoint's vocab/)")
    parser.add_argument("--do-lower-case", action=argparse.BooleanOptionalAction, default=None,
                        help="with --vocab (default: lowercase)")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--warmup-proportion", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--optimizer", choices=("adamw", "lamb"), default="adamw")
    parser.add_argument("--adam-bias-correction", dest="bias_correction",
                        action=argparse.BooleanOptionalAction, default=False,
                        help="Adam's bias correction (off in the original ALBERT; turn it on "
                        "for short runs with large learning rates)")
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--strategy", default="auto",
                        choices=("auto", "one_device", "mirrored", "multi_worker", "tpu"))
    parser.add_argument("--jit-compile", default="auto", choices=("auto", "true", "false"))
    parser.add_argument("--group-by-length", action=argparse.BooleanOptionalAction,
                        default=False,
                        help="batch texts of about the same length together and cut each "
                        "batch to its longest text (rounded up to 16 tokens): much faster on "
                        "short texts; batches then differ in width (one device only: off on "
                        "TPU and with several replicas)")
    parser.add_argument("--checkpoint-every", type=int, default=0,
                        help="steps between checkpoints (default: one epoch)")
    parser.add_argument("--max-train-examples", type=int, default=0,
                        help="use only the first N training examples (0 = all)")
    parser.add_argument("--max-dev-examples", type=int, default=0,
                        help="evaluate on the first N --dev examples only (0 = all)")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), help=VERBOSE_HELP)
    parser.set_defaults(func=run)


def register(commands):
    task_parsers(commands, "finetune", "fine-tune a task and write its model directory",
                 "Fine-tunes ALBERT with model.fit on a task's training file, evaluates on "
                 "--dev, and writes a model directory (resumable after a crash).", _common)


def run(args) -> int:
    from albert_tf.cli.progress import verbosity
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune

    names = [f.name for f in __import__("dataclasses").fields(FinetuneSettings)]
    values = {k: getattr(args, k) for k in names if hasattr(args, k)}
    settings = FinetuneSettings(**{**values, "verbose": verbosity(args.verbose)})
    finetune(settings, args, print_fn=lambda line: print(line, flush=True))
    return 0

"""``albert-tf evaluate TASK``."""

import json
import sys


def _common(parser):
    parser.add_argument("--data", required=True, help="labelled data (gold)")
    parser.add_argument("--model-dir", help="a fine-tuned model directory")
    parser.add_argument("--predictions", help="score this predictions file instead of a model, "
                        "as the official evaluation scripts do")
    parser.add_argument("--output", help="metrics JSON (default: MODEL_DIR/eval_results.json)")
    parser.add_argument("--max-examples", type=int, default=0,
                        help="with --model-dir: score the first N examples of --data only, "
                        "for a quick look (0 = all)")
    parser.set_defaults(func=run)


def register(commands):
    from albert_tf.cli.finetune import task_parsers

    task_parsers(commands, "evaluate", "score a model directory or a predictions file",
                 "Computes the task's metrics for a model directory on --data, or for a "
                 "--predictions file without any model, and writes them as JSON.", _common)


def run(args) -> int:
    from albert_tf.tasks.base import reporting_progress
    from albert_tf.tasks.finetuning import evaluate

    def progress(line):  # stdout is the metrics JSON; progress goes to stderr
        print(line, file=sys.stderr, flush=True)

    if args.model_dir and not args.predictions:
        progress(f"evaluating {args.model_dir} on {args.data}")
    with reporting_progress(progress):
        metrics = evaluate(args.task, args.model_dir, args.data, args.predictions, args.output,
                           args, max_examples=args.max_examples)
    print(json.dumps(metrics, indent=2))
    return 0

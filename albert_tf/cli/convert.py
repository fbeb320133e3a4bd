"""``albert-tf convert``: a local checkpoint from one format to another."""

import argparse
import sys


def register(commands):
    parser = commands.add_parser(
        "convert", help="convert checkpoints: original TF1, Hugging Face, keras-hub, albert-tf",
        description="Converts a checkpoint you downloaded into another format, reading local\n"
        "files only. Every name and shape is checked against a declarative table\n"
        "(docs/CONVERT.md); a mismatch names the variable and both shapes, unknown\n"
        "variables are listed, and nothing is written unless the whole conversion\n"
        "succeeds. --to keras writes a model directory for albert_tf.load_model and\n"
        "the fine-tuning commands' --init-checkpoint.\n\n"
        "formats:\n"
        "  tf1          original TF1 checkpoint: model.ckpt-* with albert_config.json\n"
        "               (Google's albert_*_v2 and albert_*_zh, brightmart's albert_zh)\n"
        "  huggingface  config.json + model.safetensors (pytorch_model.bin: --allow-pickle)\n"
        "  keras-hub    a keras-hub preset directory (AlbertBackbone, AlbertTextClassifier)\n"
        "  keras        an albert-tf model directory",
        epilog="examples:\n"
        "  albert-tf convert --from tf1 --to keras --input albert_base --output "
        "saved_models/albert_base\n"
        "  albert-tf convert --from huggingface --to keras --input albert-base-v2 "
        "--output saved_models/albert_base\n"
        "  albert-tf convert --from keras --to huggingface --input saved_models/sst2 "
        "--output hf/sst2\n"
        "  albert-tf convert --from tf1 --to keras --task encoder --input squad2_ckpt "
        "--output saved_models/enc",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="source_format", required=True,
                        choices=["tf1", "huggingface", "keras-hub", "keras"],
                        help="format of --input")
    parser.add_argument("--to", dest="target_format", required=True,
                        choices=["keras", "huggingface", "keras-hub"],
                        help="format to write")
    parser.add_argument("--input", required=True, metavar="SRC",
                        help="checkpoint directory, TF1 checkpoint prefix, or preset directory")
    parser.add_argument("--output", required=True, metavar="DST",
                        help="directory to create (written under a temporary name, then "
                        "renamed)")
    parser.add_argument("--task", choices=["encoder", "pretraining", "classification", "ner",
                                           "squad"],
                        help="model to build (default: the heads the source has; encoder "
                        "drops them; ner reads a TF1 output_weights head per token)")
    parser.add_argument("--config", metavar="FILE",
                        help="tf1: albert_config.json when it is not beside the checkpoint")
    parser.add_argument("--labels", metavar="A,B,...",
                        help="tf1: label names of a classifier head (default: 0,1,...)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="huggingface: read pytorch_model.bin (unpickling runs code; "
                        "needs torch)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace DST if it exists")
    parser.set_defaults(func=run)


def run(args) -> int:
    from albert_tf.convert import convert

    def log(line):
        print(f"[convert] {line}", file=sys.stderr, flush=True)

    labels = [label for label in args.labels.split(",") if label] if args.labels else None
    convert(args.source_format, args.target_format, args.input, args.output, task=args.task,
            config=args.config, labels=labels, allow_pickle=args.allow_pickle,
            overwrite=args.overwrite, log=log)
    print(args.output)
    return 0

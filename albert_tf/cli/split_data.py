"""``albert-tf split-data``: a train/dev split of a file that ships as one split."""

import argparse


def register(commands):
    parser = commands.add_parser(
        "split-data", help="split a labelled file into train and dev parts",
        description="Writes a train and a dev file from one labelled file, moving whole "
        "units so that nothing is cut in half:\n"
        "  squad   SQuAD JSON (.json): whole articles;\n"
        "  blocks  column files (CoNLL, People's Daily): whole sentences;\n"
        "  tsv     a TSV with a header (.tsv): lines, the header in both parts.\n"
        "The LAST --dev-size units become dev, in file order (deterministic).",
        epilog="example:\n  albert-tf split-data --input "
        "../shared/data/squad/dev-v1.1.json --dev-size 10 \\\n"
        "      --train-output data/squad/train.json --dev-output data/squad/dev.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", required=True, metavar="FILE", help="the labelled file")
    parser.add_argument("--train-output", required=True, metavar="FILE",
                        help="where the train part goes")
    parser.add_argument("--dev-output", required=True, metavar="FILE",
                        help="where the dev part goes")
    parser.add_argument("--dev-size", default="10%", metavar="N|P%",
                        help="units for dev: a count, or a share such as 10%% (default: 10%%)")
    parser.add_argument("--format", default="auto", choices=("auto", "squad", "blocks", "tsv"),
                        help="the input's format (default: from the extension)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace output files that exist")
    parser.set_defaults(func=run, needs_tensorflow=False)


def run(args) -> int:
    from albert_tf.data.splitting import UNIT_NAMES, format_of, split_file

    train, dev = split_file(args.input, args.train_output, args.dev_output, args.dev_size,
                            args.format, args.overwrite)
    unit = UNIT_NAMES[format_of(args.input, args.format)]
    for name, part, path in (("train", train, args.train_output),
                             ("dev", dev, args.dev_output)):
        extra = f" ({part.questions:,} questions)" if part.questions else ""
        print(f"[split-data] {name}: {part.units:,} {unit}{extra} -> {path}", flush=True)
    return 0

"""``albert-tf train-vocab``: a SentencePiece or WordPiece vocabulary with ALBERT's conventions."""

import argparse
import json


def register(commands):
    parser = commands.add_parser(
        "train-vocab", help="train a vocabulary (SentencePiece unigram or WordPiece)",
        description="Trains a vocabulary the way ALBERT's were:\n"
        "  sentencepiece: unigram, ids 0-4 = <pad> <unk> [CLS] [SEP] [MASK], no BOS/EOS,\n"
        "    user symbols ( ) \" - . – £ €, on text put through ALBERT's preprocessing;\n"
        "    writes PREFIX.model and PREFIX.vocab;\n"
        "  wordpiece: a BERT vocab.txt starting [PAD] [UNK] [CLS] [SEP] [MASK];\n"
        "    writes PREFIX.txt.\n"
        "Deterministic; files appear only when complete; the settings go to\n"
        "PREFIX.train-vocab.json.",
        epilog="example:\n  albert-tf train-vocab --input ../shared/data/pretrain_en/*.txt "
        "--output vocab/en8k --vocab-size 8000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input", nargs="+", required=True, metavar="FILE",
                        help="UTF-8 text files, one sentence or paragraph per line")
    parser.add_argument("--output", required=True, metavar="PREFIX",
                        help="output path without extension; a folder (DIR/ or an existing "
                        "directory) means DIR/vocab")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the vocabulary files if PREFIX's already exist")
    parser.add_argument("--vocab-size", type=int, required=True, metavar="N",
                        help="number of pieces, special tokens included")
    parser.add_argument("--kind", choices=["sentencepiece", "wordpiece"],
                        default="sentencepiece", help="vocabulary kind (default: sentencepiece)")
    parser.add_argument("--do-lower-case", action=argparse.BooleanOptionalAction, default=True,
                        help="lowercase the training text, as tokenization will (default: yes)")
    parser.add_argument("--keep-accents", action=argparse.BooleanOptionalAction, default=False,
                        help="SentencePiece only: keep accents (default: no)")
    parser.add_argument("--verbose", action="store_true",
                        help="also show SentencePiece's own training log")
    # SentencePiece training needs no TensorFlow; the WordPiece learner loads it itself.
    parser.set_defaults(func=run, needs_tensorflow=False)


def output_prefix(output: str, kind: str, overwrite: bool) -> str:
    """The PREFIX that ``--output`` names: ``DIR/`` or an existing directory means
    ``DIR/vocab`` (never the hidden ``DIR/.model``); existing files are refused unless
    ``overwrite``."""
    import os

    from albert_tf.errors import AlbertTfError

    if output.endswith(("/", os.sep)) or os.path.isdir(output):
        output = os.path.join(output, "vocab")
    extensions = (".model", ".vocab") if kind == "sentencepiece" else (".txt",)
    existing = [output + ext for ext in extensions if os.path.exists(output + ext)]
    if existing and not overwrite:
        raise AlbertTfError(f"--output {output}: {existing[0]} exists; pass --overwrite to "
                            "replace it")
    return output


def run(args) -> int:
    from albert_tf import __version__
    from albert_tf.errors import AlbertTfError
    from albert_tf.io_utils import atomic_write_text
    from albert_tf.tokenization import vocab_training

    log = lambda message: print(f"[train-vocab] {message}", flush=True)  # noqa: E731
    args.output = output_prefix(args.output, args.kind, args.overwrite)
    if args.kind == "sentencepiece":
        path = vocab_training.train_sentencepiece(
            args.input, args.output, args.vocab_size, args.do_lower_case, args.keep_accents,
            log=log, verbose=args.verbose)
    else:
        if args.keep_accents:
            raise AlbertTfError("--keep-accents applies to --kind sentencepiece only")
        from albert_tf.cli.quiet import start_tensorflow_quietly

        start_tensorflow_quietly()
        path = vocab_training.train_wordpiece(args.input, args.output, args.vocab_size,
                                              args.do_lower_case, log=log)
    settings = {"albert_tf_version": __version__, "command": "train-vocab", "kind": args.kind,
                "input": args.input, "output": path, "vocab_size": args.vocab_size,
                "do_lower_case": args.do_lower_case, "keep_accents": args.keep_accents}
    atomic_write_text(args.output + ".train-vocab.json", json.dumps(settings, indent=2) + "\n")
    return 0

"""``albert-tf tokenize``: text in, one JSON list of ids (or pieces) per line out."""

import argparse
import json
import sys

BATCH = 256


def register(commands):
    parser = commands.add_parser(
        "tokenize", help="tokenize lines of text with an ALBERT vocabulary",
        description="Reads lines from standard input (or --text) and prints one JSON list of\n"
        "token ids per line, exactly as the original ALBERT tokenization (SentencePiece\n"
        ".model or WordPiece vocab.txt). Runs the in-graph TensorFlow tokenizer.",
        epilog="examples:\n"
        "  echo 'ALBERT was released in 2019.' | albert-tf tokenize --vocab 30k-clean.model\n"
        "  albert-tf tokenize --vocab vocab.txt --pieces --text '你好，世界'\n"
        "  albert-tf tokenize --vocab saved_models/my_model --text 'from a model dir'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vocab", required=True, metavar="FILE",
                        help="a SentencePiece .model, a BERT vocab.txt, or a model directory "
                        "(its vocab/)")
    parser.add_argument("--kind", choices=["sentencepiece", "wordpiece"],
                        help="vocabulary kind (default: from the file extension)")
    parser.add_argument("--do-lower-case", action=argparse.BooleanOptionalAction, default=None,
                        help="lowercase the text (default: yes; a model directory's saved "
                        "setting)")
    parser.add_argument("--keep-accents", action=argparse.BooleanOptionalAction, default=None,
                        help="SentencePiece only: keep accents instead of NFKD + stripping "
                        "(default: no)")
    parser.add_argument("--normalize-quotes", action=argparse.BooleanOptionalAction,
                        default=None,
                        help="SentencePiece only: turn `` and '' into \" first, as Hugging "
                        "Face does (default: no, as the original ALBERT; a model directory's "
                        "saved setting)")
    parser.add_argument("--text", action="append", metavar="TEXT",
                        help="text to tokenize instead of standard input (repeatable)")
    parser.add_argument("--pieces", action="store_true",
                        help="print the pieces instead of the ids")
    # The vocabulary is checked before TensorFlow loads, so a bad path fails fast.
    parser.set_defaults(func=run, needs_tensorflow=False)


def _tokenizer(args):
    from albert_tf.tokenization.assets import is_model_dir, read_assets
    from albert_tf.tokenization.vocab import read_vocabulary

    path, kind, lower, accents = args.vocab, args.kind, args.do_lower_case, args.keep_accents
    quotes = args.normalize_quotes
    if is_model_dir(path):
        path, info = read_assets(path)
        kind = kind or info["kind"]
        lower = info["do_lower_case"] if lower is None else lower
        accents = info.get("keep_accents", False) if accents is None else accents
        quotes = info["normalize_quotes"] if quotes is None else quotes
    vocabulary = read_vocabulary(path, kind)
    from albert_tf.cli.quiet import start_tensorflow_quietly

    start_tensorflow_quietly()
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer(vocabulary, do_lower_case=True if lower is None else lower,
                           keep_accents=bool(accents), normalize_quotes=bool(quotes))


def _lines(args):
    if args.text:
        yield from args.text
        return
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _batches(lines):
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def run(args) -> int:
    tokenizer = _tokenizer(args)
    out = sys.stdout.buffer
    for batch in _batches(_lines(args)):
        for ids in tokenizer.tokenize(batch).to_list():
            row = tokenizer.id_to_piece(ids) if args.pieces else ids
            out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
    return 0

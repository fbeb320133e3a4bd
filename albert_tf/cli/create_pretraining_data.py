"""``albert-tf create-pretraining-data``."""

import argparse

from albert_tf.cli.help_format import DefaultsHelpFormatter


def register(commands):
    parser = commands.add_parser(
        "create-pretraining-data", formatter_class=DefaultsHelpFormatter,
        help="turn text into masked-LM + sentence-order TFRecords",
        description="Reads text (by default one sentence or paragraph per line, a blank line "
        "between documents; see --text-format for books and articles), tokenizes it, cuts "
        "sentence-order pairs, applies n-gram masking and "
        "writes sharded TFRecords with ALBERT's feature names plus a metadata JSON. Runs "
        "in parallel; the output depends on the seed, not on --num-workers. Run the same "
        "command again after a crash to resume.",
    )
    parser.add_argument("--input", nargs="+", required=True, metavar="FILE",
                        help="text files or globs")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--vocab", required=True,
                        help="SentencePiece .model or WordPiece vocab.txt")
    parser.add_argument("--kind", choices=("sentencepiece", "wordpiece"),
                        help="vocabulary kind (default: from the file name)")
    parser.add_argument("--name", default="pretrain", help="shard file name prefix")
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--max-predictions-per-seq", type=int, default=20)
    parser.add_argument("--masked-lm-prob", type=float, default=0.15)
    parser.add_argument("--dupe-factor", type=int, default=10,
                        help="times each document is cut into pairs (with new masks)")
    parser.add_argument("--short-seq-prob", type=float, default=0.1)
    parser.add_argument("--ngram", type=int, default=3, help="longest masked n-gram (words)")
    parser.add_argument("--favor-shorter-ngram", action="store_true",
                        help="p(n) ∝ 1/(ngram+1-n) instead of 1/n")
    parser.add_argument("--no-whole-word-mask", dest="whole_word_mask", action="store_false",
                        help="mask pieces independently instead of whole words")
    parser.add_argument("--single-segment", choices=("split", "random_next", "skip"),
                        default="split",
                        help="a chunk holding one segment: cut it in two (pure sentence order), "
                        "pair it with a random document labelled 1 (the original script), or "
                        "drop it")
    parser.add_argument("--segmenter", choices=("jieba",),
                        help="Chinese whole-word masking with this word segmenter")
    parser.add_argument("--text-format", choices=("lines", "prose", "paragraphs"),
                        default="lines",
                        help="lines: a sentence per line, a blank line between documents (the "
                        "original); prose: hard-wrapped paragraphs separated by blank lines, "
                        "as Project Gutenberg books; paragraphs: a paragraph per line, as "
                        "WikiText. prose and paragraphs are split into sentences and cut into "
                        "documents of about 20,000 characters (cut at sentence ends)")
    parser.add_argument("--random-seed", type=int, default=12345)
    parser.add_argument("--do-lower-case", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--num-workers", type=int, default=0,
                        help="processes (0 = one per CPU core)")
    parser.add_argument("--num-shards", type=int, default=4)
    parser.add_argument("--block-mb", type=float, default=0.5,
                        help="MB of text per block: the unit of work and of shuffling")
    parser.set_defaults(func=run, needs_tensorflow=False)


def run(args) -> int:
    from albert_tf.data.pretraining import DataSettings, create_pretraining_data

    settings = DataSettings(
        input=args.input, output_dir=args.output_dir, vocab=args.vocab, kind=args.kind,
        name=args.name, max_seq_length=args.max_seq_length,
        max_predictions_per_seq=args.max_predictions_per_seq,
        masked_lm_prob=args.masked_lm_prob, dupe_factor=args.dupe_factor,
        short_seq_prob=args.short_seq_prob, ngram=args.ngram,
        favor_shorter_ngram=args.favor_shorter_ngram, whole_word_mask=args.whole_word_mask,
        single_segment=args.single_segment,
        segmenter=args.segmenter, text_format=args.text_format, random_seed=args.random_seed,
        do_lower_case=args.do_lower_case, num_workers=args.num_workers,
        num_shards=args.num_shards, block_mb=args.block_mb,
    )
    create_pretraining_data(settings, log=lambda line: print(line, flush=True))
    return 0

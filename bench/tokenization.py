"""Throughput of in-graph tokenization beside the Python references.

    python bench/tokenization.py [--runs 5] [--batch 1024] [--no-write]

Runs in one process: the WikiText-2 raw test file (2891 lines, 1.29 MB) through the
in-graph ``AlbertTokenizer`` (``tf.function``, batches of ``--batch`` lines) and through
``SentencePieceReference`` (ALBERT ``preprocess_text`` + the ``sentencepiece`` library,
batched) and the bare ``sentencepiece`` library; the same for WordPiece on ChnSentiCorp.
Each figure is the median of ``--runs`` timed passes after one warm-up pass; ids are
checked equal. Writes its section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import DATA, call_times, machine, write_section  # noqa: E402

SECTION = "tokenization"


def _median_seconds(run, runs):
    return statistics.median(call_times(run, runs, warmup=1))  # warm-up: tracing, caches


def _batches(lines, size):
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def _measure(tokenizer, lines, runs, batch, bare=None):
    import tensorflow as tf

    reference = tokenizer.reference()
    graph = tf.function(tokenizer.tokenize, input_signature=[tf.TensorSpec([None], tf.string)])
    batches = [tf.constant(b) for b in _batches(lines, batch)]
    got = [row for b in batches for row in graph(b).to_list()]
    assert got == reference.encode_ids(lines), "in-graph ids differ from the reference"
    rows = [("in-graph AlbertTokenizer (tf.function)",
             _median_seconds(lambda: [graph(b) for b in batches], runs)),
            ("Python reference (albert_tf.tokenization.reference)",
             _median_seconds(lambda: reference.encode_ids(lines), runs))]
    if bare is not None:
        rows.append(bare(runs))
    return rows


def _table(title, lines, rows):
    megabytes = sum(len(line.encode("utf-8")) + 1 for line in lines) / 1e6
    base = rows[1][1]
    out = [f"**{title}** ({len(lines)} lines, {megabytes:.2f} MB)", "",
           "| path | median s | lines/s | MB/s | speed vs Python reference |",
           "|---|---|---|---|---|"]
    for name, seconds in rows:
        out.append(f"| {name} | {seconds:.3f} | {len(lines) / seconds:,.0f} | "
                   f"{megabytes / seconds:.2f} | {base / seconds:.2f}x |")
    return "\n".join(out)


def _machine():
    return machine("tensorflow", "tensorflow_text", "sentencepiece")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import sentencepiece as spm

    from albert_tf.tokenization import AlbertTokenizer
    from albert_tf.tokenization.preprocess import preprocess_text

    model = os.path.join(DATA, "vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")
    with open(os.path.join(DATA, "pretrain_en", "wikitext-2-raw.wiki.test.raw"),
              encoding="utf-8", newline="") as f:
        wiki = [line.rstrip("\n") for line in f]
    processor = spm.SentencePieceProcessor(model_file=model)

    def bare_sentencepiece(runs):
        prepared = [preprocess_text(line) for line in wiki]
        return ("sentencepiece library alone, text already preprocessed",
                _median_seconds(lambda: processor.encode(prepared), runs))

    spm_rows = _measure(AlbertTokenizer.from_vocab(model), wiki, args.runs, args.batch,
                        bare_sentencepiece)
    vocab = os.path.join(DATA, "vocab", "chinese_wordpiece_21128", "vocab.txt")
    with open(os.path.join(DATA, "chnsenticorp", "dev.tsv"), encoding="utf-8") as f:
        senti = [line.rstrip("\n").split("\t", 2)[2] for line in f][1:]
    wp_rows = _measure(AlbertTokenizer.from_vocab(vocab), senti, args.runs, args.batch)

    body = "\n\n".join([
        "## Tokenization (`bench/tokenization.py`)",
        f"{_machine()}. Median of {args.runs} passes "
        f"after a warm-up; in-graph batches of {args.batch} lines; identical ids checked. "
        "The machine is shared, so figures vary by some 10-20 % between runs.",
        _table("SentencePiece, `30k-clean.model` (ALBERT format), WikiText-2 raw test",
               wiki, spm_rows),
        _table("WordPiece, Chinese `vocab.txt` (21128), ChnSentiCorp dev texts",
               senti, wp_rows),
    ])
    print(body)
    if not args.no_write:
        write_section(SECTION, body)
        print("\nwrote docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()

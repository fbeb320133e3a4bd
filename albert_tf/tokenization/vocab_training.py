"""Training a vocabulary with ALBERT's conventions (``albert-tf train-vocab``).

SentencePiece, as the released ALBERT models (their ``trainer_spec``): unigram,
``pad_id=0 unk_id=1 bos_id=-1 eos_id=-1``, control symbols ``[CLS] [SEP] [MASK]`` (ids
2-4), user symbols ``( ) " - . – £ €``, ``character_coverage=0.99995``,
``shuffle_input_sentence``, ``input_sentence_size=10000000``. The training text is first
put through ALBERT's ``preprocess_text`` (with the same ``do_lower_case``), so the
pieces are the ones tokenization will look for.

WordPiece: words counted with BERT's BasicTokenizer (``bert_basic.py``), then
tensorflow-text's WordPiece learner; ``vocab.txt`` starts ``[PAD] [UNK] [CLS] [SEP]
[MASK]``.

Both are deterministic (fixed seed and thread count) and write their files under
temporary names, renamed when complete.
"""

from __future__ import annotations

import collections
import os
import tempfile
import time

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text
from albert_tf.tokenization.vocab import SPECIAL_PIECES, WORDPIECE

USER_SYMBOLS = ("(", ")", '"', "-", ".", "\u2013", "\u00a3", "\u20ac")
CONTROL_SYMBOLS = ("[CLS]", "[SEP]", "[MASK]")
SEED = 12345
NUM_THREADS = 4  # fixed: the unigram EM sums per thread, so the count changes the result


def _check_inputs(inputs) -> None:
    if not inputs:
        raise AlbertTfError("no input files")
    from albert_tf.data.documents import refuse_binary

    for path in inputs:
        if not os.path.isfile(path):
            raise AlbertTfError(f"{path}: no such input file")
        refuse_binary(path)


def _no_text(inputs) -> str:
    return f"--input {' '.join(inputs)}: no text to train a vocabulary on"


def _lines(inputs, log):
    """Yields the lines of the input files (UTF-8; CRLF or LF)."""
    for path in inputs:
        log(f"reading {path}")
        with open(path, encoding="utf-8", errors="replace") as f:
            yield from f


def train_sentencepiece(inputs, prefix: str, vocab_size: int, do_lower_case: bool = True,
                        keep_accents: bool = False, log=print, verbose: bool = False,
                        normalization_rule: str = "nmt_nfkc") -> str:
    """Trains ``PREFIX.model`` and ``PREFIX.vocab``; returns the ``.model`` path.

    Args:
        inputs: text files, one sentence or paragraph per line.
        prefix: output path without extension.
        vocab_size: number of pieces (special and user symbols included).
        do_lower_case, keep_accents: ``preprocess_text`` settings for the training text.
        log: progress printer; ``verbose`` also shows SentencePiece's own log.
        normalization_rule: the model's own normalizer (SentencePiece's rule name; ALBERT's
            is ``nmt_nfkc``; bench/device_tokenizer.py compares ``nmt_nfkc_cf``).
    """
    import sentencepiece as spm

    from albert_tf.tokenization.preprocess import preprocess_text

    _check_inputs(inputs)
    minimum = 1 + 1 + len(CONTROL_SYMBOLS) + len(USER_SYMBOLS) + 1
    if vocab_size < minimum:
        raise AlbertTfError(f"--vocab-size {vocab_size} is too small (at least {minimum})")
    counts = collections.Counter()

    def sentences():
        for line in _lines(inputs, log):
            text = preprocess_text(line, do_lower_case, keep_accents)
            if text:
                counts["lines"] += 1
                counts["bytes"] += len(line.encode("utf-8"))
                yield text

    directory = os.path.dirname(os.path.abspath(prefix))
    made_directory = not os.path.isdir(directory)
    os.makedirs(directory, exist_ok=True)
    try:
        return _train_sentencepiece(spm, sentences, counts, inputs, prefix, directory,
                                    vocab_size, log, verbose, normalization_rule)
    except BaseException:
        if made_directory and not os.listdir(directory):
            os.rmdir(directory)  # a failed run leaves nothing behind
        raise


def _train_sentencepiece(spm, sentences, counts, inputs, prefix, directory, vocab_size, log,
                         verbose, normalization_rule="nmt_nfkc"):
    start = time.time()
    log(f"training a SentencePiece unigram vocabulary of {vocab_size} pieces")
    spm.set_random_generator_seed(SEED)
    with tempfile.TemporaryDirectory(prefix=".train-vocab-", dir=directory) as tmp:
        tmp_prefix = os.path.join(tmp, "vocab")
        with open(os.devnull, "w") as devnull:
            try:
                spm.SentencePieceTrainer.train(
                    sentence_iterator=sentences(), model_prefix=tmp_prefix,
                    model_type="unigram", vocab_size=vocab_size, pad_id=0, unk_id=1,
                    bos_id=-1, eos_id=-1, control_symbols=list(CONTROL_SYMBOLS),
                    user_defined_symbols=list(USER_SYMBOLS), character_coverage=0.99995,
                    shuffle_input_sentence=True, input_sentence_size=10_000_000,
                    normalization_rule_name=normalization_rule,
                    num_threads=NUM_THREADS, logstream=None if verbose else devnull)
            except RuntimeError as e:
                if not counts["lines"]:
                    raise AlbertTfError(_no_text(inputs)) from None
                raise AlbertTfError(f"SentencePiece training failed: "
                                    f"{str(e).strip().splitlines()[-1]}") from None
        log(f"read {counts['lines']} lines ({counts['bytes'] / 1e6:.1f} MB)")
        _record_prefix(tmp_prefix + ".model", os.path.basename(prefix))
        # Vocabulary listing first, model last: a PREFIX.model that exists is complete.
        for ext in (".vocab", ".model"):
            os.replace(tmp_prefix + ext, prefix + ext)
    log(f"wrote {prefix}.model and {prefix}.vocab in {time.time() - start:.1f} s")
    return prefix + ".model"


def _record_prefix(model_path: str, name: str) -> None:
    """Stores the final name (not the temporary one) in the model's trainer_spec, so
    the same input gives the same bytes."""
    from sentencepiece import sentencepiece_model_pb2

    model = sentencepiece_model_pb2.ModelProto()
    with open(model_path, "rb") as f:
        model.ParseFromString(f.read())
    model.trainer_spec.model_prefix = name
    with open(model_path, "wb") as f:
        f.write(model.SerializeToString())


def train_wordpiece(inputs, prefix: str, vocab_size: int, do_lower_case: bool = True,
                    log=print) -> str:
    """Trains a BERT ``PREFIX.txt`` (one token per line); returns its path.

    Args:
        inputs: text files.
        prefix: output path without extension.
        vocab_size: the target size (the learner may stop a few percent short).
        do_lower_case: as BERT's BasicTokenizer.
        log: progress printer.
    """
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    from albert_tf.tokenization.bert_basic import basic_tokenize

    _check_inputs(inputs)
    reserved = [SPECIAL_PIECES[WORDPIECE][name]
                for name in ("pad", "unk", "cls", "sep", "mask")]
    if vocab_size <= len(reserved):
        raise AlbertTfError(f"--vocab-size {vocab_size} is too small")
    start = time.time()
    words = collections.Counter()
    lines = 0
    for line in _lines(inputs, log):
        words.update(basic_tokenize(line, do_lower_case))
        lines += 1
    if not words:
        raise AlbertTfError(_no_text(inputs))
    log(f"read {lines} lines, {len(words)} distinct words; learning a WordPiece "
        f"vocabulary of up to {vocab_size} tokens")
    # The learner adds the reserved tokens on top of its vocab_size.
    tokens = learner.learn(sorted(words.items()), vocab_size - len(reserved), reserved,
                           lower_thresh=1, max_unique_chars=max(1000, vocab_size // 2))
    # With a large alphabet (Chinese) the learner can overshoot; its tail holds the
    # least frequent tokens.
    tokens = tokens[:vocab_size]
    path = prefix + ".txt"
    atomic_write_text(path, "".join(token + "\n" for token in tokens))
    log(f"wrote {path} ({len(tokens)} tokens) in {time.time() - start:.1f} s")
    return path

"""Tokenization: the original ALBERT ids, in plain Python and in the TensorFlow graph.

    from albert_tf.tokenization import AlbertTokenizer
    tok = AlbertTokenizer.from_vocab("30k-clean.model")       # or a BERT vocab.txt
    ids = tok.tokenize(["ALBERT was released in 2019."])        # tf.RaggedTensor int32

Modules (the reference side never imports TensorFlow):

    chars.py            character classes of the original (Python unicodedata)
    preprocess.py       ALBERT preprocess_text
    bert_basic.py       BERT BasicTokenizer + greedy WordPiece
    reference.py        SentencePieceReference / WordPieceReference (plain Python)
    digit_comma.py      ALBERT's digit-comma re-split, per piece and as an id table
    vocab.py            vocabulary files, kinds, special tokens
    spm_normalizer.py   ALBERT preprocessing fused into a SentencePiece normalizer
    bert_normalizer.py  BERT cleaning as a FastBertNormalizer table (darts.py, probe.py)
    in_graph.py         the graph tokenizers (Fast* tensorflow-text ops)
    packing.py          [CLS] A [SEP] B [SEP] packing with longest-first truncation
    tokenizer.py        AlbertTokenizer
    assets.py           MODEL_DIR/vocab/
    tflite.py           the tokenizer as a TFLite model
    vocab_training.py   train-vocab
"""

import importlib

_LAZY = {
    "AlbertTokenizer": "albert_tf.tokenization.tokenizer",
    "SentencePieceReference": "albert_tf.tokenization.reference",
    "WordPieceReference": "albert_tf.tokenization.reference",
    "preprocess_text": "albert_tf.tokenization.preprocess",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'albert_tf.tokenization' has no attribute {name!r}")


def __dir__():
    return __all__

"""albert-tf: ALBERT (A Lite BERT) for Keras 3 and TensorFlow.

Public names load lazily, so ``import albert_tf.modeling`` under the JAX or
PyTorch backend never imports TensorFlow.
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "AlbertConfig": "albert_tf.config",
    "AlbertTfError": "albert_tf.errors",
    "ConfigError": "albert_tf.errors",
    "AlbertEncoder": "albert_tf.modeling",
    "AlbertPretrainer": "albert_tf.modeling",
    "TransformerEncoderBlock": "albert_tf.modeling",
    "save_model": "albert_tf.model_dir",
    "load_model": "albert_tf.model_dir",
    "load_tokenizer": "albert_tf.model_dir",
    "AlbertTokenizer": "albert_tf.tokenization.tokenizer",
    "TextClassifier": "albert_tf.tasks.classification.text_classifier",
    "TokenClassifier": "albert_tf.tasks.ner.token_classifier",
    "QuestionAnswerer": "albert_tf.tasks.squad.question_answerer",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'albert_tf' has no attribute {name!r}")


def __dir__():
    return __all__

"""The tokenizer as a TFLite model, and an interpreter that can run it.

The model holds only ops TFLite has plus tensorflow-text's custom ops
(``FastSentencepieceTokenize``, ``FastBertNormalize``, ``FastWordpieceTokenize``), which
the interpreter registers from ``tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS``.
ALBERT's preprocessing is inside those ops' tables (``spm_normalizer.py``,
``bert_normalizer.py``), so no regex, lowercasing or Unicode normalization op is needed;
TFLite has none of them.

Signatures:
    tokenize(text: string [batch]) -> ids int32 [num_tokens], row_splits int32 [batch + 1]
    pack(text_a, text_b: string [batch]) -> input_ids, input_mask, segment_ids
                                             int32 [batch, max_seq_length]
"""

from __future__ import annotations

import tempfile

import tensorflow as tf


class _TokenizerModule(tf.Module):
    def __init__(self, tokenizer, max_seq_length: int):
        super().__init__()
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def tokenize(self, text):
        ids = self.tokenizer.tokenize(text)
        return {"ids": ids.values, "row_splits": tf.cast(ids.row_splits, tf.int32)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text_a"),
                                  tf.TensorSpec([None], tf.string, name="text_b")])
    def pack(self, text_a, text_b):
        return self.tokenizer.pack(text_a, text_b, max_seq_length=self.max_seq_length)


def convert_to_tflite(tokenizer, max_seq_length: int = 128) -> bytes:
    """Converts the tokenizer (``tokenize`` and ``pack`` signatures) to a TFLite flatbuffer.

    Example:
        >>> model = convert_to_tflite(tokenizer)                       # doctest: +SKIP
        >>> runner = interpreter(model).get_signature_runner("tokenize")  # doctest: +SKIP
        >>> runner(text=np.array(["Hello world"]))["ids"]                 # doctest: +SKIP
    """
    module = _TokenizerModule(tokenizer, max_seq_length)
    signatures = {"tokenize": module.tokenize.get_concrete_function(),
                  "pack": module.pack.get_concrete_function()}
    # Several signatures convert only through a SavedModel.
    with tempfile.TemporaryDirectory(prefix="albert-tf-tflite-") as directory:
        tf.saved_model.save(module, directory, signatures=signatures)
        converter = tf.lite.TFLiteConverter.from_saved_model(
            directory, signature_keys=list(signatures))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        converter.allow_custom_ops = True
        return converter.convert()


def interpreter(model_content: bytes):
    """An ``ai_edge_litert`` interpreter with the tensorflow-text custom ops registered."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps
    from tensorflow_text import tflite_registrar

    return InterpreterWithCustomOps(
        custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS,
        model_content=model_content)

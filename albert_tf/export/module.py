"""The ``tf.Module`` an export is made of: the model's variables, the tokenizer, shared steps."""

from __future__ import annotations

import tensorflow as tf

from albert_tf.modeling.encoder import INPUT_NAMES


def ids_signature(seq_len=None):
    """``input_ids``, ``input_mask``, ``segment_ids``: int32 ``[batch, seq_len]``."""
    return [tf.TensorSpec([None, seq_len], tf.int32, name=name) for name in INPUT_NAMES]


class ServingModule(tf.Module):
    """Holds what an exported function needs, so ``tf.saved_model.save`` tracks it.

    Args:
        model: the Keras task model (its variables are tracked here).
        tokenizer: the ``AlbertTokenizer`` (a ``tf.Module``), or None for an export whose
            signatures all take token ids (no tensorflow-text op in the SavedModel).
        info: the model directory's task.json.
        max_seq_length: the width raw text is packed to.
    """

    def __init__(self, model, tokenizer, info, max_seq_length):
        super().__init__(name="albert_tf_export")
        self._model = model
        if tokenizer is not None:  # not tracked at all otherwise: no TF Text op is saved
            self.tokenizer = tokenizer
        self.model_variables = [v.value for v in model.variables]
        self.info = dict(info)
        self.max_seq_length = int(max_seq_length)

    def run(self, features):
        """The Keras model on ``input_ids``/``input_mask``/``segment_ids`` (stock TF ops)."""
        return self._model({k: features[k] for k in INPUT_NAMES}, training=False)

    @staticmethod
    def clean_text(text):
        """Invalid UTF-8 becomes U+FFFD instead of failing the request."""
        return tf.strings.unicode_transcode(text, "UTF-8", "UTF-8", errors="replace",
                                            replacement_char=0xFFFD)

    def pack(self, text, text_pair=None, clean=True):
        """Raw strings ``[batch]`` -> model inputs ``[batch, max_seq_length]`` (in-graph)."""
        if clean:
            text = self.clean_text(text)
            text_pair = None if text_pair is None else self.clean_text(text_pair)
        return self.tokenizer.pack(text, text_pair, max_seq_length=self.max_seq_length)

    def serve_ids_checked(self, features):
        """``run`` after checking that every id is in ``[0, vocab_size)``: -1 would
        otherwise silently read the last embedding row."""
        vocab_size = getattr(self._model, "encoder", self._model).config.vocab_size
        input_ids = features["input_ids"]
        checks = [tf.debugging.assert_non_negative(
                      input_ids, message="input_ids must be 0 or more"),
                  tf.debugging.assert_less(
                      input_ids, vocab_size,
                      message=f"input_ids must be below vocab_size {vocab_size}")]
        with tf.control_dependencies(checks):
            input_ids = tf.identity(input_ids)
        return self.run({**features, "input_ids": input_ids})

    def serve_ids_function(self, outputs, seq_len=None):
        """``serve_ids``: ids in, the model's raw outputs (logits) out."""

        @tf.function(input_signature=ids_signature(seq_len))
        def serve_ids(input_ids, input_mask, segment_ids):
            result = self.serve_ids_checked({"input_ids": input_ids, "input_mask": input_mask,
                                             "segment_ids": segment_ids})
            return {name: result[name] for name in outputs}

        return serve_ids

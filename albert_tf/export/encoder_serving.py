"""Serving signatures of an encoder or pretraining model: text in, sentence vectors out."""

from __future__ import annotations

import tensorflow as tf

RAW_OUTPUTS = ("pooled_output", "sequence_output")


def signatures(module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serving_default(text):
        features = module.pack(text)
        outputs = module.run(features)
        return {"pooled_output": outputs["pooled_output"],
                "sequence_output": outputs["sequence_output"],
                "input_mask": features["input_mask"]}

    return {"serving_default": serving_default}, {}


def tflite_text_function(module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve_text(text):
        return {"pooled_output": module.run(module.pack(text, clean=False))["pooled_output"]}

    return serve_text

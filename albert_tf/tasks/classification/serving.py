"""Serving signatures of the classification task (raw text in, the answer out)."""

from __future__ import annotations

import tensorflow as tf

RAW_OUTPUTS = ("logits",)


def mobile_outputs(raw, info):
    """The on-device files' one output (export/mobile.py): the label probabilities,
    which MediaPipe's TextClassifier reports as the scores."""
    return {"probabilities": tf.nn.softmax(raw["logits"], axis=-1)}


def _answer(module, logits):
    info = module.info
    if info.get("regression"):
        return {"score": logits[:, 0], "logits": logits}
    probabilities = tf.nn.softmax(logits, axis=-1)
    label = tf.argmax(logits, axis=-1, output_type=tf.int32)
    names = tf.constant(info["labels"])
    return {"label": label, "label_name": tf.gather(names, label),
            "probabilities": probabilities, "logits": logits}


def signatures(module):
    """``serving_default`` (strings) and ``serve_examples`` (tf.train.Example) functions.

    Returns:
        ``(functions, method_names)``: ``{name: tf.function}`` and the TF Serving
        method of each non-predict signature (classify / regress).
    """
    info = module.info
    pair = bool(info.get("has_pair"))
    text_spec = [tf.TensorSpec([None], tf.string, name="text")]
    if pair:
        text_spec.append(tf.TensorSpec([None], tf.string, name="text_pair"))

    @tf.function(input_signature=text_spec)
    def serving_default(text, text_pair=None):
        return _answer(module, module.run(module.pack(text, text_pair))["logits"])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def serve_examples(inputs):
        spec = {"text": tf.io.FixedLenFeature([], tf.string, default_value="")}
        if pair:
            spec["text_pair"] = tf.io.FixedLenFeature([], tf.string, default_value="")
        parsed = tf.io.parse_example(inputs, spec)
        logits = module.run(module.pack(parsed["text"], parsed.get("text_pair")))["logits"]
        return _examples_answer(module, logits, tf.shape(inputs)[0])

    method = "tensorflow/serving/regress" if info.get("regression") else "tensorflow/serving/classify"
    return {"serving_default": serving_default, "serve_examples": serve_examples}, {
        "serve_examples": method}


def _examples_answer(module, logits, batch):
    info = module.info
    answer = _answer(module, logits)
    if info.get("regression"):
        return {"outputs": answer["score"]}
    classes = tf.tile(tf.constant(info["labels"])[tf.newaxis, :], [batch, 1])
    return {"classes": classes, "scores": answer["probabilities"]}


def ids_signatures(module):
    """The signatures of an export without tensorflow-text: ``serve_examples`` reads the
    token ids from each tf.train.Example (int64 features ``input_ids``, ``input_mask``,
    ``segment_ids`` of ``max_seq_length``; mask and segments default to 1 and 0)."""
    width = module.max_seq_length

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def serve_examples(inputs):
        spec = {"input_ids": tf.io.FixedLenFeature([width], tf.int64),
                "input_mask": tf.io.FixedLenFeature([width], tf.int64,
                                                    default_value=[1] * width),
                "segment_ids": tf.io.FixedLenFeature([width], tf.int64,
                                                     default_value=[0] * width)}
        parsed = {k: tf.cast(v, tf.int32) for k, v in tf.io.parse_example(inputs, spec).items()}
        logits = module.serve_ids_checked(parsed)["logits"]
        return _examples_answer(module, logits, tf.shape(inputs)[0])

    method = ("tensorflow/serving/regress" if module.info.get("regression")
              else "tensorflow/serving/classify")
    return {"serve_examples": serve_examples}, {"serve_examples": method}


def tflite_text_function(module):
    """Raw text -> probabilities for a TFLite model holding the tokenizer (no string outputs)."""
    pair = bool(module.info.get("has_pair"))
    spec = [tf.TensorSpec([None], tf.string, name="text")]
    if pair:
        spec.append(tf.TensorSpec([None], tf.string, name="text_pair"))

    @tf.function(input_signature=spec)
    def serve_text(text, text_pair=None):
        logits = module.run(module.pack(text, text_pair, clean=False))["logits"]
        if module.info.get("regression"):
            return {"score": logits[:, 0]}
        return {"logits": logits, "probabilities": tf.nn.softmax(logits, axis=-1)}

    return serve_text

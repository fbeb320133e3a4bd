"""Integrated-gradients attributions of a classifier's prediction to its input tokens.

IG (Sundararajan et al. 2017) integrates the gradient of the predicted class's logit
with respect to the word vectors along the straight path from a baseline (every
piece but [CLS]/[SEP] replaced by the padding piece) to the input; each token's
attribution is the sum over the embedding width of (x − x') · mean gradient. The
attributions add up to logit(x) − logit(x') up to the error of the Riemann sum.
"""

from __future__ import annotations

import html
import os

import numpy as np
import tensorflow as tf
from keras import ops

from albert_tf.io_utils import atomic_write_text


def _logits_from_word_vectors(model, word_vectors, features):
    """The classifier's logits with the word-embedding lookup replaced by ``word_vectors``."""
    encoder = model.encoder
    emb = encoder.embeddings
    seq_len = ops.shape(word_vectors)[1]
    x = (word_vectors + emb.token_type_embeddings(features["segment_ids"])
         + ops.expand_dims(emb.position_embeddings(ops.arange(seq_len, dtype="int32")), 0))
    x = encoder.embedding_hidden_mapping_in(emb.layer_norm(x))
    config = encoder.config
    for layer in range(config.num_hidden_layers):
        for block in encoder.groups[config.group_of_layer(layer)]:
            x = block(x, features["input_mask"])
    pooled = encoder.pooler(x[:, 0, :])
    return model.classifier(pooled)


def integrated_gradients(model, tokenizer, text, text_pair=None, max_seq_length=128,
                         steps=64, target=None):
    """Per-token attributions for one input.

    Args:
        model: an ``AlbertClassifier``.
        tokenizer: its tokenizer.
        text, text_pair: the input.
        steps: Riemann steps (midpoint rule).
        target: class to explain (default: the predicted one).

    Returns:
        dict with ``pieces``, ``attributions`` (one per piece), ``target``,
        ``logit``, ``baseline_logit`` and ``probabilities``.
    """
    features = tokenizer.pack([text], None if text_pair is None else [text_pair],
                              max_seq_length=max_seq_length)
    n = int(features["input_mask"].numpy().sum())
    features = {k: tf.constant(v.numpy()[:, :n]) for k, v in features.items()}
    ids = features["input_ids"]
    table = model.encoder.word_embeddings.embeddings
    special = tf.reduce_any(tf.stack([tf.equal(ids, tokenizer.cls_id),
                                      tf.equal(ids, tokenizer.sep_id)]), axis=0)
    baseline_ids = tf.where(special, ids, tokenizer.pad_id)
    x = tf.gather(tf.convert_to_tensor(table), ids)
    x0 = tf.gather(tf.convert_to_tensor(table), baseline_ids)
    logits = _logits_from_word_vectors(model, x, features)
    target = int(tf.argmax(logits[0])) if target is None else int(target)
    alphas = (tf.range(steps, dtype=tf.float32) + 0.5) / steps
    path = x0 + alphas[:, None, None] * (x - x0)
    batch = {k: tf.repeat(v, steps, axis=0) for k, v in features.items()}
    with tf.GradientTape() as tape:
        tape.watch(path)
        out = _logits_from_word_vectors(model, path, batch)[:, target]
    gradients = tape.gradient(out, path)
    attributions = tf.reduce_sum((x - x0)[0] * tf.reduce_mean(gradients, axis=0), axis=-1)
    baseline_logit = float(_logits_from_word_vectors(model, x0, features)[0, target])
    return {"pieces": tokenizer.id_to_piece(ids[0].numpy().tolist()),
            "attributions": attributions.numpy().tolist(), "target": target,
            "logit": float(logits[0, target]), "baseline_logit": baseline_logit,
            "probabilities": tf.nn.softmax(logits[0]).numpy().tolist()}


SCALE_FLOOR = 0.01  # logit units: the smallest value that may be drawn in full colour


def attributions_html(result, output, labels=None, title="token attributions") -> str:
    """Coloured tokens (red supports the prediction, blue opposes it), self-contained HTML."""
    values = np.asarray(result["attributions"])
    # Full colour is the largest |value|, but never less than SCALE_FLOOR logit units: when
    # every value is tiny, the tokens stay nearly white instead of looking decisive.
    scale = max(float(np.abs(values).max()), SCALE_FLOOR)
    spans = []
    for piece, value in zip(result["pieces"], values):
        alpha = abs(value) / scale
        colour = f"rgba(220,40,30,{alpha:.3f})" if value >= 0 else f"rgba(30,80,220,{alpha:.3f})"
        spans.append(f'<span class="tok" style="background:{colour}" title="{value:+.4f}">'
                     f"{html.escape(piece)}</span>")
    target = result["target"]
    name = labels[target] if labels else str(target)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body {{ font-family: sans-serif; margin: 1.5em; }}
.tok {{ display: inline-block; padding: 2px 4px; margin: 2px; border-radius: 3px; }}</style>
</head><body><h2>{html.escape(title)}</h2>
<p>Prediction: <b>{html.escape(name)}</b> (p = {result['probabilities'][target]:.3f}).
Integrated gradients of its logit; red supports it, blue opposes it (hover for values).
Full colour is ±{scale:.4f} in logit units; white is 0.
Sum of attributions {values.sum():+.4f} = logit {result['logit']:+.4f} − baseline
{result['baseline_logit']:+.4f} (up to the integration error).</p>
<div>{''.join(spans)}</div></body></html>
"""
    atomic_write_text(output, page)
    return output


def visualize_attributions(model_dir, text, output_dir, text_pair=None, steps=64) -> dict:
    """Writes ``attributions.html`` for a classification model directory."""
    from albert_tf.errors import AlbertTfError
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info

    if not 1 <= steps <= 4096:
        # 0 steps divides by zero: NaN would be written into the page.
        raise AlbertTfError(f"--steps must be 1 to 4,096, got {steps}")
    info = read_task_info(model_dir)
    if info["task"] != "classification":
        raise AlbertTfError(f"{model_dir}: attributions need a classification model")
    model, tokenizer = load_model(model_dir), load_tokenizer(model_dir)
    result = integrated_gradients(model, tokenizer, text, text_pair,
                                  info.get("max_seq_length", 128), steps)
    os.makedirs(output_dir, exist_ok=True)
    result["html"] = attributions_html(result, os.path.join(output_dir, "attributions.html"),
                                       info.get("labels"), f"Why: {text[:80]}")
    return result

"""Attention maps of every layer and head for a sentence: a PNG grid and an HTML page."""

from __future__ import annotations

import json
import os

import numpy as np

from albert_tf.io_utils import atomic_path, atomic_write_text


def attention_probabilities(model, tokenizer, text, text_pair=None, max_seq_length=128):
    """Attention of each layer (× inner block) and head for one text.

    Args:
        model: any albert-tf model with an ``encoder`` (or an ``AlbertEncoder``).
        tokenizer: its ``AlbertTokenizer``.
        text, text_pair: the input.
        max_seq_length: packing width (the padding is cut off again).

    Returns:
        ``(pieces, probs)``: the pieces (with [CLS]/[SEP]) and float
        ``[layers * inner_group_num, heads, tokens, tokens]``.
    """
    from albert_tf.modeling import AlbertEncoder

    encoder = getattr(model, "encoder", model)
    probe = AlbertEncoder(encoder.config, output_attentions=True)
    probe.set_weights(encoder.get_weights())
    features = tokenizer.pack([text], None if text_pair is None else [text_pair],
                              max_seq_length=max_seq_length)
    n = int(features["input_mask"].numpy().sum())
    features = {k: v.numpy()[:, :n] for k, v in features.items()}
    probs = np.asarray(probe(features)["attention_probs"])[0]
    pieces = tokenizer.id_to_piece(features["input_ids"][0].tolist())
    return pieces, probs


def attention_png(pieces, probs, output, title="attention") -> str:
    """A grid of heat maps: one row per layer, one column per head."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers, heads, n, _ = probs.shape
    cell = max(1.6, min(3.2, 0.11 * n + 0.8))
    fig, axes = plt.subplots(layers, heads, figsize=(cell * heads + 1.8, cell * layers + 0.9),
                             squeeze=False)
    labels = [p if len(p) <= 10 else p[:9] + "…" for p in pieces]
    image = None
    for layer in range(layers):
        for head in range(heads):
            ax = axes[layer][head]
            # One scale for every panel, 0 to 1: near-uniform attention (1/n everywhere)
            # looks dark, as it is, instead of filling its own panel with the top colour.
            image = ax.imshow(probs[layer, head], cmap="viridis", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if layer == 0:
                ax.set_title(f"head {head}", fontsize=8)
            if head == 0:
                ax.set_ylabel(f"layer {layer}", fontsize=8)
                if n <= 24:
                    ax.set_yticks(range(n))
                    ax.set_yticklabels(labels, fontsize=5)
            if layer == layers - 1 and n <= 24:
                ax.set_xticks(range(n))
                ax.set_xticklabels(labels, fontsize=5, rotation=90)
    fig.tight_layout(rect=(0, 0, 0.9, 0.95))
    bar = fig.colorbar(image, cax=fig.add_axes((0.92, 0.15, 0.02, 0.7)))
    bar.set_label("attention probability (row: query, column: key; same scale in every panel)",
                  fontsize=7)
    bar.ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=10)
    with atomic_path(output, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return output


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
.tok {{ display: inline-block; padding: 2px 4px; margin: 2px; border-radius: 3px; cursor: default; }}
#controls select {{ margin-right: 1em; }}
#note {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<h2>{title}</h2>
<div id="controls">layer <select id="layer"></select> head <select id="head"></select></div>
<p id="note">Hover a token: the others are shaded by how much it attends to them.</p>
<div id="tokens"></div>
<script>
const DATA = {data};
const layerSel = document.getElementById("layer"), headSel = document.getElementById("head");
for (let i = 0; i < DATA.probs.length; i++) layerSel.add(new Option(i, i));
for (let h = 0; h < DATA.probs[0].length; h++) headSel.add(new Option(h, h));
const box = document.getElementById("tokens");
const spans = DATA.pieces.map((p, i) => {{
  const s = document.createElement("span"); s.className = "tok"; s.textContent = p;
  s.onmouseenter = () => shade(i); s.onmouseleave = clear; box.appendChild(s); return s; }});
function shade(i) {{
  const row = DATA.probs[layerSel.value][headSel.value][i];
  spans.forEach((s, j) => {{ s.style.background = `rgba(220, 60, 30, ${{row[j]}})`;
    s.title = row[j].toFixed(3); }});
  spans[i].style.outline = "2px solid #333"; }}
function clear() {{ spans.forEach(s => {{ s.style.background = ""; s.style.outline = ""; }}); }}
</script></body></html>
"""


def attention_html(pieces, probs, output, title="attention") -> str:
    """A self-contained HTML page: pick a layer and head, hover a token to see its attention."""
    data = json.dumps({"pieces": pieces, "probs": np.round(probs, 4).tolist()})
    atomic_write_text(output, _PAGE.format(title=title, data=data))
    return output


def visualize_attention(model_dir, text, output_dir, text_pair=None) -> dict:
    """Writes ``attention.png`` and ``attention.html`` for ``text`` into ``output_dir``."""
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info

    model, tokenizer = load_model(model_dir), load_tokenizer(model_dir)
    length = read_task_info(model_dir).get("max_seq_length", 128)
    pieces, probs = attention_probabilities(model, tokenizer, text, text_pair, length)
    os.makedirs(output_dir, exist_ok=True)
    title = f"ALBERT attention: {text[:80]}"
    return {"png": attention_png(pieces, probs, os.path.join(output_dir, "attention.png"), title),
            "html": attention_html(pieces, probs, os.path.join(output_dir, "attention.html"), title),
            "shape": list(probs.shape), "pieces": pieces}

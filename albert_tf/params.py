"""Parameter tables of configs: ``albert-tf params`` (and the README's table)."""

from __future__ import annotations

import os
import time

from albert_tf.config import AlbertConfig
from albert_tf.resources import PUBLISHED_PARAMETERS


def parameter_rows(config_files, log=print):
    """Builds each config's encoder (no forward pass) and counts its parameters.

    Args:
        config_files: paths of ``albert_config.json`` files.
        log: where progress lines go.

    Returns:
        list of dicts: name, the config's main sizes and the parameter breakdown.
    """
    # Read every file first, so a bad one fails fast, before TensorFlow loads.
    configs = [(os.path.splitext(os.path.basename(p))[0], AlbertConfig.from_json_file(p))
               for p in config_files]
    import keras

    from albert_tf.modeling import AlbertEncoder, parameter_breakdown

    rows = []
    for i, (name, config) in enumerate(configs, 1):
        start = time.perf_counter()
        encoder = AlbertEncoder(config)
        counts = parameter_breakdown(encoder)
        seconds = time.perf_counter() - start
        log(f"[{i}/{len(config_files)}] built {name} in {seconds:.1f}s: {counts['total']:,} parameters")
        rows.append({"name": name, "config": config, **counts})
        del encoder
        keras.backend.clear_session()
    return rows


def format_table(rows) -> str:
    """A Markdown table of parameter counts, with the published figure where known."""
    header = ("config", "V", "E", "H", "layers", "groups", "heads", "embeddings",
              "transformer", "pooler", "total", "float32 MB", "published")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        c = row["config"]
        published = PUBLISHED_PARAMETERS.get(row["name"])
        check = "" if published is None else (
            f"{published:,} ✓" if published == row["total"] else f"{published:,} ✗"
        )
        cells = (
            row["name"], c.vocab_size, c.embedding_size, c.hidden_size, c.num_hidden_layers,
            c.num_hidden_groups, c.num_attention_heads,
            f"{row['embeddings'] + row['embedding_projection']:,}", f"{row['transformer']:,}",
            f"{row['pooler']:,}", f"{row['total']:,}", f"{row['total'] * 4 / 2**20:.1f}", check,
        )
        lines.append("| " + " | ".join(str(x) for x in cells) + " |")
    return "\n".join(lines)

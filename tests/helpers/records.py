"""Small pretraining TFRecords for training tests (mechanics, not language)."""

import json
import os

import numpy as np

from albert_tf.data.features import serialize_example, tfrecord_frame

TINY_TRAIN_CONFIG = {
    "vocab_size": 50, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 3,
    "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 32,
}


def write_records(folder, shards=2, per_shard=96, seq=32, preds=5, vocab=50, seed=0):
    """Writes shards of records with a learnable signal and returns their glob."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for shard in range(shards):
        path = os.path.join(folder, f"toy-{shard:05d}-of-{shards:05d}.tfrecord")
        with open(path, "wb") as f:
            for _ in range(per_shard):
                n = int(rng.integers(12, seq + 1))
                ids = np.zeros(seq, np.int64)
                ids[:n] = rng.integers(5, vocab, n)
                ids[0], ids[n - 1] = 2, 3
                mask = (np.arange(seq) < n).astype(np.int64)
                segments = np.zeros(seq, np.int64)
                segments[n // 2:n] = 1
                k = max(1, min(preds, int(round(n * 0.15))))
                chosen = np.sort(rng.choice(np.arange(1, n - 1), k, replace=False))
                positions = np.zeros(preds, np.int64)
                positions[:k] = chosen
                targets = np.zeros(preds, np.int64)
                targets[:k] = ids[chosen]
                weights = np.zeros(preds, np.float32)
                weights[:k] = 1.0
                inputs = ids.copy()
                inputs[chosen] = 4
                record = dict(
                    input_ids=inputs, input_mask=mask, segment_ids=segments, token_boundary=mask,
                    masked_lm_positions=positions, masked_lm_ids=targets,
                    masked_lm_weights=weights, next_sentence_labels=[int(ids[n // 2] % 2)],
                )
                f.write(tfrecord_frame(serialize_example(record)))
    return os.path.join(folder, "toy-*.tfrecord")


def write_config(path, **changes):
    values = dict(TINY_TRAIN_CONFIG, **changes)
    with open(path, "w") as f:
        json.dump(values, f)
    return str(path)

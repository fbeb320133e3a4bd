"""Dynamic masking: fresh n-gram masks every epoch, drawn inside ``tf.data``.

The original masks once, when the TFRecords are written. Written with
``--masked-lm-prob 0``, records keep their original tokens and word boundaries;
``pretraining_dataset(..., dynamic_masking=DynamicMasking(...))`` then masks
each example as it is read, with exactly the selection of ``create-pretraining-data``
(``masking.mask_tokens``). The random stream of an example is seeded by its
position in the stream, so masks change from epoch to epoch but a run, and a
resumed run, see the same ones.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np

from albert_tf.data.masking import mask_tokens, ngram_weights


@dataclasses.dataclass(frozen=True)
class DynamicMasking:
    """Settings of masking in the input pipeline.

    Args:
        vocab_size: random replacements are drawn from ids below it.
        cls_id, sep_id, mask_id: the special token ids.
        masked_lm_prob: share of tokens to predict (0.15).
        ngram: longest masked n-gram in words (3); p(n) ∝ 1/n.
        whole_word: mask whole words (pieces grouped by ``token_boundary``).
        seed: base of every example's random stream.
    """

    vocab_size: int
    cls_id: int
    sep_id: int
    mask_id: int
    masked_lm_prob: float = 0.15
    ngram: int = 3
    whole_word: bool = True
    seed: int = 0

    @classmethod
    def from_metadata(cls, metadata: dict, seed: int = 0, **changes) -> "DynamicMasking":
        """Reads the vocabulary facts that ``create-pretraining-data`` records."""
        vocab = metadata["vocab"]
        settings = metadata.get("settings", {})
        values = dict(vocab_size=vocab["size"], cls_id=vocab["special_ids"]["cls"],
                      sep_id=vocab["special_ids"]["sep"], mask_id=vocab["special_ids"]["mask"],
                      ngram=settings.get("ngram", 3), seed=seed,
                      whole_word=settings.get("whole_word_mask", True))
        values.update(changes)
        return cls(**values)


def mask_batch(settings: DynamicMasking, max_predictions: int, input_ids, input_mask,
               token_boundary, positions):
    """Masks a batch (NumPy; run through ``tf.numpy_function``).

    Args:
        input_ids, input_mask, token_boundary: int64 `[batch, seq_len]`.
        positions: int64 `[batch]`, each example's place in the stream.

    Returns:
        masked input_ids `[batch, seq_len]`, masked_lm_positions and masked_lm_ids
        int64 `[batch, max_predictions]`, masked_lm_weights float32 `[batch, max_predictions]`.
    """
    weights = ngram_weights(settings.ngram)
    out_ids = np.array(input_ids, dtype=np.int64, copy=True)
    batch = out_ids.shape[0]
    out_pos = np.zeros((batch, max_predictions), np.int64)
    out_lab = np.zeros((batch, max_predictions), np.int64)
    out_w = np.zeros((batch, max_predictions), np.float32)
    for k in range(batch):
        n = int(input_mask[k].sum())
        tokens = input_ids[k, :n].tolist()
        special = [t in (settings.cls_id, settings.sep_id) for t in tokens]
        starts = [bool(b) for b in token_boundary[k, :n]]
        rng = random.Random(f"{settings.seed}:{int(positions[k])}")
        masked, chosen, labels = mask_tokens(
            tokens, starts, special, rng, masked_lm_prob=settings.masked_lm_prob,
            max_predictions=max_predictions, ngram_weights=weights,
            vocab_size=settings.vocab_size, mask_id=settings.mask_id,
            whole_word=settings.whole_word,
        )
        out_ids[k, :n] = masked
        out_pos[k, :len(chosen)] = chosen
        out_lab[k, :len(labels)] = labels
        out_w[k, :len(labels)] = 1.0
    return out_ids, out_pos, out_lab, out_w

"""ALBERT's n-gram masked-LM selection, on token ids.

The distribution is the original ``create_masked_lm_predictions``: candidates are
whole words (a piece that does not start a word joins the previous candidate);
candidate starts are visited in random order; at each, an n-gram of
n ≤ ``ngram`` words is drawn with p(n) ∝ 1/n (shortened while it would exceed the
budget, skipped if it still does or overlaps a covered token); each chosen token
becomes [MASK] 80%, stays 10%, becomes a random vocabulary id 10%. [CLS] and
[SEP] are never candidates. The original draws n from NumPy's unseeded global
generator; here every draw comes from the one seeded ``random.Random``, so the
output is reproducible.
"""

from __future__ import annotations

import bisect


def ngram_weights(ngram: int, favor_shorter: bool = False) -> list:
    """Unnormalised p(n) ∝ 1/n for n = 1..ngram (reversed with ``favor_shorter``, as the original)."""
    weights = [1.0 / n for n in range(1, ngram + 1)]
    if favor_shorter:
        weights = weights[::-1]
    return weights


def _draw_n(rng, cumulative) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1]) + 1


def mask_tokens(tokens, starts, special, rng, *, masked_lm_prob, max_predictions,
                ngram_weights, vocab_size, mask_id, whole_word=True, stats=None):
    """Chooses and replaces masked tokens of one instance.

    Args:
        tokens: ids of ``[CLS] A [SEP] B [SEP]`` (a list, not modified).
        starts: per token, whether it starts a word.
        special: per token, whether it is [CLS] or [SEP].
        rng: a ``random.Random``.
        masked_lm_prob, max_predictions: budget = min(max_predictions,
            max(1, round(len(tokens) * masked_lm_prob))).
        ngram_weights: unnormalised p(n), index n-1 (``ngram_weights``).
        vocab_size: random replacements are drawn from ids 0..vocab_size-1.
        mask_id: the id of [MASK].
        whole_word: group pieces into words (else every piece is a candidate).
        stats: optional dict of counters, updated with ``ngram_drawn[n]``,
            ``ngram_applied[n]`` and ``replaced`` (mask / keep / random).

    Returns:
        ``(output_tokens, positions, labels)``, positions sorted.
    """
    candidates = []
    for index, token_is_special in enumerate(special):
        if token_is_special:
            continue
        if whole_word and candidates and not starts[index]:
            candidates[-1].append(index)
        else:
            candidates.append([index])
    output = list(tokens)
    if masked_lm_prob == 0 or not candidates:
        return output, [], []
    budget = min(max_predictions, max(1, int(round(len(tokens) * masked_lm_prob))))
    order = list(range(len(candidates)))
    rng.shuffle(order)
    cumulative, total = [], 0.0
    for w in ngram_weights:
        total += w
        cumulative.append(total)
    covered = set()
    chosen = []
    for first in order:
        if len(chosen) >= budget:
            break
        # As the original, n is drawn from all lengths even near the end, where the
        # slice below then holds fewer words.
        n = _draw_n(rng, cumulative)
        if stats is not None:
            stats["ngram_drawn"][n] += 1
        indexes = [i for word in candidates[first:first + n] for i in word]
        while len(chosen) + len(indexes) > budget and n > 1:
            n -= 1
            indexes = [i for word in candidates[first:first + n] for i in word]
        if len(chosen) + len(indexes) > budget:
            continue
        if any(i in covered for i in indexes):
            continue
        if stats is not None:
            stats["ngram_applied"][n] += 1
        for i in indexes:
            covered.add(i)
            if rng.random() < 0.8:
                output[i] = mask_id
                kind = "mask"
            elif rng.random() < 0.5:
                kind = "keep"  # the original token stays
            else:
                output[i] = rng.randint(0, vocab_size - 1)
                kind = "random"
            if stats is not None:
                stats["replaced"][kind] += 1
            chosen.append(i)
    chosen.sort()
    return output, chosen, [tokens[i] for i in chosen]

"""Variable names of brightmart's ``albert_zh`` checkpoints (albert_tiny/base/large_zh).

brightmart's ``modeling.py`` differs from the original in layout, not only in names:

- the word embeddings ``bert/embeddings/word_embeddings`` `[V, E]` are projected by
  ``word_embeddings_2`` `[E, H]` (no bias) BEFORE the position and segment
  embeddings (both `[.., H]`) are added, and the embedding LayerNorm is `[H]`;
- the shared block is ``bert/encoder/layer_shared/`` in BERT's sub-scope names
  (``attention/output/LayerNorm``, ``intermediate/dense``, ``output/dense``), or
  ``layer_{i}`` per layer when sharing was off;
- the MLM transform is `[H, H]` and its logits are ``(x @ word_embeddings_2^T) @
  word_embeddings^T``.

That model is exactly an albert-tf model with ``embedding_size = H``: word embeddings
``word_embeddings @ word_embeddings_2`` `[V, H]` (one float64 product, rounded
once), an identity ``embedding_hidden_mapping_in``, and the rest copied. The
factorization is multiplied out, so the converted embedding table is `[V, H]`.
"""

from __future__ import annotations

from albert_tf.convert.mapping import Row
from albert_tf.convert.tf1_names import HEAD_TABLES, POOLER_TABLE

WORD_EMBEDDINGS = "bert/embeddings/word_embeddings"
PROJECTION = "bert/embeddings/word_embeddings_2"
SHARED_SCOPE = "bert/encoder/layer_shared/"
LAYER_SCOPE = "bert/encoder/layer_{g}/"

EMBEDDING_TABLE = [
    Row("embeddings/word_embeddings/embeddings", (WORD_EMBEDDINGS, PROJECTION), "matmul"),
    Row("embeddings/token_type_embeddings/embeddings", "bert/embeddings/token_type_embeddings"),
    Row("embeddings/position_embeddings/embeddings", "bert/embeddings/position_embeddings"),
    Row("embeddings/LayerNorm/gamma", "bert/embeddings/LayerNorm/gamma"),
    Row("embeddings/LayerNorm/beta", "bert/embeddings/LayerNorm/beta"),
    # brightmart has no E -> H layer after the LayerNorm.
    Row("embedding_hidden_mapping_in/kernel", (), None, "eye"),
    Row("embedding_hidden_mapping_in/bias", (), None, "zeros"),
]
BLOCK_TABLE = [
    Row("query/kernel", "attention/self/query/kernel"),
    Row("query/bias", "attention/self/query/bias"),
    Row("key/kernel", "attention/self/key/kernel"),
    Row("key/bias", "attention/self/key/bias"),
    Row("value/kernel", "attention/self/value/kernel"),
    Row("value/bias", "attention/self/value/bias"),
    Row("attention_output/kernel", "attention/output/dense/kernel"),
    Row("attention_output/bias", "attention/output/dense/bias"),
    Row("LayerNorm/gamma", "attention/output/LayerNorm/gamma"),
    Row("LayerNorm/beta", "attention/output/LayerNorm/beta"),
    Row("ffn_intermediate/kernel", "intermediate/dense/kernel"),
    Row("ffn_intermediate/bias", "intermediate/dense/bias"),
    Row("ffn_output/kernel", "output/dense/kernel"),
    Row("ffn_output/bias", "output/dense/bias"),
    Row("LayerNorm_1/gamma", "output/LayerNorm/gamma"),
    Row("LayerNorm_1/beta", "output/LayerNorm/beta"),
]
# Keys of brightmart's (BERT-style) config files that describe no ALBERT weight.
BERT_ONLY_CONFIG_KEYS = ("directionality", "pooler_fc_size", "pooler_num_attention_heads",
                         "pooler_num_fc_layers", "pooler_size_per_head", "pooler_type",
                         "ln_type")


def is_brightmart(names) -> bool:
    """True for a checkpoint in brightmart's layout (it has ``word_embeddings_2``)."""
    return PROJECTION in names


def shared(names) -> bool:
    """True when all layers share one block (``layer_shared``), False for ``layer_{i}``."""
    return any(n.startswith(SHARED_SCOPE) for n in names)


def name_table(config, task: str, shared_block: bool = True) -> list:
    """Every ``Row(ours, brightmart_name, ...)``; ``config`` has ``embedding_size == H``.

    ``num_hidden_groups`` is 1 for a ``layer_shared`` checkpoint and
    ``num_hidden_layers`` for one with a block per layer (``group_of_layer(i) == i``).
    """
    table = list(EMBEDDING_TABLE)
    for g in range(config.num_hidden_groups):
        scope = SHARED_SCOPE if shared_block else LAYER_SCOPE.format(g=g)
        table += [Row(f"group_{g}_inner_group_0/{r.ours}", scope + r.theirs, r.transform)
                  for r in BLOCK_TABLE]
    return table + POOLER_TABLE + HEAD_TABLES[task]

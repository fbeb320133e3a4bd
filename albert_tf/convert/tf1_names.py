"""Variable names of the original TF1 ALBERT checkpoints (google-research/albert).

Scopes follow ``modeling.py`` (``bert/embeddings``, ``bert/encoder/transformer/
group_{g}/inner_group_{i}``, ``bert/pooler``), ``run_pretraining.py``
(``cls/predictions``, ``cls/seq_relationship``), ``classifier_utils.py``
(top-level ``output_weights``/``output_bias``) and ``squad_utils.py``
(``cls/squad`` for SQuAD 1.1; ``start_logits``, ``end_logits``, ``answer_class``
for the SQuAD 2.0 answer-verifier head). ``output_weights`` are ``[out, H]``: the
transpose of a Keras kernel. The same names serve Google's Chinese releases
(``albert_*_zh``).
"""

from __future__ import annotations

from albert_tf.convert.mapping import Row

EMBEDDING_TABLE = [
    Row("embeddings/word_embeddings/embeddings", "bert/embeddings/word_embeddings"),
    Row("embeddings/token_type_embeddings/embeddings", "bert/embeddings/token_type_embeddings"),
    Row("embeddings/position_embeddings/embeddings", "bert/embeddings/position_embeddings"),
    Row("embeddings/LayerNorm/gamma", "bert/embeddings/LayerNorm/gamma"),
    Row("embeddings/LayerNorm/beta", "bert/embeddings/LayerNorm/beta"),
]
# The original has no projection when E == H (transformer_model skips it): the
# identity and a zero bias give the same numbers.
MAPPING_IN_TABLE = [
    Row("embedding_hidden_mapping_in/kernel", "bert/encoder/embedding_hidden_mapping_in/kernel"),
    Row("embedding_hidden_mapping_in/bias", "bert/encoder/embedding_hidden_mapping_in/bias"),
]
POOLER_TABLE = [
    Row("pooler/kernel", "bert/pooler/dense/kernel"),
    Row("pooler/bias", "bert/pooler/dense/bias"),
]
# Inside group_{g}_inner_group_{i} / bert/encoder/transformer/group_{g}/inner_group_{i}/.
BLOCK_TABLE = [
    Row("query/kernel", "attention_1/self/query/kernel"),
    Row("query/bias", "attention_1/self/query/bias"),
    Row("key/kernel", "attention_1/self/key/kernel"),
    Row("key/bias", "attention_1/self/key/bias"),
    Row("value/kernel", "attention_1/self/value/kernel"),
    Row("value/bias", "attention_1/self/value/bias"),
    Row("attention_output/kernel", "attention_1/output/dense/kernel"),
    Row("attention_output/bias", "attention_1/output/dense/bias"),
    Row("LayerNorm/gamma", "LayerNorm/gamma"),
    Row("LayerNorm/beta", "LayerNorm/beta"),
    Row("ffn_intermediate/kernel", "ffn_1/intermediate/dense/kernel"),
    Row("ffn_intermediate/bias", "ffn_1/intermediate/dense/bias"),
    Row("ffn_output/kernel", "ffn_1/intermediate/output/dense/kernel"),
    Row("ffn_output/bias", "ffn_1/intermediate/output/dense/bias"),
    Row("LayerNorm_1/gamma", "LayerNorm_1/gamma"),
    Row("LayerNorm_1/beta", "LayerNorm_1/beta"),
]
BLOCK_SCOPE = "bert/encoder/transformer/group_{g}/inner_group_{i}/"

MLM_TABLE = [
    Row("predictions/transform_dense/kernel", "cls/predictions/transform/dense/kernel"),
    Row("predictions/transform_dense/bias", "cls/predictions/transform/dense/bias"),
    Row("predictions/transform_LayerNorm/gamma", "cls/predictions/transform/LayerNorm/gamma"),
    Row("predictions/transform_LayerNorm/beta", "cls/predictions/transform/LayerNorm/beta"),
    Row("predictions/output_bias", "cls/predictions/output_bias"),
]
SOP_TABLE = [
    Row("seq_relationship/kernel", "cls/seq_relationship/output_weights", "transpose"),
    Row("seq_relationship/bias", "cls/seq_relationship/output_bias"),
]
# classifier_utils.create_model; token classification (NER) has no official script
# and uses the same two variables, applied to every position.
CLASSIFIER_TABLE = [
    Row("classifier/kernel", "output_weights", "transpose"),
    Row("classifier/bias", "output_bias"),
]
SQUAD_TABLE = [
    Row("qa_outputs/kernel", "cls/squad/output_weights", "transpose"),
    Row("qa_outputs/bias", "cls/squad/output_bias"),
]
HEAD_TABLES = {
    "encoder": [],
    "pretraining": MLM_TABLE + SOP_TABLE,
    "classification": CLASSIFIER_TABLE,
    "ner": CLASSIFIER_TABLE,
    "squad": SQUAD_TABLE,
}

# SQuAD 2.0 answer-verifier head of squad_utils.create_v2_model: AlbertSquadVerifier
# (the squad task's "verifier" head) names its layers after the original's scopes.
SQUAD_V2_TABLE = [Row(name, name) for name in (
    "start_logits/dense/kernel", "start_logits/dense/bias",
    "end_logits/dense_0/kernel", "end_logits/dense_0/bias",
    "end_logits/LayerNorm/gamma", "end_logits/LayerNorm/beta",
    "end_logits/dense_1/kernel", "end_logits/dense_1/bias",
    "answer_class/dense_0/kernel", "answer_class/dense_0/bias",
    "answer_class/dense_1/kernel",
)]

# Training state, never weights: optimizer slots (AdamWeightDecay and LAMB write
# adam_m/adam_v; tf.train optimizers Adam/Adam_1/Momentum), step counters and
# mixed-precision loss scaling.
IGNORED = (
    r"/(adam_m|adam_v|lamb_m|lamb_v|Adam|Adam_1|Momentum|Adafactor\w*)$",
    r"^global_step$", r"^(good_steps|bad_steps|loss_scale|current_loss_scale)$",
)


def name_table(config, task: str, block_scope: str = BLOCK_SCOPE, head: str = "standard") -> list:
    """Every ``Row(ours, tf1_name, ...)`` of a task's model in the official layout
    (``head="verifier"``: the SQuAD 2.0 answer-verifier head instead of ``cls/squad``)."""
    table = list(EMBEDDING_TABLE)
    fallback = "eye" if config.embedding_size == config.hidden_size else None
    table += [Row(r.ours, r.theirs, r.transform,
                  fallback if r.ours.endswith("kernel") else fallback and "zeros")
              for r in MAPPING_IN_TABLE]
    for g in range(config.num_hidden_groups):
        for i in range(config.inner_group_num):
            scope = block_scope.format(g=g, i=i)
            table += [Row(f"group_{g}_inner_group_{i}/{r.ours}", scope + r.theirs, r.transform)
                      for r in BLOCK_TABLE]
    table += POOLER_TABLE + (SQUAD_V2_TABLE if task == "squad" and head == "verifier"
                             else HEAD_TABLES[task])
    return table


def head_names() -> set:
    """Every head variable name the TF1 tables know (dropped when another task is asked)."""
    names = {r.theirs for rows in HEAD_TABLES.values() for r in rows}
    return names | {r.theirs for r in SQUAD_V2_TABLE}

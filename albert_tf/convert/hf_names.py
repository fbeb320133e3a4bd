"""Hugging Face ``transformers`` ALBERT parameter names, as one table per task.

Names follow ``transformers/models/albert/modeling_albert.py``. PyTorch ``Linear``
weights are ``[out, in]``, the transpose of a Keras kernel; embeddings and
LayerNorm weights are stored as they are.
"""

from __future__ import annotations

from albert_tf.convert.mapping import Row
from albert_tf.errors import AlbertTfError

PREFIX = "albert."

# (ours, theirs without the "albert." prefix, transform)
EMBEDDING_TABLE = [
    Row("embeddings/word_embeddings/embeddings", "embeddings.word_embeddings.weight"),
    Row("embeddings/position_embeddings/embeddings", "embeddings.position_embeddings.weight"),
    Row("embeddings/token_type_embeddings/embeddings", "embeddings.token_type_embeddings.weight"),
    Row("embeddings/LayerNorm/gamma", "embeddings.LayerNorm.weight"),
    Row("embeddings/LayerNorm/beta", "embeddings.LayerNorm.bias"),
    Row("embedding_hidden_mapping_in/kernel", "encoder.embedding_hidden_mapping_in.weight",
        "transpose"),
    Row("embedding_hidden_mapping_in/bias", "encoder.embedding_hidden_mapping_in.bias"),
]
POOLER_TABLE = [
    Row("pooler/kernel", "pooler.weight", "transpose"),
    Row("pooler/bias", "pooler.bias"),
]
# Inside block group_{g}_inner_group_{i} / encoder.albert_layer_groups.{g}.albert_layers.{i}.
BLOCK_TABLE = [
    Row("query/kernel", "attention.query.weight", "transpose"),
    Row("query/bias", "attention.query.bias"),
    Row("key/kernel", "attention.key.weight", "transpose"),
    Row("key/bias", "attention.key.bias"),
    Row("value/kernel", "attention.value.weight", "transpose"),
    Row("value/bias", "attention.value.bias"),
    Row("attention_output/kernel", "attention.dense.weight", "transpose"),
    Row("attention_output/bias", "attention.dense.bias"),
    Row("LayerNorm/gamma", "attention.LayerNorm.weight"),
    Row("LayerNorm/beta", "attention.LayerNorm.bias"),
    Row("ffn_intermediate/kernel", "ffn.weight", "transpose"),
    Row("ffn_intermediate/bias", "ffn.bias"),
    Row("ffn_output/kernel", "ffn_output.weight", "transpose"),
    Row("ffn_output/bias", "ffn_output.bias"),
    Row("LayerNorm_1/gamma", "full_layer_layer_norm.weight"),
    Row("LayerNorm_1/beta", "full_layer_layer_norm.bias"),
]
# Head names, outside the "albert." prefix.
MLM_TABLE = [
    Row("predictions/transform_dense/kernel", "predictions.dense.weight", "transpose"),
    Row("predictions/transform_dense/bias", "predictions.dense.bias"),
    Row("predictions/transform_LayerNorm/gamma", "predictions.LayerNorm.weight"),
    Row("predictions/transform_LayerNorm/beta", "predictions.LayerNorm.bias"),
    Row("predictions/output_bias", "predictions.bias"),
]
SOP_TABLE = [
    Row("seq_relationship/kernel", "sop_classifier.classifier.weight", "transpose"),
    Row("seq_relationship/bias", "sop_classifier.classifier.bias"),
]
CLASSIFIER_TABLE = [
    Row("classifier/kernel", "classifier.weight", "transpose"),
    Row("classifier/bias", "classifier.bias"),
]
QA_TABLE = [
    Row("qa_outputs/kernel", "qa_outputs.weight", "transpose"),
    Row("qa_outputs/bias", "qa_outputs.bias"),
]
HEAD_TABLES = {
    "encoder": [],
    "pretraining": MLM_TABLE + SOP_TABLE,
    "classification": CLASSIFIER_TABLE,
    "ner": CLASSIFIER_TABLE,
    "squad": QA_TABLE,
}

# Copies of other parameters (the MLM decoder is tied to the word embeddings);
# checked equal to what they copy when present, never loaded twice.
TIED = {
    "predictions.decoder.weight": PREFIX + "embeddings.word_embeddings.weight",
    "predictions.decoder.bias": "predictions.bias",
}
# Buffers some checkpoints carry (non-persistent in current transformers).
IGNORED = (r"^(albert\.)?embeddings\.(position_ids|token_type_ids)$",)

# The transformers class written for each task, and the task read from each class.
ARCHITECTURES = {
    "encoder": "AlbertModel",
    "pretraining": "AlbertForPreTraining",
    "classification": "AlbertForSequenceClassification",
    "ner": "AlbertForTokenClassification",
    "squad": "AlbertForQuestionAnswering",
}
TASK_OF_ARCHITECTURE = {
    **{arch: task for task, arch in ARCHITECTURES.items()},
    "AlbertForMaskedLM": "pretraining",
}
# Classes built with add_pooling_layer=False: no albert.pooler.* parameters.
WITHOUT_POOLER = ("AlbertForMaskedLM", "AlbertForTokenClassification",
                  "AlbertForQuestionAnswering")


def name_table(config, task: str, pooler: bool = True, sop: bool = True) -> list:
    """Every ``Row(ours, hugging_face_name, transform, fallback)`` of a task's model.

    Args:
        config: the AlbertConfig (its group layout gives the block rows).
        task: one of ``albert_tf.convert.models.TASKS``.
        pooler: the source has ``albert.pooler.*``; when False our pooler keeps its
            initial values (transformers' MaskedLM, token-classification and QA
            classes have none, and their outputs do not use it).
        sop: the source has the sentence-order head (``AlbertForMaskedLM`` has not).
    """
    if task not in HEAD_TABLES:
        raise AlbertTfError(f"no Hugging Face table for task {task!r}")
    table = [Row(r.ours, PREFIX + r.theirs, r.transform) for r in EMBEDDING_TABLE]
    for g in range(config.num_hidden_groups):
        for i in range(config.inner_group_num):
            for r in BLOCK_TABLE:
                table.append(Row(f"group_{g}_inner_group_{i}/{r.ours}",
                                 f"{PREFIX}encoder.albert_layer_groups.{g}.albert_layers.{i}."
                                 f"{r.theirs}", r.transform))
    keep = None if pooler else "keep"
    table += [Row(r.ours, PREFIX + r.theirs, r.transform, keep) for r in POOLER_TABLE]
    for r in HEAD_TABLES[task]:
        fallback = None if sop or r not in SOP_TABLE else "keep"
        table.append(Row(r.ours, r.theirs, r.transform, fallback))
    return table

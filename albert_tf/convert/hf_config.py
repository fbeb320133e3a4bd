"""Hugging Face ``config.json`` <-> ``albert_config.json`` (AlbertConfig) and task.json.

Model keys carry the same names in both files. The activation is renamed:
transformers' ``"gelu"`` is the exact erf GELU and ``"gelu_new"`` the tanh
approximation that the original ALBERT calls ``"gelu"``. Keys that only
transformers has go into ``task.json`` where they mean something there
(labels, classifier dropout), are checked where a different value would change
the model (``layer_norm_eps``, ``position_embedding_type``,
``tie_word_embeddings``), and are dropped otherwise (token ids, dtype, version).
"""

from __future__ import annotations

from albert_tf.config import AlbertConfig
from albert_tf.convert.hf_names import ARCHITECTURES, TASK_OF_ARCHITECTURE
from albert_tf.convert.models import default_labels, task_info
from albert_tf.errors import AlbertTfError

# Keys with the same meaning and name in both files.
MODEL_KEYS = (
    "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_hidden_groups",
    "num_attention_heads", "intermediate_size", "inner_group_num", "hidden_dropout_prob",
    "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
    "initializer_range", "net_structure_type", "gap_size", "num_memory_blocks",
    "down_scale_factor", "layers_to_keep",
)
# transformers activation name -> ours, and back.
ACTIVATION_FROM_HF = {
    "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu", "gelu": "gelu_exact",
    "relu": "relu", "tanh": "tanh", "swish": "swish", "silu": "swish",
}
ACTIVATION_TO_HF = {"gelu": "gelu_new", "gelu_new": "gelu_new", "gelu_exact": "gelu",
                    "relu": "relu", "tanh": "tanh", "swish": "swish"}
# Keys that must hold these values for the weights to mean the same model.
REQUIRED = {"layer_norm_eps": 1e-12, "position_embedding_type": "absolute",
            "tie_word_embeddings": True}
# Keys read into task.json.
TASK_KEYS = ("architectures", "id2label", "label2id", "num_labels", "classifier_dropout_prob",
             "problem_type")
# Token ids of the released ALBERT vocabularies, written into config.json.
TOKEN_IDS = {"pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3}


def config_from_hf(values: dict, source: str = "config.json") -> AlbertConfig:
    """The AlbertConfig of a Hugging Face ALBERT ``config.json`` (errors name ``source``)."""
    if values.get("model_type", "albert") != "albert":
        raise AlbertTfError(f"{source}: model_type is {values['model_type']!r}, not 'albert'")
    for key, wanted in REQUIRED.items():
        if key in values and values[key] != wanted:
            raise AlbertTfError(f"{source}: {key} is {values[key]!r}; ALBERT (and albert-tf) "
                                f"use {wanted!r}")
    ours = {key: values[key] for key in MODEL_KEYS if key in values}
    act = values.get("hidden_act", "gelu_new")
    if act not in ACTIVATION_FROM_HF:
        raise AlbertTfError(f"{source}: hidden_act {act!r} is not one albert-tf has; "
                            f"known: {', '.join(ACTIVATION_FROM_HF)}")
    ours["hidden_act"] = ACTIVATION_FROM_HF[act]
    return AlbertConfig.from_dict(ours, source=source)


def task_from_hf(values: dict, source: str = "config.json", task: str | None = None) -> dict:
    """The task.json entry for a Hugging Face config: the class it names, its labels."""
    architectures = values.get("architectures") or ["AlbertModel"]
    if task is None:
        arch = architectures[0]
        if arch not in TASK_OF_ARCHITECTURE:
            raise AlbertTfError(f"{source}: architecture {arch!r} is not one albert-tf "
                                f"converts; known: {', '.join(sorted(TASK_OF_ARCHITECTURE))}")
        task = TASK_OF_ARCHITECTURE[arch]
    labels = None
    if task in ("classification", "ner"):
        id2label = values.get("id2label") or {}
        count = int(values.get("num_labels", len(id2label) or 2))
        labels = [id2label.get(str(i), id2label.get(i)) for i in range(count)] if id2label \
            else default_labels(count)
        if any(label is None for label in labels):
            raise AlbertTfError(f"{source}: id2label does not name labels 0..{count - 1}")
    dropout = values.get("classifier_dropout_prob") if task in ("classification", "ner") else None
    return task_info(task, labels, classifier_dropout=dropout)


def config_to_hf(config: AlbertConfig, info: dict) -> dict:
    """A Hugging Face ``config.json`` for ``config`` and the task entry ``info``.

    Args:
        config: the AlbertConfig.
        info: the task.json entry (task, labels, classifier_dropout).
    """
    values = {"architectures": [ARCHITECTURES[info["task"]]], "model_type": "albert"}
    values.update({k: v for k, v in config.to_dict().items() if k in MODEL_KEYS})
    if "layers_to_keep" in values and not values["layers_to_keep"]:
        del values["layers_to_keep"]
    values["hidden_act"] = ACTIVATION_TO_HF[config.hidden_act]
    values["layer_norm_eps"] = REQUIRED["layer_norm_eps"]
    values["classifier_dropout_prob"] = info.get("classifier_dropout", 0.1)
    labels = info.get("labels") or (["LABEL_0", "LABEL_1"])  # SOP and QA heads have 2 outputs
    values["id2label"] = {str(i): label for i, label in enumerate(labels)}
    values["label2id"] = {label: i for i, label in enumerate(labels)}
    values.update(TOKEN_IDS)
    values["tie_word_embeddings"] = True
    values["dtype"] = "float32"
    return values

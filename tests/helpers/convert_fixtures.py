"""The transformers fixtures of tests/fixtures/hf_albert/ and the checks run on them.

Each fixture folder holds what ``transformers`` wrote (``config.json``,
``model.safetensors``) and the outputs it computed on real token ids
(``outputs.npz``); tools/make_hf_albert_fixtures.py made them. The TF1 checkpoints
the tests need are written here from the same tensors, under names taken from
google-research/albert and brightmart/albert_zh (independently of albert_tf's
tables, so a wrong table entry cannot agree with itself).
"""

import os
import re

import numpy as np

from conftest import REPO

FIXTURES = os.path.join(REPO, "tests", "fixtures", "hf_albert")
NAMES = ["pretraining_g1_i1", "pretraining_g2_i2", "sequence_classification_g2_i1",
         "token_classification_g1_i2", "question_answering_g2_i2", "brightmart_layout_g1_i1"]
INPUTS = ("input_ids", "input_mask", "segment_ids")


def fixture(name):
    return os.path.join(FIXTURES, name)


def reference(name):
    return dict(np.load(os.path.join(fixture(name), "outputs.npz")))


def hf_tensors(name):
    from safetensors.numpy import load_file

    return load_file(os.path.join(fixture(name), "model.safetensors"))


def max_diffs(model, task, ref):
    """``{output: max |ours - transformers|}`` over every recorded output of a fixture.

    Padding positions are compared too, except for the span logits, where albert-tf
    adds -10000 to padding by design.
    """
    batch = {k: ref[k] for k in INPUTS}
    encoder = getattr(model, "encoder", model)
    encoded = encoder(batch)
    diffs = {"sequence_output": np.abs(np.asarray(encoded["sequence_output"])
                                       - ref["sequence_output"]).max()}
    if "pooled_output" in ref:
        diffs["pooled_output"] = np.abs(np.asarray(encoded["pooled_output"])
                                        - ref["pooled_output"]).max()
    if task == "pretraining":
        out = model({**batch, "masked_lm_positions": ref["masked_lm_positions"]})
        diffs["mlm_logits"] = np.abs(np.asarray(out["mlm"]) - ref["mlm_logits"]).max()
        diffs["sop_logits"] = np.abs(np.asarray(out["sop"]) - ref["sop_logits"]).max()
    elif task == "squad":
        out = model(batch)
        real = batch["input_mask"].astype(bool)
        for key in ("start_logits", "end_logits"):
            diffs[key] = np.abs(np.asarray(out[key]) - ref[key])[real].max()
    elif task in ("classification", "ner"):
        diffs["logits"] = np.abs(np.asarray(model(batch)["logits"]) - ref["logits"]).max()
    return {k: float(v) for k, v in diffs.items()}


# --- TF1 checkpoints written from the fixtures ---------------------------------------

# transformers name (regex) -> original TF1 name, and whether the value is transposed.
# From google-research/albert modeling.py, run_pretraining.py, classifier_utils.py,
# squad_utils.py.
_OFFICIAL = [
    (r"albert\.embeddings\.(word|position|token_type)_embeddings\.weight",
     r"bert/embeddings/\1_embeddings", False),
    (r"albert\.embeddings\.LayerNorm\.weight", "bert/embeddings/LayerNorm/gamma", False),
    (r"albert\.embeddings\.LayerNorm\.bias", "bert/embeddings/LayerNorm/beta", False),
    (r"albert\.encoder\.embedding_hidden_mapping_in\.weight",
     "bert/encoder/embedding_hidden_mapping_in/kernel", True),
    (r"albert\.encoder\.embedding_hidden_mapping_in\.bias",
     "bert/encoder/embedding_hidden_mapping_in/bias", False),
    (r"albert\.pooler\.weight", "bert/pooler/dense/kernel", True),
    (r"albert\.pooler\.bias", "bert/pooler/dense/bias", False),
    (r"predictions\.dense\.weight", "cls/predictions/transform/dense/kernel", True),
    (r"predictions\.dense\.bias", "cls/predictions/transform/dense/bias", False),
    (r"predictions\.LayerNorm\.weight", "cls/predictions/transform/LayerNorm/gamma", False),
    (r"predictions\.LayerNorm\.bias", "cls/predictions/transform/LayerNorm/beta", False),
    (r"predictions\.bias", "cls/predictions/output_bias", False),
    (r"sop_classifier\.classifier\.weight", "cls/seq_relationship/output_weights", False),
    (r"sop_classifier\.classifier\.bias", "cls/seq_relationship/output_bias", False),
    (r"classifier\.weight", "output_weights", False),
    (r"classifier\.bias", "output_bias", False),
    (r"qa_outputs\.weight", "cls/squad/output_weights", False),
    (r"qa_outputs\.bias", "cls/squad/output_bias", False),
]
_BLOCK = r"albert\.encoder\.albert_layer_groups\.(\d+)\.albert_layers\.(\d+)\."
_OFFICIAL_BLOCK = [
    (r"attention\.(query|key|value)\.", "attention_1/self/{0}/"),
    (r"attention\.dense\.", "attention_1/output/dense/"),
    (r"attention\.LayerNorm\.", "LayerNorm/"),
    (r"ffn\.", "ffn_1/intermediate/dense/"),
    (r"ffn_output\.", "ffn_1/intermediate/output/dense/"),
    (r"full_layer_layer_norm\.", "LayerNorm_1/"),
]
# brightmart/albert_zh modeling.py: BERT's block scopes under layer_shared.
_BRIGHTMART_BLOCK = [
    (r"attention\.(query|key|value)\.", "attention/self/{0}/"),
    (r"attention\.dense\.", "attention/output/dense/"),
    (r"attention\.LayerNorm\.", "attention/output/LayerNorm/"),
    (r"ffn\.", "intermediate/dense/"),
    (r"ffn_output\.", "output/dense/"),
    (r"full_layer_layer_norm\.", "output/LayerNorm/"),
]
_LEAF = {"weight": None, "bias": "bias"}


def _block_name(name, table, scope):
    match = re.fullmatch(_BLOCK + r"(.*)\.(weight|bias)", name)
    if not match:
        return None
    group, inner, rest, leaf = match.groups()
    for pattern, target in table:
        sub = re.fullmatch(pattern, rest + ".")
        if sub:
            layer_norm = "LayerNorm" in target
            tail = ("gamma" if leaf == "weight" else "beta") if layer_norm else (
                "kernel" if leaf == "weight" else "bias")
            prefix = scope.format(g=group, i=inner)
            return prefix + target.format(*sub.groups()) + tail, leaf == "weight" and not layer_norm
    raise KeyError(name)


def to_tf1(tensors, brightmart=None):
    """transformers tensors renamed (and transposed) to an original TF1 checkpoint.

    ``brightmart``: the fixture's ``(A, P)`` factorization, to write brightmart's
    names (``word_embeddings`` A, ``word_embeddings_2`` P, ``layer_shared``) instead.
    """
    block_table = _BRIGHTMART_BLOCK if brightmart else _OFFICIAL_BLOCK
    scope = "bert/encoder/layer_shared/" if brightmart else \
        "bert/encoder/transformer/group_{g}/inner_group_{i}/"
    out = {}
    for name, value in tensors.items():
        mapped = _block_name(name, block_table, scope)
        if mapped is None:
            for pattern, target, transpose in _OFFICIAL:
                if re.fullmatch(pattern, name):
                    mapped = re.sub(pattern, target, name), transpose
                    break
            else:
                raise KeyError(name)
        tf1_name, transpose = mapped
        out[tf1_name] = value.T.copy() if transpose else value
    if brightmart:
        del out["bert/encoder/embedding_hidden_mapping_in/kernel"]
        del out["bert/encoder/embedding_hidden_mapping_in/bias"]
        out["bert/embeddings/word_embeddings"], out["bert/embeddings/word_embeddings_2"] = \
            brightmart
    return out


def write_tf1_checkpoint(values, prefix, optimizer_slots=True):
    """Saves ``{name: array}`` with ``tf.compat.v1`` variables and a ``Saver``, as TF1 did.

    With ``optimizer_slots`` the checkpoint also holds ``adam_m``/``adam_v`` slots and
    ``global_step``, as a checkpoint saved during training does.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        variables = [v1.get_variable(name, initializer=np.asarray(value))
                     for name, value in sorted(values.items())]
        if optimizer_slots:
            for name, value in sorted(values.items()):
                for slot in ("adam_m", "adam_v"):
                    variables.append(v1.get_variable(f"{name}/{slot}",
                                                     initializer=np.zeros_like(value)))
            variables.append(v1.train.get_or_create_global_step())
        saver = v1.train.Saver(variables)
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return saver.save(session, prefix)

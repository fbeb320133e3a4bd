"""The model: published sizes, real sharing, padding, heads, save/load round trips."""

import os

import keras
import numpy as np
import pytest

from albert_tf import AlbertConfig, AlbertEncoder, AlbertPretrainer, load_model, save_model
from albert_tf.modeling import TransformerEncoderBlock, parameter_breakdown
from albert_tf.modeling.activations import gelu_tanh
from conftest import REPO, random_inputs, tiny_config

PUBLISHED = {
    "albert_base_v2": 11_683_584,
    "albert_large_v2": 17_683_968,
    "albert_xlarge_v2": 58_724_864,
    "albert_xxlarge_v2": 222_595_584,
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_parameter_counts(name):
    config = AlbertConfig.from_json_file(os.path.join(REPO, "configs", f"{name}.json"))
    encoder = AlbertEncoder(config)  # built, never run
    assert encoder.count_params() == PUBLISHED[name]
    assert parameter_breakdown(encoder)["total"] == PUBLISHED[name]
    keras.backend.clear_session()


def _block_params(config):
    h, i = config.hidden_size, config.intermediate_size
    return 4 * (h * h + h) + 2 * 2 * h + (h * i + i) + (i * h + h)


def test_sharing_count_flat_in_depth_and_one_block_per_group():
    three = AlbertEncoder(tiny_config(num_hidden_layers=3)).count_params()
    six = AlbertEncoder(tiny_config(num_hidden_layers=6)).count_params()
    assert three == six
    two_groups = AlbertEncoder(tiny_config(num_hidden_layers=6, num_hidden_groups=2))
    assert two_groups.count_params() == three + _block_params(tiny_config())
    three_groups = AlbertEncoder(tiny_config(num_hidden_layers=6, num_hidden_groups=3))
    assert three_groups.count_params() == three + 2 * _block_params(tiny_config())
    inner = AlbertEncoder(tiny_config(num_hidden_layers=6, inner_group_num=2))
    assert inner.count_params() == three + _block_params(tiny_config())
    assert len(inner.blocks()) == 2 and len(three_groups.blocks()) == 3


def test_one_block_instance_is_called_once_per_layer():
    encoder = AlbertEncoder(tiny_config(num_hidden_layers=5))
    blocks = [layer for layer in encoder.layers if isinstance(layer, TransformerEncoderBlock)]
    assert len(blocks) == 1
    assert len(blocks[0]._inbound_nodes) == 5


def test_depth_changes_outputs_with_same_weights():
    # The same weights run 3 or 6 times must give different results: depth is real.
    shallow = AlbertEncoder(tiny_config(num_hidden_layers=3))
    deep = AlbertEncoder(tiny_config(num_hidden_layers=6))
    deep.set_weights(shallow.get_weights())
    inputs = random_inputs(tiny_config())
    a = shallow(inputs)["sequence_output"]
    b = deep(inputs)["sequence_output"]
    assert np.max(np.abs(np.asarray(a) - np.asarray(b))) > 1e-3


def _manual_forward(encoder, inputs):
    """The ALBERT forward pass written out from the variables, in numpy."""
    config = encoder.config
    w = {v.path: np.asarray(v.numpy()) for v in encoder.weights}

    def ln(x, prefix):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w[prefix + "/gamma"] + w[prefix + "/beta"]

    def dense(x, prefix):
        return x @ w[prefix + "/kernel"] + w[prefix + "/bias"]

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))

    ids, mask, seg = inputs["input_ids"], inputs["input_mask"], inputs["segment_ids"]
    seq = ids.shape[1]
    x = (w["embeddings/word_embeddings/embeddings"][ids]
         + w["embeddings/token_type_embeddings/embeddings"][seg]
         + w["embeddings/position_embeddings/embeddings"][:seq])
    x = dense(ln(x, "embeddings/LayerNorm"), "embedding_hidden_mapping_in")
    heads, size = config.num_attention_heads, config.head_size
    bias = (1.0 - mask[:, None, None, :]) * -10000.0
    for layer in range(config.num_hidden_layers):
        group = int(layer / config.num_hidden_layers * config.num_hidden_groups)
        for inner in range(config.inner_group_num):
            p = f"group_{group}_inner_group_{inner}"
            def split(t):
                return t.reshape(t.shape[0], seq, heads, size).transpose(0, 2, 1, 3)
            q, k, v = (split(dense(x, f"{p}/{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            probs = np.exp(scores - scores.max(-1, keepdims=True))
            probs /= probs.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(x.shape)
            x = ln(x + dense(ctx, f"{p}/attention_output"), f"{p}/LayerNorm")
            ffn = dense(gelu(dense(x, f"{p}/ffn_intermediate")), f"{p}/ffn_output")
            x = ln(x + ffn, f"{p}/LayerNorm_1")
    pooled = np.tanh(dense(x[:, 0], "pooler"))
    return x, pooled


@pytest.mark.parametrize("layers, groups, inner", [(3, 1, 1), (4, 2, 1), (6, 3, 2)])
def test_matches_forward_pass_written_out_in_numpy(layers, groups, inner):
    config = tiny_config(num_hidden_layers=layers, num_hidden_groups=groups, inner_group_num=inner)
    encoder = AlbertEncoder(config)
    inputs = random_inputs(config, pad_from=[7, 5, 3])
    out = encoder(inputs)
    seq, pooled = _manual_forward(encoder, inputs)
    real = inputs["input_mask"].astype(bool)
    assert np.max(np.abs(np.asarray(out["sequence_output"])[real] - seq[real])) < 1e-5
    assert np.max(np.abs(np.asarray(out["pooled_output"]) - pooled)) < 1e-5


def test_padding_does_not_change_real_positions():
    config = tiny_config(num_hidden_layers=4, num_hidden_groups=2)
    encoder = AlbertEncoder(config)
    short = random_inputs(config, batch=2, seq_len=6, seed=3)
    padded = {k: np.concatenate([v, np.zeros((2, 5), "int32")], axis=1) for k, v in short.items()}
    a = encoder(short)
    b = encoder(padded)
    assert np.max(np.abs(np.asarray(a["sequence_output"]) - np.asarray(b["sequence_output"])[:, :6])) < 1e-5
    assert np.max(np.abs(np.asarray(a["pooled_output"]) - np.asarray(b["pooled_output"]))) < 1e-5


def test_any_length_up_to_max_position_embeddings():
    encoder = AlbertEncoder(tiny_config())
    for seq_len in (1, 9, 16):
        out = encoder(random_inputs(tiny_config(), batch=1, seq_len=seq_len))
        assert tuple(out["sequence_output"].shape) == (1, seq_len, 8)


def test_attention_probabilities_output():
    config = tiny_config(num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2)
    encoder = AlbertEncoder(config, output_attentions=True)
    inputs = random_inputs(config, batch=2, seq_len=6, pad_from=[6, 4])
    probs = np.asarray(encoder(inputs)["attention_probs"])
    assert probs.shape == (2, 4 * 2, 2, 6, 6)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    assert np.max(probs[1, :, :, :, 4:]) < 1e-6  # padding keys get no attention
    plain = AlbertEncoder(config)
    plain.set_weights(encoder.get_weights())
    same = np.asarray(plain(inputs)["sequence_output"]) - np.asarray(encoder(inputs)["sequence_output"])
    assert np.max(np.abs(same)) == 0


def test_gelu_is_the_tanh_approximation():
    x = np.linspace(-4, 4, 101).astype("float32")
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    assert np.max(np.abs(np.asarray(gelu_tanh(x)) - expected)) < 1e-6
    assert AlbertEncoder(tiny_config(hidden_act="gelu_new")).count_params() == 918


def test_mlm_head_is_tied_to_word_embeddings():
    config = tiny_config()
    model = AlbertPretrainer(config)
    table = model.encoder.word_embeddings.embeddings
    assert model.mlm_head._tied_embeddings.embeddings is table
    assert sum(1 for v in model.weights if v is table) == 1
    assert len({id(v) for v in model.weights}) == len(model.weights)
    inputs = random_inputs(config, batch=2, seq_len=6)
    inputs["masked_lm_positions"] = np.array([[1, 3], [2, 5]], "int32")
    before = np.asarray(model(inputs)["mlm"])
    assert before.shape == (2, 2, 23)
    # Changing one vocabulary row changes only that logit column at the head's output.
    # (It also feeds the encoder input, so use an id that is absent from the inputs.)
    unused = sorted(set(range(23)) - set(inputs["input_ids"].ravel()))[0]
    new = np.asarray(table.numpy()).copy()
    new[unused] += np.linspace(-1.0, 2.0, new.shape[1])  # not constant: LN output sums to 0
    table.assign(new)
    after = np.asarray(model(inputs)["mlm"])
    changed = np.abs(after - before).max(axis=(0, 1)) > 1e-6
    assert changed.tolist() == [i == unused for i in range(23)]


def test_mlm_match_numpy_at_positions():
    config = tiny_config()
    model = AlbertPretrainer(config)
    inputs = random_inputs(config, batch=2, seq_len=6)
    inputs["masked_lm_positions"] = np.array([[1, 3, 0], [5, 2, 2]], "int32")
    out = model(inputs)
    seq = np.asarray(model.encoder(inputs)["sequence_output"])
    w = {v.path: np.asarray(v.numpy()) for v in model.weights}
    picked = np.stack([seq[b, inputs["masked_lm_positions"][b]] for b in range(2)])
    h = picked @ w["predictions/transform_dense/kernel"] + w["predictions/transform_dense/bias"]
    h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
    h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-12)
    h = h * w["predictions/transform_LayerNorm/gamma"] + w["predictions/transform_LayerNorm/beta"]
    logits = h @ w["embeddings/word_embeddings/embeddings"].T + w["predictions/output_bias"]
    assert np.max(np.abs(np.asarray(out["mlm"]) - logits)) < 1e-5
    pooled = np.asarray(model.encoder(inputs)["pooled_output"])
    sop = pooled @ w["seq_relationship/kernel"] + w["seq_relationship/bias"]
    assert np.max(np.abs(np.asarray(out["sop"]) - sop)) < 1e-5


def _outputs(model, inputs):
    return {k: np.asarray(v) for k, v in model(inputs).items()}


@pytest.mark.parametrize("kind", ["encoder", "pretrainer"])
def test_get_config_and_keras_file_round_trip(kind, tmp_path):
    config = tiny_config(num_hidden_layers=4, num_hidden_groups=2)
    inputs = random_inputs(config)
    if kind == "encoder":
        model = AlbertEncoder(config)
    else:
        model = AlbertPretrainer(config)
        inputs["masked_lm_positions"] = np.array([[1], [2], [3]], "int32")
    rebuilt = type(model).from_config(model.get_config())
    assert rebuilt.config == config and rebuilt.count_params() == model.count_params()
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    expected, got = _outputs(model, inputs), _outputs(loaded, inputs)
    for key in expected:
        assert np.array_equal(expected[key], got[key]), key


@pytest.mark.parametrize("kind", ["encoder", "pretrainer"])
def test_model_directory_round_trip(kind, tmp_path):
    config = tiny_config(num_hidden_layers=4, num_hidden_groups=2, vocab_size=31)
    model = AlbertEncoder(config) if kind == "encoder" else AlbertPretrainer(config)
    inputs = random_inputs(config)
    if kind == "pretrainer":
        inputs["masked_lm_positions"] = np.array([[1], [2], [3]], "int32")
    directory = save_model(model, tmp_path / "model")
    assert sorted(os.listdir(directory)) == ["albert_config.json", "model.weights.h5", "task.json"]
    assert AlbertConfig.from_json_file(os.path.join(directory, "albert_config.json")) == config
    loaded = load_model(directory)
    assert type(loaded) is type(model)
    expected, got = _outputs(model, inputs), _outputs(loaded, inputs)
    for key in expected:
        assert np.array_equal(expected[key], got[key]), key


def test_load_model_errors_are_clear(tmp_path):
    from albert_tf import AlbertTfError

    with pytest.raises(AlbertTfError, match="no such model directory"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AlbertTfError, match="not a model directory"):
        load_model(tmp_path / "empty")


def test_dropout_only_in_training():
    config = tiny_config(hidden_dropout_prob=0.3, attention_probs_dropout_prob=0.3)
    encoder = AlbertEncoder(config)
    inputs = random_inputs(config)
    a = np.asarray(encoder(inputs)["sequence_output"])
    b = np.asarray(encoder(inputs)["sequence_output"])
    c = np.asarray(encoder(inputs, training=True)["sequence_output"])
    assert np.array_equal(a, b) and np.max(np.abs(a - c)) > 1e-3


def test_extra_input_keys_are_ignored_not_misrouted():
    config = tiny_config()
    encoder = AlbertEncoder(config)
    inputs = random_inputs(config)
    batch = dict(inputs, masked_lm_positions=np.ones((3, 2), "int32"),
                 next_sentence_labels=np.ones((3, 1), "int32"))
    a = np.asarray(encoder(inputs)["sequence_output"])
    b = np.asarray(encoder(batch)["sequence_output"])
    assert np.array_equal(a, b)
    with pytest.raises((KeyError, ValueError), match="segment_ids"):
        encoder({"input_ids": inputs["input_ids"], "input_mask": inputs["input_mask"]})


def test_a_sequence_longer_than_the_positions_is_a_clear_error():
    """From Python: a named ValueError, not a GatherV2 'indices[16]' from inside the graph."""
    from albert_tf import AlbertEncoder

    config = tiny_config()  # max_position_embeddings 16
    model = AlbertEncoder(config)
    fits = random_inputs(config, batch=2, seq_len=16)
    assert model(fits)["sequence_output"].shape == (2, 16, config.hidden_size)
    with pytest.raises(ValueError, match="input_ids has 17 positions, more than "
                                         "max_position_embeddings 16"):
        model(random_inputs(config, batch=2, seq_len=17))

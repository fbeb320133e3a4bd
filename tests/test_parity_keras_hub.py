"""Parity with keras-hub's AlbertBackbone, weights copied both ways, on real token ids."""

import keras
import keras_hub
import numpy as np
import pytest

from albert_tf.convert.keras_hub import backbone_from_encoder, encoder_from_backbone
from conftest import data_path

SPM = ("vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")


def real_batch(num=6, seq_len=24):
    """SST-2 dev sentences tokenized by keras-hub's own SentencePiece tokenizer, packed."""
    tokenizer = keras_hub.models.AlbertTokenizer(proto=data_path(*SPM))
    with open(data_path("sst2", "dev.tsv"), encoding="utf-8") as f:
        sentences = [line.split("\t")[0].strip() for line in list(f)[1:num + 1]]
    ids = np.zeros((num, seq_len), "int32")
    mask = np.zeros_like(ids)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    for row, sentence in enumerate(sentences):
        pieces = [int(t) for t in np.asarray(tokenizer(sentence))][: seq_len - 2]
        tokens = [cls_id] + pieces + [sep_id]
        ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
    assert mask.sum(1).min() > 3 and ids.max() > 1000  # real, varied lengths and ids
    return {"input_ids": ids, "input_mask": mask, "segment_ids": np.zeros_like(ids)}


def _hub_inputs(batch):
    return {"token_ids": batch["input_ids"], "padding_mask": batch["input_mask"],
            "segment_ids": batch["segment_ids"]}


@pytest.mark.parametrize("layers, groups, inner", [(4, 1, 1), (4, 2, 1), (6, 2, 2)])
def test_keras_hub_backbone_to_albert_encoder(layers, groups, inner):
    keras.utils.set_random_seed(layers * 10 + groups)
    backbone = keras_hub.models.AlbertBackbone(
        vocabulary_size=30000, num_layers=layers, num_heads=2, embedding_dim=6,
        hidden_dim=8, intermediate_dim=12, num_groups=groups,
        num_inner_repetitions=inner, max_sequence_length=32,
    )
    batch = real_batch()
    expected = backbone(_hub_inputs(batch))
    encoder = encoder_from_backbone(backbone)
    got = encoder(batch)
    real = batch["input_mask"].astype(bool)
    seq_diff = np.abs(np.asarray(expected["sequence_output"]) - np.asarray(got["sequence_output"]))
    pooled_diff = np.abs(np.asarray(expected["pooled_output"]) - np.asarray(got["pooled_output"]))
    assert seq_diff[real].max() <= 1e-5
    assert pooled_diff.max() <= 1e-5
    # The outputs are not trivially equal: the model depends on its weights.
    assert np.abs(np.asarray(got["sequence_output"])).max() > 0.1


def test_albert_encoder_to_keras_hub_and_back():
    from albert_tf import AlbertConfig, AlbertEncoder

    config = AlbertConfig(vocab_size=30000, embedding_size=6, hidden_size=8,
                          num_hidden_layers=4, num_hidden_groups=2, num_attention_heads=2,
                          intermediate_size=12, max_position_embeddings=32)
    encoder = AlbertEncoder(config)
    batch = real_batch()
    backbone = backbone_from_encoder(encoder)
    real = batch["input_mask"].astype(bool)
    ours = encoder(batch)
    theirs = backbone(_hub_inputs(batch))
    diff = np.abs(np.asarray(ours["sequence_output"]) - np.asarray(theirs["sequence_output"]))
    assert diff[real].max() <= 1e-5
    again = encoder_from_backbone(backbone)
    for a, b in zip(encoder.weights, again.weights):
        assert a.path == b.path and np.array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))


def test_mismatch_names_the_variable():
    from albert_tf import AlbertTfError
    from albert_tf.convert.mapping import transfer
    from albert_tf.modeling import AlbertEncoder
    from conftest import tiny_config

    encoder = AlbertEncoder(tiny_config())
    values = {"w": np.zeros((5, 5))}
    with pytest.raises(AlbertTfError, match=r"'w' has shape \(5, 5\), expected \(8, 8\) for 'pooler/kernel'"):
        transfer(values, encoder, [("pooler/kernel", "w")], source_name="ckpt")
    before = np.asarray(encoder.pooler.kernel.numpy()).copy()
    values = {"w": np.ones((8, 8)), "extra": np.zeros(3)}
    with pytest.raises(AlbertTfError, match="1 unused variable.*extra"):
        transfer(values, encoder, [("pooler/kernel", "w")], source_name="ckpt")
    assert np.array_equal(before, np.asarray(encoder.pooler.kernel.numpy()))  # nothing written

"""TFRecords -> tf.data: model.fit triples, sharding, a position-pure order, dynamic masking."""

import json

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.data.dynamic_masking import DynamicMasking
from albert_tf.data.pipeline import list_files, pretraining_dataset
from albert_tf.data.pretraining import DataSettings, create_pretraining_data
from conftest import BOOKS, data_path


def _glob(folder):
    return str(folder / "pretrain-*.tfrecord")


def test_fit_triples(en_records):
    features, labels, weights = next(iter(pretraining_dataset(_glob(en_records), 8, 128, 20)))
    assert sorted(features) == ["input_ids", "input_mask", "masked_lm_positions", "segment_ids"]
    assert all(v.dtype == tf.int32 for v in features.values())
    assert features["input_ids"].shape == (8, 128) and features["masked_lm_positions"].shape == (8, 20)
    assert labels["mlm"].shape == (8, 20) and labels["sop"].shape == (8,)
    assert weights["mlm"].dtype == tf.float32 and float(tf.reduce_sum(weights["mlm"])) > 8


def test_input_pipelines_read_disjoint_files(en_records):
    with open(en_records / "pretrain.metadata.json") as f:
        shards = json.load(f)["shards"]
    for pipeline_id in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2,
                                             input_pipeline_id=pipeline_id, num_replicas_in_sync=2)
        ds = pretraining_dataset(_glob(en_records), 64, 128, 20, training=False,
                                 input_context=context)
        sizes = [int(b[0]["input_ids"].shape[0]) for b in ds]
        assert max(sizes) == 32  # the per-replica share of the global batch
        # Pipeline i reads shard i, exactly: its record count, nothing else.
        assert sum(sizes) == shards[pipeline_id]["instances"]
        only = pretraining_dataset(str(en_records / shards[pipeline_id]["file"]), 64, 128, 20,
                                   training=False)
        first = next(iter(only))[0]["input_ids"].numpy()[:32]
        np.testing.assert_array_equal(next(iter(ds))[0]["input_ids"].numpy(), first)


def test_order_is_a_function_of_position(en_records):
    def take(ds, n):
        return [b[0]["input_ids"].numpy().sum() for b in ds.take(n)]

    full = take(pretraining_dataset(_glob(en_records), 16, 128, 20, seed=3), 30)
    again = take(pretraining_dataset(_glob(en_records), 16, 128, 20, seed=3), 30)
    resumed = take(pretraining_dataset(_glob(en_records), 16, 128, 20, seed=3).skip(20), 10)
    other_seed = take(pretraining_dataset(_glob(en_records), 16, 128, 20, seed=4), 30)
    assert full == again and full[20:] == resumed and full != other_seed


def test_epochs_are_reshuffled(tmp_path, en_records):
    with open(en_records / "pretrain.metadata.json") as f:
        per_epoch = json.load(f)["instances"] // 32
    sums = [b[0]["input_ids"].numpy().sum(1).tolist()
            for b in pretraining_dataset(_glob(en_records), 32, 128, 20, seed=1).take(2 * per_epoch)]
    assert sums[:per_epoch] != sums[per_epoch:]


def test_missing_files_error(tmp_path):
    from albert_tf import AlbertTfError

    with pytest.raises(AlbertTfError, match="no TFRecord files match"):
        list_files(str(tmp_path / "*.tfrecord"))


@pytest.fixture(scope="module")
def unmasked(trained_spm_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("unmasked")
    create_pretraining_data(DataSettings(
        input=[data_path("pretrain_en", BOOKS[0])], output_dir=str(out), vocab=trained_spm_path,
        masked_lm_prob=0.0, dupe_factor=1, num_workers=1, num_shards=1), log=lambda _: None)
    with open(out / "pretrain.metadata.json") as f:
        return out, json.load(f)


def test_dynamic_masking_new_masks_each_epoch_same_each_run(unmasked):
    out, metadata = unmasked
    assert metadata["statistics"]["masked"] == 0
    masking = DynamicMasking.from_metadata(metadata, seed=5)
    per_epoch = metadata["instances"] // 16

    def run():
        ds = pretraining_dataset(_glob(out), 16, 128, 20, seed=2, dynamic_masking=masking,
                                 training=True)
        return [b for b in ds.take(per_epoch + 1)]

    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0]["input_ids"], b[0]["input_ids"])
    features, labels, weights = first[0]
    ids = features["input_ids"].numpy()
    mask_count = weights["mlm"].numpy().sum()
    real = features["input_mask"].numpy().sum()
    assert 0.13 < mask_count / real < 0.16
    special = metadata["vocab"]["special_ids"]
    rows, cols = np.nonzero(weights["mlm"].numpy())
    chosen = features["masked_lm_positions"].numpy()[rows, cols]
    assert np.mean(ids[rows, chosen] == special["mask"]) > 0.6
    assert not np.isin(labels["mlm"].numpy()[rows, cols], [special["cls"], special["sep"]]).any()
    # The same record in the next epoch gets other masks (passes are reshuffled, so find it).
    originals = {}
    for batch in first:
        f, l, w = batch
        for k in range(16):
            row = f["input_ids"].numpy()[k].copy()
            m = int(w["mlm"].numpy()[k].sum())
            positions = f["masked_lm_positions"].numpy()[k, :m]
            row[positions] = l["mlm"].numpy()[k, :m]
            originals.setdefault(tuple(row), []).append(tuple(positions))
    repeated = [v for v in originals.values() if len(v) > 1]
    assert repeated and any(len(set(v)) > 1 for v in repeated)

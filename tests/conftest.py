"""Shared fixtures: the real data folder and tiny configs of distinct sizes."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("ALBERT_TF_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))


def data_path(*parts):
    """A file under the shared real-data folder (see its MANIFEST.md); skip if absent."""
    path = os.path.join(DATA, *parts)
    if not os.path.exists(path):
        pytest.skip(f"real data not found: {path}")
    return path


def tiny_config(**changes):
    """vocab 23, E 6, H 8, 2 heads, intermediate 12, 3 layers, 1 group: no size coincides."""
    from albert_tf import AlbertConfig

    values = dict(
        vocab_size=23, embedding_size=6, hidden_size=8, num_hidden_layers=3,
        num_hidden_groups=1, inner_group_num=1, num_attention_heads=2,
        intermediate_size=12, max_position_embeddings=16, type_vocab_size=2,
    )
    values.update(changes)
    return AlbertConfig(**values)


def random_inputs(config, batch=3, seq_len=7, seed=0, pad_from=None):
    """Int32 encoder inputs; ``pad_from`` gives each row's first padding position."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, config.vocab_size, size=(batch, seq_len)).astype("int32")
    ids[:, 0] = 2
    mask = np.ones_like(ids)
    if pad_from is not None:
        for row, start in enumerate(pad_from):
            mask[row, start:] = 0
            ids[row, start:] = 0
    segments = np.zeros_like(ids)
    segments[:, seq_len // 2:] = 1
    segments *= mask
    return {"input_ids": ids, "input_mask": mask, "segment_ids": segments}


@pytest.fixture
def tiny():
    return tiny_config()


@pytest.fixture(scope="session")
def trained_spm_path(tmp_path_factory):
    """An 8000-piece vocabulary made by train-vocab from ../shared/data/pretrain_en (once)."""
    import glob

    from albert_tf.tokenization.vocab_training import train_sentencepiece

    inputs = sorted(glob.glob(os.path.join(DATA, "pretrain_en", "*")))
    if not inputs:
        pytest.skip("real data not found: pretrain_en")
    prefix = str(tmp_path_factory.mktemp("vocab") / "pretrain_en_8k")
    return train_sentencepiece(inputs, prefix, 8000, log=lambda _: None)


BOOKS = ["gutenberg_pg1342.txt", "gutenberg_pg98.txt"]  # 1.47 MB of English prose


@pytest.fixture(scope="session")
def en_records(trained_spm_path, tmp_path_factory):
    """Pretraining TFRecords made by create-pretraining-data from two real books (once).

    Returns the output folder; its ``pretrain.metadata.json`` describes the shards.
    """
    from albert_tf.data.pretraining import DataSettings, create_pretraining_data

    inputs = [data_path("pretrain_en", name) for name in BOOKS]
    out = tmp_path_factory.mktemp("en_records")
    create_pretraining_data(DataSettings(
        input=inputs, output_dir=str(out), vocab=trained_spm_path, dupe_factor=1,
        num_workers=2, num_shards=2, random_seed=7, block_mb=0.25), log=lambda _: None)
    return out

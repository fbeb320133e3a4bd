"""Pictures: the attention grid has every layer and head, attributions add up, curves draw."""

import json
import os

import numpy as np
import pytest

from conftest import data_path


@pytest.fixture(scope="module")
def classifier(trained_spm_path, tmp_path_factory):
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune

    folder = tmp_path_factory.mktemp("viz")
    config = folder / "albert_config.json"
    config.write_text(json.dumps({
        "vocab_size": 8000, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 3,
        "num_hidden_groups": 1, "inner_group_num": 2, "num_attention_heads": 4,
        "intermediate_size": 24, "max_position_embeddings": 64}))
    finetune(FinetuneSettings(
        task="classification", train=data_path("sst2", "train.tsv"), output_dir=str(folder / "m"),
        albert_config=str(config), vocab=trained_spm_path, epochs=1, batch_size=32,
        learning_rate=1e-3, max_seq_length=48, max_train_examples=128, checkpoint_every=2,
        verbose=0),
        task_options("classification"),
        print_fn=lambda *a: None)
    return folder / "m"


def test_attention_grid_has_every_layer_and_head(classifier, tmp_path):
    from albert_tf.viz.attention import visualize_attention

    text = "a gorgeous , witty , seductive movie ."
    result = visualize_attention(str(classifier), text, str(tmp_path))
    layers, heads, n, n2 = result["shape"]
    assert (layers, heads) == (3 * 2, 4)  # num_hidden_layers × inner_group_num, heads
    assert n == n2 == len(result["pieces"]) and result["pieces"][0] == "[CLS]"
    import matplotlib.image

    image = matplotlib.image.imread(result["png"])
    assert image.shape[0] > image.shape[1] > 300  # six rows of maps, four columns
    page = open(result["html"], encoding="utf-8").read()
    data = json.loads(page.split("const DATA = ", 1)[1].split(";\n", 1)[0])
    probs = np.array(data["probs"])
    assert probs.shape == (6, 4, n, n)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-3)
    assert data["pieces"] == result["pieces"]


def test_attributions_sum_to_the_logit_difference(classifier, tmp_path):
    from albert_tf.viz.attributions import visualize_attributions

    result = visualize_attributions(str(classifier), "the story is dull and the acting worse .",
                                    str(tmp_path), steps=64)
    total = float(np.sum(result["attributions"]))
    difference = result["logit"] - result["baseline_logit"]
    assert abs(total - difference) <= 0.02 * max(abs(difference), 1e-3) + 1e-4
    assert len(result["attributions"]) == len(result["pieces"])
    assert result["attributions"][0] == 0.0  # [CLS] is part of the baseline: no attribution
    page = open(result["html"], encoding="utf-8").read()
    assert page.count('class="tok"') == len(result["pieces"])
    # Fewer steps integrate less exactly; completeness is what converges.
    coarse = visualize_attributions(str(classifier), "the story is dull and the acting worse .",
                                    str(tmp_path / "coarse"), steps=2)
    assert abs(np.sum(coarse["attributions"]) - difference) >= abs(total - difference)


def test_curves_png(classifier, tmp_path):
    from albert_tf.viz.curves import plot_curves, read_log

    log = read_log(str(classifier))
    assert "step" in log and "accuracy" in log and len(log["step"]) >= 2
    path = plot_curves(str(classifier), str(tmp_path / "curves.png"))
    import matplotlib.image

    assert matplotlib.image.imread(path).shape[1] > 600
    from albert_tf import AlbertTfError

    with pytest.raises(AlbertTfError, match="no training_log.csv"):
        read_log(str(tmp_path))
    assert not os.path.exists(tmp_path / "nothing.png")


def test_near_uniform_attention_looks_dark_on_the_shared_scale(tmp_path):
    """A map of 1/9 everywhere is drawn in viridis(1/9), not in the top colour of its own
    scale (it was solid yellow); the colour bar is the only yellow left."""
    import matplotlib
    import matplotlib.image

    from albert_tf.viz.attention import attention_png

    probs = np.full((1, 1, 9, 9), 1 / 9, dtype=np.float32)
    path = attention_png([f"t{i}" for i in range(9)], probs, str(tmp_path / "a.png"))
    pixels = matplotlib.image.imread(path)[..., :3].reshape(-1, 3)

    def near(colour):
        return int((np.abs(pixels - np.asarray(colour[:3])).max(axis=1) < 0.03).sum())

    viridis = matplotlib.colormaps["viridis"]
    assert near(viridis(1 / 9)) > 20 * max(near(viridis(1.0)), 1)


def test_tiny_attributions_stay_white_and_the_scale_is_printed(tmp_path):
    import re

    from albert_tf.viz.attributions import attributions_html

    result = {"pieces": ["[CLS]", "a", "film", "[SEP]"],
              "attributions": [0.0, 1e-6, -2e-6, 0.0], "target": 1,
              "probabilities": [0.5, 0.5], "logit": 0.1, "baseline_logit": 0.1}
    page = open(attributions_html(result, str(tmp_path / "a.html")), encoding="utf-8").read()
    alphas = [float(a) for a in re.findall(r"rgba\(\d+,\d+,\d+,([0-9.]+)\)", page)]
    assert len(alphas) == 4 and max(alphas) <= 0.001
    assert "Full colour is ±0.0100 in logit units" in page
    strong = dict(result, attributions=[0.0, 0.5, -0.25, 0.0])
    page = open(attributions_html(strong, str(tmp_path / "b.html")), encoding="utf-8").read()
    alphas = [float(a) for a in re.findall(r"rgba\(\d+,\d+,\d+,([0-9.]+)\)", page)]
    assert alphas == [0.0, 1.0, 0.5, 0.0] and "Full colour is ±0.5000" in page

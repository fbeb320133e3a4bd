"""AlbertConfig: official files round-trip, bad files fail with one clear line."""

import glob
import json
import os
import subprocess
import sys

import pytest

from albert_tf import AlbertConfig, ConfigError
from conftest import REPO

OFFICIAL = ["albert_base_v2", "albert_large_v2", "albert_xlarge_v2", "albert_xxlarge_v2"]


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "configs", "*.json"))))
def test_bundled_configs_round_trip_byte_for_byte(path, tmp_path):
    config = AlbertConfig.from_json_file(path)
    out = tmp_path / "albert_config.json"
    config.to_json_file(out)
    assert out.read_text() == open(path).read()
    assert AlbertConfig.from_json_file(out) == config


def test_official_values():
    base = AlbertConfig.from_json_file(os.path.join(REPO, "configs", "albert_base_v2.json"))
    assert (base.vocab_size, base.embedding_size, base.hidden_size) == (30000, 128, 768)
    assert (base.num_hidden_layers, base.num_attention_heads, base.intermediate_size) == (12, 12, 3072)
    assert base.hidden_act == "gelu" and base.hidden_dropout_prob == 0
    xxl = AlbertConfig.from_json_file(os.path.join(REPO, "configs", "albert_xxlarge_v2.json"))
    assert (xxl.hidden_size, xxl.num_attention_heads, xxl.intermediate_size) == (4096, 64, 16384)


def test_config_written_from_code_has_official_keys_in_order(tmp_path):
    config = AlbertConfig(vocab_size=99, hidden_size=16, num_attention_heads=4, intermediate_size=20)
    keys = list(config.to_dict())
    assert keys[:3] == ["attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob"]
    assert keys[-1] == "vocab_size" and "layers_to_keep" not in keys


def test_layers_to_keep_empty_accepted_and_kept(tmp_path):
    path = tmp_path / "c.json"
    values = dict(json.load(open(os.path.join(REPO, "configs", "albert_base_v2.json"))))
    values["layers_to_keep"] = []
    path.write_text(json.dumps(values, indent=2) + "\n")
    config = AlbertConfig.from_json_file(path)
    assert config.to_dict()["layers_to_keep"] == []


def _write(tmp_path, **changes):
    values = json.load(open(os.path.join(REPO, "configs", "albert_tiny_test.json")))
    values.update(changes)
    path = tmp_path / "bad_config.json"
    path.write_text(json.dumps(values))
    return str(path)


@pytest.mark.parametrize(
    "changes, key, words",
    [
        ({"hiden_size": 8}, "hiden_size", "unknown key"),
        ({"hidden_size": 9}, "hidden_size", "divisible by num_attention_heads"),
        ({"num_hidden_groups": 2}, "num_hidden_layers", "divisible by num_hidden_groups"),
        ({"net_structure_type": 1}, "net_structure_type", "only supported at its default"),
        ({"gap_size": 3}, "gap_size", "only supported at its default"),
        ({"num_memory_blocks": 2}, "num_memory_blocks", "only supported at its default"),
        ({"down_scale_factor": 2}, "down_scale_factor", "only supported at its default"),
        ({"layers_to_keep": [1, 2]}, "layers_to_keep", "only supported at its default"),
        ({"hidden_act": "mish"}, "hidden_act", "must be one of"),
        ({"vocab_size": "23"}, "vocab_size", "must be an integer"),
        ({"num_hidden_layers": 0}, "num_hidden_layers", "at least 1"),
        ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob", "probability"),
    ],
)
def test_bad_config_names_key_and_file(tmp_path, changes, key, words):
    path = _write(tmp_path, **changes)
    with pytest.raises(ConfigError) as info:
        AlbertConfig.from_json_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert path in message and repr(key) in message and words in message


def test_research_keys_accepted_at_defaults(tmp_path):
    path = _write(tmp_path, net_structure_type=0, gap_size=0, num_memory_blocks=0,
                  down_scale_factor=1, layers_to_keep=[])
    assert AlbertConfig.from_json_file(path).num_hidden_layers == 3


def test_not_json_and_missing_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    with pytest.raises(ConfigError, match="broken.json: not valid JSON"):
        AlbertConfig.from_json_file(path)
    with pytest.raises(ConfigError, match="no such config file"):
        AlbertConfig.from_json_file(tmp_path / "missing.json")


@pytest.mark.parametrize("drop", ["hidden_size", "vocab_size"])
def test_a_config_file_must_give_its_sizes(tmp_path, drop):
    values = json.load(open(os.path.join(REPO, "configs", "albert_base_v2.json")))
    del values[drop]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(values))
    with pytest.raises(ConfigError, match=f"partial.json: missing key '{drop}'"):
        AlbertConfig.from_json_file(path)


def test_constructor_validates_too():
    with pytest.raises(ConfigError, match="'hidden_size'"):
        AlbertConfig(hidden_size=10, num_attention_heads=3)


def test_group_of_layer_matches_original_formula():
    config = AlbertConfig(num_hidden_layers=6, num_hidden_groups=3, hidden_size=8,
                          num_attention_heads=2, intermediate_size=12)
    assert [config.group_of_layer(i) for i in range(6)] == [0, 0, 1, 1, 2, 2]


def test_cli_bad_config_one_line_nonzero_exit(tmp_path):
    path = _write(tmp_path, hidden_size=9)
    result = subprocess.run(
        [sys.executable, "-m", "albert_tf", "params", path],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and path in errors[0] and "'hidden_size'" in errors[0]
    assert result.stdout == ""

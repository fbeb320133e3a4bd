"""The same model on JAX and PyTorch: equal outputs, and no TensorFlow in modeling/."""

import ast
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from albert_tf import AlbertEncoder, AlbertPretrainer
from conftest import REPO, random_inputs, tiny_config

RUNNER = r"""
import json, sys
import numpy as np
from albert_tf.config import AlbertConfig
from albert_tf.modeling import AlbertEncoder, AlbertPretrainer
import keras
work = sys.argv[1]
config = AlbertConfig.from_json_file(work + "/albert_config.json")
inputs = dict(np.load(work + "/inputs.npz"))
model = AlbertPretrainer(config)
model.load_weights(work + "/model.weights.h5")
out = {k: keras.ops.convert_to_numpy(v) for k, v in model(inputs).items()}
enc = {k: keras.ops.convert_to_numpy(v) for k, v in model.encoder(inputs).items()}
np.savez(work + "/out.npz", **out, **enc)
print(json.dumps({"backend": keras.backend.backend(), "tensorflow_imported": "tensorflow" in sys.modules}))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_same_outputs_on_other_backends(backend, tmp_path):
    config = tiny_config(num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2,
                         vocab_size=29)
    model = AlbertPretrainer(config)
    inputs = random_inputs(config, batch=3, seq_len=9, pad_from=[9, 6, 4])
    inputs["masked_lm_positions"] = np.array([[1, 2], [3, 5], [0, 1]], "int32")
    expected = {k: np.asarray(v) for k, v in model(inputs).items()}
    expected.update({k: np.asarray(v) for k, v in model.encoder(inputs).items()})
    config.to_json_file(tmp_path / "albert_config.json")
    model.save_weights(str(tmp_path / "model.weights.h5"))
    np.savez(tmp_path / "inputs.npz", **inputs)
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": REPO,
           "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"backend": backend, "tensorflow_imported": False}
    got = dict(np.load(tmp_path / "out.npz"))
    real = inputs["input_mask"].astype(bool)
    assert np.abs(got["sequence_output"] - expected["sequence_output"])[real].max() <= 1e-5
    for key in ("pooled_output", "mlm", "sop"):
        assert np.abs(got[key] - expected[key]).max() <= 1e-5, key
    assert np.abs(expected["mlm"]).max() > 1e-3  # not trivially zero


def test_modeling_never_imports_tensorflow():
    folder = os.path.join(REPO, "albert_tf", "modeling")
    offenders = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        tree = ast.parse(open(os.path.join(folder, name), encoding="utf-8").read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                root = module.split(".")[0]
                if root in ("tensorflow", "tf_keras", "tensorflow_text") or module.startswith(
                    "albert_tf.data"
                ):
                    offenders.append(f"{name}: {module}")
    assert offenders == []
    assert len([n for n in os.listdir(folder) if n.endswith(".py")]) >= 5


CLI_RUNNER = r"""
import json, sys
import keras
from albert_tf.cli import main
config, records, vocab, train, work = sys.argv[1:6]
pre = main(["pretrain", "--albert-config", config, "--train-data", records, "--vocab", vocab,
            "--model-dir", work + "/pre", "--steps", "4", "--batch-size", "4",
            "--checkpoint-every", "2", "--verbose", "2"])
tune = main(["finetune", "classification", "--train", train, "--dev", train,
             "--init-checkpoint", work + "/pre", "--output-dir", work + "/tuned",
             "--batch-size", "8", "--epochs", "2", "--max-seq-length", "32",
             "--max-train-examples", "32", "--verbose", "2"])
print(json.dumps({"backend": keras.backend.backend(), "codes": [pre, tune]}))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_cli_pretrains_and_finetunes_on_other_backends(backend, en_records,
                                                            trained_spm_path, tmp_path):
    """The command line on JAX and PyTorch: pretrain, then finetune from it (issue 21 #4)."""
    from conftest import data_path

    config = tiny_config(vocab_size=8000, max_position_embeddings=512)
    config.to_json_file(tmp_path / "albert_config.json")
    with open(data_path("sst2", "dev.tsv"), encoding="utf-8") as f:
        (tmp_path / "sst2.tsv").write_text("".join(f.readlines()[:49]), encoding="utf-8")
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": REPO,
           "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", CLI_RUNNER, str(tmp_path / "albert_config.json"),
         str(en_records / "*.tfrecord"), trained_spm_path, str(tmp_path / "sst2.tsv"),
         str(tmp_path)], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"backend": backend, "codes": [0, 0]}, result.stderr[-3000:]
    out = result.stdout
    assert "step 4/4: loss=" in out and "step 8/8: " in out and "dev: accuracy=" in out
    # XLA is the JAX default; on torch, torch.compile stays off unless asked for.
    assert ("XLA on" if backend == "jax" else "XLA off") in out
    assert "int64" not in result.stderr  # no dtype warning from the schedule
    for folder in ("pre", "tuned"):
        assert os.path.exists(tmp_path / folder / "model.weights.h5")


@pytest.mark.parametrize("backend, setting, expected", [
    ("tensorflow", "auto", True), ("jax", "auto", True), ("torch", "auto", False),
    ("torch", "true", True), ("jax", "false", False)])
def test_jit_auto_is_xla_on_tensorflow_and_jax_and_off_on_torch(backend, setting, expected,
                                                                 monkeypatch):
    """--jit-compile auto: torch.compile compiled for minutes on CPU, so torch asks for it."""
    import keras
    import tensorflow as tf

    from albert_tf.tasks.pretraining import resolve_jit

    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    assert resolve_jit(setting, tf.distribute.get_strategy()) is expected

"""Pretraining under tf.distribute and after a crash gives the weights of a plain run."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO
from helpers.records import write_config, write_records

WORKER = os.path.join(REPO, "tests", "helpers", "pretrain_worker.py")
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.path.join(REPO, "tests")]),
       "TF_CPP_MIN_LOG_LEVEL": "3"}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    # No dropout: replicas draw their own masks, so only a dropout-free model can
    # match a one-replica run bit for bit.
    return {"data": write_records(str(folder / "records")),
            "config": write_config(folder / "albert_config.json")}


def _worker(out, toy, model_dir, strategy, extra=None, env=None):
    args = [sys.executable, WORKER, str(out), toy["config"], toy["data"], str(model_dir), strategy]
    if extra:
        args.append(json.dumps(extra))
    return subprocess.Popen(args, env={**ENV, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(process, timeout=600):
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _weights(path):
    data = np.load(path)
    return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


def _max_diff(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def single_run(toy, tmp_path_factory):
    folder = tmp_path_factory.mktemp("single")
    _finish(_worker(folder / "w.npz", toy, folder / "model", "one_device"))
    return _weights(folder / "w.npz")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_two_processes_match_one_process(toy, single_run, tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        workers.append(_worker(tmp_path / f"w{index}.npz", toy, tmp_path / "model",
                               "multi_worker", env={"TF_CONFIG": tf_config}))
    logs = [_finish(w) for w in workers]
    assert logs[0] == logs[1]
    w0, w1 = _weights(tmp_path / "w0.npz"), _weights(tmp_path / "w1.npz")
    assert _max_diff(w0, w1) == 0.0
    assert _max_diff(w0, single_run) < 1e-5
    # Training moved the weights: the comparison is not between two initialisations.
    assert os.path.exists(tmp_path / "model" / "model.weights.h5")


def test_mirrored_two_cpu_devices_match_one_device(toy, single_run, tmp_path):
    _finish(_worker(tmp_path / "m.npz", toy, tmp_path / "model", "mirrored", {"cpu_devices": 2}))
    assert _max_diff(_weights(tmp_path / "m.npz"), single_run) < 1e-5


def _cli(toy, model_dir, config):
    return [sys.executable, "-m", "albert_tf", "pretrain", "--albert-config", config,
            "--train-data", toy["data"], "--model-dir", str(model_dir), "--steps", "60",
            "--checkpoint-every", "10", "--keep-checkpoints", "10", "--batch-size", "8",
            "--learning-rate", "5e-3", "--warmup-steps", "5", "--verbose", "2"]


def _h5(path):
    import h5py

    values = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, obj: values.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return values


def test_sigkill_then_same_command_equals_uninterrupted_run(toy, tmp_path):
    # With dropout: the resumed run must also restore the dropout random state.
    config = write_config(tmp_path / "dropout.json", hidden_dropout_prob=0.1,
                          attention_probs_dropout_prob=0.1)
    plain = subprocess.run(_cli(toy, tmp_path / "plain", config), env=ENV, capture_output=True,
                           text=True, timeout=600)
    assert plain.returncode == 0, plain.stderr[-3000:]

    crashed = tmp_path / "crashed"
    process = subprocess.Popen(_cli(toy, crashed, config), env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    marker = crashed / "checkpoints" / "ckpt-00000020.weights.h5"
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert marker.exists()
    assert not (crashed / "checkpoints" / "ckpt-00000060.weights.h5").exists()
    assert (crashed / "backup").exists()  # the crash left its recovery state

    resumed = subprocess.run(_cli(toy, crashed, config), env=ENV, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming after" in resumed.stdout
    assert not (crashed / "backup").exists()  # finished runs clean up

    a, b = _h5(tmp_path / "plain" / "model.weights.h5"), _h5(crashed / "model.weights.h5")
    assert a.keys() == b.keys() and len(a) > 50
    assert max(float(np.max(np.abs(np.asarray(a[k], float) - np.asarray(b[k], float)))) for k in a) <= 1e-6
    # And the run learned something on the way.
    log = (tmp_path / "plain" / "training_log.csv").read_text().splitlines()
    assert len(log) == 1 + 6

"""Chooses the tf.distribute strategy: one device, mirrored, multi-worker or TPU."""

from __future__ import annotations

import json
import os

import tensorflow as tf

from albert_tf.errors import AlbertTfError

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")


def split_cpu(num_devices: int) -> None:
    """Splits the CPU into ``num_devices`` logical devices (before TensorFlow runs anything).

    Lets ``MirroredStrategy`` run on a machine without accelerators, for tests
    and for trying a multi-device set-up on a laptop.
    """
    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration()] * num_devices
        )
    except RuntimeError as e:
        raise AlbertTfError(f"cannot split the CPU after TensorFlow started: {e}") from None


def _workers_in_tf_config() -> int:
    try:
        config = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except json.JSONDecodeError as e:
        raise AlbertTfError(f"TF_CONFIG is not valid JSON: {e.msg}") from None
    return len(config.get("cluster", {}).get("worker", []))


def make_strategy(name: str = "auto", tpu: str | None = None, cpu_devices: int = 0):
    """Builds a strategy by name.

    Args:
        name: "auto" (TPU when ``tpu`` is given, multi-worker when TF_CONFIG lists
            several workers, mirrored when there are several GPUs, else one device),
            "one_device", "mirrored", "multi_worker" (reads TF_CONFIG) or "tpu".
        tpu: TPU address or name for ``TPUClusterResolver`` ("local" on a TPU VM).
        cpu_devices: with "mirrored", split the CPU into this many logical devices
            when there is no GPU (0 = leave the CPU whole).

    Returns:
        a ``tf.distribute.Strategy``.
    """
    if name not in STRATEGIES:
        raise AlbertTfError(f"--strategy must be one of {', '.join(STRATEGIES)}, not {name!r}")
    if name == "auto":
        gpus = tf.config.list_physical_devices("GPU")
        if tpu:
            name = "tpu"
        elif _workers_in_tf_config() > 1:
            name = "multi_worker"
        elif len(gpus) > 1 or cpu_devices > 1:
            name = "mirrored"
        else:
            name = "one_device"
    if name == "tpu":
        if not tpu:
            raise AlbertTfError("--strategy tpu needs --tpu (an address, a TPU name, or 'local')")
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, RuntimeError, tf.errors.OpError) as e:
            # Without a TPU, TensorFlow's message is some 40 lines about kernels.
            first = str(getattr(e, "message", None) or e).strip().splitlines()[0]
            raise AlbertTfError(f"--strategy tpu --tpu {tpu}: no TPU found here "
                                f"({first.split('. ')[0][:120]})") from None
        return tf.distribute.TPUStrategy(resolver)
    if name == "multi_worker":
        if _workers_in_tf_config() < 1:
            raise AlbertTfError("--strategy multi_worker needs TF_CONFIG describing the cluster")
        from albert_tf.training import keras_patches

        keras_patches.apply()
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_physical_devices("GPU")
    if name == "mirrored":
        if not gpus and cpu_devices > 1:
            split_cpu(cpu_devices)
            devices = [d.name for d in tf.config.list_logical_devices("CPU")]
            return tf.distribute.MirroredStrategy(
                devices, cross_device_ops=tf.distribute.ReductionToOneDevice()
            )
        return tf.distribute.MirroredStrategy()
    return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")


def is_multi_cpu(strategy) -> bool:
    """True when several replicas run on CPUs (mirrored or multi-worker), where XLA fails.

    TensorFlow cannot compile the cross-replica collectives for CPU devices with
    XLA ("Collectives are not yet implemented for CPU devices when compiling
    with XLA").
    """
    if strategy.num_replicas_in_sync < 2 or isinstance(strategy, tf.distribute.TPUStrategy):
        return False
    devices = getattr(strategy.extended, "worker_devices", ())
    return all("CPU" in d.upper() for d in devices)

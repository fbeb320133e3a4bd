"""Callbacks that keep a model directory current while ``model.fit`` runs."""

from __future__ import annotations

import glob
import math
import os

import keras

from albert_tf.io_utils import atomic_path


class ModelDirCheckpoint(keras.callbacks.Callback):
    """At the end of every chunk of steps: refresh the model directory and keep a copy.

    ``MODEL_DIR/model.weights.h5`` always holds the latest weights (with the
    config and task.json beside it, via ``save_fn``), and
    ``MODEL_DIR/checkpoints/ckpt-STEP.weights.h5`` keeps the last ``keep`` of them.

    Args:
        model_dir: the model directory.
        save_fn: ``save_fn(model)`` writes the model directory (atomically).
        step_fn: returns the number of optimizer updates done so far.
        keep: how many step checkpoints to keep (0 = none).
    """

    def __init__(self, model_dir, save_fn, step_fn, keep=5):
        super().__init__()
        self.model_dir = model_dir
        self.save_fn = save_fn
        self.step_fn = step_fn
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        self.save_fn(self.model)
        if self.keep <= 0:
            return
        folder = os.path.join(self.model_dir, "checkpoints")
        os.makedirs(folder, exist_ok=True)
        step = int(self.step_fn())
        with atomic_path(os.path.join(folder, f"ckpt-{step:08d}.weights.h5"),
                         suffix=".weights.h5") as tmp:
            self.model.save_weights(tmp)
        for old in sorted(glob.glob(os.path.join(folder, "ckpt-*.weights.h5")))[: -self.keep]:
            os.remove(old)


class StopAtStep(keras.callbacks.Callback):
    """Stops training once the optimizer has made ``total_steps`` updates."""

    def __init__(self, total_steps, step_fn):
        super().__init__()
        self.total_steps = total_steps
        self.step_fn = step_fn

    def on_train_batch_end(self, batch, logs=None):
        if int(self.step_fn()) >= self.total_steps:
            self.model.stop_training = True


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training with a one-line error at the first step whose loss is NaN or inf.

    Keras' ``TerminateOnNaN`` only sets ``stop_training``: ``fit`` then ends as if the
    run were done, the NaN weights are saved and the backup is removed, so the run is
    marked finished. Raising instead leaves the last good checkpoint and its backup as
    they were (the chunk with the NaN is never written).
    """

    def __init__(self, step_fn):
        super().__init__()
        self.step_fn = step_fn

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            from albert_tf.errors import AlbertTfError

            raise AlbertTfError(
                f"the training loss is {float(loss)} at step {int(self.step_fn())}: stopped, "
                "nothing of this chunk was saved (lower --learning-rate, or check that the "
                "records' ids fit the config's vocab_size)")


class StepLogger(keras.callbacks.Callback):
    """Adds ``step``, ``steps_per_second`` and ``tokens_per_second`` to each chunk's logs
    (so the CSV and TensorBoard logs that come after it hold them) and prints one line."""

    def __init__(self, step_fn, tokens_per_step, total_steps, print_fn=print):
        super().__init__()
        self.step_fn = step_fn
        self.tokens_per_step = tokens_per_step
        self.total_steps = total_steps
        self.print_fn = print_fn
        self._start = None
        self._start_step = 0

    def on_epoch_begin(self, epoch, logs=None):
        import time

        self._start = time.perf_counter()
        self._start_step = int(self.step_fn())

    def on_epoch_end(self, epoch, logs=None):
        import time

        seconds = max(time.perf_counter() - self._start, 1e-9)
        steps = int(self.step_fn()) - self._start_step
        if logs is None:
            logs = {}
        logs["step"] = int(self.step_fn())
        logs["steps_per_second"] = steps / seconds
        if self.tokens_per_step:  # unknown (0) when batches vary in width
            logs["tokens_per_second"] = steps * self.tokens_per_step / seconds
        shown = " ".join(f"{k}={v:.4g}" for k, v in sorted(logs.items()) if k != "step")
        self.print_fn(f"step {int(self.step_fn())}/{self.total_steps}: {shown}")


def _seed_generators(model):
    seen, found = set(), []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for generator in getattr(layer, "_seed_generators", []):
            if id(generator) not in seen:
                seen.add(id(generator))
                found.append(generator)
    return found


class SeedStateBackup(keras.callbacks.Callback):
    """Saves and restores the dropout random-number states beside BackupAndRestore's files.

    ``model.save_weights`` does not hold the states of the layers' seed
    generators, so a resumed run would draw different dropout masks from the
    uninterrupted one. The states are written at each chunk end, keyed by chunk,
    and restored for the chunk BackupAndRestore restores (it must come first in
    the callback list).
    """

    def __init__(self, backup_dir):
        super().__init__()
        self.path = os.path.join(backup_dir, "seed_states.json")

    def on_train_begin(self, logs=None):
        import json

        chunk = getattr(self.model, "_initial_epoch", None)
        if not chunk or not os.path.exists(self.path):
            return
        with open(self.path, encoding="utf-8") as f:
            states = json.load(f).get(str(chunk))
        if states is None:
            print(f"warning: no dropout RNG state saved for chunk {chunk}; "
                  "the resumed run will draw different dropout masks")
            return
        for generator, state in zip(_seed_generators(self.model), states):
            generator.state.assign(keras.ops.convert_to_tensor(state, generator.state.dtype))

    def on_epoch_end(self, epoch, logs=None):
        import json

        from albert_tf.io_utils import atomic_write_text

        saved = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                saved = json.load(f)
        saved = {k: v for k, v in saved.items() if int(k) >= epoch}  # keep the previous one
        saved[str(epoch + 1)] = [
            [int(x) for x in keras.ops.convert_to_numpy(g.state.value)]
            for g in _seed_generators(self.model)
        ]
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        atomic_write_text(self.path, json.dumps(saved))

"""``model.fit`` in resumable chunks, with checkpoints, logs and crash recovery."""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import shutil

import keras

from albert_tf.errors import AlbertTfError

from albert_tf.training.callbacks import (
    ModelDirCheckpoint,
    SeedStateBackup,
    StepLogger,
    StopAtStep,
    StopOnNonFiniteLoss,
)


def is_chief(strategy) -> bool:
    """True on the worker that writes files (always true outside multi-worker training)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )


def backup_dir(model_dir, strategy) -> str:
    """Where BackupAndRestore keeps its state; each non-chief worker has its own."""
    if is_chief(strategy):
        return os.path.join(model_dir, "backup")
    return os.path.join(model_dir, f"backup-worker-{strategy.cluster_resolver.task_id}")


def finished_run(model_dir) -> bool:
    """True when ``model_dir`` holds the weights of a run that ended (no backup left).

    A run writes ``model.weights.h5`` at every checkpoint and removes its ``backup*/``
    folders only when it finishes, so weights without a backup mean "done".
    """
    return os.path.exists(os.path.join(model_dir, "model.weights.h5")) and not glob.glob(
        os.path.join(model_dir, "backup*"))


def optimizer_step(model) -> int:
    """The optimizer's step count, on any backend, also inside ``fit``'s callbacks.

    Between two of its syncs, Keras' JAX trainer keeps the live variables in
    ``model._jax_state`` and leaves the model's own ones empty; read the step there.
    """
    state = getattr(model, "_jax_state", None)
    if state and not getattr(model, "_jax_state_synced", True):
        for ref, value in zip(model.optimizer.variables, state["optimizer_variables"]):
            if ref is model.optimizer.iterations:
                return int(value)
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


@contextlib.contextmanager
def removed_if_unstarted(model_dir):
    """Removes ``model_dir`` when the block fails before the run's first checkpoint and
    the folder was not there before: a failed run leaves no folder holding only its
    settings. A run with a checkpoint is kept, to be resumed."""
    created = not os.path.exists(model_dir)
    try:
        yield
    except BaseException:
        if created and not os.path.exists(os.path.join(model_dir, "model.weights.h5")):
            shutil.rmtree(model_dir, ignore_errors=True)
        raise


def refuse_finished_run(model_dir, flag) -> None:
    """Stops a command that would train over a finished run (and overwrite its model)."""
    if finished_run(model_dir):
        raise AlbertTfError(
            f"{flag} {model_dir} already holds a finished run (model.weights.h5 and no "
            f"backup/ to resume from): choose a new {flag}, delete it, or start from it "
            f"with --init-checkpoint {model_dir}")


def completed_chunks(model_dir, strategy) -> int:
    """Chunks finished before a crash, from BackupAndRestore's own metadata."""
    path = os.path.join(backup_dir(model_dir, strategy), "training_metadata.json")
    for candidate in (path, path + ".bkp"):
        try:
            with open(candidate, encoding="utf-8") as f:
                return int(json.load(f)["epoch"])
        except (OSError, ValueError, KeyError):
            continue
    return 0


def run_fit(model, make_dataset, *, model_dir, strategy, total_steps, chunk_steps,
            save_fn, accumulation=1, eval_dataset=None, eval_steps=None,
            tokens_per_step=0, keep_checkpoints=5, verbose=1, print_fn=print):
    """Trains ``model`` for ``total_steps`` optimizer updates, resuming after a crash.

    Training runs as Keras epochs of ``chunk_steps`` updates. At the end of each
    chunk the model directory is refreshed, a step checkpoint is kept, and
    ``BackupAndRestore`` records the model and optimizer state. Run the same
    command again after a crash: it restores that state and, because the input
    is a deterministic function of the step, skips exactly the batches already
    trained on, so the result equals an uninterrupted run.

    Args:
        model: a compiled Keras model.
        make_dataset: ``make_dataset(skip_batches)`` -> a repeating ``tf.data``
            dataset that starts ``skip_batches`` batches in.
        model_dir: the model directory.
        strategy: the ``tf.distribute`` strategy the model was built under.
        total_steps: optimizer updates in the whole run.
        chunk_steps: updates per chunk (checkpoint interval).
        save_fn: writes the model directory; called on the chief only.
        accumulation: batches per optimizer update.
        eval_dataset, eval_steps: evaluated at the end of each chunk.
        tokens_per_step: for the tokens/s figure.
        keep_checkpoints: step checkpoints to keep.
        verbose: Keras progress bar (1), one line per chunk (2), or silent (0).

    Returns:
        the Keras ``History``.
    """
    chunk_steps = max(1, min(chunk_steps, total_steps))
    epochs = math.ceil(total_steps / chunk_steps)
    done = completed_chunks(model_dir, strategy)
    if done:
        print_fn(f"resuming after {done * chunk_steps} steps (chunk {done}/{epochs})")

    def step_fn():
        return optimizer_step(model)

    chief = is_chief(strategy)
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir(model_dir, strategy), double_checkpoint=True),
        SeedStateBackup(backup_dir(model_dir, strategy)),
        StopOnNonFiniteLoss(step_fn),
        StopAtStep(total_steps, step_fn),
    ]
    if chief:
        callbacks += [
            # StepLogger first: it adds the step and speed to the logs the others write.
            StepLogger(step_fn, tokens_per_step, total_steps, print_fn=print_fn),
            ModelDirCheckpoint(model_dir, save_fn, step_fn, keep=keep_checkpoints),
            keras.callbacks.CSVLogger(os.path.join(model_dir, "training_log.csv"), append=True),
            keras.callbacks.TensorBoard(os.path.join(model_dir, "logs"), update_freq="epoch"),
        ]
    dataset = make_dataset(done * chunk_steps * accumulation)
    return model.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=chunk_steps * accumulation,
        validation_data=eval_dataset,
        validation_steps=eval_steps if eval_dataset is not None else None,
        callbacks=callbacks,
        verbose=1 if (verbose == 1 and chief) else 0,
        shuffle=False,
    )

"""``convert``: one checkpoint format to another, all or nothing.

Every route goes through an albert-tf model: the reader builds it (checking every
name and shape), the writer exports it. The output directory is built under a
temporary name beside its final place and renamed when complete, so a failed
conversion leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from albert_tf.errors import AlbertTfError

SOURCES = ("tf1", "huggingface", "keras-hub", "keras")
TARGETS = ("keras", "huggingface", "keras-hub")


def read(source_format: str, path: str, task: str | None = None, config: str | None = None,
         labels=None, allow_pickle: bool = False, log=print):
    """Reads a checkpoint of ``source_format`` into a ``Converted`` (model + task + vocab).

    Args:
        source_format: ``"tf1"`` (original and brightmart checkpoints),
            ``"huggingface"``, ``"keras-hub"`` (a preset directory) or ``"keras"``
            (an albert-tf model directory).
        path: the local file or directory.
        task: the albert-tf task to build; default: the one the source carries.
        config: TF1 only: the ``albert_config.json`` when it is not beside the checkpoint.
        labels: TF1 only: label names of a classifier head.
        allow_pickle: Hugging Face only: read ``pytorch_model.bin`` (needs PyTorch).
        log: called with one progress line at a time.
    """
    path = os.fspath(path)
    if "://" in path:
        raise AlbertTfError(f"{path}: a URL or hub handle; albert-tf converts local files "
                            "only (download them first)")
    if not os.path.exists(path) and source_format != "tf1":
        raise AlbertTfError(f"{path}: no such file or directory")
    if source_format == "tf1":
        from albert_tf.convert.tf1 import read_tf1

        return read_tf1(path, task=task, config_path=config, labels=labels, log=log)
    _refuse(config=config, labels=labels, source_format=source_format)
    if source_format == "huggingface":
        from albert_tf.convert.huggingface import read_huggingface

        return read_huggingface(path, task=task, allow_pickle=allow_pickle, log=log)
    if source_format == "keras-hub":
        from albert_tf.convert.keras_hub_preset import read_keras_hub

        return read_keras_hub(path, task=task, log=log)
    if source_format == "keras":
        from albert_tf.convert.model_dirs import read_model_dir

        converted = read_model_dir(path, log=log)
        if task not in (None, converted.task):
            raise AlbertTfError(f"{path}: holds a {converted.task} model, not {task}")
        return converted
    raise AlbertTfError(f"unknown source format {source_format!r}; known: {', '.join(SOURCES)}")


def _refuse(source_format, **options):
    given = [name for name, value in options.items() if value]
    if given:
        raise AlbertTfError(f"--{given[0]} applies to --from tf1, not {source_format}")


def write(converted, target_format: str, directory: str, log=print) -> None:
    """Writes a ``Converted`` into ``directory`` in ``target_format``."""
    if target_format == "keras":
        from albert_tf.convert.model_dirs import write_model_dir

        return write_model_dir(converted, directory, log=log)
    if converted.task_info.get("head") == "verifier":
        raise AlbertTfError(f"--to {target_format}: has no class for ALBERT's SQuAD 2.0 "
                            "answer-verifier head; --task encoder writes the encoder alone")
    if target_format == "huggingface":
        from albert_tf.convert.huggingface import write_huggingface

        return write_huggingface(converted, directory, log=log)
    if target_format == "keras-hub":
        from albert_tf.convert.keras_hub_preset import write_keras_hub

        return write_keras_hub(converted, directory, log=log)
    raise AlbertTfError(f"unknown target format {target_format!r}; known: {', '.join(TARGETS)}")


@contextlib.contextmanager
def staged_directory(output: str, overwrite: bool = False):
    """Yields a temporary directory that becomes ``output`` when the block succeeds.

    ``output`` must not exist (or be an empty directory) unless ``overwrite``;
    on failure the temporary directory is removed and ``output`` is untouched.
    """
    output = os.path.abspath(os.fspath(output))
    if os.path.exists(output) and not overwrite and (
            not os.path.isdir(output) or os.listdir(output)):
        raise AlbertTfError(f"{output}: already exists (pass --overwrite to replace it)")
    parent = os.path.dirname(output)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(output)}.tmp-", dir=parent)
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())
        if os.path.exists(output):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(output)}.old-", dir=parent)
            os.replace(output, os.path.join(old, "x"))
            os.replace(staging, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _refuse_same_place(input: str, output: str) -> None:
    """--output must not be --input (or hold it): replacing it would lose the source."""
    source, target = os.path.realpath(input), os.path.realpath(output)
    if source == target or source.startswith(target + os.sep):
        raise AlbertTfError(f"--output {output} is --input {input} (or holds it); converting "
                            "in place would replace the source: choose another --output")


def convert(source_format: str, target_format: str, input: str, output: str, *,
            task: str | None = None, config: str | None = None, labels=None,
            allow_pickle: bool = False, overwrite: bool = False, log=print) -> str:
    """Converts a local checkpoint into another format; nothing is written on failure.

    Args:
        source_format: ``"tf1"``, ``"huggingface"``, ``"keras-hub"`` or ``"keras"``.
        target_format: ``"keras"`` (an albert-tf model directory), ``"huggingface"``
            or ``"keras-hub"``.
        input: the source file or directory.
        output: the directory to create.
        task, config, labels, allow_pickle: see ``read``.
        overwrite: replace an existing ``output``.
        log: called with one progress line at a time.

    Returns:
        the output directory.

    Example:
        >>> convert("huggingface", "keras", "albert-base-v2",
        ...         "saved_models/albert_base")                         # doctest: +SKIP
        'saved_models/albert_base'
    """
    if target_format not in TARGETS:
        raise AlbertTfError(f"unknown target format {target_format!r}; "
                            f"known: {', '.join(TARGETS)}")
    _refuse_same_place(input, output)
    with staged_directory(output, overwrite) as staging:
        converted = read(source_format, input, task=task, config=config, labels=labels,
                         allow_pickle=allow_pickle, log=log)
        write(converted, target_format, staging, log=log)
    log(f"done: {output}")
    return output

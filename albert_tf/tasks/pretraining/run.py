"""``pretrain``: settings, resuming, and the model.fit run of the pretraining task."""

from __future__ import annotations

import dataclasses
import json
import os

import keras
import tensorflow as tf

from albert_tf.config import AlbertConfig
from albert_tf.data.pipeline import list_files, pretraining_dataset
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text
from albert_tf.tasks.base import load_init_checkpoint, resolve_jit
from albert_tf.tasks.pretraining.model import compile_pretrainer
from albert_tf.tasks.pretraining.records import (
    check_records, damaged_record_file, record_sizes, records_metadata,
)


@dataclasses.dataclass
class PretrainSettings:
    """Every setting of a pretraining run (written to MODEL_DIR/pretrain_settings.json)."""

    albert_config: str
    train_data: str
    model_dir: str
    eval_data: str | None = None
    vocab: str | None = None
    batch_size: int = 32
    steps: int = 1000
    learning_rate: float = 1e-3
    warmup_steps: int = 100
    optimizer: str = "lamb"
    bias_correction: bool = False
    weight_decay: float = 0.01
    gradient_accumulation_steps: int = 1
    strategy: str = "auto"
    tpu: str | None = None
    cpu_devices: int = 0
    mixed_precision: str | None = None
    jit_compile: str = "auto"
    init_checkpoint: str | None = None
    seed: int = 12345
    checkpoint_every: int = 500
    keep_checkpoints: int = 5
    eval_steps: int = 20
    dynamic_masking: bool = False
    masked_lm_prob: float = 0.15
    masking_ngram: int | None = None
    sop_loss_weight: float = 1.0
    do_lower_case: bool = True
    verbose: int = 1


def _save_fn(config, settings, sizes):
    from albert_tf.model_dir import save_model

    def save(model):
        save_model(model, settings.model_dir, task_info={
            "max_seq_length": sizes[0], "max_predictions_per_seq": sizes[1],
        })
    return save


def _write_vocab(vocab, model_dir, do_lower_case=True):
    """Stores the tokenizer's assets in MODEL_DIR/vocab/ (as ``AlbertTokenizer.save_assets``)."""
    if not vocab:
        return
    if not os.path.exists(vocab):
        raise AlbertTfError(f"--vocab {vocab}: no such file")
    from albert_tf.tokenization import AlbertTokenizer

    AlbertTokenizer.from_vocab(vocab, do_lower_case=do_lower_case).save_assets(model_dir)


def dynamic_masking(settings: PretrainSettings, meta: dict | None):
    """The ``DynamicMasking`` of a run: the records' vocabulary and n-gram length, with
    ``masked_lm_prob`` and (if set) ``masking_ngram`` from the settings."""
    from albert_tf.data.dynamic_masking import DynamicMasking

    if meta is None or "vocab" not in meta:
        raise AlbertTfError("--dynamic-masking needs the metadata JSON that "
                            "create-pretraining-data writes beside the shards")
    changes = {"masked_lm_prob": settings.masked_lm_prob}
    if settings.masking_ngram is not None:
        changes["ngram"] = settings.masking_ngram
    return DynamicMasking.from_metadata(meta, seed=settings.seed, **changes)


RESUME_KEYS = ("albert_config", "train_data", "batch_size", "steps", "learning_rate",
               "warmup_steps", "optimizer", "bias_correction", "weight_decay",
               "gradient_accumulation_steps", "init_checkpoint", "seed", "checkpoint_every",
               "dynamic_masking", "masked_lm_prob", "masking_ngram", "sop_loss_weight",
               "mixed_precision")
PATH_KEYS = ("albert_config", "train_data", "init_checkpoint")


def refuse_changed_resume(settings: PretrainSettings) -> None:
    """A crashed run resumes only with its own settings: names the first flag that differs."""
    import glob

    path = os.path.join(settings.model_dir, "pretrain_settings.json")
    if not (glob.glob(os.path.join(settings.model_dir, "backup*")) and os.path.exists(path)):
        return
    try:
        with open(path, encoding="utf-8") as f:
            before = json.load(f)
    except (OSError, ValueError):
        return
    now = dataclasses.asdict(settings)
    for key in RESUME_KEYS:
        if key not in before:
            continue
        old, new = before[key], now[key]
        if key in PATH_KEYS and old and new:
            old, new = os.path.abspath(old), os.path.abspath(new)
        if old != new:
            raise AlbertTfError(
                f"--{key.replace('_', '-')} {now[key]} differs from the interrupted run in "
                f"{settings.model_dir} ({before[key]}): resume it with the same settings, or "
                "choose a new --model-dir")


def pretrain(settings: PretrainSettings, print_fn=print):
    """Pretrains ALBERT with masked-LM + SOP on TFRecords; resumable; returns the History."""
    from albert_tf.ranges import check_ranges
    from albert_tf.training.fit import refuse_finished_run, removed_if_unstarted
    from albert_tf.training.strategy import make_strategy

    check_ranges(settings)
    config = AlbertConfig.from_json_file(settings.albert_config)
    if settings.masking_ngram is not None and settings.masking_ngram < 1:
        raise AlbertTfError(f"--masking-ngram must be at least 1, got {settings.masking_ngram}")
    if settings.sop_loss_weight < 0:
        raise AlbertTfError(f"--sop-loss-weight must be 0 or more, got {settings.sop_loss_weight}")
    if settings.mixed_precision:
        policies = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
        if settings.mixed_precision not in policies:
            raise AlbertTfError("--mixed-precision must be bfloat16 or float16")
        keras.mixed_precision.set_global_policy(policies[settings.mixed_precision])
    # The strategy comes first: multi-worker collectives must be configured before
    # TensorFlow runs any op (reading a record or seeding counts).
    strategy = make_strategy(settings.strategy, tpu=settings.tpu, cpu_devices=settings.cpu_devices)
    keras.utils.set_random_seed(settings.seed)
    files = list_files(settings.train_data)
    eval_files = list_files(settings.eval_data) if settings.eval_data else None
    sizes = record_sizes(files)
    if sizes[0] > config.max_position_embeddings:
        raise AlbertTfError(
            f"--train-data records are {sizes[0]} tokens long, over the config's "
            f"max_position_embeddings ({config.max_position_embeddings})"
        )
    check_records(files, "--train-data", config, settings.vocab)
    if eval_files:
        check_records(eval_files, "--eval-data", config, settings.vocab)
    refuse_finished_run(settings.model_dir, "--model-dir")
    refuse_changed_resume(settings)
    with removed_if_unstarted(settings.model_dir):
        try:
            return _train(settings, config, strategy, files, eval_files, sizes, print_fn)
        except tf.errors.DataLossError as error:
            # TensorFlow's message gives a byte offset but no file: find the damaged file.
            found = damaged_record_file([("--train-data", files),
                                         ("--eval-data", eval_files or [])])
            if found is None:
                raise
            raise AlbertTfError(found) from error


def _train(settings, config, strategy, files, eval_files, sizes, print_fn):
    """The run itself, once every input is checked: model directory, model, fit."""
    from albert_tf.modeling import AlbertPretrainer
    from albert_tf.training.fit import run_fit
    from albert_tf.training.optimizers import make_optimizer

    os.makedirs(settings.model_dir, exist_ok=True)
    atomic_write_text(os.path.join(settings.model_dir, "pretrain_settings.json"),
                      json.dumps(dataclasses.asdict(settings), indent=2) + "\n")
    _write_vocab(settings.vocab, settings.model_dir, settings.do_lower_case)
    jit = resolve_jit(settings.jit_compile, strategy)
    with strategy.scope():
        model = AlbertPretrainer(config)
        if settings.init_checkpoint:
            load_init_checkpoint(model, settings.init_checkpoint)
        optimizer = make_optimizer(
            settings.optimizer, model.trainable_variables, settings.learning_rate,
            settings.steps, settings.warmup_steps, settings.weight_decay,
            settings.gradient_accumulation_steps, bias_correction=settings.bias_correction,
        )
        compile_pretrainer(model, optimizer, jit_compile=jit,
                           sop_loss_weight=settings.sop_loss_weight)

    masking = dynamic_masking(settings, records_metadata(files)) \
        if settings.dynamic_masking else None

    def make_dataset(skip_batches):
        dataset = pretraining_dataset(files, settings.batch_size, *sizes, training=True,
                                      seed=settings.seed, dynamic_masking=masking)
        return dataset.skip(skip_batches) if skip_batches else dataset

    eval_dataset = None
    if eval_files:
        eval_dataset = pretraining_dataset(eval_files, settings.batch_size, *sizes,
                                           training=False, repeat=True)
    print_fn(
        f"pretraining {os.path.basename(settings.albert_config)} on {len(files)} file(s): "
        f"{settings.steps} steps of {settings.batch_size} x {sizes[0]} tokens, "
        f"{settings.optimizer}, {strategy.num_replicas_in_sync} replica(s) "
        f"({type(strategy).__name__}), XLA {'on' if jit else 'off'}"
    )
    return run_fit(
        model, make_dataset, model_dir=settings.model_dir, strategy=strategy,
        total_steps=settings.steps, chunk_steps=settings.checkpoint_every,
        save_fn=_save_fn(config, settings, sizes),
        accumulation=settings.gradient_accumulation_steps,
        eval_dataset=eval_dataset, eval_steps=settings.eval_steps,
        tokens_per_step=settings.batch_size * settings.gradient_accumulation_steps * sizes[0],
        keep_checkpoints=settings.keep_checkpoints, verbose=settings.verbose, print_fn=print_fn,
    )

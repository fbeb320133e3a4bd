"""The pretraining task: masked-LM + sentence-order losses and metrics, and ``pretrain``."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import keras
import tensorflow as tf

from albert_tf.config import AlbertConfig
from albert_tf.data.pipeline import list_files, pretraining_dataset
from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text


def compile_pretrainer(model, optimizer, jit_compile=False, sop_loss_weight=1.0):
    """Compiles an ``AlbertPretrainer`` with the original losses and our metrics.

    Losses: masked-LM cross-entropy weighted by ``masked_lm_weights`` and
    normalised by their sum over the global batch, plus the sentence-order
    cross-entropy (mean over examples), weighted by ``sop_loss_weight`` (1 in the
    original; 0 trains the masked LM alone). Logged: ``loss``, ``mlm_loss``,
    ``sop_loss``, ``mlm_accuracy`` (weighted), ``sop_accuracy``.
    """
    from albert_tf.training.losses import WeightedSparseCrossEntropy

    model.compile(
        optimizer=optimizer,
        loss={
            "mlm": WeightedSparseCrossEntropy(),
            "sop": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        },
        loss_weights={"mlm": 1.0, "sop": float(sop_loss_weight)},
        # Keras 3 passes sample weights only to ``weighted_metrics``: under
        # ``metrics`` the padding slots of ``masked_lm_positions`` count as misses.
        weighted_metrics={
            "mlm": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "sop": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        },
        jit_compile=jit_compile,
    )
    return model


def records_metadata(files) -> dict | None:
    """The metadata JSON ``create-pretraining-data`` wrote beside these shards, if any."""
    folder = os.path.dirname(files[0]) or "."
    for name in sorted(os.listdir(folder)):
        if name.endswith(".metadata.json"):
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError):
                continue
            if any(os.path.basename(files[0]) == s.get("file") for s in meta.get("shards", [])):
                return meta
    return None


def record_sizes(files, flag="--train-data") -> tuple:
    """``(max_seq_length, max_predictions_per_seq)`` of pretraining TFRecords.

    Every file is checked, not only the first: from the metadata JSON beside its shards
    when present, else from its first record (which also finds files that are not
    TFRecords). Files of different sizes are one line naming two of them.
    """
    sizes, by_folder = {}, {}
    for path in files:
        folder = os.path.dirname(path) or "."
        if folder not in by_folder:
            meta = records_metadata([path])
            by_folder[folder] = meta
        meta = by_folder[folder]
        listed = meta is not None and any(os.path.basename(path) == shard.get("file")
                                          for shard in meta.get("shards", []))
        if listed:
            lengths = meta["features"]
            sizes[path] = (int(lengths["input_ids"]), int(lengths["masked_lm_positions"]))
        else:
            sizes[path] = _first_record_sizes(path)
    distinct = {}
    for path, size in sizes.items():
        distinct.setdefault(size, path)
    if len(distinct) > 1:
        (a, path_a), (b, path_b) = list(distinct.items())[:2]
        raise AlbertTfError(f"{flag} mixes record sizes: {path_a} holds {a[0]} tokens and "
                            f"{a[1]} predictions, {path_b} {b[0]} and {b[1]}; make them with "
                            "one --max-seq-length and --max-predictions-per-seq")
    return next(iter(distinct))


def _first_record_sizes(path) -> tuple:
    try:
        for raw in tf.data.TFRecordDataset([path]).take(1):
            example = tf.train.Example.FromString(raw.numpy())
            feature = example.features.feature
            try:
                return (len(feature["input_ids"].int64_list.value),
                        len(feature["masked_lm_positions"].int64_list.value))
            except KeyError as e:
                raise AlbertTfError(f"{path}: not a pretraining record (no {e})") from None
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as e:
        raise AlbertTfError(f"{path}: not a readable TFRecord file "
                            f"({(e.message or str(e)).strip().splitlines()[0]})") from None
    except Exception as e:  # a protobuf DecodeError: bytes that are not an Example
        if type(e).__name__ != "DecodeError":
            raise
        raise AlbertTfError(f"{path}: its records are not tf.train.Example") from None
    raise AlbertTfError(f"{path}: holds no records")


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


def resolve_jit(setting, strategy) -> bool:
    """``--jit-compile auto|true|false`` -> bool. auto: XLA on TensorFlow and JAX, except
    where it cannot work; off on torch, where it means ``torch.compile`` (minutes of
    compiling before the first step on CPU; ask for it with ``true``)."""
    from albert_tf.training.strategy import is_multi_cpu

    if setting in (False, "false"):
        return False
    if keras.backend.backend() == "torch":
        return setting in (True, "true")
    if is_multi_cpu(strategy):
        if setting in (True, "true"):
            raise AlbertTfError(
                "--jit-compile true cannot work with several replicas on CPUs: XLA does not "
                "compile TensorFlow's cross-replica collectives for CPU devices"
            )
        return False
    return True


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


def load_init_checkpoint(model, init_dir):
    """Copies the encoder weights of a model directory into ``model``'s encoder."""
    from albert_tf.model_dir import load_model

    source = load_model(init_dir)
    source_encoder = getattr(source, "encoder", source)
    target_encoder = getattr(model, "encoder", model)
    if source_encoder.config != target_encoder.config:
        raise AlbertTfError(
            f"--init-checkpoint {init_dir}: its albert_config.json differs from --albert-config"
        )
    if type(source) is type(model):
        model.set_weights(source.get_weights())
    else:
        target_encoder.set_weights(source_encoder.get_weights())


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


def check_records(files, flag, config, vocab=None):
    """Refuses records whose ids do not fit the config, or that another vocabulary made.

    Uses the metadata JSON beside the shards (records without one are not checked).
    """
    meta = records_metadata(files)
    if meta is None or "vocab" not in meta:
        return
    size = int(meta["vocab"].get("size", 0))
    if size > config.vocab_size:
        raise AlbertTfError(
            f"{flag} records hold ids up to {size - 1} (their vocabulary has {size:,} pieces) "
            f"but the config's vocab_size is {config.vocab_size:,}: use a config with "
            f"vocab_size {size}")
    if vocab and meta.get("vocab_sha256"):
        from albert_tf.data.documents import file_digest

        if os.path.isfile(vocab) and file_digest(vocab) != meta["vocab_sha256"]:
            raise AlbertTfError(
                f"--vocab {vocab} is not the vocabulary the {flag} records were made with "
                f"({meta['vocab'].get('path', 'another file')}; the sha256 differs)")


# Settings a resumed run must share with the run it continues (the rest, such as
# --verbose or --eval-steps, may change).
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


def damaged_record_file(groups) -> str | None:
    """The first file of ``[(flag, files), ...]`` whose records do not all read back
    (cut short, or a checksum that does not match), as one line; None when all read."""
    for flag, files in groups:
        for path in files:
            try:
                for _ in tf.data.TFRecordDataset([path]).batch(4096):
                    pass
            except tf.errors.DataLossError as e:
                cause = (e.message or str(e)).strip().splitlines()[0]
                cause = re.sub(r"^\{\{[^}]*\}\}\s*", "", cause).split("'", 1)[0].strip()
                return (f"{flag} {path}: damaged TFRecord file ({cause}); remake it with "
                        "create-pretraining-data")
    return None


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

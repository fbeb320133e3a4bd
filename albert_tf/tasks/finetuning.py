"""``finetune``, ``evaluate`` and ``predict`` for every task, on model directories."""

from __future__ import annotations

import dataclasses
import json
import os

from albert_tf.errors import AlbertTfError
from albert_tf.io_utils import atomic_write_text
from albert_tf.tasks.base import array_dataset, reporting_progress, task_module


@dataclasses.dataclass
class FinetuneSettings:
    """The settings every task shares (written to OUTPUT_DIR/finetune_settings.json)."""

    task: str
    train: str
    output_dir: str
    dev: str | None = None
    init_checkpoint: str | None = None
    albert_config: str | None = None
    vocab: str | None = None
    do_lower_case: bool | None = None
    epochs: float = 3.0
    batch_size: int = 32
    learning_rate: float = 5e-5
    warmup_proportion: float = 0.1
    weight_decay: float = 0.01
    optimizer: str = "adamw"
    bias_correction: bool = False
    max_seq_length: int = 128
    seed: int = 12345
    strategy: str = "auto"
    jit_compile: str = "auto"
    group_by_length: bool = False
    checkpoint_every: int = 0
    max_train_examples: int = 0
    max_dev_examples: int = 0
    verbose: int = 1


def _tokenizer_and_config(settings: FinetuneSettings):
    from albert_tf.config import AlbertConfig
    from albert_tf.model_dir import CONFIG_FILE, VOCAB_DIR, load_tokenizer
    from albert_tf.resources import config_path
    from albert_tf.tokenization import AlbertTokenizer

    if settings.init_checkpoint:
        config = AlbertConfig.from_json_file(os.path.join(settings.init_checkpoint, CONFIG_FILE))
        if settings.albert_config:
            given = AlbertConfig.from_json_file(config_path(settings.albert_config))
            if given != config:
                raise AlbertTfError("--albert-config differs from the --init-checkpoint's config")
    elif settings.albert_config:
        config = AlbertConfig.from_json_file(config_path(settings.albert_config))
    else:
        raise AlbertTfError("give --init-checkpoint (a pretrained model directory) or "
                            "--albert-config (to start from random weights)")
    if settings.vocab:
        lower = True if settings.do_lower_case is None else settings.do_lower_case
        tokenizer = AlbertTokenizer.from_vocab(settings.vocab, do_lower_case=lower)
    elif settings.init_checkpoint and os.path.isdir(os.path.join(settings.init_checkpoint,
                                                                  VOCAB_DIR)):
        tokenizer = load_tokenizer(settings.init_checkpoint)
    else:
        raise AlbertTfError("give --vocab (the --init-checkpoint holds no vocab/)")
    if tokenizer.vocab_size > config.vocab_size:
        raise AlbertTfError(f"the vocabulary has {tokenizer.vocab_size} pieces, more than the "
                            f"config's vocab_size {config.vocab_size}")
    if settings.max_seq_length > config.max_position_embeddings:
        raise AlbertTfError(f"--max-seq-length {settings.max_seq_length} exceeds the config's "
                            f"max_position_embeddings {config.max_position_embeddings}")
    return config, tokenizer


def finetune(settings: FinetuneSettings, args, print_fn=print) -> dict:
    """Fine-tunes a task, writes the model directory, returns the dev metrics (or {})."""
    import keras
    import tensorflow as tf

    from albert_tf.model_dir import save_model
    from albert_tf.tasks.base import load_init_checkpoint, resolve_jit
    from albert_tf.training.fit import refuse_finished_run, removed_if_unstarted, run_fit
    from albert_tf.training.optimizers import make_optimizer
    from albert_tf.training.strategy import make_strategy

    from albert_tf.ranges import check_ranges

    check_ranges(settings, allow_zero=("checkpoint_every",))
    task = task_module(settings.task)
    refuse_finished_run(settings.output_dir, "--output-dir")
    # The strategy first: multi-worker collectives must be set up before TensorFlow runs
    # anything (the tokenizer's tables count).
    strategy = make_strategy(settings.strategy)
    config, tokenizer = _tokenizer_and_config(settings)
    info = {"task": task.NAME, "max_seq_length": settings.max_seq_length,
            "do_lower_case": tokenizer.do_lower_case, **task.task_info(args)}
    train = task.read_examples(settings.train, info)
    if settings.max_train_examples:
        train = train[: settings.max_train_examples]
    if not train:
        raise AlbertTfError(f"--train {settings.train}: no examples")
    info = task.fit_info(train, info)
    dev = task.read_examples(settings.dev, info) if settings.dev else None
    if dev is not None and settings.max_dev_examples:
        dev = dev[: settings.max_dev_examples]
    keras.utils.set_random_seed(settings.seed)
    print_fn(f"tokenizing {len(train):,} training examples"
             + (f" ({len(dev):,} dev examples read)" if dev is not None else ""))
    features, labels, weights = task.featurize(train, tokenizer, info, training=True)
    rows = len(features["input_ids"])
    if rows < settings.batch_size:
        raise AlbertTfError(f"--train has {rows} rows, fewer than --batch-size {settings.batch_size}")
    steps_per_epoch = rows // settings.batch_size
    total_steps = max(1, int(round(settings.epochs * steps_per_epoch)))
    warmup = int(settings.warmup_proportion * total_steps)
    print_fn("building the model" + (f" from {settings.init_checkpoint}"
                                      if settings.init_checkpoint else " (random weights)"))
    with strategy.scope():
        model = task.build_model(config, info)
        if settings.init_checkpoint:
            load_init_checkpoint(model, settings.init_checkpoint)
        optimizer = make_optimizer(settings.optimizer, model.trainable_variables,
                                   settings.learning_rate, total_steps, warmup,
                                   settings.weight_decay, bias_correction=settings.bias_correction)
        task.compile_model(model, optimizer, info, resolve_jit(settings.jit_compile, strategy))
    with removed_if_unstarted(settings.output_dir):
        os.makedirs(settings.output_dir, exist_ok=True)
        atomic_write_text(
            os.path.join(settings.output_dir, "finetune_settings.json"),
            json.dumps({**dataclasses.asdict(settings), "task_info": info}, indent=2) + "\n")

        group_by_length = settings.group_by_length
        if group_by_length and (strategy.num_replicas_in_sync > 1
                                or isinstance(strategy, tf.distribute.TPUStrategy)):
            # TPUs want one static shape; splitting the gathered batches across replicas
            # is not tested. So grouping runs on one device only.
            print_fn("--group-by-length is off: it runs on one device only (not TPU, not "
                     "several replicas)")
            group_by_length = False

        def make_dataset(skip):
            dataset = array_dataset(features, labels, weights, settings.batch_size,
                                    training=True, seed=settings.seed,
                                    group_by_length=group_by_length)
            return dataset.skip(skip) if skip else dataset

        def save(model_):
            save_model(model_, settings.output_dir, task_info=info, tokenizer=tokenizer)

        print_fn(f"fine-tuning {task.NAME} on {len(train):,} examples ({rows:,} rows): "
                 f"{total_steps} steps of {settings.batch_size} ({settings.epochs:g} epochs), "
                 f"learning rate {settings.learning_rate:g}"
                 + (", batches grouped by length" if group_by_length else ""))
        run_fit(model, make_dataset, model_dir=settings.output_dir, strategy=strategy,
                total_steps=total_steps, chunk_steps=settings.checkpoint_every or steps_per_epoch,
                save_fn=save,
                tokens_per_step=(0 if group_by_length  # widths vary: no fixed count
                                 else settings.batch_size * settings.max_seq_length),
                verbose=settings.verbose, print_fn=print_fn)
        save(model)
        metrics = {}
        if dev is not None:
            print_fn(f"evaluating on {len(dev):,} dev examples of {settings.dev}")
            with reporting_progress(print_fn):
                metrics = _evaluate_task(task, model, tokenizer, dev, info, settings.output_dir)
            write_metrics(os.path.join(settings.output_dir, "eval_results.json"), metrics,
                          data=settings.dev)
            print_fn("dev: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()
                                          if isinstance(v, float)))
    return metrics


def _evaluate_task(task, model, tokenizer, examples, info, output_dir):
    """``task.evaluate``; a task that sets ``EVAL_WRITES_FILES`` also gets ``output_dir``
    for files it writes beside the metrics (SQuAD: predictions.json, null_odds.json)."""
    if getattr(task, "EVAL_WRITES_FILES", False):
        return task.evaluate(model, tokenizer, examples, info, output_dir=output_dir)
    return task.evaluate(model, tokenizer, examples, info)


def _with_overrides(task, info, args):
    """task.json settings, with those a task lets evaluate/predict flags override."""
    if args is None or not hasattr(task, "info_overrides"):
        return info
    return {**info, **task.info_overrides(args)}


def write_metrics(path, metrics, **context):
    atomic_write_text(path, json.dumps({**context, "metrics": metrics}, indent=2) + "\n")


def _load(model_dir, task_name):
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info

    info = read_task_info(model_dir)
    if info["task"] != task_name:
        raise AlbertTfError(f"{model_dir} holds a {info['task']} model, not {task_name}")
    return load_model(model_dir), load_tokenizer(model_dir), info


def evaluate(task_name, model_dir=None, data=None, predictions=None, output=None, args=None,
             max_examples=0):
    """Metrics of a model directory on labelled data, or of a predictions file (no model).

    ``max_examples`` (model only): score the first N examples of ``data`` (0 = all).
    """
    if max_examples < 0:
        raise AlbertTfError(f"--max-examples {max_examples}: must be 0 (all) or more")
    task = task_module(task_name)
    if predictions:
        info = task.task_info(args) if args is not None else {}
        metrics = task.score_file(data, predictions, info)
    else:
        if not model_dir:
            raise AlbertTfError("give --model-dir (or --predictions to score a file)")
        model, tokenizer, info = _load(model_dir, task_name)
        info = _with_overrides(task, info, args)
        output = output or os.path.join(model_dir, "eval_results.json")
        examples = task.read_examples(data, info)
        if max_examples:
            examples = examples[:max_examples]
        metrics = _evaluate_task(task, model, tokenizer, examples, info,
                                 os.path.dirname(os.path.abspath(output)))
    if output:
        write_metrics(output, metrics, data=data, predictions=predictions, model_dir=model_dir)
    return metrics


def predict(task_name, model_dir, inputs, args=None):
    """Predictions of a model directory for raw inputs (JSON-ready dicts)."""
    task = task_module(task_name)
    model, tokenizer, info = _load(model_dir, task_name)
    return task.predict(model, tokenizer, inputs, _with_overrides(task, info, args))

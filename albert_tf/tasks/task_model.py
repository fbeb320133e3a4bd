"""What the public task classes share: the network, its tokenizer, the default optimizer
and ``save`` to a model directory (``TextClassifier``, ``TokenClassifier``,
``QuestionAnswerer``)."""

from __future__ import annotations

import os

import keras

SMALL_HIDDEN = 256  # models this narrow (the starters) fine-tune at 1e-3, wider at 5e-5

_MADE: list = []  # model directories from_preset made from other sources (removed at exit)


def preset_dir(source, vocab=None, do_lower_case=True, log=None) -> str:
    """The model directory ``from_preset`` reads for ``source``, one of:

    - a model directory (pretrained, converted or fine-tuned, such as
      ``saved_models/albert_starter_en``): itself;
    - a keras-hub preset directory on disk (``save_to_preset``: ``config.json`` naming a
      keras-hub class) or a Hugging Face directory (``config.json`` +
      ``model.safetensors``): converted with ``albert_tf.convert`` into a temporary one;
    - a bundled config name (``"albert_base_v2"``) or an ``albert_config.json`` path, with
      ``vocab=`` (a ``.model`` or ``vocab.txt``): an encoder with random weights, to train
      from scratch.

    Nothing is downloaded: every source is a local path or a bundled name.
    """
    import json
    import tempfile

    from albert_tf.errors import AlbertTfError
    from albert_tf.resources import config_path
    from albert_tf.tokenization.assets import is_model_dir

    log = log or (lambda line: None)
    source = os.fspath(source)
    if os.path.isdir(source) and is_model_dir(source) or os.path.isfile(
            os.path.join(source, "task.json")):
        if vocab is not None:
            raise AlbertTfError(f"{source}: a model directory has its own vocabulary; "
                                "vocab= goes with a config name")
        return source
    def new_target():
        made = tempfile.mkdtemp(prefix="albert_tf_preset_")
        _MADE.append(made)
        return os.path.join(made, "model")

    config_file = os.path.join(source, "config.json")
    if os.path.isdir(source) and os.path.isfile(config_file):
        from albert_tf.convert import convert

        try:
            with open(config_file, encoding="utf-8") as f:
                keras_hub = "keras_hub" in str(json.load(f).get("module", ""))
        except (OSError, ValueError, AttributeError):
            keras_hub = False
        target = new_target()
        convert("keras-hub" if keras_hub else "huggingface", "keras", source, target, log=log)
        return target
    path = config_path(source)
    if not os.path.isfile(path):
        raise AlbertTfError(f"{source}: not a model directory, a keras-hub preset or Hugging "
                            "Face directory on disk, nor a bundled config name (albert-tf "
                            "reads local files only; convert a download with albert-tf convert)")
    if vocab is None:
        raise AlbertTfError(f"{source}: a config alone has no vocabulary; give vocab= (a "
                            "SentencePiece .model or a BERT vocab.txt)")
    from albert_tf.config import AlbertConfig
    from albert_tf.model_dir import save_model
    from albert_tf.modeling import AlbertEncoder
    from albert_tf.tokenization import AlbertTokenizer

    config = AlbertConfig.from_json_file(path)
    tokenizer = AlbertTokenizer.from_vocab(vocab, do_lower_case=do_lower_case)
    if tokenizer.vocab_size != config.vocab_size:
        raise AlbertTfError(f"vocab {vocab}: has {tokenizer.vocab_size} ids but {source} "
                            f"has vocab_size {config.vocab_size}")
    target = new_target()
    save_model(AlbertEncoder(config), target, task_info={"task": "encoder"},
               tokenizer=tokenizer)
    log(f"{source}: random weights (from scratch)")
    return target


def _remove_made():
    import shutil

    for folder in _MADE:
        shutil.rmtree(folder, ignore_errors=True)


__import__("atexit").register(_remove_made)


class TaskModel(keras.Model):
    """A task network with its tokenizer and ``task.json`` settings.

    Args:
        network: the task's Keras model (features in, a dict of outputs out), or None
            until the head can be built.
        tokenizer: its ``AlbertTokenizer``.
        info: the ``task.json`` settings.
    """

    def __init__(self, network, tokenizer, info, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self._tokenizer = tokenizer
        self.info = dict(info)

    tokenizer = property(lambda self: self._tokenizer)

    def default_learning_rate(self) -> float:
        """1e-3 for small models such as the starters (measured in docs/RESULTS.md),
        5e-5 for base-size and larger ones (the BERT and ALBERT papers' range)."""
        return 1e-3 if self.network.encoder.config.hidden_size <= SMALL_HIDDEN else 5e-5

    def default_optimizer(self, total_steps, learning_rate=None, warmup_proportion=0.1):
        """The project's AdamW with bias correction, warm-up, then linear decay to 0."""
        from albert_tf.training.optimizers import make_optimizer

        rate = learning_rate or self.default_learning_rate()
        return make_optimizer("adamw", self.network.trainable_variables, rate,
                              max(1, total_steps), int(warmup_proportion * total_steps),
                              bias_correction=True)

    def save(self, filepath, *args, **kwargs):
        """A folder: writes the model directory every CLI command reads (``.keras``
        file names go to ``keras.Model.save``)."""
        filepath = os.fspath(filepath)
        if filepath.endswith(".keras"):
            return super().save(filepath, *args, **kwargs)
        from albert_tf.model_dir import save_model

        return save_model(self.network, filepath, task_info=dict(self.info),
                          tokenizer=self._tokenizer)

    def export(self, directory, formats=("saved_model",), log=None, **options) -> dict:
        """Writes what ``albert-tf export`` writes for this model: by default the SavedModel
        for TF Serving (``DIRECTORY/saved_model/1``: raw text in, token ids in, Examples
        in). ``formats=("saved_model", "tflite")`` adds the TFLite files; ``options`` are
        ``albert_tf.export.run.export``'s (``variants``, ``max_seq_length``,
        ``with_tokenizer``, ``data``, ``calibration``, ``signatures``). Returns the report."""
        import tempfile

        from albert_tf.export.run import export

        with tempfile.TemporaryDirectory(prefix="albert_tf_export_") as folder:
            model_dir = os.path.join(folder, "model")
            self.save(model_dir)
            report = export(model_dir, os.fspath(directory), formats=tuple(formats),
                            log=log or (lambda *a: None), **options)
        report["model_dir"] = None  # the model came from memory, not from a folder
        return report

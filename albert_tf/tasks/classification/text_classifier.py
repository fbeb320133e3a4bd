"""``TextClassifier``: a Keras model that takes raw text, with its tokenizer attached.

    classifier = TextClassifier.from_preset("saved_models/albert_starter_en", num_classes=2)
    classifier.fit(x=texts, y=labels, epochs=2)           # no compile() needed
    logits = classifier.predict(texts)                    # [n, num_classes]
    classifier.save("saved_models/my_sst2")               # a model directory for the CLI

The tokenizer runs in tf.data (in-graph, through tensorflow-text), as keras-hub runs its
preprocessors, so the model part (encoder + head, ``keras.ops`` only) trains on any
Keras backend.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.task_model import TaskModel

class TextClassifier(TaskModel):
    """ALBERT encoder + classification head, fed raw strings.

    Build one with ``from_preset``. ``x`` is a list of strings, a pair of lists
    ``(texts, text_pairs)`` for sentence-pair tasks, or a ``tf.data.Dataset`` of
    ``(text, label)`` / ``((text, pair), label)`` with integer labels. ``y`` holds label
    names or indices (floats for regression).

    Args:
        network: the ``AlbertClassifier`` (features in, ``{"logits"}`` out).
        tokenizer: its ``AlbertTokenizer``.
        info: the ``task.json`` settings (``labels``, ``max_seq_length``, ...).
    """

    labels = property(lambda self: self.info.get("labels"))

    def call(self, features, training=False):
        return self.network(features, training=training)["logits"]

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_preset(cls, source, num_classes=None, labels=None, regression=False,
                    max_seq_length=None, classifier_dropout=0.1, vocab=None):
        """A classifier from a model directory or another local preset.

        Args:
            source: a fine-tuned classification directory (its head and labels are
                kept), or a pretrained / encoder directory such as
                ``saved_models/albert_starter_en`` (a new head is added); also a
                keras-hub preset or Hugging Face directory on disk, or a bundled config
                name with ``vocab=`` (``task_model.preset_dir``).
            num_classes: classes of a new head (or ``len(labels)``).
            labels: names of the classes of a new head (default ``"0", "1", ...``).
            regression: one output and mean squared error instead of classes.
            max_seq_length: packing width (default: the directory's, else 128).
            classifier_dropout: dropout before a new head.
            vocab: with a config name as ``source``: the vocabulary (``.model`` or
                ``vocab.txt``) of a model trained from random weights.
        """
        from albert_tf.config import AlbertConfig
        from albert_tf.model_dir import CONFIG_FILE, load_model, load_tokenizer, read_task_info
        from albert_tf.modeling.task_models import AlbertClassifier
        from albert_tf.tasks.base import load_init_checkpoint

        from albert_tf.tasks.task_model import preset_dir

        source = preset_dir(source, vocab)
        info = dict(read_task_info(source))
        tokenizer = load_tokenizer(source)
        if info["task"] == "classification":
            given = len(labels) if labels else num_classes
            if given is not None and given != info["num_labels"]:
                raise AlbertTfError(f"{source} classifies into {info['num_labels']} classes, "
                                    f"not {given}")
            network = load_model(source)
        else:
            if regression:
                labels, count = None, 1
            else:
                if labels is None and num_classes is None:
                    raise AlbertTfError(f"{source} has no classification head: give "
                                        "num_classes= or labels=")
                labels = [str(x) for x in labels] if labels else [
                    str(i) for i in range(num_classes)]
                count = len(labels)
            config = AlbertConfig.from_json_file(os.path.join(source, CONFIG_FILE))
            length = int(max_seq_length or min(128, config.max_position_embeddings))
            info = {"task": "classification", "labels": labels, "num_labels": count,
                    "regression": bool(regression), "has_pair": False,
                    "max_seq_length": length, "classifier_dropout": classifier_dropout,
                    "do_lower_case": tokenizer.do_lower_case}
            network = AlbertClassifier(config, count, classifier_dropout)
            load_init_checkpoint(network, source)
        if max_seq_length:
            info["max_seq_length"] = int(max_seq_length)
        if info["max_seq_length"] > network.encoder.config.max_position_embeddings:
            raise AlbertTfError(f"max_seq_length {info['max_seq_length']} exceeds "
                                f"max_position_embeddings "
                                f"{network.encoder.config.max_position_embeddings}")
        return cls(network, tokenizer, info)

    # -------------------------------------------------------------------- input
    def _texts(self, x):
        """``(texts, pairs or None)`` as string arrays."""
        if isinstance(x, tuple) and len(x) == 2 and not isinstance(x[0], str):
            texts, pairs = np.asarray(list(x[0]), object), np.asarray(list(x[1]), object)
            if len(texts) != len(pairs):
                raise AlbertTfError(f"x: {len(texts)} texts but {len(pairs)} text pairs")
            return texts.astype(str), pairs.astype(str)
        if isinstance(x, str):
            raise AlbertTfError("x: give a list of strings, not one string")
        return np.asarray(list(x), object).astype(str), None

    def _targets(self, y, count):
        y = list(y)
        if len(y) != count:
            raise AlbertTfError(f"y: {len(y)} labels for {count} texts")
        if self.info.get("regression"):
            return np.asarray(y, np.float32)
        index = {name: i for i, name in enumerate(self.labels)}
        out = []
        for label in y:
            if isinstance(label, (int, np.integer)) and 0 <= label < len(self.labels):
                out.append(int(label))
            elif str(label) in index:
                out.append(index[str(label)])
            else:
                raise AlbertTfError(f"y: label {label!r} is not one of the labels "
                                    f"{', '.join(self.labels)}")
        return np.asarray(out, np.int32)

    def _pack(self, texts, pairs):
        return self._tokenizer.pack(texts, pairs, max_seq_length=self.info["max_seq_length"])

    def dataset(self, x, y=None, batch_size=32, shuffle=False, seed=None):
        """The ``tf.data`` pipeline ``fit``/``predict``/``evaluate`` use: raw text in,
        packed ``input_ids``/``input_mask``/``segment_ids`` out (tokenized in the graph)."""
        if isinstance(x, tf.data.Dataset):
            return self._from_dataset(x, batch_size)
        texts, pairs = self._texts(x)
        columns = (texts,) if pairs is None else (texts, pairs)
        if y is not None:
            columns += (self._targets(y, len(texts)),)
        data = tf.data.Dataset.from_tensor_slices(columns)
        if shuffle:
            data = data.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
        data = data.batch(batch_size)
        paired, labelled = pairs is not None, y is not None

        def pack(*batch):
            features = self._pack(batch[0], batch[1] if paired else None)
            return (features, batch[-1]) if labelled else features

        return data.map(pack, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    def _from_dataset(self, data, batch_size):
        spec = data.element_spec
        text_spec = spec[0][0] if isinstance(spec[0], tuple) else spec[0]
        if text_spec.shape.rank == 0:  # unbatched elements
            data = data.batch(batch_size)

        def pack(x, y):
            texts, pairs = x if isinstance(x, tuple) else (x, None)
            return self._pack(texts, pairs), y

        return data.map(pack, num_parallel_calls=tf.data.AUTOTUNE)

    # ------------------------------------------------------------------ training
    def compile_default(self, total_steps, learning_rate=None, warmup_proportion=0.1):
        """The project's AdamW (bias correction on) with warm-up and linear decay, the
        task's loss and accuracy. ``fit`` calls it when ``compile`` was not called."""
        optimizer = self.default_optimizer(total_steps, learning_rate, warmup_proportion)
        if self.info.get("regression"):
            loss, metrics = keras.losses.MeanSquaredError(), []
        else:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
        self.compile(optimizer=optimizer, loss=loss, metrics=metrics)

    def fit(self, x=None, y=None, batch_size=32, epochs=1, validation_data=None, shuffle=True,
            seed=None, **kwargs):
        """``keras.Model.fit`` on raw text; compiles with ``compile_default`` first unless
        ``compile`` was called. ``validation_data`` is ``(x, y)`` in the same forms."""
        data = self.dataset(x, y, batch_size, shuffle=shuffle, seed=seed)
        if not self.compiled:
            steps = int(data.cardinality())
            if steps < 0:
                raise AlbertTfError("x: a dataset of unknown length; call compile() first")
            self.compile_default(steps * epochs)
        if validation_data is not None:
            vx, vy = validation_data
            validation_data = self.dataset(vx, vy, batch_size)
        kwargs["shuffle"] = False  # the dataset is already shuffled (each epoch anew)
        return super().fit(data, epochs=epochs, validation_data=validation_data, **kwargs)

    def predict(self, x, batch_size=32, **kwargs):
        """Logits ``[n, num_classes]`` (``[n, 1]`` for regression), as keras-hub returns."""
        kwargs.setdefault("verbose", 0)
        return super().predict(self.dataset(x, batch_size=batch_size), **kwargs)

    def evaluate(self, x=None, y=None, batch_size=32, **kwargs):
        return super().evaluate(self.dataset(x, y, batch_size), **kwargs)

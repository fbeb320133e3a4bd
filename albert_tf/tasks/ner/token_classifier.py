"""``TokenClassifier``: named-entity recognition from Python, raw text in, entities out.

    tagger = TokenClassifier.from_preset("saved_models/albert_starter_en")
    tagger.fit(x=[["EU", "rejects", "German", "call"]], y=[["B-ORG", "O", "B-MISC", "O"]])
    tagger.predict(["EU rejects German call"])
    # [[{"label": "ORG", "text": "EU", "start": 0, "end": 2, "score": 0.93}, ...]]

Tags may be IOB1, BIO or BMES (detected, or ``scheme=``); the model learns BIO, as the
``finetune ner`` command does, and shares its word-to-piece alignment and windows
(``tasks/ner.py``).
"""

from __future__ import annotations

import os

import keras
import numpy as np

from albert_tf.errors import AlbertTfError
from albert_tf.tasks import ner
from albert_tf.tasks.ner.data import NerExample, bio_tags, entity_spans
from albert_tf.tasks.task_model import TaskModel

class TokenClassifier(TaskModel):
    """ALBERT encoder + a tag per word. Build one with ``from_preset``.

    Args:
        source: the model directory the encoder comes from.
        network: the ``AlbertTagger``, or None until ``fit`` has seen the tags.
        tokenizer: its ``AlbertTokenizer``.
        info: the ``task.json`` settings (``labels`` as BIO tags, ``max_seq_length``).
    """

    def __init__(self, source, network, tokenizer, info, **kwargs):
        super().__init__(network, tokenizer, info, **kwargs)
        self._source = source

    labels = property(lambda self: self.info.get("labels"))

    def call(self, features, training=False):
        return self.network(features, training=training)["logits"]

    @classmethod
    def from_preset(cls, source, labels=None, max_seq_length=None, classifier_dropout=0.1,
                    vocab=None):
        """A tagger from a model directory: a fine-tuned NER directory (its head and tags),
        or a pretrained / encoder one (a new head, for ``labels`` given as BIO tags such as
        ``["O", "B-PER", "I-PER"]``, or for the tags ``fit`` first sees). ``source`` may
        also be a keras-hub preset or Hugging Face directory on disk, or a bundled config
        name with ``vocab=`` (random weights; ``task_model.preset_dir``)."""
        from albert_tf.model_dir import load_model, load_tokenizer, read_task_info
        from albert_tf.tasks.task_model import preset_dir

        source = preset_dir(source, vocab)
        info = dict(read_task_info(source))
        tokenizer = load_tokenizer(source)
        if info["task"] == "ner":
            network = load_model(source)
        else:
            network = None
            info = {"task": "ner", "max_seq_length": 128, "classifier_dropout":
                    classifier_dropout, "do_lower_case": tokenizer.do_lower_case}
        if max_seq_length:
            info["max_seq_length"] = int(max_seq_length)
        tagger = cls(source, network, tokenizer, info)
        if network is None and labels:
            tagger._build_head(list(labels))
        return tagger

    def _build_head(self, labels):
        from albert_tf.config import AlbertConfig
        from albert_tf.model_dir import CONFIG_FILE
        from albert_tf.modeling.task_models import AlbertTagger
        from albert_tf.tasks.base import load_init_checkpoint

        if labels[0] != "O" or any(not t.startswith(("B-", "I-")) for t in labels[1:]):
            raise AlbertTfError(f"labels: BIO tags with O first, got {labels}")
        self.info["labels"], self.info["num_labels"] = labels, len(labels)
        config = AlbertConfig.from_json_file(os.path.join(self._source, CONFIG_FILE))
        length = min(self.info["max_seq_length"], config.max_position_embeddings)
        self.info["max_seq_length"] = length
        self.network = AlbertTagger(config, len(labels), self.info["classifier_dropout"])
        load_init_checkpoint(self.network, self._source)

    # ---------------------------------------------------------------------- training
    def examples(self, x, y=None, scheme=None):
        """``NerExample``s of word lists and (any scheme's) tag lists, tags as BIO."""
        if isinstance(x, str) or (x and isinstance(x[0], str)):
            raise AlbertTfError("x: give a list of word lists (one list per sentence)")
        x = [list(words) for words in x]
        if y is None:
            return [NerExample(words=words) for words in x]
        y = [list(tags) for tags in y]
        if len(x) != len(y):
            raise AlbertTfError(f"y: {len(y)} tag lists for {len(x)} sentences")
        for number, (words, tags) in enumerate(zip(x, y), 1):
            if len(words) != len(tags):
                raise AlbertTfError(f"sentence {number}: {len(words)} words but {len(tags)} "
                                    "tags")
        sentences = [[(number, w, t) for w, t in zip(words, tags)]
                     for number, (words, tags) in enumerate(zip(x, y), 1)]
        bio, scheme = bio_tags(sentences, scheme, "y")
        return [NerExample(words=words, tags=tags, line=number, scheme=scheme)
                for number, (words, tags) in enumerate(zip(x, bio), 1)]

    def compile_default(self, total_steps, learning_rate=None, warmup_proportion=0.1):
        """AdamW with warm-up and linear decay; cross-entropy over each word's first piece
        only, as ``finetune ner``."""
        import warnings

        warnings.filterwarnings("ignore", message=r"Gradients do not exist for variables "
                                r"\['pooler/kernel', 'pooler/bias'\]")
        optimizer = self.default_optimizer(total_steps, learning_rate, warmup_proportion)
        self.compile(optimizer=optimizer,
                     loss=keras.losses.SparseCategoricalCrossentropy(
                         from_logits=True, reduction="mean_with_sample_weight"),
                     weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(
                         name="accuracy")])

    def fit(self, x=None, y=None, batch_size=32, epochs=1, scheme=None, **kwargs):
        """``keras.Model.fit`` on word lists ``x`` and tag lists ``y`` (IOB1, BIO or BMES);
        compiles with ``compile_default`` unless ``compile`` was called."""
        examples = self.examples(x, y, scheme)
        if self.network is None:
            self._build_head(ner.fit_info(examples, dict(self.info))["labels"])
        features, labels, weights = ner.featurize(examples, self._tokenizer, self.info,
                                                  training=True)
        if not self.compiled:
            steps = -(-len(features["input_ids"]) // batch_size)
            self.compile_default(steps * epochs)
        kwargs.setdefault("shuffle", True)
        return super().fit(features, labels["logits"], sample_weight=weights["logits"],
                           batch_size=batch_size, epochs=epochs, **kwargs)

    # -------------------------------------------------------------------- predicting
    def predict(self, texts, **kwargs):
        """Entities per raw string: ``{"label", "text", "start", "end", "score"}``, with
        ``text == input[start:end]`` (character offsets; Chinese needs no spaces). The
        score is the mean probability of the entity's tags."""
        if self.network is None:
            raise AlbertTfError("this TokenClassifier has no head yet: fit it first")
        if isinstance(texts, str):
            raise AlbertTfError("give a list of strings, not one string")
        from albert_tf.tasks.base import LENGTH_MULTIPLE, predict_batches
        from albert_tf.tasks.ner.align import word_predictions

        inputs = ner.read_inputs(list(texts), self.info)
        features, _, _, index = ner._rows(inputs, self._tokenizer, self.info, False)
        if not len(features["input_ids"]):
            return [[] for _ in inputs]
        logits = predict_batches(self.network, features, length_multiple=LENGTH_MULTIPLE,
                                 token_outputs=("logits",))["logits"]
        exp = np.exp(logits - logits.max(-1, keepdims=True))
        probabilities = exp / exp.sum(-1, keepdims=True)
        per_word = word_predictions(probabilities, index, [len(e.words) for e in inputs])
        out = []
        for example, probs in zip(inputs, per_word):
            tags = ner.to_bio([self.labels[k] for k in probs.argmax(-1)]) if len(probs) else []
            entities = []
            for kind, first, end in entity_spans(tags):
                start, stop = example.spans[first][0], example.spans[end - 1][1]
                score = float(probs[first:end].max(-1).mean())
                entities.append({"label": kind, "text": example.text[start:stop],
                                 "start": start, "end": stop, "score": round(score, 6)})
            out.append(entities)
        return out

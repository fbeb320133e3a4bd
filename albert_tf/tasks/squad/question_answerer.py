"""``QuestionAnswerer``: extractive question answering from Python.

    reader = QuestionAnswerer.from_preset("saved_models/albert_starter_en")
    reader.fit("train-v1.1.json", epochs=2)           # a path, or the JSON's "data" list
    reader.predict(["Who wrote it?"], ["It was written by Jane Austen in 1813."])
    # [{"answer": "Jane Austen", "start": 18, "end": 29, "score": 7.1}]

Long contexts are read in doc-stride windows, as ``finetune squad`` does; it shares the
task's windows, loss and decoding (``tasks/squad.py``).
"""

from __future__ import annotations

import os

from albert_tf.errors import AlbertTfError
from albert_tf.tasks import squad
from albert_tf.tasks.squad.data import SquadExample, examples_from_json, read_squad_file
from albert_tf.tasks.task_model import TaskModel

class QuestionAnswerer(TaskModel):
    """ALBERT encoder + start/end span head. Build one with ``from_preset``.

    Args:
        network: the ``AlbertSpanExtractor``.
        tokenizer: its ``AlbertTokenizer``.
        info: the ``task.json`` settings (``max_seq_length``, ``doc_stride``, ...).
    """

    def call(self, features, training=False):
        return self.network(features, training=training)

    @classmethod
    def from_preset(cls, source, max_seq_length=None, doc_stride=None, max_query_length=None,
                    vocab=None):
        """A reader from a model directory: a fine-tuned SQuAD directory, or a pretrained /
        encoder one (a new span head). Widths default to the directory's, else 384 / 128 / 64
        capped by the model's positions. ``source`` may also be a keras-hub preset or Hugging
        Face directory on disk, or a bundled config name with ``vocab=`` (random weights;
        ``task_model.preset_dir``)."""
        from albert_tf.config import AlbertConfig
        from albert_tf.model_dir import CONFIG_FILE, load_model, load_tokenizer, read_task_info
        from albert_tf.tasks.base import load_init_checkpoint

        from albert_tf.tasks.task_model import preset_dir

        source = preset_dir(source, vocab)
        info = dict(read_task_info(source))
        tokenizer = load_tokenizer(source)
        if info["task"] == "squad":
            network = load_model(source)
        else:
            config = AlbertConfig.from_json_file(os.path.join(source, CONFIG_FILE))
            info = {"task": "squad", "version": "auto", "head": "standard",
                    "max_seq_length": min(384, config.max_position_embeddings),
                    "doc_stride": 128, "max_query_length": 64,
                    "do_lower_case": tokenizer.do_lower_case}
            network = squad.build_model(config, info)
            load_init_checkpoint(network, source)
        for key, value in (("max_seq_length", max_seq_length), ("doc_stride", doc_stride),
                           ("max_query_length", max_query_length)):
            if value:
                info[key] = int(value)
        info["doc_stride"] = min(info.get("doc_stride", 128), info["max_seq_length"] // 2)
        info["max_query_length"] = min(info.get("max_query_length", 64),
                                       info["max_seq_length"] // 2)
        return cls(network, tokenizer, info)

    def examples(self, data):
        """SQuAD examples from a path, a parsed ``{"data": [...]}``, or its ``data`` list."""
        if isinstance(data, (str, os.PathLike)):
            return read_squad_file(os.fspath(data), self.info.get("version", "auto"))
        return examples_from_json(data, self.info.get("version", "auto"))

    def compile_default(self, total_steps, learning_rate=None, warmup_proportion=0.1):
        """AdamW with warm-up and linear decay; the mean of the start and end losses."""
        squad.compile_model(self, self.default_optimizer(total_steps, learning_rate,
                                                         warmup_proportion), self.info)

    def fit(self, x=None, batch_size=32, epochs=1, **kwargs):
        """``keras.Model.fit`` on SQuAD data (a path or the JSON's ``data`` list); compiles
        with ``compile_default`` unless ``compile`` was called."""
        examples = self.examples(x)
        self.info = squad.fit_info(examples, dict(self.info))
        if self.info.get("head") == "verifier":
            raise AlbertTfError("QuestionAnswerer trains the standard span head; use "
                                "albert-tf finetune squad --head verifier for the verifier")
        features, labels, _ = squad.featurize(examples, self._tokenizer, self.info, True)
        if not self.compiled:
            steps = -(-len(features["input_ids"]) // batch_size)
            self.compile_default(steps * epochs)
        kwargs.setdefault("shuffle", True)
        return super().fit(features, labels, batch_size=batch_size, epochs=epochs, **kwargs)

    def predict(self, questions, contexts, **kwargs):
        """``{"answer", "start", "end", "score"}`` per question: the best span of its
        context (``answer == context[start:end]``); SQuAD 2.0 models may answer ``""``."""
        if isinstance(questions, str) or isinstance(contexts, str):
            raise AlbertTfError("give lists: questions=[...], contexts=[...]")
        questions, contexts = list(questions), list(contexts)
        if len(questions) != len(contexts):
            raise AlbertTfError(f"{len(questions)} questions but {len(contexts)} contexts")
        examples = [SquadExample(str(i), q, c) for i, (q, c) in enumerate(zip(questions,
                                                                               contexts))]
        if not examples:
            return []
        info = dict(self.info)
        if info.get("version", "auto") == "auto":
            info["version"] = "1.1"
        out = []
        for found in squad.answer(self.network, self._tokenizer, examples, info):
            out.append({"answer": found.text,
                        "start": found.start if found.text else None,
                        "end": found.end if found.text else None,
                        "score": float(found.score)})
        return out

"""Named-entity recognition: a tag per word, entity-level conlleval metrics, entity spans.

Data: CoNLL column files (IOB1 or BIO, as CoNLL-2003) and character-per-line files (BIO or
BMES, as People's Daily), read by ``ner_data`` and converted to BIO. The label set is
``O`` plus ``B-``/``I-`` of every entity type of the training set, in sorted type order
(``task.json``: ``labels``, ``train_scheme``). Words are aligned to pieces by
``ner_align`` (first piece labelled, the rest weight 0; long sentences in windows).
Metrics are conlleval's (``conlleval.py``) on BIO tags; dev entity types the model never
saw stay in the gold tags and count as missed (with a warning), so the figures stay honest.
"""

from __future__ import annotations

import sys

import numpy as np

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.options import Option
from albert_tf.tasks.base import LENGTH_MULTIPLE, predict_batches
from albert_tf.tasks.ner.conlleval import conlleval, conlleval_sentences
from albert_tf.tasks.ner.align import build_rows, word_pieces, word_predictions
from albert_tf.tasks.ner.data import (
    SCHEMES, NerExample, bio_tags, entity_spans, read_columns, read_ner_file, to_bio,
)

NAME = "ner"
HELP = "named-entity recognition (CoNLL columns: IOB1, BIO, BMES)"
SERVING = "albert_tf.tasks.ner.serving"
LABELLED = True  # task.json carries label names
DEFAULT_MAX_SEQ_LENGTH = 128  # a converted model's packing width when its source has none


def model_classes():
    from albert_tf.modeling.task_models import AlbertTagger

    return (AlbertTagger,)


OPTIONS = (
    Option("scheme", "tagging scheme of the data files (auto: detected per file); every "
           "scheme is converted to BIO", commands=("finetune", "evaluate"), default="auto",
           choices=("auto",) + SCHEMES),
    Option("tag_column", "column of the tag, counted from 1, negative from the end; None: "
           "the last column", commands=("finetune", "evaluate"), type=int),
    Option("classifier_dropout", "dropout before the tagging layer", commands=("finetune",),
           default=0.1, type=float),
)


def task_info(args) -> dict:
    info = {"scheme": getattr(args, "scheme", None),
            "tag_column": getattr(args, "tag_column", None)}
    if hasattr(args, "classifier_dropout"):
        info["classifier_dropout"] = args.classifier_dropout
    return info


def info_overrides(args) -> dict:
    """Flags given to evaluate/predict that override the model's task.json."""
    return {k: v for k, v in task_info(args).items() if v is not None}


def read_examples(path, info, labelled=True):
    return read_ner_file(path, info.get("tag_column"), info.get("scheme"))[0]


def fit_info(examples, info) -> dict:
    """Adds ``labels``, ``num_labels`` and ``train_scheme``; warns when case will be lost."""
    info = dict(info)
    types = sorted({tag[2:] for e in examples for tag in e.tags if tag != "O"})
    if not types:
        raise AlbertTfError("the training set has no entity tags (every tag is O)")
    info["labels"] = ["O"] + [f"{p}-{t}" for t in types for p in "BI"]
    info["num_labels"] = len(info["labels"])
    info["train_scheme"] = examples[0].scheme
    if info.get("do_lower_case") and any(c.isupper() for e in examples for w in e.words
                                         for c in w):
        print("warning: the model is uncased (it lowercases its input) but the NER training "
              "data is cased: capitalization, a strong cue for names, is lost", file=sys.stderr)
    return info


def build_model(config, info):
    from albert_tf.modeling.task_models import AlbertTagger

    return AlbertTagger(config, info["num_labels"], info.get("classifier_dropout", 0.1))


def _rows(examples, tokenizer, info, with_labels):
    pieces = word_pieces(tokenizer, [e.words for e in examples])
    labels = None
    if with_labels:
        index = {name: i for i, name in enumerate(info["labels"])}
        labels = []
        for e in examples:
            try:
                labels.append([index[t] for t in e.tags])
            except KeyError as error:
                raise AlbertTfError(f"line {e.line}: tag {error.args[0]!r} is not one of the "
                                    f"labels {info['labels']}") from None
    return build_rows(pieces, labels, info["max_seq_length"], tokenizer.cls_id,
                      tokenizer.sep_id, tokenizer.pad_id)


def featurize(examples, tokenizer, info, training):
    """``input_ids``/``input_mask``/``segment_ids``, label ids and per-piece weights.

    Returns:
        ``(features, {"logits": labels}, {"logits": weights})``, each ``[rows, seq]``.
    """
    features, labels, weights, _ = _rows(examples, tokenizer, info, with_labels=True)
    return features, {"logits": labels}, {"logits": weights}


def compile_model(model, optimizer, info, jit_compile=False):
    """Cross-entropy averaged over the labelled (first) pieces only; token accuracy."""
    import warnings

    import keras

    # The tagger does not use the encoder's pooler; Keras would warn about it every fit.
    warnings.filterwarnings("ignore", message=r"Gradients do not exist for variables "
                            r"\['pooler/kernel', 'pooler/bias'\]")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                      reduction="mean_with_sample_weight")
    model.compile(optimizer=optimizer, loss={"logits": loss},
                  weighted_metrics={"logits": [keras.metrics.SparseCategoricalAccuracy(
                      name="accuracy")]}, jit_compile=jit_compile)


def predict_tags(model, tokenizer, examples, info):
    """BIO tags per word of each example (list of lists)."""
    if not examples:
        return []
    features, _, _, index = _rows(examples, tokenizer, info, with_labels=False)
    ids = (predict_batches(model, features, length_multiple=LENGTH_MULTIPLE,
                           token_outputs=("logits",))["logits"].argmax(-1)
           if len(features["input_ids"])
           else np.zeros((0, info["max_seq_length"]), np.int64))
    per_word = word_predictions(ids, index, [len(e.words) for e in examples])
    return [to_bio([info["labels"][i] for i in row]) for row in per_word]


EVAL_WRITES_FILES = True  # evaluate() writes predictions.txt beside the metrics
PREDICTIONS_FILE = "predictions.txt"


def evaluate(model, tokenizer, examples, info, output_dir=None) -> dict:
    """conlleval figures on labelled examples (BIO tags); see ``conlleval.conlleval``.

    ``output_dir`` receives ``predictions.txt``: one ``word gold predicted`` line per word
    and a blank line after each sentence, the layout conlleval reads (and
    ``albert-tf evaluate ner --predictions`` scores).
    """
    unseen = sorted({t[2:] for e in examples for t in e.tags if t != "O"}
                    - {label[2:] for label in info["labels"]})
    if unseen:
        print(f"warning: entity types {unseen} are not among the model's labels; they count "
              "as missed", file=sys.stderr)
    predicted = predict_tags(model, tokenizer, examples, info)
    metrics = conlleval_sentences([e.tags for e in examples], predicted)
    if output_dir:
        import os

        from albert_tf.io_utils import atomic_write_text

        lines = []
        for example, tags in zip(examples, predicted):
            lines += [f"{w} {g} {p}\n" for w, g, p in zip(example.words, example.tags, tags)]
            lines.append("\n")
        atomic_write_text(os.path.join(output_dir, PREDICTIONS_FILE), "".join(lines))
    return {**metrics, "examples": len(examples)}


def score_file(gold_path, predictions_path, info) -> dict:
    """conlleval of a predictions file against gold, without a model.

    The predictions file has the gold file's lines (same words, same blank lines); its
    LAST column is the predicted tag. The gold tag is ``--tag-column`` (default last).
    Each file's scheme is detected (or ``--scheme`` for gold) and both are converted to
    BIO; ``-DOCSTART-`` lines count as tokens tagged O, as conlleval counts them.
    """
    gold = read_columns(gold_path, info.get("tag_column"), keep_docstart=True)
    guess = read_columns(predictions_path, None, keep_docstart=True)
    if not any(s[0][1] == "-DOCSTART-" for s in guess):  # e.g. our predictions.txt
        gold = [s for s in gold if s[0][1] != "-DOCSTART-"]
    for g, p in zip(gold, guess):
        for (g_line, g_word, _), (p_line, p_word, _) in zip(g, p):
            if g_word != p_word:
                raise AlbertTfError(f"{predictions_path}:{p_line}: word {p_word!r} does not "
                                    f"match {gold_path}:{g_line} {g_word!r}")
        if len(g) != len(p):
            line = (p[-1] if len(p) < len(g) else p[len(g)])[0]
            raise AlbertTfError(f"{predictions_path}:{line}: the sentence has {len(p)} words, "
                                f"{gold_path}:{g[0][0]} has {len(g)}")
    if len(gold) != len(guess):
        raise AlbertTfError(f"{predictions_path}: {len(guess)} sentences, {gold_path} has "
                            f"{len(gold)}")
    gold_tags, _ = bio_tags(gold, info.get("scheme"), gold_path)
    guess_tags, _ = bio_tags(guess, None, predictions_path)

    def lines():
        for g, p in zip(gold_tags, guess_tags):
            yield from zip(g, p)
            yield None

    sentences = sum(1 for s in gold if s[0][1] != "-DOCSTART-")
    return {**conlleval(lines()), "examples": sentences}


def read_inputs(lines, info):
    """Predict inputs: one text per line, split into words by ``ner_text.split_words``."""
    from albert_tf.tasks.ner.text import split_words

    examples = []
    for line in lines:
        line = line.rstrip("\r\n")
        words, spans = split_words(line)
        examples.append(NerExample(words=words, text=line, spans=spans))
    return examples


def predict(model, tokenizer, inputs, info):
    """Per input: ``{"text", "tokens", "tags", "entities": [{"type", "start", "end", "text"}]}``.

    ``tags`` are BIO, one per token; entity offsets are character (code point) offsets
    into ``text``, end exclusive, so ``text[start:end] == entity["text"]``.
    """
    out = []
    for example, tags in zip(inputs, predict_tags(model, tokenizer, inputs, info)):
        entities = []
        for kind, first, end in entity_spans(tags):
            start, stop = example.spans[first][0], example.spans[end - 1][1]
            entities.append({"type": kind, "start": start, "end": stop,
                             "text": example.text[start:stop]})
        out.append({"text": example.text, "tokens": example.words, "tags": tags,
                    "entities": entities})
    return out

"""Sentiment analysis and text classification (one text or a pair; classes or regression)."""

from __future__ import annotations

import collections

import numpy as np

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.options import Option
from albert_tf.tasks.base import LENGTH_MULTIPLE, pack_texts, predict_batches
from albert_tf.tasks.classification.data import read_classification_file
from albert_tf.tasks.classification.metrics import classification_metrics, regression_metrics

NAME = "classification"
HELP = "sentiment / text classification or regression (TSV, CSV, JSONL)"
SERVING = "albert_tf.tasks.classification.serving"
LABELLED = True  # task.json carries label names
DEFAULT_MAX_SEQ_LENGTH = 128  # a converted model's packing width when its source has none


def model_classes():
    from albert_tf.modeling.task_models import AlbertClassifier

    return (AlbertClassifier,)


OPTIONS = (
    Option("text_column", "text column (default: found by name)"),
    Option("text_pair_column", "second text column, for pairs"),
    Option("label_column", "label column (default: found by name)"),
    Option("regression", "the label is a number: one output, mean squared error",
           commands=("finetune",), type=bool),
    Option("labels", "comma-separated label names in id order (default: sorted labels of "
           "the training set)", commands=("finetune",)),
    Option("classifier_dropout", "dropout before the classifier (the original's 0.1)",
           commands=("finetune",), default=0.1, type=float),
)


def task_info(args) -> dict:
    info = {"text_column": getattr(args, "text_column", None),
            "text_pair_column": getattr(args, "text_pair_column", None),
            "label_column": getattr(args, "label_column", None)}
    if hasattr(args, "regression"):
        info.update(regression=bool(args.regression), classifier_dropout=args.classifier_dropout,
                    labels=args.labels.split(",") if args.labels else None)
    return info


def info_overrides(args) -> dict:
    """Flags given to evaluate/predict that override the model's task.json."""
    return {k: v for k, v in task_info(args).items() if v is not None}


def read_examples(path, info, labelled=True):
    """Examples of a file; once the label set is known (``--labels``, the training set's,
    or task.json's), every label must be in it: an error names the file and line."""
    examples = read_classification_file(path, info.get("text_column"),
                                        info.get("text_pair_column"), info.get("label_column"),
                                        labelled=labelled)
    if labelled and info.get("labels") and not info.get("regression"):
        known = set(info["labels"])
        for example in examples:
            if str(example.label) not in known:
                raise AlbertTfError(f"{example.where}: label {example.label!r} is not one of "
                                    f"the labels {', '.join(info['labels'])}")
    return examples


# A label this rare beside the others is taken for a typo or a shifted column, not a class;
# --labels names the classes when a real one is this rare.
RARE_SHARE = 0.001


def _stray_label(examples, counts):
    """The first label that looks like a mistake, or None: one in at most 0.1 % of the
    rows, or a non-integer among labels that are (at 99 %) integers."""
    total = sum(counts.values())
    integer = sum(n for label, n in counts.items() if label.lstrip("-").isdigit())
    for example in examples:
        label = str(example.label)
        rare = counts[label] <= total * RARE_SHARE
        odd = not label.lstrip("-").isdigit() and integer >= 0.99 * total
        if rare or odd:
            return example
    return None


def fit_info(examples, info) -> dict:
    info = dict(info)
    info["has_pair"] = examples[0].text_b is not None
    if info.get("regression"):
        try:
            [float(e.label) for e in examples]
        except ValueError:
            raise AlbertTfError("--regression needs numeric labels") from None
        info["labels"] = None
        info["num_labels"] = 1
        return info
    counts = collections.Counter(str(e.label) for e in examples)
    found = sorted(counts, key=_label_order)
    if not info.get("labels"):
        stray = _stray_label(examples, counts)
        if stray is not None:
            others = ", ".join(label for label in found if label != str(stray.label))
            raise AlbertTfError(
                f"{stray.where}: label {stray.label!r} appears in {counts[str(stray.label)]} "
                f"of {len(examples):,} rows beside {others}: a typo or a shifted column? If it "
                f"is a class, name them all with --labels")
    labels = info.get("labels") or found
    unknown = sorted(set(found) - set(labels))
    if unknown:
        raise AlbertTfError(f"training labels {unknown} are not in --labels {labels}")
    if len(labels) < 2:
        raise AlbertTfError(f"the training set has only the label {labels}; need two or more")
    info["labels"], info["num_labels"] = list(labels), len(labels)
    return info


def _label_order(label):
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def build_model(config, info):
    from albert_tf.modeling.task_models import AlbertClassifier

    return AlbertClassifier(config, info["num_labels"], info.get("classifier_dropout", 0.1))


def _targets(examples, info):
    if info.get("regression"):
        return np.array([float(e.label) for e in examples], np.float32)
    index = {name: i for i, name in enumerate(info["labels"])}
    try:
        return np.array([index[str(e.label)] for e in examples], np.int32)
    except KeyError as e:
        raise AlbertTfError(f"label {e.args[0]!r} is not one of {info['labels']}") from None


def featurize(examples, tokenizer, info, training):
    features = pack_texts(tokenizer, [e.text_a for e in examples],
                          [e.text_b or "" for e in examples] if info.get("has_pair") else None,
                          info["max_seq_length"])
    return features, {"logits": _targets(examples, info)}, None


def compile_model(model, optimizer, info, jit_compile=False):
    import keras

    if info.get("regression"):
        loss, metrics = keras.losses.MeanSquaredError(), []
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    model.compile(optimizer=optimizer, loss={"logits": loss}, metrics={"logits": metrics},
                  jit_compile=jit_compile)


def _pack_unlabelled(examples, tokenizer, info):
    return pack_texts(tokenizer, [e.text_a for e in examples],
                      [e.text_b or "" for e in examples] if info.get("has_pair") else None,
                      info["max_seq_length"])


def evaluate(model, tokenizer, examples, info) -> dict:
    logits = predict_batches(model, _pack_unlabelled(examples, tokenizer, info),
                             length_multiple=LENGTH_MULTIPLE)["logits"]
    gold = _targets(examples, info)
    if info.get("regression"):
        return regression_metrics(gold, logits[:, 0])
    return classification_metrics(gold, logits.argmax(-1), info["num_labels"])


def score_file(gold_path, predictions_path, info) -> dict:
    """Scores a predictions file (same format, predicted label column) against gold."""
    gold = read_examples(gold_path, info)
    predicted = read_examples(predictions_path, info)
    if len(gold) != len(predicted):
        raise AlbertTfError(f"{predictions_path} has {len(predicted)} rows, "
                            f"{gold_path} has {len(gold)}")
    if info.get("regression"):
        return regression_metrics([float(e.label) for e in gold], [float(e.label) for e in predicted])
    names = sorted({str(e.label) for e in gold + predicted}, key=_label_order)
    index = {n: i for i, n in enumerate(names)}
    return classification_metrics([index[str(e.label)] for e in gold],
                                  [index[str(e.label)] for e in predicted], len(names))


def read_inputs(lines, info):
    """Predict inputs: one text per line, or ``text<TAB>pair`` for pair tasks."""
    from albert_tf.tasks.classification.data import Example

    examples = []
    for line in lines:
        line = line.rstrip("\n")
        a, _, b = line.partition("\t") if info.get("has_pair") else (line, "", "")
        examples.append(Example(text_a=a, text_b=b if info.get("has_pair") else None))
    return examples


def predict(model, tokenizer, inputs, info):
    """``{"label", "label_name", "probabilities"}`` (or ``{"score"}``) per input."""
    if not inputs:
        return []
    logits = predict_batches(model, _pack_unlabelled(inputs, tokenizer, info),
                             length_multiple=LENGTH_MULTIPLE)["logits"]
    if info.get("regression"):
        return [{"text": e.text_a, "score": float(v[0])} for e, v in zip(inputs, logits)]
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    probabilities = exp / exp.sum(-1, keepdims=True)
    out = []
    for example, p in zip(inputs, probabilities):
        k = int(p.argmax())
        row = {"text": example.text_a, "label": k, "label_name": info["labels"][k],
               "probabilities": [round(float(x), 6) for x in p]}
        if example.text_b is not None:
            row["text_pair"] = example.text_b
        out.append(row)
    return out

"""Extractive question answering: SQuAD v1.1 and v2.0 (``albert-tf finetune squad``).

Reader ``squad_data.py``, windows ``squad_features.py``, decoding ``squad_decode.py``,
official metrics ``squad_eval.py``. Two heads: ``standard`` (``AlbertSpanExtractor``:
start/end logits, [CLS] = no answer) and ``verifier`` (``AlbertSquadVerifier``: ALBERT's
SQuAD 2.0 head, end conditioned on the start, and an answerability logit).
"""

from __future__ import annotations

import json
import os

from albert_tf.errors import AlbertTfError
from albert_tf.tasks.options import Option
from albert_tf.io_utils import atomic_write_text
from albert_tf.tasks.squad.data import VERSIONS, read_na_probs, read_predictions
from albert_tf.tasks.squad.data import read_question_lines, read_squad_file
from albert_tf.tasks.squad.decode import decode
from albert_tf.tasks.squad.metrics import squad_metrics
from albert_tf.tasks.squad.features import make_windows

NAME = "squad"
HELP = "extractive question answering (SQuAD v1.1 and v2.0 JSON)"
SERVING = "albert_tf.tasks.squad.serving"
LABELLED = False  # task.json carries label names
DEFAULT_MAX_SEQ_LENGTH = 384  # a converted model's packing width when its source has none


def model_classes():
    from albert_tf.modeling.squad_verifier import AlbertSquadVerifier
    from albert_tf.modeling.task_models import AlbertSpanExtractor

    return (AlbertSpanExtractor, AlbertSquadVerifier)


HEADS = ("standard", "verifier")
EVAL_WRITES_FILES = True  # evaluate() writes predictions.json (and null_odds.json) too
DECODING = {"n_best_size": 20, "max_answer_length": 30, "null_threshold": 0.0}


_OTHERS = " (evaluate, predict: the model's by default)"
OPTIONS = (
    Option("version", "SQuAD version of the data (auto: from the file)",
           commands=("finetune", "evaluate"), default="auto", choices=VERSIONS),
    Option("doc_stride", "pieces between the starts of a long context's windows",
           commands=("finetune",), default=128, type=int),
    Option("max_query_length", "question pieces kept", commands=("finetune",), default=64,
           type=int),
    Option("head", "standard start/end head, or ALBERT's SQuAD 2.0 answer verifier (end "
           "conditioned on the start, answerability logit)", commands=("finetune",),
           default="standard", choices=HEADS),
    Option("start_n_top", "verifier: start beam", commands=("finetune",), default=5, type=int),
    Option("end_n_top", "verifier: ends per start", commands=("finetune",), default=5,
           type=int),
    Option("classifier_dropout", "verifier: dropout in the answerability head",
           commands=("finetune",), default=0.1, type=float),
    Option("n_best_size", "candidate starts and ends per window" + _OTHERS,
           default={"finetune": DECODING["n_best_size"]}, type=int),
    Option("max_answer_length", "longest answer in pieces" + _OTHERS,
           default={"finetune": DECODING["max_answer_length"]}, type=int),
    Option("null_threshold", "SQuAD 2.0: answer \"\" when the null odds exceed this" + _OTHERS,
           default={"finetune": DECODING["null_threshold"]}, type=float),
    Option("na_prob", "with --predictions, SQuAD 2.0: a no-answer score file {id: number} "
           "(the official --na-prob-file)", commands=("evaluate",)),
    Option("na_prob_thresh", "with --na-prob: no-answer scores above this count as \"no "
           "answer\" (the official script's default)", commands=("evaluate",), default=1.0,
           type=float),
)


def task_info(args) -> dict:
    """Settings for task.json (finetune), or for scoring a predictions file (evaluate)."""
    info = {"version": getattr(args, "version", "auto")}
    if hasattr(args, "doc_stride"):
        if args.head == "verifier" and min(args.start_n_top, args.end_n_top) < 1:
            raise AlbertTfError("--start-n-top and --end-n-top must be at least 1")
        info.update(doc_stride=args.doc_stride, max_query_length=args.max_query_length,
                    head=args.head, start_n_top=args.start_n_top, end_n_top=args.end_n_top,
                    classifier_dropout=args.classifier_dropout)
    if hasattr(args, "na_prob"):
        info.update(na_prob_file=args.na_prob, na_prob_thresh=args.na_prob_thresh)
    return {**info, **info_overrides(args)}


def info_overrides(args) -> dict:
    """Decoding flags given on the command line (evaluate/predict override task.json)."""
    return {k: getattr(args, k) for k in DECODING if getattr(args, k, None) is not None}


def read_examples(path, info):
    return read_squad_file(path, info.get("version", "auto"))


def fit_info(examples, info) -> dict:
    info = dict(info)
    if info.get("version", "auto") == "auto":
        v2 = getattr(examples, "version", "1.1") == "2.0" or any(e.is_impossible for e in examples)
        info["version"] = "2.0" if v2 else "1.1"
    for key, value in DECODING.items():
        info.setdefault(key, value)
    return info


def build_model(config, info):
    """The span model of ``info["head"]``; the encoder's pooler, which no SQuAD head reads,
    is frozen (kept in the weights, left out of training)."""
    if info.get("head", "standard") == "verifier":
        from albert_tf.modeling.squad_verifier import AlbertSquadVerifier

        model = AlbertSquadVerifier(config, info.get("start_n_top", 5), info.get("end_n_top", 5),
                                    info.get("classifier_dropout", 0.1))
    else:
        from albert_tf.modeling.task_models import AlbertSpanExtractor

        model = AlbertSpanExtractor(config)
    model.encoder.pooler.trainable = False
    return model


def _windows(examples, tokenizer, info, training=False):
    return make_windows(examples, tokenizer, info["max_seq_length"], info.get("doc_stride", 128),
                        info.get("max_query_length", 64), training=training)


def featurize(examples, tokenizer, info, training):
    """Rows = windows; labels: the answer's first/last piece (0 = [CLS]: none here)."""
    windows = _windows(examples, tokenizer, info, training)
    if not len(windows.example_index):
        raise AlbertTfError("no question has an answer that matches the context's pieces")
    features = dict(windows.features)
    labels = {"start_logits": windows.start_positions, "end_logits": windows.end_positions}
    if info.get("head") == "verifier":
        # Teacher forcing: the end head sees the gold start while training (as ALBERT).
        features["start_positions"] = windows.start_positions
        labels["cls_logits"] = windows.is_impossible.astype("float32")
    return features, labels, None


def compile_model(model, optimizer, info, jit_compile=False):
    """Loss: the mean of the start and end cross-entropies (+ half the answerability
    binary cross-entropy with the verifier, as ALBERT's ``v2_model_fn``)."""
    import keras

    span = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = {"start_logits": span, "end_logits": span}
    weights = {"start_logits": 0.5, "end_logits": 0.5}
    if info.get("head") == "verifier":
        loss["cls_logits"] = keras.losses.BinaryCrossentropy(from_logits=True)
        weights["cls_logits"] = 0.5
    model.compile(optimizer=optimizer, loss=loss, loss_weights=weights, jit_compile=jit_compile)


def answer(model, tokenizer, examples, info):
    """``squad_decode.Answer`` per example."""
    windows = _windows(examples, tokenizer, info)
    # model.predict runs a traced function: 4x faster than eager batches on dev-v1.1.
    outputs = model.predict(windows.features, batch_size=64, verbose=0)
    return decode(examples, windows, outputs, info.get("version", "1.1"),
                  info.get("n_best_size", 20), info.get("max_answer_length", 30),
                  info.get("null_threshold", 0.0))


def _data_version(examples, info):
    if getattr(examples, "version", None) == "2.0" or any(e.is_impossible for e in examples):
        return "2.0"
    return getattr(examples, "version", None) or info.get("version", "1.1")


def evaluate(model, tokenizer, examples, info, output_dir=None) -> dict:
    """The official metrics of the model's answers on labelled examples.

    With a SQuAD 2.0 model the null odds are the no-answer scores: ``exact``/``f1`` use
    ``null_threshold``, ``best_*`` the best threshold found on these examples.
    ``output_dir`` receives ``predictions.json`` ({id: text}), ``nbest_predictions.json``
    and, for 2.0, ``null_odds.json``.
    """
    answers = answer(model, tokenizer, examples, info)
    predictions = {e.qas_id: a.text for e, a in zip(examples, answers)}
    null_odds = ({e.qas_id: a.null_odds for e, a in zip(examples, answers)}
                 if info.get("version") == "2.0" else None)
    version = _data_version(examples, info)
    threshold = info.get("null_threshold", 0.0)
    metrics = squad_metrics(examples, predictions, version,
                            null_odds if version == "2.0" else None, threshold)
    if null_odds is not None and version == "2.0":
        metrics["null_threshold"] = threshold
    if output_dir:
        def write(name, value):
            atomic_write_text(os.path.join(output_dir, name), json.dumps(value, indent=2) + "\n")

        write("predictions.json", predictions)
        write("nbest_predictions.json", {e.qas_id: a.nbest for e, a in zip(examples, answers)})
        if null_odds is not None:
            write("null_odds.json", null_odds)
    return metrics


def score_file(gold_path, predictions_path, info) -> dict:
    """Scores ``{id: answer_text}`` against a SQuAD file, as the official script of its version."""
    examples = read_squad_file(gold_path, info.get("version", "auto"))
    predictions = read_predictions(predictions_path)
    na_probs = read_na_probs(info["na_prob_file"]) if info.get("na_prob_file") else None
    if na_probs is not None and examples.version != "2.0":
        raise AlbertTfError("--na-prob applies to SQuAD 2.0 data")
    return squad_metrics(examples, predictions, examples.version, na_probs,
                         info.get("na_prob_thresh", 1.0))


def read_inputs(lines, info):
    """JSON lines ``{"question", "context"}`` (or ``question<TAB>context``)."""
    return read_question_lines(lines)


def predict(model, tokenizer, inputs, info):
    """Per input: ``question``, ``answer``, ``start``/``end`` (characters; ``answer ==
    context[start:end]``), ``score``, and ``no_answer_score`` (null odds) for 2.0."""
    if not inputs:
        return []
    out = []
    for example, found in zip(inputs, answer(model, tokenizer, inputs, info)):
        row = {"id": example.qas_id, "question": example.question, "answer": found.text,
               "start": found.start if found.text else None,
               "end": found.end if found.text else None,
               "score": round(found.score, 6) if found.nbest else None}
        if info.get("version") == "2.0":
            row["no_answer_score"] = round(found.null_odds, 6)
        out.append(row)
    return out

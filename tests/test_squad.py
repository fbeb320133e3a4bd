"""SQuAD: reader counts, official metrics by hand, windows and offsets on real data,
decoding, the verifier head, and finetune / evaluate / predict through the CLI."""

import dataclasses
import json

import numpy as np
import pytest

from conftest import data_path, tiny_config

V11 = ("squad", "dev-v1.1.json")
HALF = ("squad", "dev-v2.0.cs224n-half.json")
SAMPLE = ("squad", "dev-v2.0.sample-normans-rhine.json")


def _cli(args, capsys):
    from albert_tf.cli import main

    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _slice(path, out, articles, paragraphs=None, version=None):
    """Writes a SQuAD file holding some articles (and their first paragraphs) of ``path``."""
    dataset = json.load(open(path, encoding="utf-8"))
    data = [dict(dataset["data"][a], paragraphs=dataset["data"][a]["paragraphs"][:paragraphs])
            for a in articles]
    out.write_text(json.dumps({"version": version or dataset["version"], "data": data}))
    return str(out)


# ----------------------------------------------------------------------------- reader
def test_answers_off_by_whitespace_are_fixed(tmp_path):
    from albert_tf.tasks.squad.data import read_squad_file

    context = "Normans came from  Normandy in France."
    qas = [{"id": "a", "question": "q", "answers": [{"text": " Normandy", "answer_start": 17}]},
           {"id": "b", "question": "q", "answers": [{"text": "Normandy ", "answer_start": 17}]},
           {"id": "c", "question": "q", "answers": [{"text": "France", "answer_start": 31}]}]
    path = tmp_path / "ws.json"
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": context, "qas": qas}]}]}))
    examples = read_squad_file(str(path))
    assert [e.answers for e in examples] == [[("Normandy", 19)], [("Normandy", 19)],
                                             [("France", 31)]]



@pytest.mark.parametrize("parts, questions, answers, answerable, version, first_id", [
    (V11, 10570, 34726, 10570, "1.1", "56be4db0acb8001400a502ec"),
    (HALF, 6078, 10052, 2910, "2.0", None),
    (SAMPLE, 706, 1252, 386, "2.0", "56ddde6b9a695914005b9628"),
])
def test_reader_counts(parts, questions, answers, answerable, version, first_id):
    from albert_tf.tasks.squad.data import read_squad_file

    examples = read_squad_file(data_path(*parts))
    assert examples.version == version
    assert len(examples) == questions
    assert sum(len(e.answers) for e in examples) == answers
    assert sum(not e.is_impossible for e in examples) == answerable
    assert all(bool(e.answers) != e.is_impossible for e in examples)
    if first_id:
        assert examples[0].qas_id == first_id
    text, start = examples[0].answers[0]
    assert examples[0].context[start:start + len(text)] == text


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON (line 1"),
    ('{"version": "1.1"}', 'no "data" list'),
    ('{"data": [{"paragraphs": [{"context": "abc", "qas": [{"question": "q"}]}]}]}',
     'data[0].paragraphs[0]: a question has no "id"'),
    ('{"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "x", "question": "q", '
     '"answers": [{"text": "a", "answer_start": 9}]}]}]}]}', "question x: an answer needs"),
    ('{"data": [{"paragraphs": [{"context": "the cat sat", "qas": [{"id": "q7", "question": '
     '"q", "answers": [{"text": "dog", "answer_start": 4}]}]}]}]}',
     "question q7: answer 'dog' is not at answer_start 4 (the context has 'cat' there)"),
])
def test_bad_files_are_one_line_errors(content, message, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    (tmp_path / "pred.json").write_text("{}")
    code, _, err = _cli(["evaluate", "squad", "--data", str(bad), "--predictions",
                         str(tmp_path / "pred.json")], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(bad) in err and message in err


def test_bad_predictions_file_names_it(tmp_path, capsys):
    (tmp_path / "pred.json").write_text('["not", "a", "dict"]')
    code, _, err = _cli(["evaluate", "squad", "--data", data_path(*SAMPLE), "--predictions",
                         str(tmp_path / "pred.json")], capsys)
    assert code == 2 and "pred.json: not a predictions file" in err


# ---------------------------------------------------------------------------- metrics
def test_normalization_as_the_official_scripts():
    from albert_tf.tasks.squad.metrics import normalize_answer

    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an apple, a pear") == "apple pear"
    assert normalize_answer("Theory of the 1800s") == "theory of 1800s"  # \b: not "ory"
    assert normalize_answer("«Broncos»") == "«broncos»"  # only ASCII punctuation goes
    assert normalize_answer("A-B") == "ab"


@pytest.mark.parametrize("parts", [V11, SAMPLE, HALF])
def test_gold_answers_score_100(parts, tmp_path, capsys):
    from albert_tf.tasks.squad.data import read_squad_file

    path = data_path(*parts)
    gold = {e.qas_id: e.answers[0][0] if e.answers else "" for e in read_squad_file(path)}
    (tmp_path / "pred.json").write_text(json.dumps(gold))
    code, out, _ = _cli(["evaluate", "squad", "--data", path, "--predictions",
                         str(tmp_path / "pred.json")], capsys)
    assert code == 0
    metrics = json.loads(out)
    assert metrics["exact"] == metrics["f1"] == 100.0
    assert metrics["total"] == len(gold)
    if parts != V11:
        assert metrics["HasAns_exact"] == metrics["NoAns_f1"] == 100.0


def test_v11_metrics_by_hand():
    from albert_tf.tasks.squad.metrics import squad_v1_metrics

    gold = {"q1": ["Denver Broncos"], "q2": ["Denver Broncos", "Broncos"],
            "q3": ["Santa Clara, California"], "q4": ["an apple"], "q5": ["Levi's Stadium"],
            "q6": ["The"]}
    predictions = {"q1": "the Denver Broncos.", "q2": "Broncos team", "q3": "California",
                   "q4": "The", "q6": "a"}  # q5 is missing: scores 0 and counts
    metrics = squad_v1_metrics(gold, predictions)
    # EM: q1 (normalization), q6 ("the" and "a" both normalize to "") -> 2 of 6.
    # F1: q1 1; q2 max(1/2 vs "denver broncos", 2/3 vs "broncos") = 2/3;
    #     q3 P=1 R=1/3 -> 1/2; q4, q5 0; q6 0 (v1.1: nothing shared is 0, even if both empty).
    assert metrics["exact_match"] == pytest.approx(100 * 2 / 6)
    assert metrics["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 / 2) / 6)
    assert metrics["total"] == 6


def test_v20_metrics_threshold_and_best_threshold_by_hand():
    from albert_tf.tasks.squad.metrics import squad_v2_metrics

    gold = {"a": ["Normandy"], "b": ["10th and 11th centuries", "in the 10th and 11th centuries"],
            "c": [], "d": [], "e": ["Rollo"]}
    predictions = {"a": "Normandy", "b": "11th centuries", "c": "", "d": "France", "e": ""}
    na = {"a": 0.1, "b": 0.4, "c": 0.9, "d": 0.7, "e": 0.8}
    # b: F1 max(P=1 R=2/4 -> 2/3, P=1 R=2/5 -> 4/7) = 2/3; c: both empty -> 1.
    plain = squad_v2_metrics(gold, predictions)
    assert plain["exact"] == pytest.approx(40.0)
    assert plain["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1) / 5)
    assert plain["HasAns_exact"] == pytest.approx(100 / 3)
    assert plain["HasAns_f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)
    assert (plain["NoAns_exact"], plain["NoAns_f1"]) == (50.0, 50.0)
    assert (plain["total"], plain["HasAns_total"], plain["NoAns_total"]) == (5, 3, 2)
    assert "best_f1" not in plain
    # Threshold 0.5: d, e, c count as "no answer": d becomes right, e stays wrong.
    cut = squad_v2_metrics(gold, predictions, na, na_prob_thresh=0.5)
    assert cut["exact"] == pytest.approx(60.0)
    assert cut["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 + 1) / 5)
    # Sweep (sorted na): start 2 (both NoAns right); a +1 -> 3 @0.1; b +0 / +2/3 @0.4;
    # d -1; e 0; c 0.
    assert cut["best_exact"] == pytest.approx(60.0) and cut["best_exact_thresh"] == 0.1
    assert cut["best_f1"] == pytest.approx(100 * (3 + 2 / 3) / 5)
    assert cut["best_f1_thresh"] == 0.4


def test_score_file_with_na_prob_file(tmp_path, capsys):
    from albert_tf.tasks.squad.data import read_squad_file

    path = data_path(*SAMPLE)
    examples = read_squad_file(path)
    # Answer everything with the gold text; the no-answer score ranks NoAns first.
    predictions = {e.qas_id: e.answers[0][0] if e.answers else "x" for e in examples}
    na = {e.qas_id: 0.0 if e.answers else 1.0 for e in examples}
    (tmp_path / "p.json").write_text(json.dumps(predictions))
    (tmp_path / "na.json").write_text(json.dumps(na))
    code, out, _ = _cli(["evaluate", "squad", "--data", path, "--predictions",
                         str(tmp_path / "p.json"), "--na-prob", str(tmp_path / "na.json"),
                         "--na-prob-thresh", "0.5", "--output", str(tmp_path / "m.json")],
                        capsys)
    assert code == 0
    metrics = json.load(open(tmp_path / "m.json"))["metrics"]
    assert metrics == json.loads(out)
    assert metrics["exact"] == metrics["best_exact"] == 100.0
    assert metrics["best_f1_thresh"] == 0.0
    no_thresh = _cli(["evaluate", "squad", "--data", path, "--predictions",
                      str(tmp_path / "p.json")], capsys)
    assert json.loads(no_thresh[1])["NoAns_exact"] == 0.0


# ---------------------------------------------------------------------------- windows
def test_char_spans_from_utf8_bytes(trained_spm_path):
    from albert_tf.tokenization import AlbertTokenizer
    from albert_tf.tasks.squad.features import char_spans

    text = "  In Zürich, the ﬁne café opened in 1,000 A.D."
    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    _, starts, ends = (r.to_list()[0] for r in tokenizer.tokenize_with_offsets([text]))
    char_starts, char_ends = char_spans(text, starts, ends)
    pieces = [text[s:e] for s, e in zip(char_starts, char_ends)]
    covered = {i for s, e in zip(char_starts, char_ends) for i in range(s, e)}
    assert covered == {i for i, c in enumerate(text) if not c.isspace()}
    assert (np.diff(char_starts) >= 0).all()  # digit-comma pieces may share a span
    assert all(p == p.lstrip() for p in pieces)
    assert any("ü" in p for p in pieces) and any("é" in p for p in pieces)


def test_window_layout_and_max_context():
    from albert_tf.tasks.squad.features import _max_context, window_starts

    assert window_starts(10, 4, 3) == [0, 3, 6]
    assert window_starts(10, 4, 8) == [0, 4, 8]  # the stride never skips pieces
    assert window_starts(3, 4, 2) == [0]
    # Pieces 3 and 4 are in windows 0 ([0,4)) and 1 ([3,7)): piece 3 has context
    # min(3,0)=0 in 0 and min(0,3)=0 in 1 -> the first wins; piece 5 -> window 1.
    best = _max_context([0, 3, 6], [4, 4, 4], 10)
    assert best.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_answers_land_in_the_right_window_of_a_long_context(trained_spm_path):
    from albert_tf.tasks.squad.data import read_squad_file
    from albert_tf.tasks.squad.features import make_windows
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    examples = read_squad_file(data_path(*SAMPLE))
    longest = max(len(e.context) for e in examples)
    chosen = [e for e in examples if len(e.context) == longest and e.answers]
    windows = make_windows(chosen, tokenizer, 64, doc_stride=24, max_query_length=12)
    query = tokenizer.tokenize([e.question for e in chosen]).to_list()
    for row in range(len(windows.example_index)):
        example = chosen[windows.example_index[row]]
        q = query[windows.example_index[row]][:12]
        ids = windows.features["input_ids"][row]
        assert ids[0] == tokenizer.cls_id and ids[len(q) + 1] == tokenizer.sep_id
        assert ids[1:len(q) + 1].tolist() == q
        length = int(windows.features["input_mask"][row].sum())
        assert ids[length - 1] == tokenizer.sep_id
        segments = windows.features["segment_ids"][row]
        assert segments[:len(q) + 2].sum() == 0 and segments[len(q) + 2:length].all()
        s, e = windows.start_positions[row], windows.end_positions[row]
        if s:
            text, _ = example.answers[0]
            assert example.context[windows.char_start[row, s]:windows.char_end[row, e]] == text
    per_example = np.bincount(windows.example_index)
    assert (per_example > 3).all()  # the context needs several windows
    found = np.bincount(windows.example_index[windows.start_positions > 0],
                        minlength=len(chosen))
    assert (found >= 1).all()  # every answer lies inside some window
    # each context piece has exactly one max-context window
    for index in range(len(chosen)):
        rows = windows.example_index == index
        owned = windows.max_context[rows].sum()
        assert owned == len(tokenizer.tokenize(chosen[index].context).numpy())


def test_offsets_give_back_every_answer_of_the_sample(trained_spm_path):
    from albert_tf.tasks.squad.data import read_squad_file
    from albert_tf.tasks.squad.features import _tokenize_contexts, answer_pieces
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    examples = read_squad_file(data_path(*SAMPLE))
    contexts = _tokenize_contexts(tokenizer, [e.context for e in examples])
    exact = inside_words = 0
    for example in examples:
        context = example.context
        _, starts, ends = contexts[context]
        assert (np.diff(starts) >= 0).all() and (ends <= len(context)).all()
        for text, start in example.answers:
            first, last = answer_pieces(starts, ends, start, start + len(text))
            found = context[starts[first]:ends[last]]
            if found == text.strip():
                exact += 1
                continue
            # Only an answer that starts or ends inside a word gets the whole pieces.
            end = start + len(text)
            assert (start > 0 and context[start - 1].isalnum() and context[start].isalnum()) or (
                end < len(context) and context[end - 1].isalnum() and context[end].isalnum())
            assert text.strip() in found, example.qas_id
            inside_words += 1
    assert exact + inside_words == 1252
    assert inside_words == 1  # "Finsteraarhorn, t" (of "the") in question 572f609ca23a5019007fc5b2


# --------------------------------------------------------------------------- decoding
def _one_example_windows(tokenizer):
    from albert_tf.tasks.squad.data import SquadExample
    from albert_tf.tasks.squad.features import make_windows

    example = SquadExample("q", "Who won?", "The Denver Broncos won Super Bowl 50 in 2016.",
                           [("Denver Broncos", 4)])
    return example, make_windows([example], tokenizer, 32, 8, 8)


def test_decode_picks_the_best_valid_span_and_the_null_by_threshold(trained_spm_path):
    from albert_tf.tasks.squad.decode import decode
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    example, windows = _one_example_windows(tokenizer)
    s, e = windows.start_positions[0], windows.end_positions[0]
    assert (s, e) != (0, 0)
    start = np.zeros((1, 32), np.float32)
    end = np.zeros((1, 32), np.float32)
    start[0, 1] = end[0, 1] = 9.0  # a question piece: never an answer
    start[0, s], end[0, e] = 5.0, 4.0
    start[0, e + 1], end[0, s] = 6.0, 3.0  # end before start: invalid
    outputs = {"start_logits": start, "end_logits": end}
    (answer,) = decode([example], windows, outputs, "1.1")
    assert answer.text == "Denver Broncos" and answer.score == 9.0
    assert example.context[answer.start:answer.end] == answer.text
    assert answer.null_odds is None
    assert [n["text"] for n in answer.nbest][0] == "Denver Broncos"
    (short,) = decode([example], windows, outputs, "1.1", max_answer_length=1)
    assert short.text != "Denver Broncos"
    start[0, 0], end[0, 0] = 5.0, 5.5  # null 10.5 vs span 9: odds 1.5
    (v2,) = decode([example], windows, outputs, "2.0", null_threshold=0.0)
    assert v2.text == "" and v2.null_odds == pytest.approx(1.5)
    (kept,) = decode([example], windows, outputs, "2.0", null_threshold=2.0)
    assert kept.text == "Denver Broncos"


def test_decode_verifier_beam(trained_spm_path):
    from albert_tf.tasks.squad.decode import decode
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    example, windows = _one_example_windows(tokenizer)
    s, e = int(windows.start_positions[0]), int(windows.end_positions[0])
    # start 1 (a question piece) is skipped; start s: ends e (valid) and s (valid, shorter)
    outputs = {"start_top_index": np.array([[1, s]]),
               "start_top_log_probs": np.array([[-0.1, -1.0]]),
               "end_top_index": np.array([[[1, 2]], [[e, s]]]).reshape(1, 2, 2),
               "end_top_log_probs": np.array([[[-0.1, -0.2], [-0.5, -0.7]]]),
               "cls_logits": np.array([-3.0])}
    (answer,) = decode([example], windows, outputs, "2.0")
    assert answer.text == "Denver Broncos" and answer.score == pytest.approx(-1.5)
    assert answer.null_odds == -3.0
    assert len(answer.nbest) == 2 and answer.nbest[1]["score"] == pytest.approx(-1.7)
    assert "Denver Broncos".startswith(answer.nbest[1]["text"])
    outputs["cls_logits"] = np.array([0.5])
    assert decode([example], windows, outputs, "2.0")[0].text == ""


# --------------------------------------------------------------------- verifier head
def test_verifier_names_masks_and_teacher_forcing():
    from conftest import random_inputs

    from albert_tf.modeling.squad_verifier import AlbertSquadVerifier

    config = tiny_config()
    model = AlbertSquadVerifier(config, start_n_top=3, end_n_top=2, classifier_dropout=0.0)
    names = {v.path for v in model.weights}
    assert {"start_logits/dense/kernel", "end_logits/dense_0/kernel", "end_logits/LayerNorm/gamma",
            "end_logits/dense_1/bias", "answer_class/dense_0/kernel",
            "answer_class/dense_1/kernel"} <= names
    assert "answer_class/dense_1/bias" not in names
    x = random_inputs(config, batch=2, seq_len=9, pad_from=[9, 7])
    out = {k: np.asarray(v) for k, v in model(x).items()}
    assert out["end_top_index"].shape == (2, 3, 2) and out["cls_logits"].shape == (2,)
    # row 1: context = segment 1 before the final [SEP] (positions 4, 5); [CLS] allowed
    allowed = out["start_logits"][1] > -1e29
    assert allowed.tolist() == [True, False, False, False, True, True, False, False, False]
    # the end logits of the gold start while training equal the beam's for that start
    x["start_positions"] = out["start_top_index"][:, 0].astype("int32")
    trained = model(x, training=True)
    inference = model({k: v for k, v in x.items() if k != "start_positions"})
    np.testing.assert_allclose(np.asarray(trained["end_logits"]),
                               np.asarray(inference["end_logits"]), atol=1e-5)


# ------------------------------------------------------------------ finetune and CLI
@pytest.fixture(scope="module")
def tiny_squad_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "tiny_squad.json"
    values = tiny_config(vocab_size=8000, embedding_size=16, hidden_size=32,
                         intermediate_size=48, num_hidden_layers=2,
                         max_position_embeddings=128, hidden_dropout_prob=0.0,
                         attention_probs_dropout_prob=0.0).to_dict()
    path.write_text(json.dumps(values))
    return str(path)


def test_finetune_evaluate_predict_v11(trained_spm_path, tiny_squad_config, tmp_path, capsys):
    train = _slice(data_path(*V11), tmp_path / "train.json", [0], paragraphs=1)
    other = _slice(data_path(*V11), tmp_path / "other.json", [2], paragraphs=1)
    out = tmp_path / "model"
    code, stdout, err = _cli([
        "finetune", "squad", "--train", train, "--dev", train, "--output-dir", str(out),
        "--albert-config", tiny_squad_config, "--vocab", trained_spm_path,
        "--max-seq-length", "128", "--doc-stride", "96", "--batch-size", "8", "--epochs", "15",
        "--learning-rate", "3e-3", "--warmup-proportion", "0", "--verbose", "0", "--seed", "1",
        "--jit-compile", "false", "--checkpoint-every", "1000"], capsys)
    assert code == 0, err
    task = json.load(open(out / "task.json"))
    assert task["task"] == "squad" and task["version"] == "1.1" and task["doc_stride"] == 96
    metrics = json.load(open(out / "eval_results.json"))["metrics"]
    assert set(metrics) == {"exact_match", "f1", "exact", "total"} and metrics["total"] == 30
    # memorized in ~100 steps: the spans the model learnt decode back to the gold text
    assert metrics["exact_match"] >= 40, (metrics, stdout)
    predictions = json.load(open(out / "predictions.json"))
    assert len(predictions) == 30
    # the official scoring of the written predictions gives the same figures
    code, scored, _ = _cli(["evaluate", "squad", "--data", train, "--predictions",
                            str(out / "predictions.json")], capsys)
    assert json.loads(scored) == pytest.approx(metrics)
    # evaluate a model directory on other articles
    code, stdout, _ = _cli(["evaluate", "squad", "--model-dir", str(out), "--data", other,
                            "--output", str(tmp_path / "other_metrics.json")], capsys)
    assert code == 0
    written = json.load(open(tmp_path / "other_metrics.json"))
    assert written["metrics"]["total"] == len(json.load(open(tmp_path / "predictions.json")))
    # predict: JSON lines and TAB lines in, one JSON object per input out
    context = json.load(open(train))["data"][0]["paragraphs"][0]["context"]
    lines = [json.dumps({"question": "Which NFL team represented the AFC at Super Bowl 50?",
                         "context": context}),
             "Where did Super Bowl 50 take place?\t" + context]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n")
    code, stdout, _ = _cli(["predict", "squad", "--model-dir", str(out), "--input",
                            str(tmp_path / "in.txt")], capsys)
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert code == 0 and len(rows) == 2
    for row in rows:
        assert row["answer"] and context[row["start"]:row["end"]] == row["answer"]
        assert isinstance(row["score"], float) and "no_answer_score" not in row
    assert rows[0]["answer"] == "Denver Broncos"


def test_finetune_v20_verifier_null_odds_and_threshold(trained_spm_path, tiny_squad_config,
                                                       tmp_path, capsys):
    train = _slice(data_path(*SAMPLE), tmp_path / "train.json", [0], paragraphs=3)
    out = tmp_path / "model"
    code, _, err = _cli([
        "finetune", "squad", "--train", train, "--dev", train, "--output-dir", str(out),
        "--albert-config", tiny_squad_config, "--vocab", trained_spm_path, "--head", "verifier",
        "--max-seq-length", "96", "--batch-size", "8", "--epochs", "2", "--verbose", "0",
        "--jit-compile", "false", "--checkpoint-every", "1000"], capsys)
    assert code == 0, err
    assert json.load(open(out / "task.json"))["version"] == "2.0"
    metrics = json.load(open(out / "eval_results.json"))["metrics"]
    assert metrics["total"] == 21 and metrics["HasAns_total"] + metrics["NoAns_total"] == 21
    assert metrics["best_f1"] >= metrics["f1"] and metrics["null_threshold"] == 0.0
    odds = json.load(open(out / "null_odds.json"))
    predictions = json.load(open(out / "predictions.json"))
    assert all((predictions[k] == "") == (odds[k] > 0.0) for k in odds)
    # the official v2.0 scoring with the null odds gives the same figures
    code, scored, _ = _cli(["evaluate", "squad", "--data", train, "--predictions",
                            str(out / "predictions.json"), "--na-prob", str(out / "null_odds.json"),
                            "--na-prob-thresh", "0.0"], capsys)
    assert json.loads(scored) == pytest.approx(
        {k: v for k, v in metrics.items() if k != "null_threshold"})
    # a threshold above every odds answers everything; predict reports the odds
    context = json.load(open(train))["data"][0]["paragraphs"][0]["context"]
    code, stdout, _ = _cli(["predict", "squad", "--model-dir", str(out), "--null-threshold",
                            "1e9", "--text", json.dumps({"question": "Who?", "context": context})],
                           capsys)
    (row,) = [json.loads(line) for line in stdout.splitlines()]
    assert row["answer"] == context[row["start"]:row["end"]] != ""
    assert isinstance(row["no_answer_score"], float)


def test_tokenize_with_offsets_survives_set_random_seed(trained_spm_path):
    import keras

    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    before = [r.to_list() for r in tokenizer.tokenize_with_offsets(["Hello world"])]
    keras.utils.set_random_seed(3)  # clears the eager caches (the op's model resource)
    assert [r.to_list() for r in tokenizer.tokenize_with_offsets(["Hello world"])] == before


def test_task_options_are_the_command_line_defaults():
    from albert_tf.tasks.base import task_options

    options = task_options("squad", doc_stride=64)
    assert (options.doc_stride, options.max_query_length, options.version) == (64, 64, "auto")
    assert (options.n_best_size, options.max_answer_length, options.null_threshold) == (20, 30, 0.0)
    assert task_options("classification").classifier_dropout == 0.1
    with pytest.raises(TypeError, match="no option 'dropout'"):
        task_options("ner", dropout=0.2)
    # A typed, frozen dataclass per task and command (tasks/options.py options_class).
    assert dataclasses.is_dataclass(options) and type(options).__name__ == "SquadFinetuneOptions"
    assert dataclasses.fields(options)[1].type is int  # doc_stride
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.doc_stride = 32
    with pytest.raises(TypeError, match="option 'doc_stride' takes int, got '64'"):
        task_options("squad", doc_stride="64")
    with pytest.raises(TypeError, match="option 'head' is one of standard, verifier"):
        task_options("squad", head="pointer")


@pytest.mark.parametrize("task", ["classification", "ner", "squad"])
@pytest.mark.parametrize("command", ["finetune", "evaluate", "predict"])
def test_the_command_line_and_task_options_share_one_set_of_defaults(task, command):
    """The flags are made from each task's OPTIONS: parsing no task flags gives exactly
    task_options (one place for every default, and no argparse in the library)."""
    from albert_tf.cli import build_parser
    from albert_tf.tasks.base import task_module, task_options

    required = {"finetune": ["--train", "t", "--output-dir", "o"],
                "evaluate": ["--data", "d"], "predict": ["--model-dir", "m"]}[command]
    parsed = vars(build_parser().parse_args([command, task, *required]))
    options = dataclasses.asdict(task_options(task, command))
    assert options == {name: parsed[name] for name in options}
    assert set(options) == {o.name for o in task_module(task).OPTIONS if command in o.commands}

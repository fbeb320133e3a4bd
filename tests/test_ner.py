"""NER: readers on real CoNLL-2003 and People's Daily files, schemes, conlleval counts,
word->piece alignment, a tiny model through finetune / evaluate / predict, file scoring."""

import json
import random

import numpy as np
import pytest

from conftest import data_path, tiny_config
from tokenization_data import WORDPIECE_ZH

TESTA = ("conll2003", "eng.testa")
TRAIN = ("conll2003", "eng.train")
PEOPLES_DAILY = ("chinese_ner_peoples_daily", "example.dev")


def _head(path, out, sentences, skip=0):
    """The first ``sentences`` blank-line-separated blocks after ``skip`` blocks, verbatim."""
    lines, block = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if skip <= block < skip + sentences:
                lines.append(line)
            if not line.strip():
                block += 1
            if block >= skip + sentences:
                break
    out.write_text("".join(lines), encoding="utf-8")
    return str(out)


def _entity_counts(examples):
    from collections import Counter

    from albert_tf.tasks.ner.data import entity_spans

    return dict(Counter(kind for e in examples for kind, _, _ in entity_spans(e.tags)))


def _cli(capsys, *argv):
    from albert_tf.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- readers
@pytest.mark.parametrize("parts, scheme, sentences, tokens, entities", [
    (TESTA, "iob1", 3250, 51362, {"LOC": 1837, "PER": 1842, "ORG": 1341, "MISC": 922}),
    (TRAIN, "iob1", 14041, 203621, {"LOC": 7140, "PER": 6600, "ORG": 6321, "MISC": 3438}),
    (PEOPLES_DAILY, "bio", 2318, 109870, {"LOC": 1951, "ORG": 984, "PER": 884}),
])
def test_readers_give_the_manifest_counts(parts, scheme, sentences, tokens, entities):
    from albert_tf.tasks.ner.data import read_ner_file

    examples, found = read_ner_file(data_path(*parts))
    assert found == scheme
    assert len(examples) == sentences
    assert sum(len(e.words) for e in examples) == tokens
    assert _entity_counts(examples) == entities  # the official entity counts
    assert all(len(e.words) == len(e.tags) for e in examples)


def test_reader_raw_tag_counts_and_tag_column():
    from collections import Counter

    from albert_tf.tasks.ner.data import read_columns, read_ner_file

    path = data_path(*TRAIN)
    raw = Counter(tag for sentence in read_columns(path) for _, _, tag in sentence)
    assert raw == {"O": 169578, "I-PER": 11128, "I-ORG": 10001, "I-LOC": 8286, "I-MISC": 4556,
                   "B-MISC": 37, "B-ORG": 24, "B-LOC": 11}  # MANIFEST, -DOCSTART- skipped
    testa = data_path(*TESTA)
    by_number = read_ner_file(testa, tag_column=4)[0][:50]
    assert [e.tags for e in by_number] == [e.tags for e in read_ner_file(testa)[0][:50]]
    chunks, scheme = read_ner_file(testa, tag_column=3)  # the chunk column: I-NP, B-PP, ...
    assert scheme == "iob1" and {"NP", "VP", "PP"} <= set(_entity_counts(chunks))
    first = read_ner_file(testa)[0][0]
    assert first.words[:3] == ["CRICKET", "-", "LEICESTERSHIRE"] and first.line == 3
    assert first.tags[:3] == ["O", "O", "B-ORG"]


def test_scheme_conversions_round_trip_on_real_tags(tmp_path):
    from albert_tf.tasks.ner.data import from_bio, read_columns, read_ner_file, to_bio

    testa, _ = read_ner_file(data_path(*TESTA))
    raw = [[t for _, _, t in s] for s in read_columns(data_path(*TESTA))]
    for example, iob1 in zip(testa, raw):
        assert from_bio(example.tags, "iob1") == iob1  # BIO -> IOB1 gives the file back
        assert to_bio(from_bio(example.tags, "bmes")) == example.tags
    assert sum(t.startswith("B-") for s in raw for t in s) == 4  # touching same-type entities

    chinese, _ = read_ner_file(data_path(*PEOPLES_DAILY))
    lines = []
    for e in chinese[:300]:
        lines += [f"{w} {t}\n" for w, t in zip(e.words, from_bio(e.tags, "bmes"))] + ["\n"]
    (tmp_path / "bmes.txt").write_text("".join(lines), encoding="utf-8")
    back, scheme = read_ner_file(str(tmp_path / "bmes.txt"))
    assert scheme == "bmes"
    assert [e.tags for e in back] == [e.tags for e in chinese[:300]]
    assert any(t.startswith("S-") for line in lines for t in line.split()[1:])


# ---------------------------------------------------------------------------- conlleval
def _crafted():
    """Four real eng.testa sentences (raw IOB1 tags) and crafted IOB1 predictions."""
    from albert_tf.tasks.ner.data import read_columns

    sentences = read_columns(data_path(*TESTA))
    chosen = sentences[:3] + [next(s for s in sentences
                                   if [w for _, w, _ in s][:3] == ["S.", "African", "Afrikaners"])]
    gold = [[t for _, _, t in s] for s in chosen]
    assert gold[3][:3] == ["I-MISC", "I-MISC", "B-MISC"]  # IOB1: two touching MISC entities
    guess = [list(g) for g in gold]
    guess[0][2] = "I-LOC"       # LEICESTERSHIRE: ORG predicted as LOC (type mismatch)
    words3 = [w for _, w, _ in chosen[2]]
    guess[2][words3.index("Indian")] = "O"           # West Indian: predicted West only
    guess[2][words3.index("Friday")] = "I-MISC"      # a false positive
    guess[2][words3.index("Somerset")] = "O"         # a missed ORG
    guess[3][2] = "I-MISC"      # S. African | Afrikaners merged into one MISC
    return chosen, gold, guess


def test_conlleval_counts_equal_hand_worked_values():
    from albert_tf.tasks.ner.conlleval import conlleval_sentences
    from albert_tf.tasks.ner.data import to_bio

    chosen, gold, guess = _crafted()
    assert [len(s) for s in chosen] == [11, 2, 35, 8]
    # By hand: gold ORG 3, LOC 1, MISC 3, PER 1 (8); guessed LOC 2, MISC 3, PER 1, ORG 1 (7);
    # correct: LONDON (LOC), Phil Simmons (PER), Leicestershire (ORG) = 3.
    for g, p in [(gold, guess), ([to_bio(s) for s in gold], [to_bio(s) for s in guess])]:
        m = conlleval_sentences(g, p)
        assert (m["found_gold"], m["found_predicted"], m["correct"]) == (8, 7, 3)
        assert m["precision"] == pytest.approx(3 / 7) and m["recall"] == pytest.approx(3 / 8)
        assert m["f1"] == pytest.approx(0.4)
        assert (m["tokens"], m["correct_tags"]) == (56, 51)
        per = {k: (v["found_gold"], v["found_predicted"], v["correct"])
               for k, v in m["per_type"].items()}
        assert per == {"LOC": (1, 2, 1), "MISC": (3, 3, 0), "ORG": (3, 1, 1), "PER": (1, 1, 1)}
        assert m["per_type"]["LOC"]["f1"] == pytest.approx(2 / 3)
        assert m["per_type"]["ORG"]["f1"] == pytest.approx(0.5)
        assert m["per_type"]["MISC"]["f1"] == 0.0 and m["per_type"]["PER"]["f1"] == 1.0


def test_conlleval_rules_and_iob1_equals_its_bio_conversion():
    from albert_tf.tasks.ner.conlleval import conlleval, conlleval_sentences
    from albert_tf.tasks.ner.data import read_columns, to_bio

    def counts(gold, guess):
        m = conlleval([*zip(gold, guess)])
        return m["found_gold"], m["found_predicted"], m["correct"]

    assert counts(["I-PER", "I-PER"], ["B-PER", "I-PER"]) == (1, 1, 1)  # I after O starts
    assert counts(["B-PER", "B-PER"], ["B-PER", "I-PER"]) == (2, 1, 0)
    assert counts(["I-PER", "I-LOC"], ["I-PER", "I-LOC"]) == (2, 2, 2)  # type change
    assert counts(["B-X", "E-X", "E-X"], ["B-X", "I-X", "E-X"]) == (2, 1, 0)  # E closes
    assert counts(["S-LOC", "S-LOC"], ["S-LOC", "S-LOC"])[0] == 1  # why BMES is converted
    assert counts(to_bio(["S-LOC", "S-LOC"]), to_bio(["S-LOC", "S-LOC"])) == (2, 2, 2)

    # Random corruptions of all of eng.testa: raw IOB1 and BIO give the same chunk counts.
    raw = [[t for _, _, t in s] for s in read_columns(data_path(*TESTA))]
    rng = random.Random(3)
    tags = ["O", "I-PER", "B-PER", "I-LOC", "B-LOC", "I-ORG", "I-MISC", "B-MISC"]
    guess = [[rng.choice(tags) if rng.random() < 0.1 else t for t in s] for s in raw]
    a = conlleval_sentences(raw, guess)
    b = conlleval_sentences([to_bio(s) for s in raw], [to_bio(s) for s in guess])
    keys = ("found_gold", "found_predicted", "correct")
    assert [a[k] for k in keys] == [b[k] for k in keys] and a["f1"] == b["f1"]
    assert {k: [v[c] for c in keys] for k, v in a["per_type"].items()} == \
        {k: [v[c] for c in keys] for k, v in b["per_type"].items()}
    assert a["found_gold"] == 5942 and 0.5 < a["f1"] < 0.95
    perfect = conlleval_sentences(raw, raw)
    assert perfect["f1"] == 1.0 and perfect["correct"] == 5942


def test_evaluate_predictions_file_without_a_model(tmp_path, capsys):
    chosen, gold, guess = _crafted()
    gold_lines, pred_lines = ["-DOCSTART- -X- O O\n", "\n"], ["-DOCSTART- -X- O O O\n", "\n"]
    for sentence, g, p in zip(chosen, gold, guess):
        for (_, word, _), gt, pt in zip(sentence, g, p):
            gold_lines.append(f"{word} NNP I-NP {gt}\n")
            pred_lines.append(f"{word} NNP I-NP {gt} {pt}\n")
        gold_lines.append("\n")
        pred_lines.append("\n")
    (tmp_path / "gold.txt").write_text("".join(gold_lines))
    (tmp_path / "pred.txt").write_text("".join(pred_lines))
    code, out, err = _cli(capsys, "evaluate", "ner", "--data", str(tmp_path / "gold.txt"),
                          "--predictions", str(tmp_path / "pred.txt"),
                          "--output", str(tmp_path / "m.json"))
    assert code == 0, err
    metrics = json.loads(out)
    assert (metrics["found_gold"], metrics["found_predicted"], metrics["correct"]) == (8, 7, 3)
    assert metrics["f1"] == pytest.approx(0.4) and metrics["examples"] == 4
    assert (metrics["tokens"], metrics["correct_tags"]) == (57, 52)  # -DOCSTART- is a token
    assert json.loads((tmp_path / "m.json").read_text())["metrics"] == metrics

    pred_lines[5] = "Leicestershire NNP I-NP O O\n"
    (tmp_path / "bad.txt").write_text("".join(pred_lines))
    code, _, err = _cli(capsys, "evaluate", "ner", "--data", str(tmp_path / "gold.txt"),
                        "--predictions", str(tmp_path / "bad.txt"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "bad.txt:6: word 'Leicestershire' does not match" in err


@pytest.mark.parametrize("content, message", [
    ("EU NNP I-NP I-ORG\nrejects\n", "x.txt:2: expected a word and a tag, got 1 field"),
    ("EU NNP I-NP X-ORG\n", "x.txt:1: tag 'X-ORG' is not O or B/I-TYPE"),
    ("EU I-ORG\nrejects E-ORG\n", "x.txt:2: tag 'E-ORG' is not O or B/I-TYPE"),
])
def test_bad_files_give_one_line_errors(tmp_path, capsys, content, message):
    (tmp_path / "x.txt").write_text(content)
    scheme = ["--scheme", "iob1"] if "E-ORG" in content else []
    code, _, err = _cli(capsys, "evaluate", "ner", "--data", str(tmp_path / "x.txt"),
                        "--predictions", str(tmp_path / "x.txt"), *scheme)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err


# ---------------------------------------------------------------------------- alignment
def test_words_align_to_pieces_first_piece_labelled(trained_spm_path):
    from albert_tf import AlbertTokenizer
    from albert_tf.tasks.ner.align import build_rows, word_pieces, word_predictions
    from albert_tf.tasks.ner.data import read_ner_file

    tok = AlbertTokenizer.from_vocab(trained_spm_path)
    examples = read_ner_file(data_path(*TESTA))[0][:200]
    pieces = word_pieces(tok, [e.words for e in examples])
    reference = tok.reference()
    sentences = reference.encode_ids([" ".join(e.words) for e in examples])
    assert [[i for w in p for i in w] for p in pieces] == sentences  # words concatenate
    assert sum(len(w) > 1 for p in pieces for w in p) > 500
    labels = [[hash(t) % 7 + 1 for t in e.tags] for e in examples]

    features, label_ids, weights, index = build_rows(pieces, labels, 128, tok.cls_id,
                                                     tok.sep_id, tok.pad_id)
    assert len(features["input_ids"]) == 200  # at 128, every sentence fits one row
    for k in (0, 2, 57, 199):
        (r,) = np.nonzero(index["example"] == k)[0]
        row = features["input_ids"][r]
        positions = np.nonzero(weights[r])[0]
        assert len(positions) == len(examples[k].words)
        assert [row[p] for p in positions] == [w[0] for w in pieces[k]]  # first pieces
        assert label_ids[r, positions].tolist() == labels[k]
        assert label_ids[r][weights[r] == 0].max() == 0
        assert row[0] == tok.cls_id and row[features["input_mask"][r].sum() - 1] == tok.sep_id

    # Windows: 12 positions hold 10 pieces; every word still gets its own label back.
    features, label_ids, weights, index = build_rows(pieces, labels, 12, tok.cls_id,
                                                     tok.sep_id, tok.pad_id)
    assert len(features["input_ids"]) > 400 and features["input_mask"].sum(1).max() == 12
    back = word_predictions(label_ids, index, [len(e.words) for e in examples])
    assert [b.tolist() for b in back] == labels


def test_loss_is_averaged_over_labelled_pieces():
    import keras

    from albert_tf.tasks import ner

    info = {"labels": ["O", "B-X", "I-X"], "num_labels": 3}
    model = ner.build_model(tiny_config(), info)
    ner.compile_model(model, keras.optimizers.SGD(0.1), info)
    rng = np.random.default_rng(0)
    x = {"input_ids": rng.integers(5, 23, (2, 9)).astype("int32"),
         "input_mask": np.ones((2, 9), "int32"), "segment_ids": np.zeros((2, 9), "int32")}
    y = rng.integers(0, 3, (2, 9)).astype("int32")
    w = np.zeros((2, 9), "float32")
    w[0, [1, 2, 5]] = w[1, [1]] = 1
    logits = keras.ops.convert_to_numpy(model(x, training=False)["logits"])
    shifted = logits - logits.max(-1, keepdims=True)
    nll = np.log(np.exp(shifted).sum(-1)) - np.take_along_axis(shifted, y[..., None], -1)[..., 0]
    loss = model.evaluate(x, {"logits": y}, sample_weight={"logits": w}, verbose=0,
                          return_dict=True)["loss"]
    assert loss == pytest.approx((nll * w).sum() / 4, rel=1e-5)


def test_split_words_and_predicted_spans_match_the_text():
    from albert_tf.tasks import ner
    from albert_tf.tokenization import AlbertTokenizer

    class AllPerson:  # a stand-in model: I-PER at every position
        def __call__(self, batch, training=False):
            n = batch["input_ids"].shape
            logits = np.zeros(n + (3,), "float32")
            logits[..., 2] = 1
            return {"logits": logits}

    tok = AlbertTokenizer.from_vocab(data_path(*WORDPIECE_ZH))
    info = {"labels": ["O", "B-PER", "I-PER"], "max_seq_length": 8}
    lines = ["  (Reuters) Smith met U.S. officials in Germany's capital.", "",
             "我爱北京天安门。"]
    inputs = ner.read_inputs(lines, info)
    assert inputs[0].words == ["(", "Reuters", ")", "Smith", "met", "U.S.", "officials", "in",
                               "Germany", "'s", "capital", "."]
    rows = ner.predict(AllPerson(), tok, inputs, info)
    assert rows[1] == {"text": "", "tokens": [], "tags": [], "entities": []}
    assert rows[2]["tokens"] == list("我爱北京天安门。")
    for line, row in zip(lines, rows):
        for word, tag in zip(row["tokens"], row["tags"]):
            assert tag == ("B-PER" if word == row["tokens"][0] else "I-PER")
        for entity in row["entities"]:  # one entity over all words, through windows of 6
            assert entity["text"] == line[entity["start"]:entity["end"]] == line.strip()


# ------------------------------------------------------------------ a tiny model, end to end
def test_finetune_evaluate_predict_english_cli(trained_spm_path, tmp_path, capsys):
    from albert_tf.tokenization import AlbertTokenizer

    train = _head(data_path(*TRAIN), tmp_path / "train.txt", 80)
    dev = _head(data_path(*TESTA), tmp_path / "dev.txt", 30)
    size = AlbertTokenizer.from_vocab(trained_spm_path).vocab_size
    tiny_config(vocab_size=size, max_position_embeddings=48).to_json_file(tmp_path / "c.json")
    out = tmp_path / "model"
    code, stdout, err = _cli(
        capsys, "finetune", "ner", "--albert-config", str(tmp_path / "c.json"),
        "--vocab", trained_spm_path, "--train", train, "--dev", dev, "--output-dir", str(out),
        "--epochs", "1", "--batch-size", "8", "--learning-rate", "1e-3",
        "--max-seq-length", "48", "--verbose", "0", "--jit-compile", "false")
    assert code == 0, err
    assert "warning: the model is uncased" in err and "Gradients do not exist" not in err
    info = json.loads((out / "task.json").read_text())
    assert info["labels"] == ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG",
                              "B-PER", "I-PER"] and info["train_scheme"] == "iob1"
    dev_metrics = json.loads((out / "eval_results.json").read_text())["metrics"]

    code, stdout, err = _cli(capsys, "evaluate", "ner", "--model-dir", str(out), "--data", dev)
    assert code == 0, err
    metrics = json.loads(stdout)
    assert metrics == json.loads((out / "eval_results.json").read_text())["metrics"] == dev_metrics
    from albert_tf.tasks.ner.data import read_ner_file

    examples = read_ner_file(dev)[0]
    assert metrics["found_gold"] == sum(_entity_counts(examples).values())
    assert metrics["tokens"] == sum(len(e.words) for e in examples)
    assert set(metrics) >= {"precision", "recall", "f1", "accuracy", "per_type", "examples"}
    assert metrics["accuracy"] > 0.5  # mostly O after a few steps

    # The model's own tags written as a predictions file score the same without the model.
    from albert_tf.tasks import ner
    from albert_tf.tasks.finetuning import _load
    from albert_tf.tasks.ner.data import from_bio

    model, tokenizer, _ = _load(str(out), "ner")
    predicted = iter(ner.predict_tags(model, tokenizer, examples, info))
    lines = []
    for block in open(dev, encoding="utf-8").read().split("\n\n"):
        rows = [r for r in block.splitlines() if r]
        if not rows:
            continue
        tags = ["O"] if rows[0].startswith("-DOCSTART-") else from_bio(
            next(predicted), "iob1")
        lines += [f"{r} {t}" for r, t in zip(rows, tags)] + [""]
    (tmp_path / "pred.txt").write_text("\n".join(lines), encoding="utf-8")
    scored = ner.score_file(dev, str(tmp_path / "pred.txt"), {})
    for key in ("found_gold", "found_predicted", "correct", "f1", "per_type"):
        assert scored[key] == metrics[key]

    text = "Germany 's representative to the European Union , Werner Zwingmann , said ."
    code, stdout, err = _cli(capsys, "predict", "ner", "--model-dir", str(out),
                             "--text", text, "--text", "LONDON 1996-08-30")
    assert code == 0, err
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [r["text"] for r in rows] == [text, "LONDON 1996-08-30"]
    assert rows[0]["tokens"] == text.split() and len(rows[0]["tags"]) == 13
    assert all(tag in info["labels"] for r in rows for tag in r["tags"])
    for r in rows:
        for entity in r["entities"]:
            assert entity["text"] == r["text"][entity["start"]:entity["end"]]

    # The same finetune command again: a one-line refusal, the model left as it was.
    before = (out / "model.weights.h5").read_bytes()
    code, stdout, err = _cli(
        capsys, "finetune", "ner", "--albert-config", str(tmp_path / "c.json"),
        "--vocab", trained_spm_path, "--train", train, "--dev", dev, "--output-dir", str(out))
    assert code == 2 and "already holds a finished run" in err.strip().splitlines()[-1]
    assert (out / "model.weights.h5").read_bytes() == before


def test_finetune_chinese_characters(tmp_path, capsys):
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune, predict
    from albert_tf.tasks.ner import read_inputs

    train = _head(data_path(*PEOPLES_DAILY), tmp_path / "train.txt", 40)
    dev = _head(data_path(*PEOPLES_DAILY), tmp_path / "dev.txt", 10, skip=40)
    tiny_config(vocab_size=21128, max_position_embeddings=64).to_json_file(tmp_path / "c.json")
    settings = FinetuneSettings(task="ner", train=train, dev=dev, output_dir=str(tmp_path / "m"),
                                albert_config=str(tmp_path / "c.json"),
                                vocab=data_path(*WORDPIECE_ZH), epochs=1, batch_size=8,
                                learning_rate=1e-3, max_seq_length=64, verbose=0,
                                jit_compile="false")
    args = task_options("ner", scheme="bio")
    metrics = finetune(settings, args, print_fn=lambda _: None)
    assert metrics["examples"] == 10 and metrics["found_gold"] > 0
    assert "uncased" not in capsys.readouterr().err  # Chinese has no case to lose
    line = "新华社北京十二月三十一日电"
    rows = predict("ner", str(tmp_path / "m"), read_inputs([line], {}))
    assert rows[0]["tokens"] == list("新华社北京十二月三十一日电")
    for entity in rows[0]["entities"]:
        assert entity["text"] == rows[0]["text"][entity["start"]:entity["end"]]


def test_uncased_warning_only_when_case_is_lost(capsys):
    from albert_tf.tasks.ner import fit_info
    from albert_tf.tasks.ner.data import NerExample

    examples = [NerExample(words=["Paris", "is", "big"], tags=["B-LOC", "O", "O"], scheme="bio")]
    info = fit_info(examples, {"do_lower_case": False})
    assert info["labels"] == ["O", "B-LOC", "I-LOC"] and capsys.readouterr().err == ""
    fit_info(examples, {"do_lower_case": True})
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "uncased" in err and "cased" in err

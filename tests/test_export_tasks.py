"""Export of NER and SQuAD models: in-graph entity and answer spans agree with Keras."""

import json

import numpy as np
import pytest
import tensorflow as tf

from conftest import data_path


def _config(folder, vocab_size, max_pos=128):
    path = folder / "albert_config.json"
    path.write_text(json.dumps({
        "vocab_size": vocab_size, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": max_pos}))
    return str(path)


def _finetune(task, folder, train, dev, vocab, extra, args):
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune

    settings = FinetuneSettings(task=task, train=train, dev=dev, output_dir=str(folder / "model"),
                                albert_config=_config(folder, 8000), vocab=vocab, epochs=1,
                                batch_size=16, learning_rate=3e-3, bias_correction=True,
                                verbose=0, **extra)
    finetune(settings, task_options(task, **args), print_fn=lambda *a: None)
    return folder / "model"


@pytest.fixture(scope="module")
def ner_export(trained_spm_path, tmp_path_factory):
    from albert_tf.export.saved_model import export_saved_model

    folder = tmp_path_factory.mktemp("ner")
    lines = open(data_path("conll2003", "eng.train"), encoding="utf-8").read().split("\n\n")
    (folder / "train.txt").write_text("\n\n".join(lines[:400]) + "\n")
    model_dir = _finetune("ner", folder, str(folder / "train.txt"), None, trained_spm_path,
                          {"max_seq_length": 64},
                          {})
    return model_dir, export_saved_model(str(model_dir), str(folder / "export"))


def test_ner_entities_are_substrings_and_follow_the_model(ner_export):
    from albert_tf.model_dir import load_model, load_tokenizer

    model_dir, saved = ner_export
    texts = ["EU rejects German call to boycott British lamb .",
             "Peter Blackburn met officials in Brussels on Monday.", "", "Zürich ,, 3.0, 1,000,"]
    out = tf.saved_model.load(saved).signatures["serving_default"](text=tf.constant(texts))
    model, tokenizer = load_model(model_dir), load_tokenizer(model_dir)
    labels = json.loads((model_dir / "task.json").read_text())["labels"]
    count = out["num_entities"].numpy()
    for k, text in enumerate(texts):
        for e in range(count[k]):
            start, end = int(out["entity_start"][k, e]), int(out["entity_end"][k, e])
            assert out["entity_text"][k, e].numpy().decode() == text[start:end]
            assert out["entity_type"][k, e].numpy().decode() in {l[2:] for l in labels if l != "O"}
        # Word-initial pieces carry exactly the Keras model's argmax tags.
        packed = tokenizer.pack([text], None, max_seq_length=64)
        logits = np.asarray(model(packed)["logits"])[0]
        n = int(packed["input_mask"].numpy().sum()) - 2
        pieces = [p.decode() for p in out["pieces"][k, :n].numpy()]
        tags = [t.decode() for t in out["piece_tags"][k, :n].numpy()]
        for j, piece in enumerate(pieces):
            if piece.startswith("\u2581") or j == 0:
                assert tags[j] == labels[int(logits[j + 1].argmax())]


def test_entity_spans_from_crafted_piece_tags(trained_spm_path):
    from albert_tf.tasks.ner.serving import entities
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    texts = ["Peter Blackburn met officials in Brussels on Monday.", "London, Paris and London"]
    ids, starts, ends = tokenizer.tokenize_with_offsets(tf.constant(texts))
    pieces = [tokenizer.id_to_piece(row) for row in ids.to_list()]
    wanted = [{"peter": "B-PER", "blackburn": "I-PER", "brussels": "B-LOC", "monday": "B-MISC"},
              {"london": "B-LOC", "paris": "B-LOC"}]
    names = []
    for row, tags in zip(pieces, wanted):
        out, current = [], "O"
        for piece in row:
            word = piece.lstrip("\u2581")
            if not any(c.isalnum() for c in word):
                out.append("O")  # punctuation pieces are words of their own
                current = "O"
                continue
            if piece.startswith("\u2581") or not out:
                current = next((t for w, t in tags.items() if w.startswith(word) and word), "O")
            elif current.startswith("B-"):
                current = "I-" + current[2:]
            out.append(current if piece.startswith("\u2581") or current == "O" or not out
                       else current)
        names.append(out)
    width = max(len(r) for r in names)
    tagged = {
        "names": tf.constant([r + [""] * (width - len(r)) for r in names]),
        "valid": tf.sequence_mask(ids.row_lengths(), width),
        "start_bytes": starts.to_tensor(0), "end_bytes": ends.to_tensor(0),
    }
    out = {k: v.numpy() for k, v in entities(tf.constant(texts), tagged).items()}
    got = [[(t.decode(), int(a), int(b), x.decode()) for t, a, b, x in zip(
        out["entity_type"][k][:n], out["entity_start"][k][:n], out["entity_end"][k][:n],
        out["entity_text"][k][:n])] for k, n in enumerate(out["num_entities"])]
    assert got[0] == [("PER", 0, 15, "Peter Blackburn"), ("LOC", 33, 41, "Brussels"),
                      ("MISC", 45, 51, "Monday")]
    assert got[1] == [("LOC", 0, 6, "London"), ("LOC", 8, 13, "Paris"), ("LOC", 18, 24, "London")]


@pytest.fixture(scope="module")
def squad_export(trained_spm_path, tmp_path_factory):
    from albert_tf.export.saved_model import export_saved_model

    folder = tmp_path_factory.mktemp("squad")
    data = json.load(open(data_path("squad", "dev-v2.0.sample-normans-rhine.json")))
    data["data"] = [{"title": a["title"], "paragraphs": a["paragraphs"][:4]} for a in data["data"]]
    (folder / "train.json").write_text(json.dumps(data))
    model_dir = _finetune("squad", folder, str(folder / "train.json"), None, trained_spm_path,
                          {"max_seq_length": 128},
                          dict(doc_stride=64, max_query_length=32))
    return model_dir, export_saved_model(str(model_dir), str(folder / "export")), data


def test_squad_answer_is_the_best_span_of_the_keras_logits(squad_export):
    from albert_tf.model_dir import load_model, load_tokenizer

    model_dir, saved, data = squad_export
    paragraph = data["data"][0]["paragraphs"][0]
    context = paragraph["context"]
    questions = [q["question"] for q in paragraph["qas"][:4]]
    out = tf.saved_model.load(saved).signatures["serving_default"](
        question=tf.constant(questions), context=tf.constant([context] * len(questions)))
    model, tokenizer = load_model(model_dir), load_tokenizer(model_dir)
    for k, question in enumerate(questions):
        answer = out["answer"][k].numpy().decode()
        start, end = int(out["start"][k]), int(out["end"][k])
        if answer:
            assert context[start:end] == answer
        q = tokenizer.tokenize([question])[:, :32]
        c = tokenizer.tokenize([context])
        room = 128 - 3 - int(q.row_lengths()[0])
        packed = tokenizer.pack(q, c[:, :room], max_seq_length=128)
        logits = model(packed)
        s = np.asarray(logits["start_logits"])[0]
        e = np.asarray(logits["end_logits"])[0]
        offset = int(q.row_lengths()[0]) + 2
        n = min(int(c.row_lengths()[0]), room)
        best = max((s[offset + i] + e[offset + j], i, j) for i in range(n)
                   for j in range(i, min(n, i + 30)))
        assert float(out["score"][k]) == pytest.approx(best[0], abs=1e-4)
        assert float(out["no_answer_score"][k]) == pytest.approx(s[0] + e[0], abs=1e-4)


FRESH = r"""
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401
path, inputs_file, out = sys.argv[1:4]
spec = json.load(open(inputs_file))
model = tf.saved_model.load(path)
ids = np.load(inputs_file + ".npz")
raw = model.signatures["serve_ids"](**{k: tf.constant(ids[k]) for k in ids.files})
answers = model.signatures["serving_default"](**{k: tf.constant(v) for k, v in spec.items()})
np.savez(out, **{"raw_" + k: v.numpy() for k, v in raw.items()},
         **{"ans_" + k: v.numpy() for k, v in answers.items()})
print(json.dumps({"albert_tf_imported": any(m.startswith("albert_tf") for m in sys.modules)}))
"""


def _fresh(saved, inputs, features, tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(inputs))
    np.savez(str(path) + ".npz", **features)
    result = subprocess.run([sys.executable, "-c", FRESH, saved, str(path), str(tmp_path / "o.npz")],
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"albert_tf_imported": False}
    return dict(np.load(tmp_path / "o.npz", allow_pickle=True))


ODD = ["", "word " * 2000, "caf\xe9 \U0001F600 ok"]


def test_ner_signatures_in_a_fresh_process(ner_export, tmp_path):
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info
    from albert_tf.tasks import ner

    model_dir, saved = ner_export
    info = read_task_info(str(model_dir))
    examples = ner.read_examples(data_path("conll2003", "eng.testa"), info)[:12]
    features, _, _ = ner.featurize(examples, load_tokenizer(str(model_dir)), info, training=False)
    features = {k: features[k] for k in ("input_ids", "input_mask", "segment_ids")}
    logits = np.asarray(load_model(str(model_dir))(features)["logits"])
    texts = [" ".join(e.words) for e in examples[:4]] + ODD
    got = _fresh(saved, {"text": texts}, features, tmp_path)
    assert np.abs(got["raw_logits"] - logits).max() <= 1e-5
    count = got["ans_num_entities"]
    assert count.shape == (len(texts),)
    for k, text in enumerate(texts):
        for e in range(count[k]):
            start, end = got["ans_entity_start"][k, e], got["ans_entity_end"][k, e]
            assert got["ans_entity_text"][k, e].decode() == text[start:end]


def test_squad_signatures_in_a_fresh_process(squad_export, tmp_path):
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info
    from albert_tf.tasks import squad

    model_dir, saved, data = squad_export
    info = read_task_info(str(model_dir))
    examples = squad.read_examples(data_path("squad", "dev-v2.0.sample-normans-rhine.json"), info)[:6]
    features, _, _ = squad.featurize(examples, load_tokenizer(str(model_dir)), info, training=False)
    features = {k: np.asarray(features[k])[:8] for k in ("input_ids", "input_mask", "segment_ids")}
    outputs = load_model(str(model_dir))(features)
    questions = [e.question for e in examples[:3]] + ["what?"] * len(ODD)
    contexts = [e.context for e in examples[:3]] + ODD
    got = _fresh(saved, {"question": questions, "context": contexts}, features, tmp_path)
    for key in ("start_logits", "end_logits"):
        real = features["input_mask"].astype(bool)
        assert np.abs(got["raw_" + key] - np.asarray(outputs[key]))[real].max() <= 1e-5
    for k, context in enumerate(contexts):
        answer = got["ans_answer"][k].decode()
        if answer:
            assert context[got["ans_start"][k]:got["ans_end"][k]] == answer
    assert np.all(np.isfinite(got["ans_score"]))


def test_squad_tflite_in_the_question_answerer_layout(squad_export, tmp_path):
    """SQuAD files take ``ids``/``mask``/``segment_ids`` of [1, max_seq_length] and give
    ``end_logits``, ``start_logits`` (the Task Library's BertQuestionAnswerer layout),
    with the tokenizer in the metadata (issue 20)."""
    from albert_tf.export import mobile
    from albert_tf.export.run import export
    from albert_tf.export.tflite import interpreter

    model_dir, _, _ = squad_export
    out = tmp_path / "squad_tflite"
    report = export(str(model_dir), str(out), variants=("float32", "dynamic_int8"),
                    data=str(model_dir.parent / "train.json"), examples=8, log=lambda *a: None)
    rows = {r["variant"]: r for r in report["tflite"]}
    assert rows["float32"]["max_abs_diff"] <= 1e-4  # both logits against Keras
    content = (out / "tflite" / "model.float32.tflite").read_bytes()
    runner = interpreter(content).get_signature_runner("serve_ids")
    assert sorted(runner.get_input_details()) == ["ids", "mask", "segment_ids"]
    assert all(list(d["shape_signature"]) == [1, 128]
               for d in runner.get_input_details().values())
    metadata = json.loads(mobile.read_metadata(content))
    graph = metadata["subgraph_metadata"][0]
    assert [t["name"] for t in graph["output_tensor_metadata"]] == ["end_logits", "start_logits"]
    assert graph["input_process_units"][0]["options_type"] == "SentencePieceTokenizerOptions"
    assert mobile.associated_files(content) == ["sentencepiece.model"]


def test_ner_tflite_keeps_the_any_length_layout(ner_export, tmp_path, capsys):
    """NER has no on-device task library: its files take input_ids / input_mask /
    segment_ids of any batch and length, and carry no metadata."""
    from albert_tf.cli import main
    from albert_tf.export.run import export
    from albert_tf.export.tflite import interpreter

    model_dir, _ = ner_export
    out = tmp_path / "ner_tflite"
    report = export(str(model_dir), str(out), variants=("float32",),
                    data=str(model_dir.parent / "train.txt"), examples=8, log=lambda *a: None)
    assert "on_device" not in report
    assert report["tflite"][0]["max_abs_diff"] <= 1e-4
    path = out / "tflite" / "model.float32.tflite"
    runner = interpreter(path.read_bytes()).get_signature_runner("serve_ids")
    assert sorted(runner.get_input_details()) == ["input_ids", "input_mask", "segment_ids"]
    assert all(list(d["shape_signature"]) == [-1, -1]
               for d in runner.get_input_details().values())
    assert main(["tflite-info", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "input_ids int32 [any, any]" in shown
    assert shown.rstrip().endswith("no metadata (MediaPipe and the Task Library cannot load it)")

"""Export of a fine-tuned classifier: every signature in a fresh process, REST bodies, TFLite."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import data_path

SENTENCES = None


def _dev_sentences(n=24):
    with open(data_path("sst2", "dev.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in list(f)[1:n + 1]]
    return [r[0].strip() for r in rows], [int(r[1]) for r in rows]


@pytest.fixture(scope="module")
def classifier_dir(trained_spm_path, tmp_path_factory):
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune

    folder = tmp_path_factory.mktemp("export")
    config = folder / "albert_config.json"
    config.write_text(json.dumps({
        "vocab_size": 8000, "embedding_size": 8, "hidden_size": 16, "num_hidden_layers": 3,
        "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 64}))
    settings = FinetuneSettings(
        task="classification", train=data_path("sst2", "train.tsv"),
        dev=data_path("sst2", "dev.tsv"), output_dir=str(folder / "model"),
        albert_config=str(config), vocab=trained_spm_path, epochs=1, batch_size=32,
        learning_rate=1e-3, max_seq_length=48, max_train_examples=256, verbose=0)
    args = task_options("classification")
    finetune(settings, args, print_fn=lambda *a: None)
    return folder / "model"


@pytest.fixture(scope="module")
def exported(classifier_dir, tmp_path_factory):
    from albert_tf.export.run import export

    out = tmp_path_factory.mktemp("out")
    report = export(str(classifier_dir), str(out),
                    variants=("float32", "float16", "dynamic_int8", "full_int8"),
                    with_tokenizer=True, examples=64, log=lambda *a: None)
    return out, report


def _keras(classifier_dir, texts):
    from albert_tf.model_dir import load_model, load_tokenizer
    from albert_tf.tasks.base import pack_texts

    model, tokenizer = load_model(classifier_dir), load_tokenizer(classifier_dir)
    features = pack_texts(tokenizer, texts, None, 48)
    return features, np.asarray(model(features)["logits"])


FRESH = r"""
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenizer ops)
path, texts_file, out = sys.argv[1:4]
texts = json.load(open(texts_file))
model = tf.saved_model.load(path)
default = model.signatures["serving_default"](text=tf.constant(texts))
ids = np.load(texts_file + ".npz")
serve_ids = model.signatures["serve_ids"](**{k: tf.constant(ids[k]) for k in ids.files})
examples = [tf.train.Example(features=tf.train.Features(feature={"text": tf.train.Feature(
    bytes_list=tf.train.BytesList(value=[t.encode()]))})).SerializeToString() for t in texts]
classify = model.signatures["serve_examples"](inputs=tf.constant(examples))
odd = model.signatures["serving_default"](text=tf.constant([b"", "word " * 2000, b"caf\xe9 \xff\xfe bad"]))
np.savez(out, probabilities=default["probabilities"].numpy(), label=default["label"].numpy(),
         label_name=default["label_name"].numpy().astype(str), logits=serve_ids["logits"].numpy(),
         scores=classify["scores"].numpy(), classes=classify["classes"].numpy().astype(str),
         odd=odd["probabilities"].numpy())
print(json.dumps({"albert_tf_imported": any(m.startswith("albert_tf") for m in sys.modules)}))
"""


def test_signatures_in_a_fresh_process_equal_keras(classifier_dir, exported, tmp_path):
    out, report = exported
    texts, _ = _dev_sentences()
    features, logits = _keras(classifier_dir, texts)
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(texts))
    np.savez(str(texts_file) + ".npz", **features)
    result = subprocess.run(
        [sys.executable, "-c", FRESH, report["saved_model"], str(texts_file), str(tmp_path / "o.npz")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
                                                          "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"albert_tf_imported": False}
    got = np.load(tmp_path / "o.npz")
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert np.abs(got["logits"] - logits).max() <= 1e-5
    assert np.abs(got["probabilities"] - probabilities).max() <= 1e-5
    assert np.abs(got["scores"] - probabilities).max() <= 1e-5
    assert got["label"].tolist() == logits.argmax(-1).tolist()
    assert got["label_name"].tolist() == [str(k) for k in logits.argmax(-1)]
    assert got["classes"].tolist() == [["0", "1"]] * len(texts)
    odd = got["odd"]
    assert odd.shape == (3, 2) and np.all(np.isfinite(odd)) and np.allclose(odd.sum(-1), 1, atol=1e-5)


def test_rest_bodies_map_onto_the_signatures(classifier_dir, exported):
    import tensorflow as tf

    from albert_tf.export.rest import rest_predict

    out, report = exported
    loaded = tf.saved_model.load(report["saved_model"])
    texts, _ = _dev_sentences(3)
    _, logits = _keras(classifier_dir, texts)
    rows = rest_predict(loaded, {"instances": [{"text": t} for t in texts]})["predictions"]
    assert [r["label"] for r in rows] == logits.argmax(-1).tolist()
    bare = rest_predict(loaded, {"signature_name": "serving_default", "instances": texts})
    assert bare == {"predictions": rows}
    columnar = rest_predict(loaded, {"inputs": {"text": texts}})["outputs"]
    assert columnar["label"] == [r["label"] for r in rows]
    assert np.allclose(columnar["probabilities"], [r["probabilities"] for r in rows])
    b64 = rest_predict(loaded, {"inputs": [{"b64": "Z3JlYXQ="}]})["outputs"]  # "great"
    assert len(b64["label"]) == 1
    # serve_ids has one output: TF Serving's columnar answer is the bare value (README)
    from albert_tf.model_dir import load_tokenizer
    from albert_tf.tasks.base import pack_texts

    features = pack_texts(load_tokenizer(classifier_dir), texts[:1], None, 16)
    ids = rest_predict(loaded, {"signature_name": "serve_ids",
                                "inputs": {k: v.tolist() for k, v in features.items()}})
    assert set(ids) == {"outputs"} and np.asarray(ids["outputs"]).shape == (1, 2)
    # :classify with serve_examples, as the README shows it
    from albert_tf.export.rest import rest_classify

    classified = rest_classify(loaded, {"signature_name": "serve_examples",
                                        "examples": [{"text": t} for t in texts]})
    for result, row in zip(classified["results"], rows):
        assert [c for c, _ in result] == ["0", "1"]
        assert np.allclose([s for _, s in result], row["probabilities"], atol=1e-6)
    assert "error" in rest_classify(loaded, {"signature_name": "serving_default",
                                             "examples": [{"text": "x"}]})


def test_malformed_rest_bodies_get_tf_servings_error_shape(exported):
    import tensorflow as tf

    from albert_tf.export.rest import rest_predict

    _, report = exported
    loaded = tf.saved_model.load(report["saved_model"])
    ids_spec = loaded.signatures["serve_ids"].structured_input_signature[1]
    length = ids_spec["input_ids"].shape[-1] or 8

    def ids(**change):
        row = {key: [1] * length for key in ids_spec}
        row.update(change)
        return {"signature_name": "serve_ids", "instances": [row]}

    bodies = [
        (["not", "an", "object"], "a JSON object"),
        ({"signature_name": "nope", "instances": ["x"]}, 'name: "nope" not found'),
        ({}, 'either "instances" or "inputs"'),
        ({"instances": ["x"], "inputs": ["x"]}, 'either "instances" or "inputs"'),
        ({"instances": []}, "non-empty list"),
        ({"instances": "great"}, "non-empty list"),
        ({"instances": [{"txt": "a"}]}, "missing input(s) text; unknown input(s) txt"),
        ({"instances": [{"text": "a"}, "b"]}, "not a mix"),
        ({"instances": [7]}, "input 'text' takes strings, got 7"),
        ({"inputs": {"b64": "@@@"}}, "not base64"),
        ({"inputs": [{"b64": 5}]}, "a string value is a JSON string or"),
        (ids(input_ids=[2.7] * length), "input 'input_ids' takes integers, got 2.7"),
        (ids(input_ids=[2 ** 40] * length), "does not fit int"),
        (ids(input_mask=[True] * length), "takes integers, got True"),
        (ids(input_ids=[-1] * length), "input_ids must be 0 or more"),
        (ids(input_ids=[10 ** 6] * length), "input_ids must be below vocab_size"),
        ({"signature_name": "serve_ids", "instances": [1, 2]}, "bare instances need"),
        ({"signature_name": "serve_ids", "inputs": {"input_ids": [[1, 2], [3]],
                                                   "input_mask": [[1]], "segment_ids": [[0]]}},
         "input 'input_ids'"),
    ]
    for body, fragment in bodies:
        answer = rest_predict(loaded, body)
        assert set(answer) == {"error"}, body
        assert fragment in answer["error"] and "\n" not in answer["error"], answer


def test_export_folder_contents_and_saved_model_cli(exported):
    out, report = exported
    version = report["saved_model"]
    assert os.path.basename(version) == "1"
    extra = os.path.join(version, "assets.extra")
    assert open(os.path.join(extra, "labels.txt")).read().split() == ["0", "1"]
    assert any(name.endswith(".model") for name in os.listdir(os.path.join(extra, "vocab")))
    readme = open(os.path.join(version, "README.md")).read()
    for name in ("serving_default", "serve_ids", "serve_examples"):
        assert f"`{name}`" in readme
    assert "import `tensorflow_text` before\nloading" in readme
    page = open(os.path.join(out, "export_report.md"), encoding="utf-8").read()
    assert "Also `tflite/model_text.float32.tflite` (" in page  # the raw-text TFLite file
    assert "carries MediaPipe metadata (" in page
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--dir", version, "--all"], capture_output=True,
                           text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "signature_def['serve_examples']" in shown.stdout
    assert "tensorflow/serving/classify" in shown.stdout
    assert "signature_def['serve_ids']" in shown.stdout


def test_tflite_variants_agree_and_shrink(exported, classifier_dir):
    out, report = exported
    rows = {r["variant"]: r for r in report["tflite"]}
    assert rows["float32"]["max_abs_diff"] <= 1e-4
    # int8 weights: a quarter of the float32 bytes plus the flatbuffer's fixed overhead,
    # which dominates this tiny model (the demo-size classifier reaches 27%; BENCHMARKS.md).
    # The packed tokenizer and labels (metadata_bytes) are the same in every variant.
    size = {k: r["bytes"] - r["metadata_bytes"] for k, r in rows.items()}
    packed = [r["metadata_bytes"] for r in rows.values()]
    assert max(packed) - min(packed) <= 4096 and min(packed) > 0  # alignment differs
    assert size["dynamic_int8"] <= 0.5 * size["float32"]
    assert size["float16"] <= 0.6 * size["float32"]
    assert rows["dynamic_int8"]["argmax_agreement"] >= 0.95
    # full_int8: int8 dense layers and embedding lookup, other ops float (tflite.py);
    # an all-int8 graph agreed on 0.56 of SST-2 dev (bench/int8_layers.py).
    assert rows["full_int8"]["argmax_agreement"] >= 0.95
    assert size["full_int8"] <= 0.5 * size["float32"]
    assert os.path.exists(out / "export_report.md") and os.path.exists(out / "export_report.json")
    # The tokenizer variant takes raw text and gives the Keras logits.
    from albert_tf.export.tflite import interpreter

    texts, _ = _dev_sentences(4)
    _, logits = _keras(classifier_dir, texts)
    runner = interpreter((out / "tflite" / "model_text.float32.tflite").read_bytes()).get_signature_runner("serve_text")
    got = np.concatenate([runner(text=np.array([t]))["logits"] for t in texts])
    assert np.abs(got - logits).max() <= 1e-4


def _raw_style(texts):
    """SST-2's lowercase lines, and the same lines as a user types them: capitals,
    accents, curly quotes (ALBERT lowercases and strips accents before SentencePiece)."""
    typed = [t[:1].upper() + t[1:].replace(" film", " FILM").replace(" cafe", " café")
             .replace(" naive", " naïve").replace(" 's", "'s") for t in texts]
    return texts + typed + ["Ångström's Café: a NAÏVE, ``witty'' film", "ΣΊΣΥΦΟΣ  is   here"]


def test_mediapipe_text_classifier_runs_every_variant(exported, classifier_dir, tmp_path):
    """Each TFLite file loads in MediaPipe's TextClassifier from its metadata alone and
    gives albert-tf's answers on raw text (issue 20)."""
    from albert_tf.export import mobile
    from albert_tf.export.mediapipe_client import in_subprocess

    out, report = exported
    texts, _ = _dev_sentences(100)
    texts = _raw_style(texts)
    features, logits = _keras(classifier_dir, texts)
    keras_p = np.exp(logits - logits.max(-1, keepdims=True))
    keras_p /= keras_p.sum(-1, keepdims=True)
    files = {r["variant"]: str(out / r["file"]) for r in report["tflite"]}
    assert sorted(files) == ["dynamic_int8", "float16", "float32", "full_int8"]
    scores = in_subprocess(files.values(), texts)
    for variant, path in files.items():
        agree = np.mean(scores[path].argmax(-1) == keras_p.argmax(-1))
        assert agree >= 0.99, (variant, agree)
    assert np.abs(scores[files["float32"]] - keras_p).max() <= 1e-4
    # The same file in LiteRT on albert-tf's ids: equal to float rounding, so MediaPipe's
    # tokenizer gave the same ids on every line.
    from albert_tf.export.tflite import interpreter, run_ids

    lite = run_ids(interpreter(open(files["float32"], "rb").read()), features)["probabilities"]
    assert np.abs(scores[files["float32"]] - lite).max() <= 1e-6
    # What the file carries: the fused SentencePiece model, the labels, the input roles.
    content = open(files["dynamic_int8"], "rb").read()
    assert sorted(mobile.associated_files(content)) == ["labels.txt", "sentencepiece.model"]
    metadata = json.loads(mobile.read_metadata(content))
    graph = metadata["subgraph_metadata"][0]
    assert sorted(t["name"] for t in graph["input_tensor_metadata"]) == ["ids", "mask",
                                                                          "segment_ids"]
    unit = graph["input_process_units"][0]
    assert unit["options_type"] == "SentencePieceTokenizerOptions"
    # The packed model does ALBERT's preprocessing itself: raw text in, albert-tf's ids out.
    import sentencepiece as spm

    from albert_tf.model_dir import load_tokenizer

    kind, path = mobile.device_vocabulary(classifier_dir, str(tmp_path))
    device = spm.SentencePieceProcessor(model_file=path)
    reference = load_tokenizer(classifier_dir).reference()
    assert kind == "sentencepiece"
    assert device.encode(texts[100:]) == reference.encode_ids(texts[100:])


def test_a_pair_classifier_gets_no_text_classifier_metadata(exported, classifier_dir,
                                                            tmp_path):
    """MediaPipe's TextClassifier feeds one text; a pair model's file names its tokenizer
    and inputs, and its output as plain probabilities."""
    from albert_tf.export import mobile, tflite
    from albert_tf.model_dir import read_task_info

    out, _ = exported
    content = tflite.convert(mobile.fixed_saved_model(str(classifier_dir), 48, str(tmp_path)),
                             "float32")
    info = {**read_task_info(classifier_dir), "has_pair": True}
    paired, text = mobile.with_metadata(content, str(classifier_dir), info)
    metadata = json.loads(text)
    assert metadata["name"] == "albert_tf_pair_classifier"
    graph = metadata["subgraph_metadata"][0]
    assert [t["name"] for t in graph["output_tensor_metadata"]] == ["probabilities"]
    assert graph["input_process_units"][0]["options_type"] == "SentencePieceTokenizerOptions"
    assert mobile.associated_files(paired) == ["sentencepiece.model"]
    single = (out / "tflite" / "model.float32.tflite").read_bytes()
    assert json.loads(mobile.read_metadata(single))["name"] == "TextClassifier"


def test_on_device_layout_of_the_tflite_files(exported):
    from albert_tf.export.tflite import interpreter

    out, report = exported
    assert report["on_device"] == {"inputs": ["ids", "mask", "segment_ids"], "length": 48}
    runner = interpreter((out / "tflite" / "model.float32.tflite").read_bytes()
                         ).get_signature_runner("serve_ids")
    inputs = runner.get_input_details()
    assert sorted(inputs) == ["ids", "mask", "segment_ids"]
    assert all(list(d["shape_signature"]) == [1, 48] for d in inputs.values())
    assert list(runner.get_output_details()) == ["probabilities"]


STOCK = r"""
import json, sys
import numpy as np
import tensorflow as tf
ids_path, full_path, features_file, out = sys.argv[1:5]
model = tf.saved_model.load(ids_path)  # no tensorflow_text imported
ids = np.load(features_file)
serve_ids = model.signatures["serve_ids"](**{k: tf.constant(ids[k]) for k in ids.files})
examples = [tf.train.Example(features=tf.train.Features(feature={
    k: tf.train.Feature(int64_list=tf.train.Int64List(value=ids[k][row].tolist()))
    for k in ids.files})).SerializeToString() for row in range(len(ids["input_ids"]))]
classify = model.signatures["serve_examples"](inputs=tf.constant(examples))
try:
    tf.saved_model.load(full_path)
    full = "loaded"
except Exception as e:
    full = str(e).splitlines()[0]
np.savez(out, logits=serve_ids["logits"].numpy(), scores=classify["scores"].numpy())
print(json.dumps({"signatures": sorted(model.signatures), "full": full,
                  "tensorflow_text": "tensorflow_text" in sys.modules}))
"""


def test_ids_only_export_loads_in_stock_tensorflow(classifier_dir, exported, tmp_path):
    from albert_tf.export.run import export

    report = export(str(classifier_dir), str(tmp_path / "ids"), formats=("saved_model",),
                    signatures="ids", log=lambda *a: None)
    texts, _ = _dev_sentences(8)
    features, logits = _keras(classifier_dir, texts)
    np.savez(tmp_path / "f.npz", **features)
    result = subprocess.run(
        [sys.executable, "-c", STOCK, report["saved_model"], exported[1]["saved_model"],
         str(tmp_path / "f.npz"), str(tmp_path / "o.npz")],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["signatures"] == ["serve_examples", "serve_ids"]
    assert facts["tensorflow_text"] is False
    # The default export needs tensorflow-text, as its README and the export log say: the
    # loader names the first text op it meets (FastSentencepieceTokenize, SentencepieceOp).
    assert "Op type not registered" in facts["full"], facts["full"]
    assert "TFText" in facts["full"] or "Sentencepiece" in facts["full"], facts["full"]
    got = np.load(tmp_path / "o.npz")
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert np.abs(got["logits"] - logits).max() <= 1e-5
    assert np.abs(got["scores"] - probabilities).max() <= 1e-5
    readme = open(os.path.join(report["saved_model"], "README.md"), encoding="utf-8").read()
    assert "stock\nTensorFlow loads it" in readme or "stock TensorFlow loads it" in readme


def test_with_tokenizer_and_ids_only_is_one_line(classifier_dir, tmp_path, capsys):
    from albert_tf.cli import main

    code = main(["export", "--model-dir", str(classifier_dir), "--output", str(tmp_path / "x"),
                 "--signatures", "ids", "--with-tokenizer"])
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and line.endswith("--with-tokenizer needs the text signatures: drop "
                                       "--signatures ids")
    assert not (tmp_path / "x").exists()

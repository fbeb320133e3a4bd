"""On-device files of a Chinese classifier: WordPiece through MediaPipe's BertTokenizer
metadata, checked with MediaPipe's own TextClassifier on ChnSentiCorp reviews (issue 20)."""

import json

import numpy as np
import pytest

from conftest import data_path


def _reviews(name, n):
    with open(data_path("chnsenticorp", name), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in list(f)[1:n + 1]]
    return [r[2] for r in rows]


@pytest.fixture(scope="module")
def zh_export(tmp_path_factory):
    from albert_tf.export.run import export
    from albert_tf.tasks.base import task_options
    from albert_tf.tasks.finetuning import FinetuneSettings, finetune

    folder = tmp_path_factory.mktemp("zh")
    config = folder / "albert_config.json"
    config.write_text(json.dumps({
        "vocab_size": 21128, "embedding_size": 12, "hidden_size": 20, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 28, "max_position_embeddings": 96}))
    settings = FinetuneSettings(
        task="classification", train=data_path("chnsenticorp", "train.tsv"),
        dev=data_path("chnsenticorp", "dev.tsv"), output_dir=str(folder / "model"),
        albert_config=str(config),
        vocab=data_path("vocab", "chinese_wordpiece_21128", "vocab.txt"), epochs=1,
        batch_size=32, learning_rate=2e-3, max_seq_length=64, max_train_examples=512,
        verbose=0)
    finetune(settings, task_options("classification"), print_fn=lambda *a: None)
    out = folder / "export"
    report = export(str(folder / "model"), str(out), examples=48, log=lambda *a: None,
                    variants=("float32", "float16", "dynamic_int8", "full_int8"))
    return folder / "model", out, report


def test_mediapipe_classifies_chinese_reviews_like_albert_tf(zh_export, tmp_path):
    from albert_tf.export import mobile
    from albert_tf.export.mediapipe_client import in_subprocess
    from albert_tf.export.tflite import interpreter, run_ids
    from albert_tf.model_dir import load_model, load_tokenizer
    from albert_tf.tasks.base import pack_texts

    model_dir, out, report = zh_export
    texts = _reviews("dev.tsv", 100)
    # Mixed script as users type it: Latin words in capitals, full-width letters.
    texts += ["這部iPhone的WiFi信號很差，APP也常常閃退", "酒店服務ＶＥＲＹ好，早餐ＯＫ",
              "Nokia手機電池耐用,性價比高!"]
    model, tokenizer = load_model(model_dir), load_tokenizer(model_dir)
    features = pack_texts(tokenizer, texts, None, 64)
    logits = np.asarray(model(features)["logits"])
    keras_p = np.exp(logits - logits.max(-1, keepdims=True))
    keras_p /= keras_p.sum(-1, keepdims=True)
    files = {r["variant"]: str(out / r["file"]) for r in report["tflite"]}
    scores = in_subprocess(files.values(), texts)
    for variant, path in files.items():
        agree = np.mean(scores[path].argmax(-1) == keras_p.argmax(-1))
        assert agree >= 0.99, (variant, agree)
    assert np.abs(scores[files["float32"]] - keras_p).max() <= 1e-4
    # The same file in LiteRT on albert-tf's ids: equal to float rounding, so MediaPipe's
    # tokenizer gave the same ids (a tiny model moves by ~1e-5 when a word turns [UNK]).
    content = open(files["float32"], "rb").read()
    lite = interpreter(content)
    same = np.abs(scores[files["float32"]] - run_ids(lite, features)["probabilities"]) <= 1e-6
    assert same.all(-1)[:-2].all() and same.all(-1)[-1]
    # MediaPipe's BertTokenizer lowercases ASCII only: full-width capitals stay capitals
    # (here [UNK]), where BERT's tokenizer lowercases them. The device gives what
    # albert-tf gives with do_lower_case=False on that line (README, "In an Android app").
    from albert_tf.tokenization.tokenizer import AlbertTokenizer

    cased = AlbertTokenizer.from_vocab(tokenizer.vocab_path, do_lower_case=False)
    line = pack_texts(cased, texts[-2:-1], None, 64)
    assert np.abs(scores[files["float32"]][-2] - run_ids(lite, line)["probabilities"][0]).max() <= 1e-6
    assert sorted(mobile.associated_files(content)) == ["labels.txt", "vocab.txt"]
    unit = json.loads(mobile.read_metadata(content))["subgraph_metadata"][0][
        "input_process_units"][0]
    assert unit["options_type"] == "BertTokenizerOptions"

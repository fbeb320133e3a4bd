"""``albert_tf.TokenClassifier``: word lists and tags in, entities of raw text out (issue 19)."""

import json
import os

import numpy as np
import pytest

from albert_tf import AlbertTfError, TokenClassifier, load_model
from albert_tf.cli import main
from conftest import DATA, REPO


def _sentences(path, count, skip_docstart=True):
    """``(words, tags)`` of the first ``count`` sentences of a CoNLL-style file."""
    words, tags, out = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                if words:
                    out.append((words, tags))
                    words, tags = [], []
                if len(out) == count:
                    break
                continue
            if skip_docstart and fields[0] == "-DOCSTART-":
                continue
            words.append(fields[0])
            tags.append(fields[-1])
    return [w for w, _ in out], [t for _, t in out]


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The English starter fine-tuned on 800 CoNLL-2003 sentences (IOB1 tags, as given)."""
    words, tags = _sentences(os.path.join(DATA, "conll2003", "eng.train"), 800)
    tagger = TokenClassifier.from_preset(os.path.join(REPO, "saved_models", "albert_starter_en"),
                                         max_seq_length=64)
    history = tagger.fit(words, tags, epochs=3, batch_size=32, verbose=0)
    folder = tmp_path_factory.mktemp("token_classifier") / "conll"
    tagger.save(folder)
    return tagger, history, folder


TEXTS = ["EU rejects German call to boycott British lamb.",
         "Peter Blackburn spoke in Brussels on Thursday."]


def test_fit_on_word_lists_and_iob1_tags_without_compile(english):
    tagger, history, _ = english
    losses = history.history["loss"]
    assert losses[2] < losses[1] < losses[0]
    assert tagger.labels[0] == "O" and set(tagger.labels[1:]) == {
        f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BI"}  # IOB1 became BIO


def test_entities_slice_the_raw_text_exactly(english):
    tagger, _, _ = english
    found = tagger.predict(TEXTS)
    assert len(found) == 2 and any(found)  # it finds something after 800 sentences
    for text, entities in zip(TEXTS, found):
        for entity in entities:
            assert text[entity["start"]:entity["end"]] == entity["text"]
            assert entity["label"] in {"LOC", "MISC", "ORG", "PER"}
            assert 0 < entity["score"] <= 1


def test_save_load_and_the_cli_agree(english, capsys):
    tagger, _, folder = english
    words, _ = _sentences(os.path.join(DATA, "conll2003", "eng.testa"), 8)
    examples = tagger.examples(words)
    from albert_tf.tasks import ner

    features = ner._rows(examples, tagger.tokenizer, tagger.info, False)[0]
    want = np.asarray(tagger.network(features)["logits"])
    assert np.abs(np.asarray(load_model(folder)(features)["logits"]) - want).max() <= 1e-5
    again = TokenClassifier.from_preset(folder)
    assert again.predict(TEXTS) == tagger.predict(TEXTS)
    capsys.readouterr()
    assert main(["predict", "ner", "--model-dir", str(folder),
                 *[a for text in TEXTS for a in ("--text", text)]]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    cli = [[(e["type"], e["start"], e["end"]) for e in row["entities"]] for row in rows]
    api = [[(e["label"], e["start"], e["end"]) for e in found] for found in tagger.predict(TEXTS)]
    assert cli == api


def test_chinese_text_without_spaces(tmp_path):
    words, tags = _sentences(os.path.join(DATA, "chinese_ner_peoples_daily", "example.dev"), 120)
    tagger = TokenClassifier.from_preset(os.path.join(REPO, "saved_models", "albert_starter_zh"),
                                         max_seq_length=64)
    tagger.fit(words, tags, epochs=1, batch_size=32, verbose=0)
    text = "".join(words[0])  # a real sentence, its characters joined without spaces
    (entities,) = tagger.predict([text])
    for entity in entities:
        assert text[entity["start"]:entity["end"]] == entity["text"]
    with pytest.raises(AlbertTfError, match="sentence 1: 2 words but 1 tags"):
        tagger.fit([["a", "b"]], [["O"]], verbose=0)

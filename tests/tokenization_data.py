"""The real text the tokenization tests run on, line by line (see ../shared/data/MANIFEST.md)."""

import json

from conftest import data_path

SPM_DE = ("vocab", "nonofficial_albert_format_spm_de", "30k-clean.model")
WORDPIECE_ZH = ("vocab", "chinese_wordpiece_21128", "vocab.txt")


def _read_lines(*parts):
    """Every line of a file without its "\\n" (a CRLF file keeps its "\\r", which is whitespace)."""
    with open(data_path(*parts), encoding="utf-8", newline="") as f:
        return [line[:-1] if line.endswith("\n") else line for line in f]


def english_sets():
    """``{name: [text, ...]}``: SST-2 dev sentences, SQuAD questions and contexts, WikiText."""
    sst2 = [line.split("\t")[0] for line in _read_lines("sst2", "dev.tsv")[1:]]
    with open(data_path("squad", "dev-v2.0.sample-normans-rhine.json"), encoding="utf-8") as f:
        squad = json.load(f)
    paragraphs = [p for article in squad["data"] for p in article["paragraphs"]]
    return {
        "sst2/dev.tsv sentences": sst2,
        "squad dev-v2.0 sample questions": [q["question"] for p in paragraphs for q in p["qas"]],
        "squad dev-v2.0 sample contexts": [p["context"] for p in paragraphs],
        "wikitext-2-raw.wiki.test.raw lines": _read_lines(
            "pretrain_en", "wikitext-2-raw.wiki.test.raw"),
    }


def chinese_sets():
    """``{name: [text, ...]}``: ChnSentiCorp dev texts, People's Daily lines and sentences."""
    senti = [line.split("\t", 2)[2] for line in _read_lines("chnsenticorp", "dev.tsv")[1:]]
    ner = _read_lines("chinese_ner_peoples_daily", "example.dev")
    sentences, current = [], []
    for line in ner:
        if line.strip():
            current.append(line.split(" ")[0])
        elif current:
            sentences.append("".join(current))
            current = []
    if current:
        sentences.append("".join(current))
    return {
        "chnsenticorp/dev.tsv texts": senti,
        "chinese_ner_peoples_daily/example.dev lines": ner,
        "chinese_ner_peoples_daily/example.dev sentences": sentences,
    }

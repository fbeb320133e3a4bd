"""In-graph tokenization gives exactly the ids of the original ALBERT tokenization.

The reference is the plain-Python port of google-research/albert ``tokenization.py``
(``albert_tf.tokenization.reference``: ``preprocess_text`` + ``encode_ids`` on the
``sentencepiece`` library; BERT BasicTokenizer + WordPiece). Every line of every file is
compared; the counts are asserted so the docs can quote them.
"""

import os
import random
import unicodedata

import pytest

from conftest import data_path
from tokenization_data import SPM_DE, WORDPIECE_ZH, chinese_sets, english_sets

ENGLISH_COUNTS = {
    "sst2/dev.tsv sentences": 872,
    "squad dev-v2.0 sample questions": 706,
    "squad dev-v2.0 sample contexts": 83,
    "wikitext-2-raw.wiki.test.raw lines": 2891,
}
CHINESE_COUNTS = {
    "chnsenticorp/dev.tsv texts": 1200,
    "chinese_ner_peoples_daily/example.dev lines": 112188,
    "chinese_ner_peoples_daily/example.dev sentences": 2318,
}


@pytest.fixture(scope="session")
def spm_de():
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_vocab(data_path(*SPM_DE))


@pytest.fixture(scope="session")
def wordpiece_zh():
    from albert_tf.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_vocab(data_path(*WORDPIECE_ZH))


def _compare(tokenizer, sets, expected_counts):
    """Asserts identical ids on every line; returns ``{name: lines}``."""
    assert {name: len(lines) for name, lines in sets.items()} == expected_counts
    reference = tokenizer.reference()
    for name, lines in sets.items():
        # The literal original: pieces (with the digit-comma rule), then PieceToId.
        expected = [reference.pieces_to_ids(p) for p in reference.encode_pieces(lines)]
        assert reference.encode_ids(lines) == expected  # the fast Python route too
        got = tokenizer.tokenize(lines).to_list()
        bad = [i for i in range(len(lines)) if got[i] != expected[i]]
        assert not bad, (f"{name}: {len(bad)} of {len(lines)} lines differ, first line "
                         f"{bad[0] + 1}: {lines[bad[0]][:80]!r}")
        assert sum(map(len, got)) > len(lines)  # real tokens, not empty rows
    print({name: len(lines) for name, lines in sets.items()})


def test_sentencepiece_real_albert_format_model_every_line(spm_de):
    _compare(spm_de, english_sets(), ENGLISH_COUNTS)


def test_sentencepiece_real_model_cased_and_accents_kept_every_line():
    # The German model was trained cased: exercise do_lower_case=False, keep_accents=True.
    from albert_tf.tokenization import AlbertTokenizer

    cased = AlbertTokenizer.from_vocab(data_path(*SPM_DE), do_lower_case=False,
                                       keep_accents=True)
    _compare(cased, english_sets(), ENGLISH_COUNTS)


def test_sentencepiece_train_vocab_model_every_line(trained_spm_path):
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_vocab(trained_spm_path)
    assert tokenizer.vocab_size == 8000
    _compare(tokenizer, english_sets(), ENGLISH_COUNTS)


def test_wordpiece_chinese_vocab_every_line(wordpiece_zh):
    _compare(wordpiece_zh, chinese_sets(), CHINESE_COUNTS)


def test_wordpiece_chinese_vocab_without_lowercasing_every_line():
    from albert_tf.tokenization import AlbertTokenizer

    cased = AlbertTokenizer.from_vocab(data_path(*WORDPIECE_ZH), do_lower_case=False)
    sets = chinese_sets()
    sets["sst2/dev.tsv sentences"] = english_sets()["sst2/dev.tsv sentences"]
    _compare(cased, sets, {**CHINESE_COUNTS, "sst2/dev.tsv sentences": 872})


CASES = [
    "ALBERT Was Released In 2019, In Zürich",
    "Crème brûlée, naïve café; Ångström ½ ﬁ Ａ",
    "pi is 3.0, not 3.14, and 1,000, 2,500,000, or 10,",
    "``quoted'' text ``here''  \t with\u00a0odd\u3000spaces ",
    "İstanbul ǅemal straße ΆΈΉ",
]


@pytest.mark.parametrize("case", CASES)
def test_cased_accents_digit_comma_match_reference(spm_de, wordpiece_zh, case):
    for tokenizer in (spm_de, wordpiece_zh):
        expected = tokenizer.reference().encode_ids(case)
        assert tokenizer.tokenize(case).numpy().tolist() == expected


def test_the_rules_do_what_the_original_does(spm_de):
    pieces = spm_de.reference().encode_pieces
    ids = lambda text: spm_de.tokenize(text).numpy().tolist()  # noqa: E731
    # Lowercasing and accent removal happen before SentencePiece, even with a cased model.
    assert ids("ALBERT Was Released In 2019, In Zürich") == ids(
        "albert was released in 2019, in zurich")
    # The digit-comma rule: "1,000," is never one piece ending in a comma.
    for text in ("3.0,", "1,000,", "2019,"):
        split = pieces(text)
        assert split[-1] == "," and all(not (len(p) > 1 and p.endswith(",")) for p in split)
        assert ids(text) == [spm_de.piece_to_id(p) for p in split]
    # The original leaves LaTeX quotes alone (Hugging Face's rule is an option).
    assert pieces("``a''") != pieces('"a"')


def test_fuzz_random_unicode_wordpiece_exact(wordpiece_zh):
    texts = _random_texts(seed=1, count=5000)
    assert wordpiece_zh.tokenize(texts).to_list() == wordpiece_zh.reference().encode_ids(texts)


def test_fuzz_random_unicode_sentencepiece_exact_without_capital_sigma(spm_de):
    # A capital sigma at the end of a word is the one documented difference (see next test).
    texts = [t.replace("\u03a3", "").replace("\u03f9", "") for t in _random_texts(2, 5000)]
    assert spm_de.tokenize(texts).to_list() == spm_de.reference().encode_ids(texts)


def test_documented_difference_final_sigma(spm_de):
    # Python's str.lower() writes a word-final capital sigma as "ς"; the in-graph table is
    # per character and writes "σ" (docs/TOKENIZATION.md). This test pins what is true.
    assert "ΟΔΟΣ".lower() == "οδος"
    got = spm_de.id_to_piece(spm_de.tokenize("ΟΔΟΣ").numpy().tolist())
    assert "".join(got).replace("\u2581", "") == "οδοσ"
    assert spm_de.tokenize("ΟΔΟΣ").numpy().tolist() == spm_de.reference().encode_ids("ΟΔΟσ")


def _random_texts(seed, count):
    rng = random.Random(seed)
    pool = [chr(c) for c in range(0x1, 0x3100) if unicodedata.category(chr(c)) != "Cs"]
    pool += list(" \t`'\",.0123456789abcXYZ中文，。") * 20
    pool += ["\u3000", "\u2028", "\x1c", "\u200b", "\ufeff", "\u00a0", "\ufffd", "\x00",
             "\U0001f600", "\U0001d400", "\U00011b00", "\u1b4f", "가", "ᄀ", "ᅡ"]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 14))) for _ in range(count)]


def test_quote_rule_is_off_by_default_and_exact_when_on(spm_de, tmp_path):
    """The original ALBERT keeps `` and ''; Hugging Face's rule (``"``) is an option that is
    exact in-graph too, and a model directory stores it (issue 21, part 8)."""
    from albert_tf.tokenization import AlbertTokenizer, assets

    hf_rule = AlbertTokenizer.from_vocab(data_path(*SPM_DE), normalize_quotes=True)
    _compare(hf_rule, english_sets(), ENGLISH_COUNTS)
    dev = english_sets()["sst2/dev.tsv sentences"]
    official, hf = spm_de.tokenize(dev).to_list(), hf_rule.tokenize(dev).to_list()
    differ = [line for line, a, b in zip(dev, official, hf) if a != b]
    assert 10 <= len(differ) <= 15 and all("``" in line or "''" in line for line in differ)
    quote = spm_de.reference().processor.encode('"')[-1]
    assert quote in hf_rule.tokenize(["`` elling ''"]).to_list()[0]
    assert quote not in spm_de.tokenize(["`` elling ''"]).to_list()[0]
    # Saved, read back; a format-1 directory (written when the rule was always on) keeps it.
    hf_rule.save_assets(tmp_path / "hf")
    assert AlbertTokenizer.from_model_dir(tmp_path / "hf").normalize_quotes
    spm_de.save_assets(tmp_path / "official")
    path = tmp_path / "official" / "vocab" / "tokenizer.json"
    assert '"normalize_quotes": false' in path.read_text()
    assert not AlbertTokenizer.from_model_dir(tmp_path / "official").normalize_quotes
    old = path.read_text().replace(assets.FORMAT, "albert-tf-tokenizer/1")
    path.write_text(old.replace('  "normalize_quotes": false,\n', ""))
    assert AlbertTokenizer.from_model_dir(tmp_path / "official").normalize_quotes

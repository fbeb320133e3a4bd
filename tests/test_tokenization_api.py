"""AlbertTokenizer's interface: special ids, packing, detokenize, offsets, assets, SavedModel."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from albert_tf.errors import AlbertTfError
from conftest import REPO, data_path, tiny_config
from tokenization_data import SPM_DE, WORDPIECE_ZH


@pytest.fixture(scope="module")
def spm():
    from albert_tf import AlbertTokenizer

    return AlbertTokenizer.from_vocab(data_path(*SPM_DE))


@pytest.fixture(scope="module")
def wordpiece():
    from albert_tf import AlbertTokenizer

    return AlbertTokenizer.from_vocab(data_path(*WORDPIECE_ZH))


def test_special_tokens_come_from_the_vocabulary(spm, wordpiece):
    assert spm.kind == "sentencepiece" and wordpiece.kind == "wordpiece"
    assert (spm.pad_id, spm.unk_id, spm.cls_id, spm.sep_id, spm.mask_id) == (0, 1, 2, 3, 4)
    assert (wordpiece.pad_id, wordpiece.unk_id, wordpiece.cls_id, wordpiece.sep_id,
            wordpiece.mask_id) == (0, 100, 101, 102, 103)
    assert spm.vocab_size == 30000 and wordpiece.vocab_size == 21128
    assert spm.id_to_piece([2, 3, 4]) == ["[CLS]", "[SEP]", "[MASK]"]
    assert wordpiece.piece_to_id(["[CLS]", "中", "no-such-piece"]) == [101, 704, 100]
    assert spm.do_lower_case and not spm.keep_accents


def test_kind_errors_are_one_line(tmp_path):
    from albert_tf import AlbertTokenizer

    bad = tmp_path / "vocab.txt"
    bad.write_text("[PAD]\n[UNK]\n[CLS]\nhello\n")
    cases = [
        (lambda: AlbertTokenizer.from_vocab(tmp_path / "missing.model"), "no such vocabulary"),
        (lambda: AlbertTokenizer.from_vocab(tmp_path / "x.bin"), "cannot tell the tokenizer kind"),
        (lambda: AlbertTokenizer.from_vocab(bad), "lacks the special token(s) [SEP] [MASK]"),
        (lambda: AlbertTokenizer.from_vocab(bad, kind="sentencepiece"), "not a SentencePiece"),
        (lambda: AlbertTokenizer.from_vocab(data_path(*WORDPIECE_ZH), keep_accents=True),
         "keep_accents applies to SentencePiece"),
        (lambda: AlbertTokenizer.from_vocab(bad, kind="bpe"), "unknown tokenizer kind"),
    ]
    for make, message in cases:
        with pytest.raises(AlbertTfError) as error:
            make()
        assert message in str(error.value) and "\n" not in str(error.value)


def _truncate_like_the_original(len_a, len_b, budget):
    while len_a + len_b > budget:
        if len_a > len_b:
            len_a -= 1
        else:
            len_b -= 1
    return len_a, len_b


def test_truncation_closed_form_equals_the_original_loop():
    from albert_tf.tokenization.packing import truncated_lengths

    grid = np.array([(a, b, t) for a in range(13) for b in range(13) for t in range(13)])
    keep_a, keep_b = truncated_lengths(tf.constant(grid[:, 0]), tf.constant(grid[:, 1]),
                                       tf.constant(grid[:, 2]))
    expected = np.array([_truncate_like_the_original(*row) for row in grid])
    np.testing.assert_array_equal(np.stack([keep_a, keep_b], 1), expected)


def test_pack_pairs_and_singles(spm):
    a = tf.ragged.constant([[11, 12, 13, 14, 15, 16], [21], []], tf.int32)
    b = tf.ragged.constant([[31, 32], [41, 42, 43, 44, 45, 46, 47], [51]], tf.int32)
    out = {k: v.numpy().tolist() for k, v in spm.pack(a, b, max_seq_length=8).items()}
    assert out["input_ids"] == [[2, 11, 12, 13, 3, 31, 32, 3],      # a trimmed to 3
                                [2, 21, 3, 41, 42, 43, 44, 3],      # b trimmed to 4
                                [2, 3, 51, 3, 0, 0, 0, 0]]
    assert out["segment_ids"] == [[0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1],
                                  [0, 0, 1, 1, 0, 0, 0, 0]]
    assert out["input_mask"] == [[1] * 8, [1] * 8, [1, 1, 1, 1, 0, 0, 0, 0]]
    assert spm.pack([[11, 12, 13, 14, 15, 16], [21], []], [[31, 32], [41, 42, 43, 44, 45, 46, 47],
                    [51]], max_seq_length=8)["input_ids"].numpy().tolist() == out["input_ids"]
    single = spm.pack(a, max_seq_length=5)
    assert single["input_ids"].numpy().tolist() == [[2, 11, 12, 13, 3], [2, 21, 3, 0, 0],
                                                    [2, 3, 0, 0, 0]]
    assert not single["segment_ids"].numpy().any()
    assert single["input_ids"].dtype == tf.int32


def test_pack_takes_text(spm, wordpiece):
    for tok in (spm, wordpiece):
        text_a = ["The Normans were in Normandy.", "短句"]
        text_b = ["Who?", "一个更长一些的句子"]
        packed = tok.pack(text_a, text_b, max_seq_length=16)
        ids_a, ids_b = tok.tokenize(text_a).to_list(), tok.tokenize(text_b).to_list()
        row = packed["input_ids"].numpy()[1].tolist()
        assert row[:len(ids_a[1]) + 2] == [tok.cls_id] + ids_a[1] + [tok.sep_id]
        assert packed["input_ids"].shape == (2, 16)


def test_detokenize(spm, wordpiece):
    ids = spm.tokenize(["Hello World, this is ALBERT."])
    with_specials = tf.concat([tf.ragged.constant([[2]]), ids, tf.ragged.constant([[3, 0]])],
                              axis=1)
    assert spm.detokenize(with_specials).numpy().tolist() == [b"hello world, this is albert."]
    text = wordpiece.detokenize(wordpiece.tokenize(["Hello 世界!"]))
    assert text.numpy().tolist() == [b"hello \xe4\xb8\x96 \xe7\x95\x8c !"]


def test_offsets_point_into_the_original_text(spm, wordpiece):
    text = "Héllo Wörld, 世界 in 2014, Straße"
    raw = text.encode("utf-8")
    ids, starts, ends = wordpiece.tokenize_with_offsets([text])
    assert ids.to_list() == wordpiece.tokenize([text]).to_list()
    spans = [raw[s:e].decode() for s, e in zip(starts.to_list()[0], ends.to_list()[0])]
    assert spans == ["Héllo", "Wörld", ",", "世", "界", "in", "2014", ",",
                     "St", "ra", "ß", "e"]

    ids, starts, ends = spm.tokenize_with_offsets([text])
    assert ids.to_list() == spm.tokenize([text]).to_list()
    pieces = spm.id_to_piece(ids.to_list()[0])
    spans = [raw[s:e].decode() for s, e in zip(starts.to_list()[0], ends.to_list()[0])]
    # "▁2014," is re-split by the digit-comma rule: both pieces keep the span " 2014,".
    assert list(zip(pieces, spans))[7:11] == [
        ("\u2581in", " in"), ("\u25812014", " 2014,"), (",", " 2014,"), ("\u2581", " ")]
    prep = spm.reference().preprocess
    # Every other piece spells its span after ALBERT's preprocessing (lowercase, no accents).
    for piece, span in zip(pieces, spans):
        if piece not in ("\u25812014", ",", "<unk>"):
            assert piece.replace("\u2581", "") == prep(span), (piece, span)
    assert [s for p, s in zip(pieces, spans) if p == "<unk>"] == ["世界", "ß"]


def test_works_in_tf_function_and_savedmodel(spm, tmp_path):
    class Serve(tf.Module):
        def __init__(self, tokenizer):
            super().__init__()
            self.tokenizer = tokenizer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, text):
            return self.tokenizer.pack(text, max_seq_length=12)

    texts = ["ALBERT took 1,000, steps.", "Zürich"]
    expected = Serve(spm)(tf.constant(texts))
    tf.saved_model.save(Serve(spm), str(tmp_path / "serve"))
    # A fresh process: the SavedModel loads only after `import tensorflow_text`.
    code = (f"import json, tensorflow as tf, tensorflow_text\n"
            f"m = tf.saved_model.load({str(tmp_path / 'serve')!r})\n"
            f"print(json.dumps(m(tf.constant({texts!r}))['input_ids'].numpy().tolist()))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == expected["input_ids"].numpy().tolist()


def test_assets_round_trip_through_a_model_directory(spm, wordpiece, tmp_path):
    from albert_tf import AlbertTokenizer, load_tokenizer, save_model
    from albert_tf.modeling import AlbertEncoder

    save_model(AlbertEncoder(tiny_config()), tmp_path / "zh", tokenizer=wordpiece)
    info = json.loads((tmp_path / "zh" / "vocab" / "tokenizer.json").read_text())
    assert info["kind"] == "wordpiece" and info["vocab_file"] == "vocab.txt"
    assert info["special_tokens"]["cls"] == {"piece": "[CLS]", "id": 101}
    restored = load_tokenizer(tmp_path / "zh")
    assert restored.tokenize(["你好 ALBERT"]).to_list() == wordpiece.tokenize(
        ["你好 ALBERT"]).to_list()

    cased = AlbertTokenizer.from_vocab(data_path(*SPM_DE), do_lower_case=False)
    cased.save_assets(tmp_path / "de")
    assert sorted(os.listdir(tmp_path / "de" / "vocab")) == ["30k-clean.model",
                                                              "tokenizer.json"]
    again = AlbertTokenizer.from_vocab(tmp_path / "de")  # a model dir works as a vocab
    assert not again.do_lower_case
    assert again.tokenize("Der Hund").numpy().tolist() == cased.tokenize(
        "Der Hund").numpy().tolist() != spm.tokenize("Der Hund").numpy().tolist()
    with pytest.raises(AlbertTfError, match="has no tokenizer"):
        AlbertTokenizer.from_model_dir(tmp_path)


def test_reference_side_imports_no_tensorflow():
    code = ("import sys\nfrom albert_tf.tokenization import reference, vocab, preprocess\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": REPO})
    assert result.returncode == 0, result.stderr[-1000:]


def test_double_array_stores_every_key():
    from albert_tf.tokenization.darts import build_double_array, lookup

    rng = np.random.default_rng(0)
    keys = {chr(int(cp)).encode() for cp in rng.integers(1, 0x30000, 3000)
            if not 0xD800 <= cp < 0xE000}
    entries = {key: int(v) for key, v in zip(sorted(keys), rng.integers(0, 2**31, len(keys)))}
    units = build_double_array(entries.items())
    assert all(lookup(units, key) == value for key, value in entries.items())
    assert lookup(units, "\u4e00\u4e00".encode()) is None


def test_sentencepiece_offsets_on_every_english_line(spm):
    import tensorflow_text as tf_text

    from tokenization_data import english_sets

    lines = [line for lines in english_sets().values() for line in lines]
    ids, starts, ends = spm.tokenize_with_offsets(lines)
    assert ids.to_list() == spm.tokenize(lines).to_list()
    # Where the library op segments the same way, its offsets are passed through as they are.
    library = tf_text.SentencepieceTokenizer(model=spm._graph._fused, out_type=tf.int32)
    lib_ids, lib_starts, lib_ends = library.tokenize_with_offsets(lines)
    ties = 0
    rows = zip(ids.to_list(), starts.to_list(), ends.to_list(), lib_ids.to_list(),
               lib_starts.to_list(), lib_ends.to_list())
    for row_ids, s, e, row_lib_ids, row_lib_starts, row_lib_ends in rows:
        if row_lib_ids == row_ids:
            assert (s, e) == (row_lib_starts, row_lib_ends)
        else:
            ties += 1
        s, e = np.array(s), np.array(e)
        assert (s <= e).all() and (np.diff(s) >= 0).all() and (np.diff(e) >= 0).all()
    assert 0 < ties < 20  # 8 of 4552 lines hold a tie the two SentencePieces break apart
    ids, starts, ends = spm.tokenize_with_offsets(["Charles III"])
    pieces = spm.id_to_piece(ids.to_list()[0])
    spans = ["Charles III"[s:e] for s, e in zip(starts.to_list()[0], ends.to_list()[0])]
    # The library op splits "iii" as ii|i: the pieces i|ii get the spans holding them.
    assert list(zip(pieces, spans))[-3:] == [("\u2581", " "), ("i", "II"), ("ii", "III")]

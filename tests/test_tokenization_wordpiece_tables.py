"""The WordPiece normalizer table and the shipped pre-tokenizer probe are up to date."""

from albert_tf.tokenization import probe


def test_shipped_probe_matches_the_installed_tensorflow_text():
    # The probe takes seconds, so its result is shipped; an upgrade of tensorflow-text
    # (ICU) or Python (unicodedata) that changes a character class fails here.
    assert probe.disagreements() == probe.KNOWN_DISAGREEMENTS


def test_bert_char_image_is_the_basic_tokenizer():
    from albert_tf.tokenization.bert_basic import basic_tokenize
    from albert_tf.tokenization.bert_normalizer import bert_char_image

    for char in "AÉß\u200b\x00\ufffd\t\u3000\u2028İǅ":
        image = bert_char_image(char, do_lower_case=True)
        assert basic_tokenize("x" + char + "y") == basic_tokenize("x" + image + "y"), char

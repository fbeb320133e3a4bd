"""--text-format prose|paragraphs: books and articles cut at sentence ends, instances full."""

import pytest

from albert_tf.data.documents import DOCUMENT_CHARS, iter_blocks
from albert_tf.data.pretraining import DataSettings, create_pretraining_data
from albert_tf.data.sentences import split_sentences
from albert_tf.errors import AlbertTfError
from conftest import BOOKS, data_path


def test_sentences_of_a_real_paragraph():
    # Pride and Prejudice, chapter 5, hard-wrapped in the file: titles and quotes stay whole.
    text = open(data_path("pretrain_en", "gutenberg_pg1342.txt"), encoding="utf-8").read()
    start = text.index("Within a short walk of Longbourn")
    paragraph = " ".join(text[start:text.index("\n\n", start)].split())
    sentences = split_sentences(paragraph)
    assert len(sentences) == 6
    assert sentences[0] == ("Within a short walk of Longbourn lived a family with whom the "
                            "Bennets were particularly intimate.")
    assert sentences[-1].endswith("his presentation at St. James's had made him courteous.")
    assert " ".join(sentences) == paragraph


@pytest.mark.parametrize("text, expected", [
    ('Mr. Darcy bowed. "Indeed!" said she.', ["Mr. Darcy bowed.", '"Indeed!" said she.']),
    ("J. R. Smith came at 3 p.m. today. Why? 42 left.",
     ["J. R. Smith came at 3 p.m. today.", "Why?", "42 left."]),
    ('"_You_ began well," said Mrs. Bennet. "_You_ were first."',
     ['"_You_ began well," said Mrs. Bennet.', '"_You_ were first."']),
    ("他来了。她走了！真的吗？好", ["他来了。", "她走了！", "真的吗？", "好"]),
    ("no end mark", ["no end mark"]),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_prose_joins_wrapped_lines_and_ends_documents_at_files(tmp_path):
    a = _write(tmp_path / "a.txt",
               "It was a dark\r\nnight. The rain fell.\r\n\r\n\r\nShe said\r\nno.\r\n")
    b = _write(tmp_path / "b.txt", "Another book. Its second sentence.")
    blocks = list(iter_blocks([a, b], block_bytes=10**6, text_format="prose"))
    assert blocks == [[["It was a dark night.", "The rain fell.", "She said no."],
                       ["Another book.", "Its second sentence."]]]
    # "lines" (the original) keeps a line a segment and a blank line a document end.
    lines = list(iter_blocks([a, b], block_bytes=10**6))
    assert lines == [[["It was a dark", "night. The rain fell."],
                      ["She said", "no.", "Another book. Its second sentence."]]]


def test_paragraphs_split_lines_and_cut_long_documents(tmp_path):
    sentence = "The river rises in the Alps and flows north. "
    paragraph = sentence * 50  # about 2,300 characters on one line
    path = _write(tmp_path / "wiki.txt", (paragraph + "\n") * 30 + "\nA new article. Short.\n")
    documents = [d for block in iter_blocks([path], 10**6, "paragraphs") for d in block]
    sizes = [sum(len(s) + 1 for s in d) for d in documents]
    assert len(documents) == 5 and sizes[-2] < DOCUMENT_CHARS
    assert documents[-1] == ["A new article.", "Short."]
    assert all(DOCUMENT_CHARS <= n < DOCUMENT_CHARS + len(sentence) + 1 for n in sizes[:-2])
    assert all(s == sentence.strip() for d in documents[:-1] for s in d)


def test_bad_text_format_is_refused(tmp_path):
    with pytest.raises(AlbertTfError, match="--text-format must be one of lines, prose"):
        create_pretraining_data(DataSettings(input=[data_path("pretrain_en", BOOKS[0])],
                                             output_dir=str(tmp_path), vocab="x.model",
                                             text_format="poem"))


def test_prose_fills_instances_of_a_gutenberg_book(trained_spm_path, tmp_path):
    """Blank-line paragraphs as documents leave instances half empty; prose fills them."""
    fills, lines_out = {}, []
    for text_format in ("lines", "prose"):
        settings = DataSettings(input=[data_path("pretrain_en", BOOKS[0])],
                                output_dir=str(tmp_path / text_format), vocab=trained_spm_path,
                                dupe_factor=1, num_workers=1, num_shards=1, random_seed=7,
                                text_format=text_format)
        log = []
        metadata = create_pretraining_data(settings, log=log.append)
        statistics = metadata["statistics"]
        fills[text_format] = statistics["tokens"] / statistics["instances"]
        lines_out.append(log)
    assert fills["lines"] < 70 and fills["prose"] > 110
    assert any(line.startswith("note: instances are") for line in lines_out[0])
    assert not any(line.startswith("note:") for line in lines_out[1])

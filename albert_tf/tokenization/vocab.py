"""Vocabulary files: which kind a file is, its pieces, and its special tokens.

Two kinds, as in the original ALBERT:

- ``sentencepiece``: a SentencePiece ``.model`` (English ALBERT ``30k-clean.model``);
  special pieces ``<pad> <unk> [CLS] [SEP] [MASK]``;
- ``wordpiece``: a BERT ``vocab.txt``, one token per line, id = line number
  (Chinese ALBERT); special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``.
"""

from __future__ import annotations

import dataclasses
import os

from albert_tf.errors import AlbertTfError

SENTENCEPIECE = "sentencepiece"
WORDPIECE = "wordpiece"
KINDS = (SENTENCEPIECE, WORDPIECE)
SPECIAL_NAMES = ("pad", "unk", "cls", "sep", "mask")
SPECIAL_PIECES = {
    SENTENCEPIECE: {"pad": "<pad>", "unk": "<unk>", "cls": "[CLS]", "sep": "[SEP]",
                    "mask": "[MASK]"},
    WORDPIECE: {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]",
                "mask": "[MASK]"},
}


def infer_kind(path: str, kind: str | None = None) -> str:
    """The kind of a vocabulary file: ``.model`` → sentencepiece, ``.txt`` → wordpiece.

    Example:
        >>> infer_kind("30k-clean.model"), infer_kind("vocab.txt")
        ('sentencepiece', 'wordpiece')
    """
    if kind is not None:
        if kind not in KINDS:
            raise AlbertTfError(f"unknown tokenizer kind {kind!r}; use one of: {', '.join(KINDS)}")
        return kind
    ext = os.path.splitext(path)[1].lower()
    if ext == ".model":
        return SENTENCEPIECE
    if ext in (".txt", ".vocab"):
        if ext == ".vocab":
            raise AlbertTfError(f"{path}: a SentencePiece .vocab is the text listing of a "
                                "model; give the .model file beside it")
        return WORDPIECE
    raise AlbertTfError(f"{path}: cannot tell the tokenizer kind from the file name; "
                        "give a .model (SentencePiece) or .txt (WordPiece) file, or --kind")


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The pieces of a vocabulary and the ids of its special tokens.

    Attributes:
        kind: ``"sentencepiece"`` or ``"wordpiece"``.
        path: the file it was read from.
        pieces: piece of each id, ``pieces[id]``.
        special_ids: ``{"pad", "unk", "cls", "sep", "mask"}`` → id.
        model_proto: the serialized SentencePiece model (sentencepiece kind only).
    """

    kind: str
    path: str
    pieces: tuple
    special_ids: dict
    model_proto: bytes = b""

    @property
    def size(self) -> int:
        return len(self.pieces)


def read_vocabulary(path: str, kind: str | None = None) -> Vocabulary:
    """Reads a ``.model`` or ``vocab.txt`` and checks its special tokens.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
        >>> _ = open(path, "w").write("[PAD]\\n[UNK]\\n[CLS]\\n[SEP]\\n[MASK]\\nhello\\n")
        >>> read_vocabulary(path).special_ids["cls"]
        2
    """
    kind = infer_kind(path, kind)
    if not os.path.isfile(path):
        raise AlbertTfError(f"{path}: no such vocabulary file")
    if kind == SENTENCEPIECE:
        return _read_sentencepiece(path)
    return _read_wordpiece(path)


def _read_sentencepiece(path: str) -> Vocabulary:
    import sentencepiece as spm

    with open(path, "rb") as f:
        proto = f.read()
    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(proto)
    except (RuntimeError, OSError):
        raise AlbertTfError(f"{path}: not a SentencePiece model") from None
    pieces = tuple(processor.IdToPiece(i) for i in range(processor.GetPieceSize()))
    ids = _special_ids(path, SENTENCEPIECE, {p: i for i, p in enumerate(pieces)})
    return Vocabulary(SENTENCEPIECE, path, pieces, ids, proto)


def load_bert_vocab(path: str) -> tuple:
    """Tokens of a BERT ``vocab.txt`` by line, read as the original ``load_vocab``.

    Each line is stripped and its first whitespace-separated field kept; an empty line
    is the token ``" "``.
    """
    tokens = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                tokens.append(line.strip().split()[0] if line.strip() else " ")
    except UnicodeDecodeError:
        raise AlbertTfError(f"{path}: not a UTF-8 text vocabulary") from None
    return tuple(tokens)


def _read_wordpiece(path: str) -> Vocabulary:
    pieces = load_bert_vocab(path)
    lookup = {}
    for i, piece in enumerate(pieces):
        lookup.setdefault(piece, i)  # the original keeps the first of duplicate lines
    if len(lookup) != len(pieces):
        raise AlbertTfError(f"{path}: {len(pieces) - len(lookup)} duplicate tokens; a "
                            "WordPiece vocabulary needs one id per token")
    return Vocabulary(WORDPIECE, path, pieces, _special_ids(path, WORDPIECE, lookup))


def _special_ids(path: str, kind: str, lookup: dict) -> dict:
    names = SPECIAL_PIECES[kind]
    missing = [piece for piece in names.values() if piece not in lookup]
    if missing:
        raise AlbertTfError(f"{path}: {kind} vocabulary lacks the special token(s) "
                            f"{' '.join(missing)}")
    return {name: lookup[piece] for name, piece in names.items()}

"""ALBERT's preprocessing compiled into a SentencePiece model's own normalizer.

A SentencePiece model normalizes its input with a longest-match rewrite table (the
``precompiled_charsmap``, NFKC for ALBERT models) and then collapses spaces. The
original ALBERT runs ``preprocess_text`` (``preprocess.py``) *before* that. Here both are
composed into one table, written back into a copy of the model:

    fused[x] = model_normalizer(preprocess(x))

for every single character ``x``, for every multi-character key of the model's table
(and each upper/lower-case spelling of it), and for ``````/``''``. Whitespace maps to one
space and the model's ``remove_extra_whitespaces`` does the collapsing, as it does after
``preprocess_text`` in the original. The fused model then needs no preprocessing at all,
so ``FastSentencepieceTokenizer`` applies ALBERT's preprocessing inside one op, in
TensorFlow and in TFLite alike.

What a per-character table cannot express (documented in docs/TOKENIZATION.md): the
context rule of ``str.lower()`` that writes a capital sigma at the end of a word as
``ς``; the model's compositions across characters whose preprocessing is not one
character each (Hangul jamo after a precomposed syllable).
"""

from __future__ import annotations

import functools
import itertools

from albert_tf.tokenization.chars import candidate_code_points
from albert_tf.tokenization.preprocess import char_image

_MAX_SPELLINGS = 64  # upper/lower-case spellings added per multi-character key


def fused_model_proto(model_proto: bytes, do_lower_case: bool = True,
                      keep_accents: bool = False, normalize_quotes: bool = False) -> bytes:
    """A copy of a SentencePiece model whose normalizer also does ALBERT's preprocessing.

    Args:
        model_proto: the serialized ``.model``.
        do_lower_case: lowercase (``preprocess_text(lower=True)``).
        keep_accents: keep accents (no NFKD, no removal of combining marks).
        normalize_quotes: two backticks and two apostrophes become ``"`` (Hugging Face).

    Returns:
        the serialized fused model; its pieces, scores and ids are the original's.

    Example:
        >>> import sentencepiece as spm
        >>> fused = spm.SentencePieceProcessor(model_proto=fused_model_proto(
        ...     open(model_file, "rb").read()))                      # doctest: +SKIP
        >>> fused.encode("ALBERT") == original.encode("albert")      # doctest: +SKIP
        True
    """
    return _fused(bytes(model_proto), bool(do_lower_case), bool(keep_accents),
                  bool(normalize_quotes))


@functools.lru_cache(maxsize=8)
def _fused(model_proto: bytes, do_lower_case: bool, keep_accents: bool,
           normalize_quotes: bool) -> bytes:
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    # The model's table alone: no dummy prefix, no whitespace handling.
    model_only = spm.SentencePieceNormalizer(
        model_proto=model_proto, add_dummy_prefix=False, escape_whitespaces=False,
        remove_extra_whitespaces=False)
    keys = [key for key, _ in model_only.Decompile()]
    image = functools.partial(char_image, do_lower_case=do_lower_case,
                              keep_accents=keep_accents)

    single_keys = {key for key in keys if len(key) == 1}
    inputs, preprocessed = [], []
    preimages: dict = {}
    for char in candidate_code_points():
        text = image(char)
        if text != char or char in single_keys:
            inputs.append(char)
            preprocessed.append(text)
        if len(text) == 1:
            preimages.setdefault(text, []).append(char)
    # Multi-character keys (compositions): every input spelling that preprocesses
    # character by character into the key.
    for key in keys:
        if len(key) < 2:
            continue
        options = [preimages.get(c, []) for c in key]
        count = 1
        for option in options:
            count *= len(option)
        if not 0 < count <= _MAX_SPELLINGS:
            continue
        text = "".join(image(c) for c in key)
        for spelling in itertools.product(*options):
            inputs.append("".join(spelling))
            preprocessed.append(text)
    if normalize_quotes:
        inputs += ["``", "''"]
        preprocessed += ['"', '"']

    table = {}
    for source, target in zip(inputs, model_only.Normalize(preprocessed)):
        if target != source:
            table[source] = target
    spm.set_min_log_level(1)  # the table compiler logs its sizes at INFO level
    compiled = spm.SentencePieceNormalizer(norm_map=sorted(table.items()))
    spec = sentencepiece_model_pb2.NormalizerSpec()
    spec.ParseFromString(compiled.serialized_normalizer_spec())

    model = sentencepiece_model_pb2.ModelProto()
    model.ParseFromString(model_proto)
    model.normalizer_spec.precompiled_charsmap = spec.precompiled_charsmap
    model.normalizer_spec.name = model.normalizer_spec.name + "+albert_preprocess"
    model.normalizer_spec.normalization_rule_tsv = ""
    return model.SerializeToString()

"""The tokenizer as a TFLite model returns the same ids through the ai_edge_litert interpreter.

Only the Fast tensorflow-text ops run in TFLite (custom ops registered from
``tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS``); ALBERT's preprocessing lives in
their tables, so the TFLite model needs no regex, lowercasing or normalization op.
"""

import numpy as np
import pytest

from conftest import data_path
from tokenization_data import SPM_DE, WORDPIECE_ZH, chinese_sets, english_sets


def _rows(out):
    ids, splits = out["ids"], out["row_splits"]
    return [ids[splits[i]:splits[i + 1]].tolist() for i in range(len(splits) - 1)]


@pytest.mark.parametrize("vocab, sets, names", [
    (SPM_DE, english_sets, ["sst2/dev.tsv sentences", "squad dev-v2.0 sample questions",
                            "squad dev-v2.0 sample contexts"]),
    (WORDPIECE_ZH, chinese_sets, ["chnsenticorp/dev.tsv texts",
                                  "chinese_ner_peoples_daily/example.dev sentences"]),
], ids=["sentencepiece", "wordpiece"])
def test_tflite_tokenizer_gives_the_reference_ids(vocab, sets, names):
    from albert_tf import AlbertTokenizer
    from albert_tf.tokenization.tflite import convert_to_tflite, interpreter

    tokenizer = AlbertTokenizer.from_vocab(data_path(*vocab))
    model = convert_to_tflite(tokenizer, max_seq_length=64)
    runner = interpreter(model)
    assert set(runner.get_signature_list()) == {"tokenize", "pack"}
    data = sets()
    lines = [line for name in names for line in data[name]]
    lines += ["ALBERT Was Released In 2019, In Zürich", "3.0, and 1,000, ``quoted''", "",
              "Crème brûlée ½ ﬁ Ａ 你好，世界"]
    got = _rows(runner.get_signature_runner("tokenize")(text=np.array(lines, dtype=object)))
    assert got == tokenizer.reference().encode_ids(lines)

    text_a, text_b = lines[:40], lines[40:80]
    packed = runner.get_signature_runner("pack")(text_a=np.array(text_a, dtype=object),
                                                 text_b=np.array(text_b, dtype=object))
    expected = tokenizer.pack(text_a, text_b, max_seq_length=64)
    for key in ("input_ids", "input_mask", "segment_ids"):
        np.testing.assert_array_equal(packed[key], expected[key].numpy())
    assert packed["input_ids"].shape == (40, 64)


def test_string_preprocessing_ops_do_not_run_in_ai_edge_litert():
    # Why ALBERT's preprocessing lives in the Fast ops' tables: lower, regex and
    # normalization are TensorFlow ops; TFLite converts them only as Select TF ("Flex")
    # ops, and the ai_edge_litert interpreter has no Flex delegate.
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    class Lower(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, text):
            return {"out": tf.strings.lower(tf.strings.regex_replace(text, "``", '"'),
                                            encoding="utf-8")}

    module = Lower()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.__call__.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with pytest.raises(Exception, match="neither a custom op nor a flex op"):
        converter.convert()
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                           tf.lite.OpsSet.SELECT_TF_OPS]
    with pytest.raises(RuntimeError, match="Flex delegate"):
        Interpreter(model_content=converter.convert()).allocate_tensors()

"""TFLite variants converted from the exported SavedModel."""

from __future__ import annotations

import tensorflow as tf

from albert_tf.errors import AlbertTfError

VARIANTS = ("float32", "float16", "dynamic_int8", "full_int8")

# full_int8 quantizes the dense layers (FULLY_CONNECTED: weights and activations) and the
# embedding lookup (GATHER); every other op of the encoder and heads stays float. With every
# op in int8 the SST-2 classifier agreed with float32 on 0.56 of dev; this keeps 0.993 at
# 27 % of the float32 size (bench/int8_layers.py, docs/BENCHMARKS.md). Op types that a
# model lacks are ignored.
FLOAT_OPS_IN_INT8 = ("ADD", "ARG_MAX", "BATCH_MATMUL", "CAST", "CONCATENATION", "ERF",
                     "EXPAND_DIMS", "GATHER_ND", "GELU", "LOGISTIC", "MEAN", "MUL", "PACK",
                     "POW", "RESHAPE", "RSQRT", "SELECT_V2", "SLICE", "SOFTMAX", "SPLIT",
                     "SQUARED_DIFFERENCE", "SQUEEZE", "STRIDED_SLICE", "SUB", "SUM", "TANH",
                     "TILE", "TRANSPOSE", "UNPACK")


def convert(saved_model_dir, variant, signature="serve_ids", representative=None) -> bytes:
    """Converts one signature of a SavedModel to a TFLite flatbuffer.

    Args:
        saved_model_dir: the exported version folder.
        variant: "float32"; "float16" (weights stored as float16); "dynamic_int8"
            (int8 weights, float activations); "full_int8" (int8 weights and
            activations of the dense layers and the embedding lookup, calibrated on
            ``representative``; the other ops in float: ``FLOAT_OPS_IN_INT8``).
        signature: "serve_ids" (ids in) or "serve_text" (raw text in: the
            tokenizer runs as tensorflow-text custom ops).
        representative: for full_int8, a callable yielding input dicts.
    """
    if variant not in VARIANTS:
        raise AlbertTfError(f"unknown TFLite variant {variant!r}; choose from {', '.join(VARIANTS)}")
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=[signature])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if signature == "serve_text":
        converter.allow_custom_ops = True
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "dynamic_int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif variant == "full_int8":
        if representative is None:
            raise AlbertTfError("full_int8 needs calibration examples (the task's training data)")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
                                               tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        if variant == "full_int8":
            return _int8_dense_layers(converter, representative)
        return converter.convert()
    except Exception as e:  # the converter raises many kinds; name the variant
        message = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise AlbertTfError(f"TFLite {variant} conversion of {signature} failed: {message}") from e


def _int8_dense_layers(converter, representative) -> bytes:
    """The calibrated model with ``FLOAT_OPS_IN_INT8`` kept in float (TensorFlow's
    ``QuantizationDebugger``, whose denylist is the public way to choose that)."""
    options = tf.lite.experimental.QuantizationDebugOptions(
        denylisted_ops=list(FLOAT_OPS_IN_INT8))
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter, debug_dataset=representative, debug_options=options)
    return bytes(debugger.get_nondebug_quantized_model())


def interpreter(model_content: bytes, threads: int = 2):
    """An ``ai_edge_litert`` interpreter (tensorflow-text custom ops registered)."""
    from ai_edge_litert.interpreter import InterpreterWithCustomOps
    from tensorflow_text import tflite_registrar

    return InterpreterWithCustomOps(custom_op_registerers=tflite_registrar.SELECT_TFTEXT_OPS,
                                    model_content=model_content, num_threads=threads)


def signature_inputs(runner, features, row):
    """One row of int32 ``features`` as the inputs of a TFLite signature runner.

    Takes either input layout: ``input_ids`` / ``input_mask`` / ``segment_ids`` at any
    length, or the on-device ``ids`` / ``mask`` / ``segment_ids`` of a fixed length
    (export/mobile.py), padded with 0 to it.
    """
    import numpy as np

    from albert_tf.export.mobile import FEATURES

    details = runner.get_input_details()
    inputs = {}
    for name, values in features.items():
        key = name if name in details else FEATURES.get(name, name)
        value = np.asarray(values[row:row + 1], np.int32)
        if key not in details:
            raise AlbertTfError(f"the TFLite signature has no input {name!r} "
                                f"(it has {', '.join(sorted(details))})")
        width = int(details[key]["shape_signature"][-1])
        if width > 0 and value.shape[1] != width:
            if value.shape[1] > width:
                raise AlbertTfError(f"{name} has {value.shape[1]} positions; the TFLite file "
                                    f"takes {width}")
            value = np.pad(value, [(0, 0), (0, width - value.shape[1])])
        inputs[key] = value
    return inputs


def run_ids(runner_interpreter, features, signature="serve_ids"):
    """Runs a ``serve_ids`` TFLite model on int32 features ``[batch, seq]``, one row at a
    time (either input layout: ``signature_inputs``)."""
    import numpy as np

    runner = runner_interpreter.get_signature_runner(signature)
    outputs = {}
    rows = len(features["input_ids"])
    for k in range(rows):
        result = runner(**signature_inputs(runner, features, k))
        for key, value in result.items():
            outputs.setdefault(key, []).append(value)
    return {key: np.concatenate(value) for key, value in outputs.items()}

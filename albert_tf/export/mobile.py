"""TFLite files that on-device task libraries load alone: fixed-size inputs, metadata inside.

MediaPipe's ``TextClassifier`` and the TFLite Task Library (``BertNLClassifier``,
``BertQuestionAnswerer``) take one ``.tflite`` file and read from its metadata how to
tokenize raw text and which tensor is which. For them a classifier or SQuAD model is
converted in the BERT layout those libraries expect:

- inputs ``ids``, ``mask``, ``segment_ids``: int32 ``[1, max_seq_length]`` (a fixed size:
  the libraries pad to the input tensor's length, and a dynamic one reads as 1);
- outputs: ``probabilities`` for a classifier (MediaPipe reports them as the scores), or
  ``end_logits`` and ``start_logits`` for SQuAD (the Task Library's order);
- metadata written by MediaPipe's own ``metadata_writers``: the tokenizer with its
  vocabulary file, the three input roles, and the labels of a classifier.

Tokenizer fidelity: the on-device SentencePiece tokenizer runs the ``.model`` on the raw
text, while ALBERT lowercases and strips accents first (``preprocess_text``). The
``.model`` packed into the file is therefore the *fused* one of ``spm_normalizer``, whose
own normalizer does that preprocessing, so the device gets albert-tf's ids from raw text
(README, "In an Android app", and docs/BENCHMARKS.md give the measured agreement). WordPiece vocabularies go in as a
``BertTokenizer`` entry with ``vocab.txt``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import types

import numpy as np
import tensorflow as tf

from albert_tf.errors import AlbertTfError

INPUTS = ("ids", "mask", "segment_ids")  # MediaPipe / Task Library BERT input names
FEATURES = dict(zip(("input_ids", "input_mask", "segment_ids"), INPUTS))
SIGNATURE = "serve_ids"
SPM_FILE = "sentencepiece.model"  # the fused model's name inside the .tflite


def supported(info) -> bool:
    """Whether the task has an on-device layout (classifiers and SQuAD; not regression)."""
    from albert_tf.export.saved_model import serving_code

    try:
        serving = serving_code(info["task"])
    except AlbertTfError:
        return False
    return hasattr(serving, "mobile_outputs") and not info.get("regression")


def fixed_saved_model(model_dir, max_seq_length, directory) -> str:
    """A SavedModel under ``directory`` whose one signature ``serve_ids`` takes the
    on-device inputs at ``[1, max_seq_length]`` and gives the task's on-device outputs;
    the TFLite variants are converted from it. Returns its path."""
    from albert_tf.export.saved_model import serving_module

    module, serving = serving_module(model_dir, max_seq_length, with_tokenizer=False)
    length = module.max_seq_length
    spec = [tf.TensorSpec([1, length], tf.int32, name=name) for name in INPUTS]

    @tf.function(input_signature=spec)
    def serve_ids(ids, mask, segment_ids):
        raw = module.run({"input_ids": ids, "input_mask": mask, "segment_ids": segment_ids})
        return serving.mobile_outputs(raw, module.info)

    path = os.path.join(directory, "fixed")
    tf.saved_model.save(module, path, signatures={SIGNATURE: serve_ids.get_concrete_function()})
    return path


def reference_outputs(info, raw) -> dict:
    """The on-device outputs computed from the Keras model's raw outputs (numpy)."""
    from albert_tf.export.saved_model import serving_code

    outputs = serving_code(info["task"]).mobile_outputs(raw, info)
    return {name: np.asarray(value) for name, value in outputs.items()}


def _metadata_version_stand_in():
    """mediapipe 1.2.2's metadata writer imports a compiled module its wheel does not
    ship (``_pywrap_metadata_version``, one function: the oldest metadata parser that
    reads the file). Registered only when the real one is missing."""
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    try:
        __import__(name)
        return
    except ImportError:
        pass
    module = types.ModuleType(name)
    module.GetMinimumMetadataParserVersion = lambda *args: "1.5.0"
    for parent in ("mediapipe.tasks.cc", "mediapipe.tasks.cc.metadata",
                   "mediapipe.tasks.cc.metadata.python"):
        sys.modules.setdefault(parent, types.ModuleType(parent))
    sys.modules[name] = module


def _writers():
    _metadata_version_stand_in()
    try:
        from mediapipe.tasks.python.metadata.metadata_writers import (metadata_writer,
                                                                      text_classifier)
    except ImportError as e:
        raise AlbertTfError(f"TFLite metadata needs mediapipe (pip install mediapipe==1.2.2): "
                            f"{e}") from None
    return metadata_writer, text_classifier


def device_model_proto(model_proto: bytes, do_lower_case=True, keep_accents=False,
                       normalize_quotes=False) -> bytes:
    """The SentencePiece model a device gets: the fused model (ALBERT's preprocessing in
    its normalizer), with the pieces that the original's digit-comma rule re-splits
    (``"▁2016,"``: a digit, then a comma) marked unused, so the device's segmentation
    avoids them as the rule does. Ids and scores are unchanged."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    from albert_tf.tokenization.digit_comma import expansion_table
    from albert_tf.tokenization.spm_normalizer import fused_model_proto

    fused = fused_model_proto(model_proto, do_lower_case, keep_accents, normalize_quotes)
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(fused)
    for i in expansion_table(spm.SentencePieceProcessor(model_proto=model_proto)):
        proto.pieces[i].type = proto.pieces[i].UNUSED
    return proto.SerializeToString()


def device_vocabulary(model_dir, directory) -> tuple:
    """``(kind, path)``: the vocabulary file the device tokenizer gets, written under
    ``directory``: ``device_model_proto`` of the SentencePiece model, or WordPiece's
    ``vocab.txt``."""
    from albert_tf.tokenization.assets import read_assets

    vocab_path, settings = read_assets(model_dir)
    if settings["kind"] == "sentencepiece":
        with open(vocab_path, "rb") as f:
            fused = device_model_proto(f.read(), settings["do_lower_case"],
                                      settings.get("keep_accents", False),
                                      settings.get("normalize_quotes", False))
        path = os.path.join(directory, SPM_FILE)
        with open(path, "wb") as f:
            f.write(fused)
        return "sentencepiece", path
    path = os.path.join(directory, "vocab.txt")
    shutil.copyfile(vocab_path, path)
    return "wordpiece", path


def with_metadata(content: bytes, model_dir, info) -> tuple:
    """``(model bytes, metadata JSON)``: ``content`` (converted from
    ``fixed_saved_model``) with MediaPipe metadata: tokenizer, input roles, labels."""
    metadata_writer, text_classifier = _writers()
    names = [f"{SIGNATURE}_{name}:0" for name in INPUTS]
    with tempfile.TemporaryDirectory(prefix="albert-tf-metadata-") as tmp:
        kind, path = device_vocabulary(model_dir, tmp)
        tokenizer = (metadata_writer.SentencePieceTokenizer(path) if kind == "sentencepiece"
                     else metadata_writer.BertTokenizer(path))
        try:
            if info["task"] == "classification" and not info.get("has_pair"):
                writer = text_classifier.MetadataWriter.create_for_bert_model(
                    bytearray(content), tokenizer, metadata_writer.Labels().add(
                        [str(label) for label in info["labels"]]), *names)
            elif info["task"] == "classification":
                # MediaPipe's TextClassifier and the Task Library feed one text; a pair
                # model gets the tokenizer and input roles, and its app packs both texts.
                writer = metadata_writer.MetadataWriter.create(bytearray(content))
                writer.add_general_info("albert_tf_pair_classifier", "ALBERT text-pair "
                                        "classification (albert-tf): [CLS] a [SEP] b [SEP] "
                                        "in, the label probabilities out (labels: "
                                        + ", ".join(str(x) for x in info["labels"]) + ").")
                writer.add_bert_text_input(tokenizer, *names)
                writer.add_feature_output(name="probabilities")
            else:
                writer = metadata_writer.MetadataWriter.create(bytearray(content))
                writer.add_general_info("albert_tf_squad", "ALBERT question answering "
                                        "(albert-tf): a question and a passage in, the start "
                                        "and end logits of the answer span out.")
                writer.add_bert_text_input(tokenizer, *names)
                for output in ("end_logits", "start_logits"):
                    writer.add_feature_output(name=output)
            model, metadata_json = writer.populate()
            del writer  # its temporary folder goes now, not at interpreter exit
        except (ValueError, RuntimeError) as e:
            raise AlbertTfError(f"writing TFLite metadata for {model_dir} failed: {e}") from None
    return bytes(model), metadata_json


def read_metadata(content: bytes) -> str:
    """The metadata JSON of a ``.tflite`` file (MediaPipe's displayer), or "" if none."""
    _writers()
    from mediapipe.tasks.python.metadata import metadata

    try:
        return metadata.MetadataDisplayer.with_model_buffer(bytearray(content)).get_metadata_json()
    except ValueError:
        return ""


def associated_files(content: bytes) -> list:
    """Names of the files packed inside a ``.tflite`` file."""
    _writers()
    from mediapipe.tasks.python.metadata import metadata

    try:
        return metadata.MetadataDisplayer.with_model_buffer(
            bytearray(content)).get_packed_associated_file_list()
    except ValueError:
        return []


def describe(path) -> str:
    """What an exported ``.tflite`` file holds: its signature, its metadata and the files
    packed inside (``albert-tf tflite-info``)."""
    import json

    from ai_edge_litert.interpreter import Interpreter

    if not os.path.isfile(path):
        raise AlbertTfError(f"{path}: no such file")
    with open(path, "rb") as f:
        content = f.read()
    try:
        interpreter = Interpreter(model_content=content)
    except (ValueError, RuntimeError) as e:
        raise AlbertTfError(f"{path}: not a TFLite model ({str(e).strip().splitlines()[0]})"
                            ) from None

    def tensors(details):
        return ", ".join(f"{name} {d['dtype'].__name__} "
                         f"{[int(n) for n in d['shape_signature']]}".replace("-1", "any")
                         for name, d in sorted(details.items()))

    def size(n):
        return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KiB"

    lines = [f"{os.path.basename(path)}: {len(content) / 2**20:.2f} MiB"]
    for key in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(key)
        lines += [f"signature {key}", f"  inputs:  {tensors(runner.get_input_details())}",
                  f"  outputs: {tensors(runner.get_output_details())}"]
    text = read_metadata(content)
    if not text:
        return "\n".join(lines + ["no metadata (MediaPipe and the Task Library cannot load it)"])
    graph = json.loads(text).get("subgraph_metadata", [{}])[0]
    lines.append(f"metadata: {json.loads(text).get('name', '')}")
    for unit in graph.get("input_process_units", []):
        files = [f["name"] for f in unit.get("options", {}).get(
            "vocab_file", unit.get("options", {}).get("sentencePiece_model", []))]
        lines.append(f"  tokenizer: {unit['options_type'].replace('Options', '')} "
                     f"({', '.join(files)})")
    lines.append("  inputs:  " + ", ".join(t.get("name", "?")
                                           for t in graph.get("input_tensor_metadata", [])))
    for output in graph.get("output_tensor_metadata", []):
        labels = [f["name"] for f in output.get("associated_files", [])]
        lines.append(f"  output:  {output.get('name', '?')}"
                     + (f" (labels: {', '.join(labels)})" if labels else ""))
    from mediapipe.tasks.python.metadata import metadata

    displayer = metadata.MetadataDisplayer.with_model_buffer(bytearray(content))
    packed = [f"{name} ({size(len(displayer.get_associated_file_buffer(name)))})"
              for name in sorted(displayer.get_packed_associated_file_list())]
    lines.append(f"  packed files: {', '.join(packed)}")
    return "\n".join(lines)

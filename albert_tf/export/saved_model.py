"""SavedModel export: raw text in (``serving_default``), ids in (``serve_ids``), Examples in."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile

import tensorflow as tf

from albert_tf.errors import AlbertTfError
from albert_tf.export.module import ServingModule

VERSION = "1"


def serving_code(task: str):
    """The export code of a task: the module its package names in ``SERVING``."""
    from albert_tf.tasks import registry

    if task not in registry.TASKS or not getattr(registry.task(task), "SERVING", None):
        raise AlbertTfError(f"no export for task {task!r}")
    return importlib.import_module(registry.task(task).SERVING)


SIGNATURE_SETS = ("all", "ids")


def serving_module(model_dir, max_seq_length=None, with_tokenizer=True):
    """Loads a model directory into a ``ServingModule`` plus its task's serving code."""
    from albert_tf.model_dir import load_model, load_tokenizer, read_task_info

    info = read_task_info(model_dir)
    try:
        serving = serving_code(info["task"])
    except AlbertTfError as e:
        raise AlbertTfError(f"{model_dir}: {e}") from None
    model = load_model(model_dir)
    if info["task"] == "pretraining":
        model = model.encoder
    length = int(max_seq_length or info.get("max_seq_length", 128))
    if length > model.config.max_position_embeddings:
        raise AlbertTfError(f"--max-seq-length {length} exceeds max_position_embeddings "
                            f"{model.config.max_position_embeddings}")
    tokenizer = load_tokenizer(model_dir) if with_tokenizer else None
    return ServingModule(model, tokenizer, info, length), serving


def _set_method_names(saved_model_dir, methods):
    """TF Serving's classify/regress APIs need those method names; tf.saved_model.save
    writes every signature as predict, so the names are set in saved_model.pb."""
    if not methods:
        return
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(saved_model_dir, "saved_model.pb")
    proto = saved_model_pb2.SavedModel()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    for graph in proto.meta_graphs:
        for name, method in methods.items():
            graph.signature_def[name].method_name = method
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def describe_signatures(saved_model_dir) -> str:
    """Markdown list of the SavedModel's signatures, inputs and outputs."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(saved_model_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    lines = []
    for name, sig in sorted(proto.meta_graphs[0].signature_def.items()):
        if name.startswith("__"):
            continue
        lines.append(f"### `{name}` ({sig.method_name})\n")

        def fmt(tensors):
            out = []
            for key, t in sorted(tensors.items()):
                dims = [d.size for d in t.tensor_shape.dim]
                dtype = tf.dtypes.as_dtype(t.dtype).name
                out.append(f"- `{key}`: {dtype} {dims}".replace("-1", "None"))
            return out

        lines += ["inputs:"] + fmt(sig.inputs) + ["", "outputs:"] + fmt(sig.outputs) + [""]
    return "\n".join(lines)


def export_saved_model(model_dir, output, max_seq_length=None, text_for_tflite=True,
                       signatures="all") -> str:
    """Writes ``OUTPUT/saved_model/1/`` (a TF Serving model base path) and returns it.

    ``signatures="all"``: raw text in (``serving_default``, ``serve_examples`` and, for
    TFLite, ``serve_text``; these need tensorflow-text to load) and ``serve_ids``.
    ``"ids"``: only token ids in (``serve_ids``, and ``serve_examples`` reading ids from
    each Example where the task has one), so stock TensorFlow loads it.
    The version folder appears only when complete (built under a temporary name).
    """
    if signatures not in SIGNATURE_SETS:
        raise AlbertTfError(f"--signatures must be one of {', '.join(SIGNATURE_SETS)}, "
                            f"got {signatures!r}")
    module, serving = serving_module(model_dir, max_seq_length,
                                     with_tokenizer=signatures == "all")
    if signatures == "all":
        functions, methods = serving.signatures(module)
    elif hasattr(serving, "ids_signatures"):
        functions, methods = serving.ids_signatures(module)
    else:
        functions, methods = {}, {}
    functions["serve_ids"] = module.serve_ids_function(serving.RAW_OUTPUTS)
    if signatures == "all" and text_for_tflite and hasattr(serving, "tflite_text_function"):
        functions["serve_text"] = serving.tflite_text_function(module)
    module.functions = dict(functions)
    base = os.path.join(output, "saved_model")
    os.makedirs(base, exist_ok=True)
    final = os.path.join(base, VERSION)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=base)
    try:
        export_dir = os.path.join(tmp, "model")
        signatures = {name: fn.get_concrete_function() for name, fn in functions.items()}
        tf.saved_model.save(module, export_dir, signatures=signatures)
        _set_method_names(export_dir, methods)
        extra = os.path.join(export_dir, "assets.extra")
        shutil.copytree(os.path.join(model_dir, "vocab"), os.path.join(extra, "vocab"))
        with open(os.path.join(extra, "task.json"), "w", encoding="utf-8") as f:
            json.dump({**module.info, "max_seq_length": module.max_seq_length}, f, indent=2)
        if module.info.get("labels"):
            with open(os.path.join(extra, "labels.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(module.info["labels"]) + "\n")
        with open(os.path.join(export_dir, "README.md"), "w", encoding="utf-8") as f:
            f.write(_readme(module, describe_signatures(export_dir)))
        if os.path.exists(final):
            shutil.rmtree(final)
        os.replace(export_dir, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _readme(module, signatures_markdown) -> str:
    info = module.info
    if not hasattr(module, "tokenizer"):
        loading = f"""Made with `--signatures ids`: every signature takes token ids, so stock
TensorFlow loads it (no tensorflow-text):

    import tensorflow as tf
    model = tf.saved_model.load("{VERSION}")
    model.signatures["serve_ids"](input_ids=..., input_mask=..., segment_ids=...)

Tokenize on the client with the vocabulary in `assets.extra/vocab/` (for example with
`albert-tf tokenize`), packed as `[CLS] text [SEP]`, at most {module.max_seq_length}
tokens. Ids outside the vocabulary are refused. `serve_examples`, where present, reads
int64 features `input_ids`, `input_mask` and `segment_ids` of length
{module.max_seq_length} from each tf.train.Example (the classify/regress APIs)."""
    else:
        loading = f"""The text signatures hold tensorflow-text ops: import `tensorflow_text` before
loading, or load fails with `Op type not registered 'TFText>...'`. A TF Serving binary
needs TF Text's ops linked in; without them, export with `--signatures ids`.

    import tensorflow as tf, tensorflow_text  # tensorflow_text registers the tokenizer ops
    model = tf.saved_model.load("{VERSION}")
    model.signatures["serving_default"](text=tf.constant(["..."]))

Raw text is tokenized inside the graph ({module.tokenizer.kind}, lowercase
{module.tokenizer.do_lower_case}) and packed to {module.max_seq_length} tokens; longer
input is truncated, invalid UTF-8 is replaced by U+FFFD. `serve_ids` takes token ids
and uses only stock TensorFlow ops, but the file as a whole still needs tensorflow-text
to load."""
    return f"""# albert-tf SavedModel ({info['task']})

{loading}

`assets.extra/` holds the vocabulary, the label map (`labels.txt`) and the task settings
(`task.json`).

## Signatures

{signatures_markdown}
"""

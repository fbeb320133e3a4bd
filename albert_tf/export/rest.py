"""TF Serving's REST request and response JSON, applied to a loaded SavedModel signature.

TF Serving's predict API takes a row format (``{"instances": [...]}``, each instance a
dict of named inputs, or a bare value when the signature has one input) or a columnar
format (``{"inputs": {...}}`` or ``{"inputs": value}``), and answers with
``{"predictions": [...]}`` or ``{"outputs": ...}``. Strings may be sent as
``{"b64": "..."}``. This module applies exactly that mapping, so request bodies can be
checked offline against the exported model (the tests do).

Example:
    >>> body = {"signature_name": "serving_default", "instances": [{"text": "great"}]}
    >>> rest_predict(tf.saved_model.load(path), body)          # doctest: +SKIP
    {"predictions": [{"label": 1, "label_name": "1", "probabilities": [...], ...}]}
"""

from __future__ import annotations

import base64

import numpy as np


def _decode(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _tensor(values, spec):
    import tensorflow as tf

    values = _decode(values)
    if spec.dtype == tf.string:
        array = np.array(values, dtype=object)
        return tf.constant(array, tf.string)
    return tf.constant(np.array(values), spec.dtype)


def _jsonable(value):
    array = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
    if array.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8", "replace") if isinstance(b, bytes) else b,
                            otypes=[object])(array).tolist()
    return array.tolist()


def rest_predict(loaded, body: dict) -> dict:
    """Answers a TF Serving REST predict body with a loaded SavedModel's signature."""
    name = body.get("signature_name", "serving_default")
    function = loaded.signatures[name]
    specs = function.structured_input_signature[1]
    if "instances" in body:
        instances = body["instances"]
        if len(specs) == 1 and not (instances and isinstance(instances[0], dict)):
            (key,) = specs
            columns = {key: instances}
        else:
            columns = {key: [instance[key] for instance in instances] for key in specs}
        outputs = function(**{k: _tensor(v, specs[k]) for k, v in columns.items()})
        keys = sorted(outputs)
        rows = [{k: _jsonable(outputs[k])[i] for k in keys} for i in range(len(instances))]
        if len(keys) == 1:
            rows = [row[keys[0]] for row in rows]
        return {"predictions": rows}
    if "inputs" in body:
        inputs = body["inputs"]
        if not isinstance(inputs, dict):
            (key,) = specs
            inputs = {key: inputs}
        outputs = function(**{k: _tensor(v, specs[k]) for k, v in inputs.items()})
        result = {k: _jsonable(v) for k, v in outputs.items()}
        return {"outputs": result[next(iter(result))] if len(result) == 1 else result}
    raise ValueError('a REST predict body holds "instances" or "inputs"')

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
import json

import numpy as np

from albert_tf.errors import graph_error


class BadRequest(ValueError):
    """A body TF Serving would refuse; ``rest_predict`` answers it with ``{"error": ...}``."""


def _decode(value):
    if isinstance(value, dict):
        if set(value) != {"b64"} or not isinstance(value["b64"], str):
            raise BadRequest(f"a string value is a JSON string or {{\"b64\": \"...\"}}, "
                             f"not {str(value)[:80]}")
        try:
            return base64.b64decode(value["b64"], validate=True)
        except ValueError:
            raise BadRequest(f"not base64: {value['b64'][:80]!r}") from None
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _check_values(values, spec, key):
    """Every leaf of ``values`` must be of the input's kind; integers must fit its dtype
    (TF Serving refuses 2.7 or 2**40 for an int32 input rather than cutting them)."""
    import tensorflow as tf

    if isinstance(values, list):
        for value in values:
            _check_values(value, spec, key)
        return
    if spec.dtype == tf.string:
        if not isinstance(values, (str, bytes)):
            raise BadRequest(f"input {key!r} takes strings, got {values!r}")
        return
    if spec.dtype.is_integer:
        if isinstance(values, bool) or not isinstance(values, int):
            raise BadRequest(f"input {key!r} takes integers, got {values!r}")
        if not spec.dtype.min <= values <= spec.dtype.max:
            raise BadRequest(f"input {key!r}: {values} does not fit {spec.dtype.name}")
    elif isinstance(values, bool) or not isinstance(values, (int, float)):
        raise BadRequest(f"input {key!r} takes numbers, got {values!r}")


def _tensor(values, spec, key):
    import tensorflow as tf

    values = _decode(values)
    _check_values(values, spec, key)
    try:
        if spec.dtype == tf.string:
            array = np.array(values, dtype=object)
            return tf.constant(array, tf.string)
        return tf.constant(np.array(values), spec.dtype)
    except ValueError as e:  # ragged lists
        raise BadRequest(f"input {key!r}: {str(e).splitlines()[0]}") from None


def _jsonable(value):
    array = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
    if array.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8", "replace") if isinstance(b, bytes) else b,
                            otypes=[object])(array).tolist()
    return array.tolist()


def rest_predict(loaded, body) -> dict:
    """Answers a TF Serving REST predict body with a loaded SavedModel's signature.

    A malformed body gets TF Serving's error shape, ``{"error": "one line"}``, never an
    exception.
    """
    import tensorflow as tf

    try:
        return _predict(loaded, body)
    except BadRequest as e:
        return {"error": str(e)}
    except (tf.errors.InvalidArgumentError, tf.errors.OutOfRangeError) as e:
        return {"error": graph_error(e)}


def _predict(loaded, body) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the body is a JSON object with \"instances\" or \"inputs\"")
    name = body.get("signature_name", "serving_default")
    if not isinstance(name, str) or name not in loaded.signatures:
        raise BadRequest(f"Serving signature name: {json.dumps(name)} not found in signature "
                         f"def (the model has {', '.join(sorted(loaded.signatures))})")
    function = loaded.signatures[name]
    specs = function.structured_input_signature[1]
    if ("instances" in body) == ("inputs" in body):
        raise BadRequest('a REST predict body holds either "instances" or "inputs"')
    if "instances" in body:
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            raise BadRequest('"instances" is a non-empty list')
        named = [isinstance(instance, dict) for instance in instances]
        if any(named) != all(named):
            raise BadRequest('"instances" are all objects or all bare values, not a mix')
        if not named[0]:
            if len(specs) != 1:
                raise BadRequest(f"bare instances need a signature with one input; {name} has "
                                 f"{', '.join(sorted(specs))}")
            (key,) = specs
            columns = {key: instances}
        else:
            for i, instance in enumerate(instances):
                _same_keys(instance, specs, f"instances[{i}]")
            columns = {key: [instance[key] for instance in instances] for key in specs}
        outputs = function(**{k: _tensor(v, specs[k], k) for k, v in columns.items()})
        keys = sorted(outputs)
        rows = [{k: _jsonable(outputs[k])[i] for k in keys} for i in range(len(instances))]
        if len(keys) == 1:
            rows = [row[keys[0]] for row in rows]
        return {"predictions": rows}
    inputs = body["inputs"]
    if not isinstance(inputs, dict) or set(inputs) == {"b64"}:
        if len(specs) != 1:
            raise BadRequest(f"a bare \"inputs\" value needs a signature with one input; "
                             f"{name} has {', '.join(sorted(specs))}")
        (key,) = specs
        inputs = {key: inputs}
    _same_keys(inputs, specs, '"inputs"')
    outputs = function(**{k: _tensor(v, specs[k], k) for k, v in inputs.items()})
    result = {k: _jsonable(v) for k, v in outputs.items()}
    return {"outputs": result[next(iter(result))] if len(result) == 1 else result}


def rest_classify(loaded, body) -> dict:
    """Answers a TF Serving REST ``:classify`` (or ``:regress``) body.

    The body is ``{"signature_name": "serve_examples", "examples": [{"text": "..."}]}``
    (``context`` features are merged into each example, as TF Serving does); each example
    becomes a serialized ``tf.train.Example``. Classify answers
    ``{"results": [[[class, score], ...], ...]}``, regress ``{"results": [value, ...]}``.
    A malformed body gets ``{"error": "..."}``.
    """
    import tensorflow as tf

    try:
        if not isinstance(body, dict):
            raise BadRequest("the body is a JSON object with \"examples\"")
        name = body.get("signature_name", "serving_default")
        if not isinstance(name, str) or name not in loaded.signatures:
            raise BadRequest(f"Serving signature name: {json.dumps(name)} not found in "
                             f"signature def (the model has "
                             f"{', '.join(sorted(loaded.signatures))})")
        function = loaded.signatures[name]
        if set(function.structured_input_signature[1]) != {"inputs"}:
            raise BadRequest(f"signature {name} does not take tf.train.Examples; use "
                             "serve_examples")
        examples, context = body.get("examples"), body.get("context", {})
        if not isinstance(examples, list) or not examples or not isinstance(context, dict):
            raise BadRequest('"examples" is a non-empty list of objects ("context" an object)')
        serialized = [_example({**context, **example}, i) for i, example in enumerate(examples)]
        outputs = function(inputs=tf.constant(serialized))
        if "classes" in outputs:
            classes, scores = _jsonable(outputs["classes"]), _jsonable(outputs["scores"])
            return {"results": [[[c, s] for c, s in zip(cs, ss)]
                                for cs, ss in zip(classes, scores)]}
        return {"results": _jsonable(outputs["outputs"])}
    except BadRequest as e:
        return {"error": str(e)}
    except (tf.errors.InvalidArgumentError, tf.errors.OutOfRangeError) as e:
        return {"error": graph_error(e)}


def _example(features, index) -> bytes:
    """One REST example (``{"name": value or [values] or {"b64": ...}}``) serialized."""
    import tensorflow as tf

    if not isinstance(features, dict):
        raise BadRequest(f"examples[{index}] is not an object")
    feature = {}
    for key, value in features.items():
        values = value if isinstance(value, list) else [value]
        values = [_decode(v) for v in values]
        if all(isinstance(v, (str, bytes)) for v in values):
            feature[key] = tf.train.Feature(bytes_list=tf.train.BytesList(
                value=[v.encode("utf-8") if isinstance(v, str) else v for v in values]))
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            feature[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            feature[key] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
        else:
            raise BadRequest(f"examples[{index}].{key}: strings, integers or floats, got "
                             f"{str(value)[:80]}")
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _same_keys(given: dict, specs: dict, where: str) -> None:
    missing, unknown = sorted(set(specs) - set(given)), sorted(set(given) - set(specs))
    if missing or unknown:
        raise BadRequest(f"{where}: " + "; ".join(
            part for part in (f"missing input(s) {', '.join(missing)}" if missing else "",
                              f"unknown input(s) {', '.join(unknown)}" if unknown else "")
            if part) + f" (the signature takes {', '.join(sorted(specs))})")

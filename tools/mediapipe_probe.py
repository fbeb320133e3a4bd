"""Probe for issue 20: MediaPipe's own metadata writer and TextClassifier on our TFLite file.

Not part of the package or the tests yet. Run it in a separate environment that has
``mediapipe==1.2.2`` (``python3 -m venv /tmp/mp && /tmp/mp/bin/pip install
mediapipe==1.2.2``), on a classifier exported by ``albert-tf export``:

    /tmp/mp/bin/python tools/mediapipe_probe.py EXPORT/tflite/model.float32.tflite \\
        MODEL_DIR/vocab/VOCAB.model "a gorgeous, witty film" ...

What it showed on 2026-12-05 (the ``albert-tf demo --quick`` SST-2 model):

- mediapipe 1.2.2's ``metadata_writers`` fail to import: ``metadata.py`` imports
  ``mediapipe.tasks.cc.metadata.python._pywrap_metadata_version``, which the wheel does not
  ship. A stand-in for its one function (``GetMinimumMetadataParserVersion``) lets the
  writer run.
- ``text_classifier.MetadataWriter.create_for_bert_model`` with a
  ``SentencePieceTokenizer`` entry, the labels and our ``serve_ids`` tensor names writes a
  file that ``TextClassifier.create_from_options`` loads and runs.
- The scores it reports are our logits (no softmax in the file). Their softmax equals
  ``albert-tf predict`` to 6 decimals on the sentences tried, and capitalised input scores
  as the lowercase one does.
- On a model with ``max_position_embeddings`` 64 (the export tests' tiny classifier) the
  same metadata loads but ``classify`` fails: "gather index out of bounds" in the position
  embeddings. Our files take ``[1, any]`` ids, and MediaPipe then feeds a longer sequence
  than the model has positions. The files MediaPipe gets need a fixed ``[1,
  max_seq_length]`` input (the starter, with 512 positions, happened to work).
"""

import sys
import types


def _metadata_version_stand_in():
    """The compiled module mediapipe 1.2.2 imports but does not ship."""
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    module = types.ModuleType(name)
    module.GetMinimumMetadataParserVersion = lambda *args: "1.5.0"
    for parent in ("mediapipe.tasks.cc", "mediapipe.tasks.cc.metadata",
                   "mediapipe.tasks.cc.metadata.python"):
        sys.modules.setdefault(parent, types.ModuleType(parent))
    sys.modules[name] = module


def main(tflite_path, spm_path, *texts):
    import numpy as np

    _metadata_version_stand_in()
    from mediapipe.tasks.python.core import base_options
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, text_classifier
    from mediapipe.tasks.python.text import text_classifier as task

    with open(tflite_path, "rb") as f:
        buffer = bytearray(f.read())
    writer = text_classifier.MetadataWriter.create_for_bert_model(
        buffer, metadata_writer.SentencePieceTokenizer(spm_path),
        metadata_writer.Labels().add(["0", "1"]), ids_name="serve_ids_input_ids:0",
        mask_name="serve_ids_input_mask:0", segment_name="serve_ids_segment_ids:0")
    model, _ = writer.populate()
    out = tflite_path.replace(".tflite", ".mediapipe.tflite")
    with open(out, "wb") as f:
        f.write(model)
    options = task.TextClassifierOptions(base_options=base_options.BaseOptions(
        model_asset_path=out))
    classifier = task.TextClassifier.create_from_options(options)
    for text in texts:
        categories = sorted(classifier.classify(text).classifications[0].categories,
                            key=lambda c: c.index)
        logits = np.array([c.score for c in categories])
        probabilities = np.exp(logits - logits.max())
        print(text, (probabilities / probabilities.sum()).round(6).tolist())
    classifier.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

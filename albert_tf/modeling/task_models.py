"""Fine-tuning models: the encoder with a classification, tagging or span head.

Head layers carry fixed names that the checkpoint converters map:
``classifier`` (sequence and token classification, as Hugging Face's
``classifier``; the original ALBERT classifier's ``output_weights``/``output_bias``)
and ``qa_outputs`` (SQuAD start/end, as Hugging Face's; the original's
``cls/squad/output_weights``).
"""

import keras
from keras import ops

from albert_tf.modeling.encoder import INPUT_NAMES, AlbertEncoder, as_config, encoder_inputs, select_inputs
from albert_tf.modeling.layers import truncated_normal


class _TaskModel(keras.Model):
    """A functional model wrapping an ``AlbertEncoder``; rebuilt from its config."""

    def call(self, inputs, training=None, mask=None):
        return super().call(select_inputs(inputs, INPUT_NAMES, self.name), training=training, mask=mask)

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name, "trainable": self.trainable,
                **self._head_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class _LabelHeadModel(_TaskModel):
    """Encoder output (``OUTPUT``) -> dropout -> Dense(num_labels) named ``classifier``."""

    OUTPUT = "pooled_output"

    def __init__(self, config, num_labels, classifier_dropout=0.1, encoder=None, name=None,
                 **kwargs):
        config = as_config(config)
        encoder = encoder or AlbertEncoder(config)
        dropout = keras.layers.Dropout(classifier_dropout, name="classifier_dropout")
        classifier = keras.layers.Dense(
            num_labels, kernel_initializer=truncated_normal(config.initializer_range),
            name="classifier")
        inputs = encoder_inputs()
        outputs = {"logits": classifier(dropout(encoder(inputs)[self.OUTPUT]))}
        super().__init__(inputs=inputs, outputs=outputs, name=name or self.DEFAULT_NAME, **kwargs)
        self.config, self.encoder, self.classifier = config, encoder, classifier
        self._head_config = {"num_labels": num_labels, "classifier_dropout": classifier_dropout}


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertClassifier(_LabelHeadModel):
    """Sequence classification or regression: dropout + Dense on the pooled output.

    Args:
        config: an ``AlbertConfig`` (or dict).
        num_labels: classes (1 for regression).
        classifier_dropout: dropout before the classifier (0.1 in the original).
        encoder: an existing ``AlbertEncoder`` to reuse.

    Outputs: ``{"logits": [batch, num_labels]}``.
    """

    OUTPUT = "pooled_output"
    DEFAULT_NAME = "albert_classifier"


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertTagger(_LabelHeadModel):
    """Token classification (NER): dropout + Dense on every position's vector.

    Arguments as ``AlbertClassifier``. Outputs: ``{"logits": [batch, seq_len, num_labels]}``.
    """

    OUTPUT = "sequence_output"
    DEFAULT_NAME = "albert_tagger"


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertSpanExtractor(_TaskModel):
    """Extractive QA (SQuAD): one Dense(2) on every position gives start and end logits.

    Padding positions get -10000 added, so they never win a softmax. Position 0
    ([CLS]) carries the SQuAD 2.0 no-answer score (start_logits[0] + end_logits[0]).

    Outputs: ``{"start_logits": [batch, seq_len], "end_logits": [batch, seq_len]}``.
    """

    def __init__(self, config, encoder=None, name="albert_span_extractor", **kwargs):
        config = as_config(config)
        encoder = encoder or AlbertEncoder(config)
        qa_outputs = keras.layers.Dense(
            2, kernel_initializer=truncated_normal(config.initializer_range), name="qa_outputs")
        inputs = encoder_inputs()
        logits = qa_outputs(encoder(inputs)["sequence_output"])
        penalty = (1.0 - ops.cast(inputs["input_mask"], logits.dtype)) * -10000.0
        outputs = {"start_logits": logits[:, :, 0] + penalty, "end_logits": logits[:, :, 1] + penalty}
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)
        self.config, self.encoder, self.qa_outputs = config, encoder, qa_outputs
        self._head_config = {}

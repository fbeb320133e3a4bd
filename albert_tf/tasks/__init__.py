"""The fine-tuning tasks: one package each, found through ``registry.py``.

    classification/   text classification and regression (TextClassifier)
    ner/              named entities, CoNLL-style tags (TokenClassifier)
    squad/            extractive question answering, SQuAD 1.1 / 2.0 (QuestionAnswerer)
    pretraining/      masked-LM + sentence-order pretraining
    registry.py       task name -> package; read by model_dir, export, convert and the CLI
    base.py           what every task shares; the interface a task package provides
    finetuning.py     finetune / evaluate / predict of any registered task
    options.py        the declaration of a task's own options (the CLI's flags)
    task_model.py     what the three Keras task classes share

The flat module names of release 0.1 (``albert_tf.tasks.ner_data`` and the like) still
import, with a DeprecationWarning, for one release.
"""

import importlib
import importlib.abc
import importlib.util
import warnings

# Module names of release 0.1 -> where the code is now (under albert_tf.tasks).
MOVED = {
    "classification_data": "classification.data",
    "classification_metrics": "classification.metrics",
    "classification_serving": "classification.serving",
    "text_classifier": "classification.text_classifier",
    "ner_data": "ner.data",
    "ner_align": "ner.align",
    "ner_text": "ner.text",
    "ner_serving": "ner.serving",
    "conlleval": "ner.conlleval",
    "token_classifier": "ner.token_classifier",
    "squad_data": "squad.data",
    "squad_features": "squad.features",
    "squad_decode": "squad.decode",
    "squad_eval": "squad.metrics",
    "squad_serving": "squad.serving",
    "question_answerer": "squad.question_answerer",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module name as an alias of the module that replaced it."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package == __name__ and name in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None  # a fresh module, filled in by exec_module

    def exec_module(self, module):
        new = f"{__name__}.{MOVED[module.__name__.rpartition('.')[2]]}"
        warnings.warn(f"{module.__name__} is now {new}; the old name goes in the next "
                      "release", DeprecationWarning, stacklevel=2)
        target = importlib.import_module(new)
        module.__dict__.update({k: v for k, v in vars(target).items()
                                if not k.startswith("__")})
        module.__getattr__ = lambda attr: getattr(target, attr)


if not any(isinstance(finder, _MovedModules) for finder in __import__("sys").meta_path):
    __import__("sys").meta_path.append(_MovedModules())

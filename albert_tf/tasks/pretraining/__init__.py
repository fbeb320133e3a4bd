"""The pretraining task: masked-LM + sentence-order prediction from TFRecords.

    model.py     AlbertPretrainer with its losses and metrics (compile_pretrainer)
    records.py   the records' sizes and metadata, checks, the damaged file's name
    run.py       PretrainSettings and pretrain: resuming, strategies, model.fit
"""

from albert_tf.tasks.base import load_init_checkpoint, resolve_jit  # noqa: F401 (0.1 names)
from albert_tf.tasks.pretraining.model import build_model, compile_pretrainer  # noqa: F401
from albert_tf.tasks.pretraining.records import (  # noqa: F401
    check_records, damaged_record_file, record_sizes, records_metadata,
)
from albert_tf.tasks.pretraining.run import (  # noqa: F401
    PATH_KEYS, RESUME_KEYS, PretrainSettings, dynamic_masking, pretrain,
    refuse_changed_resume,
)

NAME = "pretraining"
SERVING = "albert_tf.export.encoder_serving"


def model_classes():
    from albert_tf.modeling import AlbertPretrainer

    return (AlbertPretrainer,)

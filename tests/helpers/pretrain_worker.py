"""Runs ``pretrain`` in its own process and saves the final weights (for distributed tests).

usage: pretrain_worker.py OUT.npz CONFIG TRAIN_GLOB MODEL_DIR STRATEGY [JSON_SETTINGS]
"""

import json
import sys

import numpy as np

from albert_tf.tasks.pretraining import PretrainSettings, pretrain

out, config, data, model_dir, strategy = sys.argv[1:6]
extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
settings = dict(steps=12, checkpoint_every=6, batch_size=16, learning_rate=5e-3,
                warmup_steps=2, verbose=0)
settings.update(extra)
history = pretrain(PretrainSettings(albert_config=config, train_data=data, model_dir=model_dir,
                                    strategy=strategy, **settings), print_fn=lambda *a: None)
np.savez(out, *[np.asarray(w) for w in history.model.get_weights()])
print(json.dumps({"loss": history.history["loss"]}))

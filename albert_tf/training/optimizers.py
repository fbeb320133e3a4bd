"""The original ALBERT optimizers and schedule, on top of Keras' own.

The original (``optimization.py`` and ``lamb_optimizer.py`` of google-research/albert)
uses, for both optimizers: beta_1 0.9, beta_2 0.999, epsilon 1e-6, no bias
correction, weight decay 0.01 skipped for variables whose name contains
"LayerNorm", "layer_norm" or "bias", gradients clipped to global norm 1.0, and a
learning rate that rises linearly over the warm-up steps and then decays
polynomially (power 1) to 0 at the last step, counted from step 0.

Keras supplies clipping (``global_clipnorm``), decoupled weight decay with
exclusions, gradient accumulation and loss scaling; what it lacks is written here:
the warm-up + polynomial schedule, Adam without bias correction, and LAMB whose
weight decay sits inside the trust ratio and which skips the ratio for the
excluded variables.
"""

from __future__ import annotations

import re

import keras
from keras import ops

from albert_tf.errors import AlbertTfError

DECAY_EXCLUDE = ("LayerNorm", "layer_norm", "bias")


@keras.saving.register_keras_serializable(package="albert_tf")
class WarmupPolynomialDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0, then Keras' ``PolynomialDecay`` to ``end_learning_rate``.

    Args:
        learning_rate: the peak rate.
        total_steps: step at which the rate reaches ``end_learning_rate``.
        warmup_steps: steps of linear warm-up (rate = peak * step / warmup_steps).
        power: polynomial power (1 = linear decay).
        end_learning_rate: final rate.
        step_divisor: optimizer iterations per schedule step (the gradient
            accumulation steps: Keras counts micro-batches).

    Example:
        >>> schedule = WarmupPolynomialDecay(1e-3, total_steps=100, warmup_steps=10)
        >>> round(float(schedule(5)), 6), round(float(schedule(55)), 6)
        (0.0005, 0.00045)
    """

    def __init__(self, learning_rate, total_steps, warmup_steps=0, power=1.0,
                 end_learning_rate=0.0, step_divisor=1):
        self.learning_rate = float(learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.power = float(power)
        self.end_learning_rate = float(end_learning_rate)
        self.step_divisor = int(step_divisor)
        self._decay = keras.optimizers.schedules.PolynomialDecay(
            self.learning_rate, max(self.total_steps, 1), self.end_learning_rate, self.power
        )

    def __call__(self, step):
        step = ops.floor_divide(ops.cast(step, "int64"), self.step_divisor)
        step = ops.cast(step, "float32")
        decayed = self._decay(step)
        if not self.warmup_steps:
            return decayed
        warm = self.learning_rate * step / float(self.warmup_steps)
        return ops.where(step < float(self.warmup_steps), warm, decayed)

    def get_config(self):
        return {
            "learning_rate": self.learning_rate, "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps, "power": self.power,
            "end_learning_rate": self.end_learning_rate, "step_divisor": self.step_divisor,
        }


def _moments(optimizer, gradient, variable):
    m = optimizer._momentums[optimizer._get_variable_index(variable)]
    v = optimizer._velocities[optimizer._get_variable_index(variable)]
    optimizer.assign(m, optimizer.beta_1 * m + (1.0 - optimizer.beta_1) * gradient)
    optimizer.assign(v, optimizer.beta_2 * v + (1.0 - optimizer.beta_2) * ops.square(gradient))
    return m / (ops.sqrt(v) + optimizer.epsilon)


@keras.saving.register_keras_serializable(package="albert_tf")
class AdamWeightDecay(keras.optimizers.AdamW):
    """Keras ``AdamW`` with the original's update: Adam without bias correction.

    Weight decay, its exclusions, clipping and accumulation are Keras' own.
    """

    def update_step(self, gradient, variable, learning_rate):
        gradient = ops.cast(gradient, variable.dtype)
        update = _moments(self, gradient, variable)
        self.assign_sub(variable, ops.cast(learning_rate, variable.dtype) * update)


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertLamb(keras.optimizers.Lamb):
    """Keras ``Lamb`` with the original's update.

    No bias correction; the weight decay is added to the update before the trust
    ratio ``||w|| / ||update||`` is taken; excluded variables (LayerNorm, bias) get
    neither decay nor the ratio.

    Args:
        lamb_weight_decay: the decay rate inside the update (0.01 in the original).
        Other arguments are those of ``keras.optimizers.Lamb``; leave
        ``weight_decay`` unset (Keras' own decay would be applied a second time).
    """

    def __init__(self, lamb_weight_decay=0.01, **kwargs):
        super().__init__(**kwargs)
        self.lamb_weight_decay = float(lamb_weight_decay)

    def update_step(self, gradient, variable, learning_rate):
        gradient = ops.cast(gradient, variable.dtype)
        update = _moments(self, gradient, variable)
        lr = ops.cast(learning_rate, variable.dtype)
        if not self._use_weight_decay(variable):
            self.assign_sub(variable, lr * update)
            return
        update = update + self.lamb_weight_decay * variable
        w_norm = ops.sqrt(ops.sum(ops.square(variable)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        ratio = ops.where(w_norm > 0, ops.where(u_norm > 0, w_norm / u_norm, 1.0), 1.0)
        self.assign_sub(variable, ratio * lr * update)

    def get_config(self):
        config = super().get_config()
        config["lamb_weight_decay"] = self.lamb_weight_decay
        return config


def excluded_variables(variables, patterns=DECAY_EXCLUDE):
    """Variables whose path matches a pattern (the original matches variable names)."""
    regex = re.compile("|".join(patterns))
    return [v for v in variables if regex.search(v.path)]


def make_optimizer(name: str, variables, learning_rate: float, total_steps: int,
                   warmup_steps: int = 0, weight_decay: float = 0.01,
                   gradient_accumulation_steps: int = 1, clipnorm: float = 1.0,
                   epsilon: float = 1e-6, power: float = 1.0):
    """Builds "lamb" or "adamw" as the original configures them.

    Args:
        name: "lamb" or "adamw".
        variables: the model's trainable variables (to find the excluded ones).
        learning_rate: peak rate.
        total_steps: optimizer updates in the whole run (the rate ends at 0 there).
        warmup_steps: updates of linear warm-up.
        weight_decay: decay rate (0 turns it off).
        gradient_accumulation_steps: micro-batches per update (1 = none).
        clipnorm: global-norm clipping threshold.
        epsilon, power: Adam epsilon and schedule power.

    Returns:
        a Keras optimizer.
    """
    accumulation = int(gradient_accumulation_steps)
    if accumulation < 1:
        raise AlbertTfError(f"--gradient-accumulation-steps must be at least 1, got {accumulation}")
    schedule = WarmupPolynomialDecay(learning_rate, total_steps, warmup_steps, power=power,
                                     step_divisor=accumulation)
    common = dict(
        learning_rate=schedule, beta_1=0.9, beta_2=0.999, epsilon=epsilon,
        global_clipnorm=clipnorm,
        gradient_accumulation_steps=accumulation if accumulation > 1 else None,
    )
    if name == "adamw":
        optimizer = AdamWeightDecay(weight_decay=float(weight_decay), **common)
    elif name == "lamb":
        optimizer = AlbertLamb(lamb_weight_decay=weight_decay, **common)
    else:
        raise AlbertTfError(f"--optimizer must be 'lamb' or 'adamw', not {name!r}")
    optimizer.exclude_from_weight_decay(var_list=excluded_variables(variables))
    return optimizer

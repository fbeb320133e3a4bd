"""The original ALBERT optimizers and schedule, on top of Keras' own.

The original (``optimization.py`` and ``lamb_optimizer.py`` of google-research/albert)
uses, for both optimizers: beta_1 0.9, beta_2 0.999, epsilon 1e-6, no bias
correction, weight decay 0.01 skipped for variables whose name contains
"LayerNorm", "layer_norm" or "bias", gradients clipped to global norm 1.0, and a
learning rate that rises linearly over the warm-up steps and then decays
polynomially (power 1) to 0 at the last step, counted from step 0.

Keras supplies decoupled weight decay with exclusions, gradient accumulation and
loss scaling; what it lacks is written here: the warm-up + polynomial schedule,
Adam without bias correction, LAMB whose weight decay sits inside the trust ratio
and which skips the ratio for the excluded variables, and global-norm clipping of
the gradient summed over replicas (Keras clips each replica's share).
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
        step = ops.floor_divide(ops.cast(step, "int32"), self.step_divisor)
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


def clip_by_global_norm(grads, clip_norm):
    """``g · clip_norm / max(||all g||, clip_norm)``, as ``tf.clip_by_global_norm``."""
    present = [g for g in grads if g is not None]
    if not present:
        return grads
    norm = ops.sqrt(sum(ops.sum(ops.square(ops.cast(g, "float32"))) for g in present))
    scale = clip_norm / ops.maximum(norm, clip_norm)
    return [None if g is None else g * ops.cast(scale, g.dtype) for g in grads]


class _ClipAfterAllReduce:
    """Works on the dense gradient of the global batch: summed over replicas, then clipped.

    Two things would otherwise make N replicas train differently from one device
    with the same batch:

    * Keras clips each replica's gradient before the all-reduce; we clip after it.
      (On TPU the original clipped per core; on one device the two are the same.)
    * Embedding gradients arrive as ``tf.IndexedSlices`` with one slice per token
      occurrence. ``keras.ops`` squares such slices value by value, so a repeated
      token's Adam second moment (and a clipping norm) would use the sum of
      squares instead of the square of the sum, and the result would depend on
      how occurrences are spread over replicas. We sum the slices into a dense
      tensor first, as ``tf.square`` on the original's gradients did.

    The TensorFlow backend sums the replicas' gradients in
    ``_all_reduce_sum_gradients``; other backends have no replicas and clip where
    Keras does.
    """

    def _clip_gradients(self, grads):
        if keras.backend.backend() == "tensorflow" or not self.clip_norm_after_reduce:
            return grads
        return clip_by_global_norm(grads, self.clip_norm_after_reduce)

    def _all_reduce_sum_gradients(self, grads_and_vars):
        import tensorflow as tf

        grads_and_vars = [
            (tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g, v)
            for g, v in grads_and_vars
        ]
        reduced = super()._all_reduce_sum_gradients(grads_and_vars)
        if not self.clip_norm_after_reduce:
            return reduced
        grads = clip_by_global_norm([g for g, _ in reduced], self.clip_norm_after_reduce)
        return [(g, v) for g, (_, v) in zip(grads, reduced)]


def _moments(optimizer, gradient, variable):
    m = optimizer._momentums[optimizer._get_variable_index(variable)]
    v = optimizer._velocities[optimizer._get_variable_index(variable)]
    optimizer.assign(m, optimizer.beta_1 * m + (1.0 - optimizer.beta_1) * gradient)
    optimizer.assign(v, optimizer.beta_2 * v + (1.0 - optimizer.beta_2) * ops.square(gradient))
    if getattr(optimizer, "bias_correction", False):
        # Adam's bias correction (Kingma & Ba), which the original ALBERT code leaves out.
        step = ops.cast(optimizer.iterations + 1, variable.dtype)
        m_hat = m / (1.0 - ops.power(ops.cast(optimizer.beta_1, variable.dtype), step))
        v_hat = v / (1.0 - ops.power(ops.cast(optimizer.beta_2, variable.dtype), step))
        return m_hat / (ops.sqrt(v_hat) + optimizer.epsilon)
    return m / (ops.sqrt(v) + optimizer.epsilon)


@keras.saving.register_keras_serializable(package="albert_tf")
class AdamWeightDecay(_ClipAfterAllReduce, keras.optimizers.AdamW):
    """Keras ``AdamW`` with the original's update: Adam without bias correction.

    Weight decay, its exclusions and accumulation are Keras' own; clipping to
    ``clip_norm`` happens on the global gradient (see ``_ClipAfterAllReduce``).
    """

    def __init__(self, clip_norm=1.0, bias_correction=False, **kwargs):
        super().__init__(**kwargs)
        self.clip_norm_after_reduce = float(clip_norm or 0.0)
        self.bias_correction = bool(bias_correction)

    def get_config(self):
        config = super().get_config()
        config["clip_norm"] = self.clip_norm_after_reduce
        config["bias_correction"] = self.bias_correction
        return config

    def update_step(self, gradient, variable, learning_rate):
        gradient = ops.cast(gradient, variable.dtype)
        update = _moments(self, gradient, variable)
        self.assign_sub(variable, ops.cast(learning_rate, variable.dtype) * update)


@keras.saving.register_keras_serializable(package="albert_tf")
class AlbertLamb(_ClipAfterAllReduce, keras.optimizers.Lamb):
    """Keras ``Lamb`` with the original's update.

    No bias correction; the weight decay is added to the update before the trust
    ratio ``||w|| / ||update||`` is taken; excluded variables (LayerNorm, bias) get
    neither decay nor the ratio.

    Args:
        lamb_weight_decay: the decay rate inside the update (0.01 in the original).
        clip_norm: global-norm clipping of the global gradient (0 = none).
        Other arguments are those of ``keras.optimizers.Lamb``; leave
        ``weight_decay`` unset (Keras' own decay would be applied a second time).
    """

    def __init__(self, lamb_weight_decay=0.01, clip_norm=1.0, bias_correction=False, **kwargs):
        super().__init__(**kwargs)
        self.lamb_weight_decay = float(lamb_weight_decay)
        self.clip_norm_after_reduce = float(clip_norm or 0.0)
        self.bias_correction = bool(bias_correction)

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
        config["clip_norm"] = self.clip_norm_after_reduce
        config["bias_correction"] = self.bias_correction
        return config


def excluded_variables(variables, patterns=DECAY_EXCLUDE):
    """Variables whose path matches a pattern (the original matches variable names)."""
    regex = re.compile("|".join(patterns))
    return [v for v in variables if regex.search(v.path)]


def make_optimizer(name: str, variables, learning_rate: float, total_steps: int,
                   warmup_steps: int = 0, weight_decay: float = 0.01,
                   gradient_accumulation_steps: int = 1, clipnorm: float = 1.0,
                   epsilon: float = 1e-6, power: float = 1.0, bias_correction: bool = False):
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
        bias_correction: Adam's bias correction, absent from the original. Without
            it the first few hundred updates are up to ~6x larger than the learning
            rate suggests, which the original offsets with small rates and long
            warm-up; small models trained briefly with larger rates want it on.

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
        clip_norm=clipnorm, bias_correction=bias_correction,
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

"""`tf.keras.optimizers.schedules`: Keras 2's learning-rate schedules, callables `step -> learning rate` with a
config. Given as a Keras optimizer's `learning_rate`, a schedule is evaluated at the optimizer's `iterations`
(an int64 variable the optimizer creates and each training step increments), as in Keras. The formulas are
tf.train's (graphgrad/train/learning_rate.py), which these reuse."""
from __future__ import annotations

from ..ops import math_ops
from ..ops.core import convert_to_tensor
from ..ops.select_ops import where
from ..train import learning_rate as _tf1
from . import serialization as _s


class LearningRateSchedule:
    """Base class: `__call__(step)` returns the learning rate (a scalar tensor); `get_config` for saving."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, "
                                  "step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate · decay_rate ^ (step / decay_steps) (an integer division when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        return _tf1.exponential_decay(self.initial_learning_rate, step, self.decay_steps, self.decay_rate,
                                      self.staircase, name=self.name or "ExponentialDecay")

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while boundaries[i-1] < step <= boundaries[i]."""

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        return _tf1.piecewise_constant(step, self.boundaries, self.values, name=self.name or "PiecewiseConstant")

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From initial_learning_rate to end_learning_rate over decay_steps along (1 - step / decay_steps) ^ power;
    `cycle` restarts it with a longer period instead of staying at the end."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        return _tf1.polynomial_decay(self.initial_learning_rate, step, self.decay_steps, self.end_learning_rate,
                                     self.power, self.cycle, name=self.name or "PolynomialDecay")

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate · step / decay_steps) (an integer division when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        return _tf1.inverse_time_decay(self.initial_learning_rate, step, self.decay_steps, self.decay_rate,
                                       self.staircase, name=self.name or "InverseTimeDecay")

    get_config = ExponentialDecay.get_config


class CosineDecay(LearningRateSchedule):
    """A half cosine from the rate down to alpha · rate over decay_steps; with `warmup_target`, first a linear
    ramp from initial_learning_rate to warmup_target over warmup_steps, then the cosine from warmup_target."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = (initial_learning_rate, decay_steps,
                                                                               alpha, name)
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        name = self.name or "CosineDecay"
        if self.warmup_target is None:
            return _tf1.cosine_decay(self.initial_learning_rate, step, self.decay_steps, self.alpha, name=name)
        initial = convert_to_tensor(self.initial_learning_rate, name="initial_learning_rate")
        dtype = initial.dtype.base_dtype
        step = math_ops.minimum(math_ops.cast(step, dtype), float(self.decay_steps + self.warmup_steps))
        target = convert_to_tensor(self.warmup_target, dtype=dtype)
        warmup = convert_to_tensor(float(self.warmup_steps), dtype=dtype)
        ramp = (target - initial) * (step / warmup) + initial
        decay = _tf1.cosine_decay(target, step - warmup, self.decay_steps, self.alpha, name=name)
        return where(math_ops.less(step, warmup), ramp, decay)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decays (SGDR) over periods first_decay_steps · t_mul^i, the i-th from initial_learning_rate · m_mul^i."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        return _tf1.cosine_decay_restarts(self.initial_learning_rate, step, self.first_decay_steps, self._t_mul,
                                          self._m_mul, self.alpha, name=self.name or "SGDRDecay")

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_OBJECTS = {c.__name__: c for c in (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule, use_legacy_format=False):
    return _s.serialize_keras_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    return _s.deserialize_keras_object(config, _OBJECTS, custom_objects, "decay")


__all__ = [*_OBJECTS, "serialize", "deserialize"]

"""TF 1's loss scaling for float16 training (`tf.mixed_precision`, `tf.mixed_precision.experimental`): the loss is
multiplied by a scale before differentiation so small float16 gradients do not flush to zero, and the gradients are
divided by it again before they are applied.

`FixedLossScale(value)` keeps one scale. `DynamicLossScale(initial_loss_scale=2**15, increment_period=2000,
multiplier=2.0)` keeps it in two non-trainable variables (`current_loss_scale`, `good_steps`, as TF names them):
after `increment_period` steps whose gradients are all finite it multiplies the scale by `multiplier`; a step with
an inf or NaN divides it (not below 1) and is skipped. `MixedPrecisionLossScaleOptimizer(opt, loss_scale)` wraps an
optimizer with that arithmetic, TF's formulas and update order.
"""
from __future__ import annotations

import abc

from ..framework import dtypes
from ..ops import nest
from ..ops.arithmetic_ops import maximum, multiply, realdiv
from ..ops.array_ops import stack
from ..ops.cast_ops import cast
from ..ops.control_flow_ops import cond
from ..ops.core import constant, convert_to_tensor, group, identity, no_op, with_dependencies
from ..ops.reduction_ops import reduce_all
from ..ops.select_ops import where_v2
from ..ops.unary_ops import is_finite
from ..train.optimizer import Optimizer

__all__ = ["DynamicLossScale", "FixedLossScale", "LossScale", "MixedPrecisionLossScaleOptimizer"]


class LossScale(abc.ABC):
    """The base class (abstract, as TF's): `__call__()` is the current scale (a float32 tensor), `update(grads)`
    the op that adapts it and whether the gradients should be applied, `get_config()` / `from_config()` its
    constructor arguments."""

    @abc.abstractmethod
    def __call__(self):
        """The current loss scale."""

    @abc.abstractmethod
    def update(self, grads):
        """(update_op, should_apply_gradients)."""

    @abc.abstractmethod
    def get_config(self):
        """The constructor's arguments."""

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class FixedLossScale(LossScale):
    def __init__(self, loss_scale_value):
        if not isinstance(loss_scale_value, (int, float)):
            raise ValueError(f"loss_scale_value must be a Python int or float, but got {loss_scale_value}")
        if loss_scale_value < 1:
            raise ValueError(f"loss_scale_value must be at least 1, but got {loss_scale_value}")
        self._loss_scale_value = float(loss_scale_value)

    def __call__(self):
        return convert_to_tensor(self._loss_scale_value)

    def update(self, grads):
        del grads
        return no_op(), True

    def get_config(self):
        return {"loss_scale_value": self._loss_scale_value}

    def __repr__(self):
        return f"FixedLossScale({self._loss_scale_value})"


def _all_finite(grads):
    flat = [g for g in nest.flatten(grads) if g is not None]
    return reduce_all(stack([reduce_all(is_finite(g)) for g in flat])) if flat else constant(True)


class DynamicLossScale(LossScale):
    def __init__(self, initial_loss_scale=2 ** 15, increment_period=2000, multiplier=2.0):
        from ..variables import Variable

        self._initial_loss_scale = float(initial_loss_scale)
        self._increment_period = int(increment_period)
        self._multiplier = float(multiplier)
        self._current_loss_scale = Variable(self._initial_loss_scale, name="current_loss_scale", trainable=False,
                                            dtype=dtypes.float32)
        self._num_good_steps = Variable(0, name="good_steps", trainable=False, dtype=dtypes.int64)

    initial_loss_scale = property(lambda self: self._initial_loss_scale)
    increment_period = property(lambda self: self._increment_period)
    multiplier = property(lambda self: self._multiplier)

    def __call__(self):
        return self._current_loss_scale.read_value() if hasattr(self._current_loss_scale, "read_value") else \
            convert_to_tensor(self._current_loss_scale)

    def update(self, grads):
        """(update_op, should_apply_gradients): TF's rule (see the module)."""
        from ..ops.state_ops import assign, assign_add

        finite = _all_finite(grads)
        scale, good = self._current_loss_scale, self._num_good_steps

        def after(ops):  # graphgrad's cond returns tensors: the scale, read after the branch's assignments
            return with_dependencies(ops, identity(scale))

        def on_finite():
            def grow():
                bigger = multiply(scale, self._multiplier)
                return after([assign(scale, where_v2(is_finite(bigger), bigger, identity(scale))), assign(good, 0)])
            return cond(good + 1 >= self._increment_period, grow, lambda: after([assign_add(good, 1)]))

        def on_overflow():
            return after([assign(good, 0), assign(scale, maximum(realdiv(scale, self._multiplier), 1.0))])
        return cond(finite, on_finite, on_overflow), finite

    def get_config(self):
        return {"initial_loss_scale": self._initial_loss_scale, "increment_period": self._increment_period,
                "multiplier": self._multiplier}


def _as(t, dtype):
    return t if t.dtype.base_dtype == dtype else cast(t, dtype)


def as_loss_scale(loss_scale):
    """"dynamic", a number, or a LossScale, as a LossScale."""
    if isinstance(loss_scale, LossScale):
        return loss_scale
    if loss_scale == "dynamic":
        return DynamicLossScale()
    if isinstance(loss_scale, (int, float)):
        return FixedLossScale(loss_scale)
    raise ValueError(f"Invalid argument for loss_scale: {loss_scale}")


class MixedPrecisionLossScaleOptimizer(Optimizer):
    """`opt` with loss scaling: gradients of loss·scale, divided by the scale, applied only when all finite."""

    def __init__(self, opt, loss_scale):
        if not isinstance(opt, Optimizer):
            raise ValueError(f'"opt" must be an instance of Optimizer, but got: {type(opt)}')
        super().__init__(False, "MixedPrecisionLossScaleOptimizer")
        self._optimizer = opt
        self._loss_scale = as_loss_scale(loss_scale)

    def compute_gradients(self, loss, var_list=None, gate_gradients=Optimizer.GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """The wrapped optimizer's gradients of loss·scale, each divided by the scale."""
        scale = self._loss_scale()
        if callable(loss) and not hasattr(loss, "dtype"):
            loss = loss()
        loss = convert_to_tensor(loss)
        scaled = multiply(loss, _as(scale, loss.dtype.base_dtype))
        grads_and_vars = self._optimizer.compute_gradients(
            scaled, var_list=var_list, gate_gradients=gate_gradients, aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        inverse = realdiv(1.0, scale)
        return [(None if g is None else multiply(g, _as(inverse, g.dtype.base_dtype)), v) for g, v in grads_and_vars]

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = list(grads_and_vars)
        update_op, should_apply = self._loss_scale.update([g for g, _ in grads_and_vars])
        if should_apply is True:
            apply = self._optimizer.apply_gradients(grads_and_vars, global_step, name)
        else:
            apply = cond(should_apply, lambda: with_dependencies(
                [self._optimizer.apply_gradients(grads_and_vars, global_step, name)], constant(True)),
                lambda: constant(False))
        return group(apply, update_op)

    def variables(self):
        return self._optimizer.variables()

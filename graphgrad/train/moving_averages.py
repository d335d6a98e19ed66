"""`tf.train.ExponentialMovingAverage` and `assign_moving_average`, as TF1's training/moving_averages.py builds them.

`ema.apply([w, b])` makes one slot per variable, `w/ExponentialMovingAverage` (initialized from the variable's
value, or its initial value while it has none), adds the variable to MOVING_AVERAGE_VARIABLES, and returns a
NoOp named after the EMA that groups one `AssignSub` per average:

    decay = min(decay, (1 + num_updates) / (10 + num_updates))      (when num_updates is given)
    avg  -= (avg - value) * (1 - decay)                             (ExponentialMovingAverage/AssignMovingAvg)

A tensor (not a variable) gets a zero-filled slot; with `zero_debias=True` also `<avg>/biased` and
`<avg>/local_step`, and the average is `biased / (1 - decay^local_step)` (Adam's bias correction), as TF1.
`variables_to_restore()` maps each average's name to its variable, so that a Saver built from it loads the
averages into the model's own variables (the CIFAR-10 evaluation idiom).
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..ops import math_ops, state_ops
from ..ops.core import convert_to_tensor, group
from ..variables import (
    Variable,
    get_variable,
    global_variables,
    moving_average_variables,
    trainable_variables,
    variable_scope,
)
from .optimizer import _create_slot

__all__ = ["ExponentialMovingAverage", "assign_moving_average", "moving_average_variables"]

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """`variable -= (variable - value) * (1 - decay)`; with `zero_debias`, the bias-corrected average of a
    variable that started at zero (its `<variable>/biased` and `<variable>/local_step` are created here)."""
    with name_scope(name, "AssignMovingAvg", [variable, value, decay]) as scope:
        dtype = variable.dtype.base_dtype
        decay = convert_to_tensor(1.0 - decay, name="decay")
        if decay.dtype.base_dtype != dtype:
            decay = math_ops.cast(decay, dtype)
        if not zero_debias:
            return state_ops.assign_sub(variable, (variable - value) * decay, name=scope)
        return _zero_debias(variable, value, decay, scope)


def _zero_debias(avg, value, decay, scope):
    """TF1's `_zero_debias`: a biased average from zero and a step count, `avg = biased / (1 - (1-decay)^step)`."""
    g = get_default_graph()
    with variable_scope(avg.op.name), g.control_dependencies(None):
        taken = {v.op.name for v in global_variables()}

        def unique(name):
            full, i = f"{avg.op.name}/{name}", 1
            if full not in taken:
                return name
            while f"{full}_{i}" in taken:
                i += 1
            return f"{name}_{i}"
        biased = get_variable(unique("biased"), shape=avg.shape, dtype=avg.dtype.base_dtype,
                              initializer=_zeros, trainable=False)
        local_step = get_variable(unique("local_step"), shape=[], dtype=avg.dtype.base_dtype, initializer=_zeros,
                                  trainable=False)
    update_biased = state_ops.assign_sub(biased, (biased - value) * decay)
    update_step = state_ops.assign_add(local_step, 1)
    bias_factor = 1 - math_ops.pow(1.0 - decay, update_step)
    return state_ops.assign(avg, update_biased / bias_factor, name=scope)


def _zeros(shape, dtype=None, partition_info=None):
    from ..ops.array_ops import zeros

    return zeros(shape, dtype=dtype)


class ExponentialMovingAverage:
    """Moving averages of variables and tensors, TF1's class: `apply(var_list)` -> the update op, then
    `average(var)`, `average_name(var)`, `variables_to_restore()`."""

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}  # variable or tensor -> its average (a Variable)

    @property
    def name(self):
        return self._name

    def apply(self, var_list=None):
        """Create the averages of `var_list` (default: the trainable variables) that do not exist yet, and return
        the op that updates them all."""
        var_list = trainable_variables() if var_list is None else list(var_list)
        debiased = set()
        for var in var_list:
            if var.dtype.base_dtype not in _FLOATS:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if _key(var) in self._averages:
                continue
            g = var.graph
            with g.as_default(), g.control_dependencies(None):
                if isinstance(var, Variable):
                    avg = _create_slot(var, lambda v=var: state_ops.value_or_default(v, v.initial_value, "cond"),
                                       self._name)
                    g.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
                else:
                    avg = _create_slot(var, lambda: 0.0, self._name)
                    if self._zero_debias:
                        debiased.add(_key(avg))
            self._averages[_key(var)] = avg
        with name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, name="decay")
            if self._num_updates is not None:
                n = math_ops.cast(self._num_updates, dtypes.float32, name="num_updates")
                decay = math_ops.minimum(decay, (1.0 + n) / (10.0 + n))
            updates = [assign_moving_average(self._averages[_key(v)], v, decay,
                                             zero_debias=_key(self._averages[_key(v)]) in debiased)
                       for v in var_list]
            return group(*updates, name=scope)

    def average(self, var):
        """The Variable holding `var`'s average, or None."""
        return self._averages.get(_key(var))

    def average_name(self, var):
        """The name of `var`'s average: its Variable's, or the one `apply` would give it (a checkpoint's key)."""
        avg = self._averages.get(_key(var))
        if avg is not None:
            return avg.op.name
        return get_default_graph().unique_name(f"{var.op.name}/{self._name}", mark_as_used=False)

    def variables_to_restore(self, moving_avg_variables=None):
        """{name in the checkpoint: variable}: each averaged variable under its average's name, every other
        global variable under its own; `tf.train.Saver(ema.variables_to_restore())` restores the averages."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + moving_average_variables()
        unique = list({_key(v): v for v in moving_avg_variables}.values())
        name_map = {self.average_name(v): v for v in unique}
        averaged = {v.name for v in unique}
        for v in global_variables():
            if v.name not in averaged and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


def _key(v):
    """Variables and tensors are dict keys by identity (a Variable by its VariableV2 op, as optimizer slots)."""
    return v if isinstance(v, Tensor) else v.op

"""`tf.train.FtrlOptimizer` (FTRL-Proximal, McMahan et al. 2013), TF1's update with its defaults: slots "accum"
(starting at `initial_accumulator_value` = 0.1) and "linear" (0); for learning_rate_power = -0.5

    accum' = accum + g²;  linear += g - (√accum' - √accum) / lr · var
    var = (sign(linear)·l1 - linear) / (√accum' / lr + 2·l2)  where |linear| > l1, else 0;  accum = accum'

(`l2_shrinkage_regularization_strength` adds 2·l2_shrinkage·var to g in the linear update). Written as graph
ops: the premade linear estimators' default optimizer. An IndexedSlices gradient updates its rows only (the
same formula on the gathered rows, scattered back: TF's SparseApplyFtrl)."""
from __future__ import annotations

from ..ops import math_ops, scatter_ops, select_ops, state_ops
from ..ops.array_ops import gather
from ..ops.core import group, zeros_like
from .optimizer import Optimizer

__all__ = ["FtrlOptimizer"]


class FtrlOptimizer(Optimizer):
    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0):
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        for what, value in (("l1_regularization_strength", l1_regularization_strength),
                            ("l2_regularization_strength", l2_regularization_strength),
                            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"{what} {value} needs to be positive or zero")
        super().__init__(use_locking, name)
        self._hypers = dict(learning_rate=learning_rate, learning_rate_power=learning_rate_power,
                            l1=l1_regularization_strength, l2=l2_regularization_strength,
                            l2_shrinkage=l2_shrinkage_regularization_strength)
        self._initial_accumulator_value = initial_accumulator_value
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accum", self._initial_accumulator_value, self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        self._tensors = {k: self._hyper(k, v) for k, v in self._hypers.items()}

    def _apply_dense(self, grad, var):
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        new_var, new_accum, new_linear = self._ftrl(grad, var, var, accum, linear)
        return group(state_ops.assign(var, new_var), state_ops.assign(accum, new_accum),
                     state_ops.assign(linear, new_linear))

    def _apply_sparse(self, grad, var):
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        rows = [gather(x, grad.indices) for x in (var, accum, linear)]
        new = self._ftrl(grad.values, var, *rows)
        return group(*[scatter_ops.scatter_update(x, grad.indices, n) for x, n in zip((var, accum, linear), new)])

    def _ftrl(self, grad, variable, var, accum, linear):
        """(var, accum, linear) after the step, for the values `var`, `accum`, `linear` of `variable` (all of its
        rows, or the gradient's)."""
        t = {k: self._cast(k, v, variable.dtype) for k, v in self._tensors.items()}
        lr, power = t["learning_rate"], -t["learning_rate_power"]
        shrunk = grad + 2.0 * t["l2_shrinkage"] * var
        new_accum = accum + grad * grad
        new_linear = linear + shrunk - (math_ops.pow(new_accum, power) - math_ops.pow(accum, power)) / lr * var
        quadratic = math_ops.pow(new_accum, power) / lr + 2.0 * t["l2"]
        clipped = math_ops.sign(new_linear) * t["l1"] - new_linear
        new_var = select_ops.where(math_ops.abs(new_linear) > t["l1"], clipped / quadratic, zeros_like(new_linear))
        return new_var, new_accum, new_linear

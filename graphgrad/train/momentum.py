"""`tf.train.MomentumOptimizer`: `accum = momentum * accum + grad; var -= lr * accum`
(Nesterov: `var -= lr * grad + lr * momentum * accum`, with the already updated accum)."""
from __future__ import annotations

import numpy as np

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer
from .sparse_apply import SparseApplyOp

__all__ = ["MomentumOptimizer", "ApplyMomentum", "SparseApplyMomentum"]


class ApplyMomentum(ApplyOp):
    """ApplyMomentum(var, accum, lr, grad, momentum), TensorFlow's input order; `use_nesterov` picks the rule."""

    type = "ApplyMomentum"
    ref_inputs = (0, 1)
    grad_index = 3
    input_names = ("var", "accum", "lr", "grad", "momentum")

    def rule(op):
        return elementwise.NESTEROV if op.attrs.get("use_nesterov", False) else elementwise.MOMENTUM

    def accumulates(op):
        """accum <- momentum·accum + grad, then var -= accum·lr (OpDef.accumulates); Nesterov's step reads the
        gradient again, so it keeps its own kernel."""
        then = (elementwise.MOMENTUM_STEP, (2,), (0, 1))  # var -= accum * lr, on lr, then var and accum
        return None if op.attrs.get("use_nesterov", False) else (3, 1, _momentum_scale, then)


class SparseApplyMomentum(SparseApplyOp):
    """SparseApplyMomentum(var, accum, lr, grad, indices, momentum): ApplyMomentum on the rows `indices` only."""

    type = "SparseApplyMomentum"
    ref_inputs = (0, 1)
    input_names = ("var", "accum", "lr", "grad", "indices", "momentum")
    rule = ApplyMomentum.rule


def _momentum_scale(lr, momentum):
    return (1.0, float(momentum)) if np.ndim(lr) == 0 and np.ndim(momentum) == 0 else None


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum; slot "momentum" (`<var>/Momentum`) starts at zero."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = bool(use_nesterov)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper("learning_rate", self._learning_rate)
        self._momentum_tensor = self._hyper("momentum", self._momentum)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        acc = self.get_slot(var, "momentum")
        return apply_op(ApplyMomentum, [var._ref(), acc._ref(),
                                        self._cast("learning_rate", self._learning_rate_tensor, dt), grad,
                                        self._cast("momentum", self._momentum_tensor, dt)],
                        {"use_locking": bool(self._use_locking), "use_nesterov": self._use_nesterov},
                        "ApplyMomentum")

    def _apply_sparse(self, grad, var):
        dt = var.dtype
        acc = self.get_slot(var, "momentum")
        return apply_op(SparseApplyMomentum, [var._ref(), acc._ref(),
                                              self._cast("learning_rate", self._learning_rate_tensor, dt),
                                              grad.values, grad.indices,
                                              self._cast("momentum", self._momentum_tensor, dt)],
                        {"use_locking": bool(self._use_locking), "use_nesterov": self._use_nesterov},
                        "SparseApplyMomentum")

"""`tf.train.AdagradOptimizer`: `accum += g^2; var -= lr * g / sqrt(accum)`, the accumulator (slot
"accumulator", `<var>/Adagrad`) starting at `initial_accumulator_value` = 0.1; no epsilon."""
from __future__ import annotations

import numpy as np

from ..framework.op_def import not_differentiable
from ..ops.core import apply_op
from ..ops.state_ops import MutatingOp
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer

__all__ = ["AdagradOptimizer", "ApplyAdagrad", "SparseApplyAdagrad"]


class ApplyAdagrad(ApplyOp):
    """ApplyAdagrad(var, accum, lr, grad): accum += g²; var -= g·lr·rsqrt(accum) (`update_slots=False`: the
    accumulator is only read)."""

    type = "ApplyAdagrad"
    ref_inputs = (0, 1)
    input_names = ("var", "accum", "lr", "grad")

    def rule(op):
        return elementwise.ADAGRAD if op.attrs.get("update_slots", True) else elementwise.ADAGRAD_FROZEN_SLOTS


class SparseApplyAdagrad(MutatingOp):
    """SparseApplyAdagrad(var, accum, lr, grad, indices): ApplyAdagrad on the rows `indices` only (TF's update of
    an embedding from its sparse gradient, rows unique); graphgrad's optimizer applies dense gradients, imported
    TensorFlow training graphs hold this op."""

    type = "SparseApplyAdagrad"
    ref_inputs = (0, 1)

    def kernel(op, ctx):
        store, (var, acc), xp = ctx.variables, (op.inputs[0].op, op.inputs[1].op), ctx.xp
        update_slots = op.attrs.get("update_slots", True)

        def apply(lr, grad, indices):
            v, a = store[var], store[acc]
            i = xp.asarray(np.asarray(ctx.to_host(indices)).reshape(-1))
            if update_slots:
                a[i] += grad * grad
            v[i] -= lr * grad / xp.sqrt(a[i])
            return v
        return apply

    gradient = not_differentiable


class AdagradOptimizer(Optimizer):
    """Adagrad (Duchi et al.) with TensorFlow 1.x's positive initial accumulator."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._initial_accumulator_value)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper("learning_rate", self._learning_rate)

    def _apply_dense(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        lr = self._cast("learning_rate", self._learning_rate_tensor, var.dtype)
        return apply_op(ApplyAdagrad, [var._ref(), acc._ref(), lr, grad],
                        {"use_locking": bool(self._use_locking), "update_slots": True}, "ApplyAdagrad")

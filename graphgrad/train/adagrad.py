"""`tf.train.AdagradOptimizer`: `accum += g^2; var -= lr * g / sqrt(accum)`, the accumulator (slot
"accumulator", `<var>/Adagrad`) starting at `initial_accumulator_value` = 0.1; no epsilon."""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer
from .sparse_apply import SparseApplyOp

__all__ = ["AdagradOptimizer", "ApplyAdagrad", "SparseApplyAdagrad"]


class ApplyAdagrad(ApplyOp):
    """ApplyAdagrad(var, accum, lr, grad): accum += g²; var -= g·lr·rsqrt(accum) (`update_slots=False`: the
    accumulator is only read)."""

    type = "ApplyAdagrad"
    ref_inputs = (0, 1)
    input_names = ("var", "accum", "lr", "grad")

    def rule(op):
        return elementwise.ADAGRAD if op.attrs.get("update_slots", True) else elementwise.ADAGRAD_FROZEN_SLOTS


class SparseApplyAdagrad(SparseApplyOp):
    """SparseApplyAdagrad(var, accum, lr, grad, indices): ApplyAdagrad on the rows `indices` only."""

    type = "SparseApplyAdagrad"
    ref_inputs = (0, 1)
    input_names = ("var", "accum", "lr", "grad", "indices")
    rule = ApplyAdagrad.rule


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

    def _apply_sparse(self, grad, var):
        acc = self.get_slot(var, "accumulator")
        lr = self._cast("learning_rate", self._learning_rate_tensor, var.dtype)
        return apply_op(SparseApplyAdagrad, [var._ref(), acc._ref(), lr, grad.values, grad.indices],
                        {"use_locking": bool(self._use_locking), "update_slots": True}, "SparseApplyAdagrad")

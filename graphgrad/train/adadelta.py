"""`tf.train.AdadeltaOptimizer` (Zeiler 2012) as TensorFlow 1.x computes it:

    accum = rho * accum + (1 - rho) * g^2                                   (slot "accum", `<var>/Adadelta`)
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * g
    var -= lr * update
    accum_update = rho * accum_update + (1 - rho) * update^2                (slot "accum_update")
"""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer
from .sparse_apply import SparseApplyOp

__all__ = ["AdadeltaOptimizer", "ApplyAdadelta", "SparseApplyAdadelta"]


class ApplyAdadelta(ApplyOp):
    """ApplyAdadelta(var, accum, accum_update, lr, rho, epsilon, grad), TF's order and arithmetic."""

    type = "ApplyAdadelta"
    ref_inputs = (0, 1, 2)
    input_names = ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad")
    update = elementwise.ADADELTA


class SparseApplyAdadelta(SparseApplyOp):
    """SparseApplyAdadelta(var, accum, accum_update, lr, rho, epsilon, grad, indices): the rows `indices` only."""

    type = "SparseApplyAdadelta"
    ref_inputs = (0, 1, 2)
    input_names = ApplyAdadelta.input_names + ("indices",)
    update = elementwise.ADADELTA


class AdadeltaOptimizer(Optimizer):
    """Adadelta with TensorFlow 1.x's defaults (learning_rate=0.001, rho=0.95, epsilon=1e-8)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False, name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = self._hyper("lr", self._lr)
        self._rho_t = self._hyper("rho", self._rho)
        self._epsilon_t = self._hyper("epsilon", self._epsilon)

    def _apply_dense(self, grad, var):
        return self._apply(ApplyAdadelta, grad, var, ())

    def _apply_sparse(self, grad, var):
        return self._apply(SparseApplyAdadelta, grad.values, var, (grad.indices,))

    def _apply(self, op_def, grad, var, indices):
        dt = var.dtype
        acc, upd = self.get_slot(var, "accum"), self.get_slot(var, "accum_update")
        return apply_op(op_def, [var._ref(), acc._ref(), upd._ref(), self._cast("lr", self._lr_t, dt),
                                 self._cast("rho", self._rho_t, dt), self._cast("epsilon", self._epsilon_t, dt),
                                 grad, *indices],
                        {"use_locking": bool(self._use_locking)}, op_def.type)

"""`tf.train.RMSPropOptimizer` (TensorFlow 1.x: the mean square starts at 1.0, not 0):

    ms = rho * ms + (1 - rho) * g^2                     (slot "rms", `<var>/RMSProp`)
    mom = momentum * mom + lr * g / sqrt(ms + epsilon)  (slot "momentum")
    var -= mom

centered=True also tracks mg = rho * mg + (1 - rho) * g (slot "mg") and divides by sqrt(ms - mg^2 + epsilon).
"""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer
from .sparse_apply import SparseApplyOp

__all__ = ["RMSPropOptimizer", "ApplyRMSProp", "ApplyCenteredRMSProp", "SparseApplyRMSProp",
           "SparseApplyCenteredRMSProp"]


class ApplyRMSProp(ApplyOp):
    """ApplyRMSProp(var, ms, mom, lr, rho, momentum, epsilon, grad), TF's order and arithmetic:
    ms += (g² - ms)(1 - rho); mom = mom·momentum + g·lr / sqrt(ms + eps); var -= mom."""

    type = "ApplyRMSProp"
    ref_inputs = (0, 1, 2)
    input_names = ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad")
    update = elementwise.RMSPROP


class ApplyCenteredRMSProp(ApplyOp):
    """ApplyCenteredRMSProp(var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    as ApplyRMSProp with mg += (g - mg)(1 - rho) and the denominator sqrt((ms - mg²) + eps)."""

    type = "ApplyCenteredRMSProp"
    ref_inputs = (0, 1, 2, 3)
    input_names = ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad")
    update = elementwise.CENTERED_RMSPROP


class SparseApplyRMSProp(SparseApplyOp):
    """SparseApplyRMSProp(var, ms, mom, lr, rho, momentum, epsilon, grad, indices): the rows `indices` only."""

    type = "SparseApplyRMSProp"
    ref_inputs = (0, 1, 2)
    input_names = ApplyRMSProp.input_names + ("indices",)
    update = elementwise.RMSPROP


class SparseApplyCenteredRMSProp(SparseApplyOp):
    """SparseApplyCenteredRMSProp(var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices)."""

    type = "SparseApplyCenteredRMSProp"
    ref_inputs = (0, 1, 2, 3)
    input_names = ApplyCenteredRMSProp.input_names + ("indices",)
    update = elementwise.CENTERED_RMSPROP


class RMSPropOptimizer(Optimizer):
    """RMSProp with TensorFlow 1.x's defaults (decay=0.9, momentum=0.0, epsilon=1e-10)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = bool(centered)

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "rms", 1.0)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = self._hyper("learning_rate", self._learning_rate)
        self._decay_tensor = self._hyper("decay", self._decay)
        self._momentum_tensor = self._hyper("momentum", self._momentum)
        self._epsilon_tensor = self._hyper("epsilon", self._epsilon)

    def _apply_dense(self, grad, var):
        return self._apply(grad, var, (ApplyCenteredRMSProp, ApplyRMSProp), ())

    def _apply_sparse(self, grad, var):
        return self._apply(grad.values, var, (SparseApplyCenteredRMSProp, SparseApplyRMSProp), (grad.indices,))

    def _apply(self, grad, var, op_defs, indices):
        dt = var.dtype
        hyper = [self._cast("learning_rate", self._learning_rate_tensor, dt),
                 self._cast("decay", self._decay_tensor, dt),
                 self._cast("momentum", self._momentum_tensor, dt),
                 self._cast("epsilon", self._epsilon_tensor, dt)]
        attrs = {"use_locking": bool(self._use_locking)}
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            mg = self.get_slot(var, "mg")
            return apply_op(op_defs[0], [var._ref(), mg._ref(), rms._ref(), mom._ref(), *hyper, grad, *indices],
                            attrs, op_defs[0].type)
        return apply_op(op_defs[1], [var._ref(), rms._ref(), mom._ref(), *hyper, grad, *indices], attrs,
                        op_defs[1].type)

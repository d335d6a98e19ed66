"""`tf.train.GradientDescentOptimizer`: `var -= learning_rate * grad`."""
from __future__ import annotations

import numpy as np

from ..ops.core import apply_op
from ..ops.scatter_ops import scatter_sub
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer

__all__ = ["GradientDescentOptimizer", "ApplyGradientDescent"]


class ApplyGradientDescent(ApplyOp):
    """ApplyGradientDescent(var, alpha, delta): var -= delta * alpha, in place."""

    type = "ApplyGradientDescent"
    input_names = ("var", "alpha", "delta")
    update = elementwise.GRADIENT_DESCENT

    def accumulates(op):
        """var <- var - alpha·delta: BLAS may add a product straight into the variable (OpDef.accumulates)."""
        return 2, 0, _descent_scale, None


def _descent_scale(alpha):
    return (-float(alpha), 1.0) if np.ndim(alpha) == 0 else None


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent; `learning_rate` may be a float, a tensor (e.g. a decay schedule or a
    placeholder) or a callable returning either."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self):
        self._learning_rate_tensor = self._hyper("learning_rate", self._learning_rate)

    def _apply_dense(self, grad, var):
        lr = self._cast("learning_rate", self._learning_rate_tensor, var.dtype)
        return apply_op(ApplyGradientDescent, [var._ref(), lr, grad], {"use_locking": bool(self._use_locking)},
                        "ApplyGradientDescent")

    def _apply_sparse_duplicate_indices(self, grad, var):
        """`scatter_sub` of the rows times the learning rate: repeated rows add up, so TF sums nothing first."""
        lr = self._cast("learning_rate", self._learning_rate_tensor, var.dtype)
        return scatter_sub(var, grad.indices, grad.values * lr, use_locking=self._use_locking).op

"""`tf.train.GradientDescentOptimizer`: `var -= learning_rate * grad`."""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer, ref_buffers

__all__ = ["GradientDescentOptimizer", "ApplyGradientDescent"]


class ApplyGradientDescent(ApplyOp):
    """ApplyGradientDescent(var, alpha, delta): var -= delta * alpha, in place."""

    type = "ApplyGradientDescent"

    def kernel(op, ctx):
        store, (v_op,) = ref_buffers(op, ctx)
        fused = ctx.backend.fused(elementwise.GRADIENT_DESCENT)
        if fused is not None:  # a GPU: one kernel instead of two
            def apply_fused(alpha, delta):
                var = store[v_op]
                fused(delta, alpha, var)
                return var
            return apply_fused
        xp = ctx.xp
        mul, sub, empty_like = xp.multiply, xp.subtract, xp.empty_like
        cell = [None]  # the scratch buffer for delta * alpha, reused while the variable keeps its shape

        def apply(alpha, delta):
            var = store[v_op]
            t = cell[0]
            if t is None or t.shape != var.shape:
                t = cell[0] = empty_like(var)
            mul(delta, alpha, out=t)
            sub(var, t, out=var)
            return var
        return apply


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

"""`tf.train.MomentumOptimizer`: `accum = momentum * accum + grad; var -= lr * accum`
(Nesterov: `var -= lr * grad + lr * momentum * accum`, with the already updated accum)."""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer, ref_buffers, scratch

__all__ = ["MomentumOptimizer", "ApplyMomentum"]


class ApplyMomentum(ApplyOp):
    """ApplyMomentum(var, accum, lr, grad, momentum), TensorFlow's input order."""

    type = "ApplyMomentum"
    ref_inputs = (0, 1)
    grad_index = 3

    def kernel(op, ctx):
        store, (v_op, a_op) = ref_buffers(op, ctx)
        xp = ctx.xp
        mul, add, sub = xp.multiply, xp.add, xp.subtract
        bufs = scratch(xp, 2)
        nesterov = bool(op.attrs.get("use_nesterov", False))
        fused = ctx.backend.fused(elementwise.NESTEROV if nesterov else elementwise.MOMENTUM)
        if fused is not None:  # a GPU: the whole update in one kernel
            def apply_fused(lr, grad, momentum):
                var = store[v_op]
                fused(grad, lr, momentum, var, store[a_op])
                return var
            return apply_fused

        def apply(lr, grad, momentum):
            var, acc = store[v_op], store[a_op]
            t, t2 = bufs(var)
            mul(acc, momentum, out=acc)
            add(acc, grad, out=acc)
            if nesterov:                      # var -= grad * lr + accum * momentum * lr
                mul(grad, lr, out=t)
                mul(acc, momentum, out=t2)
                mul(t2, lr, out=t2)
                add(t, t2, out=t)
            else:                             # var -= accum * lr
                mul(acc, lr, out=t)
            sub(var, t, out=var)
            return var
        return apply


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

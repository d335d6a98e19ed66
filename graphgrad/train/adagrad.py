"""`tf.train.AdagradOptimizer`: `accum += g^2; var -= lr * g / sqrt(accum)`, the accumulator (slot
"accumulator", `<var>/Adagrad`) starting at `initial_accumulator_value` = 0.1; no epsilon."""
from __future__ import annotations

from ..ops.core import apply_op
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer, ref_buffers, scratch

__all__ = ["AdagradOptimizer", "ApplyAdagrad"]


class ApplyAdagrad(ApplyOp):
    """ApplyAdagrad(var, accum, lr, grad): accum += g²; var -= g·lr·rsqrt(accum)."""

    type = "ApplyAdagrad"
    ref_inputs = (0, 1)

    def kernel(op, ctx):
        store, (var_op, acc_op) = ref_buffers(op, ctx)
        xp = ctx.xp
        mul, add, sub, sqrt, recip = xp.multiply, xp.add, xp.subtract, xp.sqrt, xp.reciprocal
        bufs = scratch(xp, 2)
        update_slots = bool(op.attrs.get("update_slots", True))
        fused = ctx.backend.fused(elementwise.ADAGRAD if update_slots else elementwise.ADAGRAD_FROZEN_SLOTS)
        if fused is not None:  # a GPU: the whole update in one kernel
            def apply_fused(lr, grad):
                var = store[var_op]
                fused(grad, lr, var, store[acc_op])
                return var
            return apply_fused

        def apply(lr, grad):
            var, acc = store[var_op], store[acc_op]
            t, t2 = bufs(var)
            if update_slots:
                mul(grad, grad, out=t)
                add(acc, t, out=acc)
            sqrt(acc, out=t)
            recip(t, out=t)
            mul(grad, lr, out=t2)
            mul(t2, t, out=t2)
            sub(var, t2, out=var)
            return var
        return apply


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

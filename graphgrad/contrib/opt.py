"""`tf.contrib.opt`: `LazyAdamOptimizer`, TF 1.15's Adam for embeddings, whose sparse update touches only the rows
looked up. The rest of TF1's contrib.opt (AdamW, LazyAdam's relatives, the elastic-averaging and model-averaging
optimizers, ...) is not here.

For an IndexedSlices gradient (its repeated rows summed first, as every TF1 optimizer does), on the rows `i` only:

    m[i] = beta1 * m[i] + (1 - beta1) * g;   v[i] = beta2 * v[i] + (1 - beta2) * g²
    var[i] -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m[i] / (sqrt(v[i]) + epsilon)

as gathers, `scatter_update`s and a `scatter_sub` (TF's graph, lazy_adam_optimizer.py); other rows keep their
moments, which AdamOptimizer's sparse update decays in every row. A dense gradient gets Adam's own update."""
from __future__ import annotations

from ..ops import math_ops, scatter_ops
from ..ops.array_ops import gather
from ..ops.core import group
from ..train.adam import AdamOptimizer

__all__ = ["LazyAdamOptimizer"]


class LazyAdamOptimizer(AdamOptimizer):
    """Adam whose IndexedSlices updates leave the moments and values of the rows not looked up as they are."""

    def _apply_sparse(self, grad, var):
        dt = var.dtype
        p1, p2 = self._get_beta_accumulators(var.graph)
        beta1_power, beta2_power = self._cast("beta1_power", p1.value(), dt), self._cast("beta2_power", p2.value(), dt)
        beta1, beta2 = self._cast("beta1", self._beta1_t, dt), self._cast("beta2", self._beta2_t, dt)
        lr = self._cast("learning_rate", self._lr_t, dt) * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power)
        m, v, rows, locking = self.get_slot(var, "m"), self.get_slot(var, "v"), grad.indices, self._use_locking
        m_t = scatter_ops.scatter_update(m, rows, beta1 * gather(m, rows) + (1 - beta1) * grad.values,
                                         use_locking=locking)
        v_t = scatter_ops.scatter_update(v, rows, beta2 * gather(v, rows) + (1 - beta2) * math_ops.square(grad.values),
                                         use_locking=locking)
        denominator = math_ops.sqrt(gather(v_t, rows)) + self._cast("epsilon", self._epsilon_t, dt)
        step = scatter_ops.scatter_sub(var, rows, lr * gather(m_t, rows) / denominator, use_locking=locking)
        return group(step, m_t, v_t)

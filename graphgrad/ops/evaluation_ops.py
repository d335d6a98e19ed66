"""Ops that score predictions rather than compute them: `in_top_k` (is each target among the k largest
predictions of its row?). Not differentiable.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable, require, static_shape
from .core import apply_op, convert_to_tensor
from .nn_common import _merge


class InTopK(OpDef):
    """Whether each target's prediction is among the `k` largest of its row (ties count as in; non-finite
    predictions and out-of-range targets give False, as in TensorFlow)."""

    type = "InTopK"

    def infer(op):
        p, t = op.inputs
        require(op, p, floating=True)
        require(op, t, integer=True)
        ps, ts = static_shape(p), static_shape(t)
        if ps is not None and len(ps) != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(ps)}")
        if ts is not None and len(ts) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(ts)}")
        n = _merge(None if ps is None else ps[:1], ts, "predictions and targets batch sizes")
        return [(n, dtypes.bool_)]

    def kernel(op, ctx):
        xp, k = ctx.xp, op.attrs["k"]

        def in_top_k(p, t):
            c = p.shape[1]
            valid = (t >= 0) & (t < c)
            tp = p[xp.arange(p.shape[0]), xp.where(valid, t, 0)]
            above = (p > tp[:, None]).sum(axis=1)
            return (above < k) & valid & xp.isfinite(tp)
        return in_top_k

    gradient = not_differentiable


def in_top_k(predictions, targets, k, name=None):
    """Bool vector: is `targets[i]` among the top `k` classes of `predictions[i]`?"""
    p = convert_to_tensor(predictions, name="predictions")
    t = convert_to_tensor(targets, name="targets")
    return apply_op(InTopK, [p, t], {"k": int(k)}, name or "in_top_k")


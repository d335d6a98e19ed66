"""What the neural-network op families (activation, softmax, bias, dropout, normalization, cross-entropy
`*_ops.py`) share: shape rules of fused ops whose inputs have one shape, the test for a gradient autodiff filled
with zeros, and the dtype constants a kernel binds once. It defines no op type itself.
"""
from __future__ import annotations

from ..framework.op_def import equal_shapes, known, merge_shapes, static_shape


def _same_shape(x):
    return [(static_shape(x), x.dtype.base_dtype)]


def _merge(a, b, what="Shapes"):
    """Merge two static shapes that must be equal (up to unknown dims)."""
    return merge_shapes(a, b, what)


def _equal_shapes_named_by(i):
    """Shape rule of ops whose inputs must have one shape and whose kernel writes its result into a buffer shaped
    like input `i`: the merged shape, where input i's unknown dims name the result's."""
    def rule(op, *shapes):
        merged, like = equal_shapes(op, *shapes), shapes[i]
        if merged is None or like is None:
            return merged
        return tuple(d if known(d) else e for d, e in zip(merged, like))
    return rule


def _is_zero(t):
    """A gradient that autodiff filled in for an unused output (skip the work it would feed)."""
    return t is None or t.op.type == "ZerosLike"


def _needs_grad(t):
    """Labels that are constants or behind stop_gradient never receive a gradient: build no ops for them."""
    return t.op.type not in ("Const", "StopGradient")


def _np_dtype(op, i=0):
    return op.outputs[i].dtype.base_dtype.np


def _consts(ctx, op, *values):
    """0-d arrays of the op's dtype, bound once: NumPy mixes them with arrays much faster than Python numbers."""
    dt = _np_dtype(op)
    out = tuple(ctx.xp.full((), v, dt) for v in values)
    return out if len(out) > 1 else out[0]


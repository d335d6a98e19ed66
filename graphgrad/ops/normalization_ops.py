"""Norms and moments: `l2_loss` (sum(t²)/2, the weight-decay term, one op), `l2_normalize` and `moments` (the mean
and variance that batch normalization uses), the last two built from graph ops.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, require
from . import array_ops
from .arithmetic_ops import maximum, multiply, squared_difference
from .cast_ops import cast
from .core import apply_op, convert_to_tensor, stop_gradient
from .nn_common import _np_dtype
from .reduction_ops import reduce_mean, reduce_sum
from .unary_ops import rsqrt, square


class L2Loss(OpDef):
    """sum(x ** 2) / 2 as one dot product."""

    type = "L2Loss"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        return [((), x.dtype.base_dtype)]

    def jit(op, facts):
        return "{o0} = {T}(_lib.sum_squares({i0}) * 0.5)" if op.outputs[0].dtype.is_floating else None

    def kernel(op, ctx):
        dot, half = ctx.xp.dot, _np_dtype(op).type(0.5)

        def l2_loss(x):
            f = x.ravel()
            return dot(f, f) * half
        return l2_loss

    def gradient(op, dy):
        return [multiply(op.inputs[0], dy)]


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (half the squared L2 norm; TF's weight-decay building block)."""
    return apply_op(L2Loss, [convert_to_tensor(t, name="t")], None, name or "L2Loss")


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)); `axis=None` normalizes over all elements."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduce_sum(square(x), axis, keepdims=True)
        x_inv_norm = rsqrt(maximum(square_sum, epsilon))
        return multiply(x, x_inv_norm, name=scope)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of `x` over `axes`; the variance uses the population formula (divides by n)."""
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "moments", [x, axes]):
        y = convert_to_tensor(x, name="x")
        if y.dtype.base_dtype == dtypes.float16:
            y = cast(y, dtypes.float32)
        axes = list(axes) if isinstance(axes, (list, tuple)) else axes
        mean = reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(y, stop_gradient(mean)), axes, keepdims=True,
                                        name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype.base_dtype == dtypes.float16:
            return cast(mean, dtypes.float16), cast(variance, dtypes.float16)
        return mean, variance


"""Softmax and log-softmax over one axis, as fused ops that stay finite for logits of magnitude 1e4 (the max is
subtracted first), with SoftmaxGrad for the gradient.
"""
from __future__ import annotations

from ..framework.op_def import OpDef, require, static_shape
from . import unary_ops
from .activation_ops import _ActivationGrad
from .arithmetic_ops import multiply, subtract
from .core import apply_op, convert_to_tensor
from .nn_common import _same_shape
from .reduction_ops import reduce_sum


def _check_axis(op, x, rank_min=1):
    shape = static_shape(x)
    axis = op.attrs.get("axis", -1)
    if shape is not None:
        if len(shape) < rank_min:
            raise ValueError(f"Shape must be at least rank {rank_min} but is rank {len(shape)}")
        if not -len(shape) <= axis < len(shape):
            raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {len(shape)}")
    return shape, axis


class Softmax(OpDef):
    """exp(x - max) / sum(exp(x - max)) along `axis`: stable for any finite logits."""

    type = "Softmax"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        _check_axis(op, x)
        return _same_shape(x)

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp = xp.exp

        def softmax(x):
            z = x - x.max(axis=ax, keepdims=True)
            exp(z, out=z)
            z /= z.sum(axis=ax, keepdims=True)
            return z
        return softmax

    def gradient(op, dy):
        return [apply_op(SoftmaxGrad, [dy, op.outputs[0]], {"axis": op.attrs["axis"]})]


class SoftmaxGrad(_ActivationGrad):
    """Vector-Jacobian product of softmax: y * (dy - sum(dy * y, axis))."""

    type = "SoftmaxGrad"

    def kernel(op, ctx):
        ax = op.attrs["axis"]

        def softmax_grad(dy, y):
            r = dy - (dy * y).sum(axis=ax, keepdims=True)
            r *= y
            return r
        return softmax_grad

    def gradient(op, g):
        dy, y = op.inputs
        ax = op.attrs["axis"]
        s = reduce_sum(multiply(dy, y), axis=ax, keepdims=True)
        gy = reduce_sum(multiply(g, y), axis=ax, keepdims=True)
        wrt_y = subtract(multiply(g, subtract(dy, s)), multiply(dy, gy))
        return [apply_op(SoftmaxGrad, [g, y], {"axis": ax}), wrt_y]


class LogSoftmax(OpDef):
    """x - max - log(sum(exp(x - max))) along `axis`: finite for any finite logits."""

    type = "LogSoftmax"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        _check_axis(op, x)
        return _same_shape(x)

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp, log = xp.exp, xp.log

        def log_softmax(x):
            z = x - x.max(axis=ax, keepdims=True)
            z -= log(exp(z).sum(axis=ax, keepdims=True))
            return z
        return log_softmax

    def gradient(op, dy):
        ax = op.attrs["axis"]
        return [subtract(dy, multiply(unary_ops.exp(op.outputs[0]),
                                      reduce_sum(dy, axis=ax, keepdims=True)))]


def _softmax_axis(axis, dim):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    return -1 if axis is None else int(axis)


def softmax(logits, axis=None, name=None, dim=None):
    """Softmax along `axis` (default: the last one)."""
    x = convert_to_tensor(logits, name="logits")
    return apply_op(Softmax, [x], {"axis": _softmax_axis(axis, dim)}, name or "Softmax")


def log_softmax(logits, axis=None, name=None, dim=None):
    """log(softmax(logits)) along `axis`, computed without forming the softmax."""
    x = convert_to_tensor(logits, name="logits")
    return apply_op(LogSoftmax, [x], {"axis": _softmax_axis(axis, dim)}, name or "LogSoftmax")


"""Comparisons (== != < <= > >=, bool results) and logical and/or/xor/not. None of them is differentiable:
a gradient that reaches one stops there.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import not_differentiable
from .core import apply_op
from .math_common import ANY_CMP, Binary, Unary, _binary_args, _unary, binary


class Compare(Binary):
    """Elementwise comparison with broadcasting; bool output, not differentiable."""

    out_dtype = dtypes.bool_
    gradient = not_differentiable


def _host_strings_kernel(op, ctx):
    """tf.string (object) arrays stay on the host on every backend: compared there with NumPy, the bool result
    moved to the device, where the other comparisons' results live."""
    f = getattr(ctx.xp, op.op_def.ufunc)
    if ctx.xp is np or op.inputs[0].dtype.base_dtype != dtypes.string:
        return f
    host, to_device = getattr(np, op.op_def.ufunc), ctx.to_device
    return lambda x, y: to_device(host(x, y))


class Equal(Compare):
    type, ufunc, kinds = "Equal", "equal", ANY_CMP
    kernel = _host_strings_kernel


class NotEqual(Compare):
    type, ufunc, kinds = "NotEqual", "not_equal", ANY_CMP
    kernel = _host_strings_kernel


class Less(Compare):
    type, ufunc = "Less", "less"


class LessEqual(Compare):
    type, ufunc = "LessEqual", "less_equal"


class Greater(Compare):
    type, ufunc = "Greater", "greater"


class GreaterEqual(Compare):
    type, ufunc = "GreaterEqual", "greater_equal"


class LogicalAnd(Compare):
    type, ufunc, kinds = "LogicalAnd", "logical_and", "b"


class LogicalOr(Compare):
    type, ufunc, kinds = "LogicalOr", "logical_or", "b"


class LogicalXor(Compare):
    type, ufunc, kinds = "LogicalXor", "logical_xor", "b"


def equal(x, y, name=None):
    return binary(Equal, x, y, name, "Equal")


def not_equal(x, y, name=None):
    return binary(NotEqual, x, y, name, "NotEqual")


def less(x, y, name=None):
    return binary(Less, x, y, name, "Less")


def less_equal(x, y, name=None):
    return binary(LessEqual, x, y, name, "LessEqual")


def greater(x, y, name=None):
    return binary(Greater, x, y, name, "Greater")


def greater_equal(x, y, name=None):
    return binary(GreaterEqual, x, y, name, "GreaterEqual")


def _logical_args(x, y, name, default_name):
    x, y, scope = _binary_args(x, y, name, default_name)
    for t, param in ((x, "x"), (y, "y")):
        if not t.dtype.base_dtype.is_bool:
            raise TypeError(f"Input '{param}' of '{default_name}' Op has type {t.dtype.base_dtype.name} that "
                            "does not match expected type of bool.")
    return x, y, scope


def logical_and(x, y, name=None):
    x, y, scope = _logical_args(x, y, name, "LogicalAnd")
    return apply_op(LogicalAnd, [x, y], None, scope)


def logical_or(x, y, name=None):
    x, y, scope = _logical_args(x, y, name, "LogicalOr")
    return apply_op(LogicalOr, [x, y], None, scope)


def logical_xor(x, y, name=None):
    x, y, scope = _logical_args(x, y, name, "LogicalXor")
    return apply_op(LogicalXor, [x, y], None, scope)


class LogicalNot(Unary):
    type, ufunc, kinds = "LogicalNot", "logical_not", "b"
    gradient = not_differentiable


def logical_not(x, name=None):
    return _unary(LogicalNot, x, name)


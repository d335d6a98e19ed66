"""`tf.bitwise`: elementwise and, or, xor, invert and shifts of integer tensors (TF's BitwiseAnd, BitwiseOr,
BitwiseXor, Invert, LeftShift, RightShift ops; not differentiable). Shifts by a negative amount or by the width of
the type or more are "implementation defined" in TF; here they are NumPy's."""
from __future__ import annotations

from ..framework.op_def import not_differentiable
from .math_common import Binary, Unary, _unary, binary

_INT = "iu"


class _BitwiseBinary(Binary):
    kinds = _INT
    gradient = not_differentiable


class BitwiseAnd(_BitwiseBinary):
    type, ufunc = "BitwiseAnd", "bitwise_and"


class BitwiseOr(_BitwiseBinary):
    type, ufunc = "BitwiseOr", "bitwise_or"


class BitwiseXor(_BitwiseBinary):
    type, ufunc = "BitwiseXor", "bitwise_xor"


class LeftShift(_BitwiseBinary):
    type, ufunc = "LeftShift", "left_shift"


class RightShift(_BitwiseBinary):
    type, ufunc = "RightShift", "right_shift"


class Invert(Unary):
    type, ufunc, kinds = "Invert", "invert", _INT
    gradient = not_differentiable


def bitwise_and(x, y, name=None):
    return binary(BitwiseAnd, x, y, name, "BitwiseAnd")


def bitwise_or(x, y, name=None):
    return binary(BitwiseOr, x, y, name, "BitwiseOr")


def bitwise_xor(x, y, name=None):
    return binary(BitwiseXor, x, y, name, "BitwiseXor")


def left_shift(x, y, name=None):
    return binary(LeftShift, x, y, name, "LeftShift")


def right_shift(x, y, name=None):
    """Arithmetic shift for signed types (the sign is kept), logical for unsigned ones."""
    return binary(RightShift, x, y, name, "RightShift")


def invert(x, name=None):
    """~x: every bit flipped."""
    return _unary(Invert, x, name)


__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]

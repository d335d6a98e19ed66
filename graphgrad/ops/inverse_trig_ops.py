"""Inverse trigonometric and hyperbolic functions: `tf.acos`, `asin`, `acosh`, `asinh`, `atanh` and `atan2(y, x)`
(TF's op types `Acos`, `Asin`, `Acosh`, `Asinh`, `Atanh`, `Atan2`; `atan` lives with the other unary ops).

Gradients are TF's formulas, built from graph ops so that they differentiate again: acos' = -1/sqrt(1-x²),
asin' = 1/sqrt(1-x²), acosh' = 1/sinh(y) and asinh' = 1/cosh(y) from the output y, atanh' = 1/(1-x²), and
atan2's (x, -y)/(x²+y²). Outside the domain the values are NaN (acos(2)), as TF's.
"""
from __future__ import annotations

from .arithmetic_ops import add, multiply, negative, realdiv, subtract
from .core import sum_to
from .math_common import FLOAT, Binary, Unary, _scalar, _unary, binary
from .unary_ops import cosh, rsqrt, sinh, square


def _one_minus_square(x):
    return subtract(_scalar(1, x), square(x))


class Acos(Unary):
    type, ufunc = "Acos", "arccos"

    def gradient(op, dy):
        return [negative(multiply(dy, rsqrt(_one_minus_square(op.inputs[0]))))]


class Asin(Unary):
    type, ufunc = "Asin", "arcsin"

    def gradient(op, dy):
        return [multiply(dy, rsqrt(_one_minus_square(op.inputs[0])))]


class Acosh(Unary):
    type, ufunc = "Acosh", "arccosh"

    def gradient(op, dy):
        return [realdiv(dy, sinh(op.outputs[0]))]


class Asinh(Unary):
    type, ufunc = "Asinh", "arcsinh"

    def gradient(op, dy):
        return [realdiv(dy, cosh(op.outputs[0]))]


class Atanh(Unary):
    type, ufunc = "Atanh", "arctanh"

    def gradient(op, dy):
        return [realdiv(dy, _one_minus_square(op.inputs[0]))]


class Atan2(Binary):
    """The angle of the point (x, y), inputs (y, x) as TF's; gradients x·dz/(x²+y²) and -y·dz/(x²+y²)."""

    type, ufunc, kinds = "Atan2", "arctan2", FLOAT

    def gradient(op, dz):
        y, x = op.inputs
        scaled = realdiv(dz, add(square(y), square(x)))
        return [sum_to(multiply(x, scaled), y), sum_to(negative(multiply(y, scaled)), x)]


def acos(x, name=None):
    return _unary(Acos, x, name)


def asin(x, name=None):
    return _unary(Asin, x, name)


def acosh(x, name=None):
    return _unary(Acosh, x, name)


def asinh(x, name=None):
    return _unary(Asinh, x, name)


def atanh(x, name=None):
    return _unary(Atanh, x, name)


def atan2(y, x, name=None):
    """atan(y / x) in the quadrant of (x, y)."""
    return binary(Atan2, y, x, name, "Atan2")


__all__ = ["acos", "asin", "acosh", "asinh", "atanh", "atan2"]

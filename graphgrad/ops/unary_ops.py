"""Elementwise functions of one tensor: abs, sign, square, reciprocal, exp/log, sqrt/rsqrt, trigonometric and
hyperbolic functions, sigmoid, rounding and the finiteness tests, with the `*Grad` ops (TanhGrad, SigmoidGrad,
SqrtGrad, ...) that their gradients build so that second derivatives stay one fused op each.

Gradients follow TF1's conventions where a function has no derivative: abs'(0) = 0, sign' = 0, the rounding
functions have none.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, broadcast_shapes, not_differentiable, same_dtype, static_shape
from .arithmetic_ops import add, multiply, negative, realdiv, subtract
from .complex_ops import complex_abs, conj
from .core import apply_op, convert_to_tensor, sum_to, zeros_like
from .math_common import FLOAT, NUMERIC, NUMERIC_COMPLEX, Unary, _check_kind, _in_place, _scalar, _unary


class Abs(Unary):
    """|x|; gradient sign(x)·dz, so 0 at 0 (TensorFlow's subgradient)."""

    type, ufunc, kinds = "Abs", "absolute", NUMERIC

    def gradient(op, dy):
        return [multiply(dy, sign(op.inputs[0]))]


class Sign(Unary):
    type, ufunc, kinds = "Sign", "sign", NUMERIC

    def gradient(op, dy):
        return [zeros_like(op.inputs[0])]


class Square(Unary):
    type, ufunc, kinds = "Square", "square", NUMERIC_COMPLEX

    def gradient(op, dy):
        return [multiply(dy, multiply(conj(op.inputs[0]), _scalar(2, dy)))]


class Reciprocal(Unary):
    type, ufunc, kinds = "Reciprocal", "reciprocal", NUMERIC

    def gradient(op, dy):
        if not op.outputs[0].dtype.is_floating:
            return [multiply(dy, negative(square(op.outputs[0])))]
        return [apply_op(ReciprocalGrad, [op.outputs[0], dy])]


class Exp(Unary):
    type, ufunc = "Exp", "exp"

    def gradient(op, dy):
        return [multiply(dy, op.outputs[0])]


class Expm1(Unary):
    type, ufunc = "Expm1", "expm1"

    def gradient(op, dy):
        return [multiply(dy, exp(op.inputs[0]))]


class Log(Unary):
    type, ufunc = "Log", "log"

    def gradient(op, dy):
        return [multiply(dy, reciprocal(op.inputs[0]))]


class Log1p(Unary):
    type, ufunc = "Log1p", "log1p"

    def gradient(op, dy):
        return [multiply(dy, reciprocal(add(op.inputs[0], _scalar(1, dy))))]


class Sqrt(Unary):
    type, ufunc = "Sqrt", "sqrt"

    def gradient(op, dy):
        return [apply_op(SqrtGrad, [op.outputs[0], dy])]


class Rsqrt(Unary):
    """1 / sqrt(x); gradient -dz·y³/2 from the output."""

    type = "Rsqrt"

    def kernel(op, ctx):
        xp = ctx.xp
        fresh, sqrt, recip = _in_place(xp), xp.sqrt, xp.reciprocal

        def rsqrt(x):
            s = sqrt(x)
            return recip(s, out=s) if fresh(s) else recip(s)
        return rsqrt

    def gradient(op, dy):
        return [apply_op(RsqrtGrad, [op.outputs[0], dy])]


class Sin(Unary):
    type, ufunc = "Sin", "sin"

    def gradient(op, dy):
        return [multiply(dy, cos(op.inputs[0]))]


class Cos(Unary):
    type, ufunc = "Cos", "cos"

    def gradient(op, dy):
        return [multiply(dy, negative(sin(op.inputs[0])))]


class Tan(Unary):
    type, ufunc = "Tan", "tan"

    def gradient(op, dy):
        return [multiply(dy, add(square(op.outputs[0]), _scalar(1, dy)))]


class Atan(Unary):
    type, ufunc = "Atan", "arctan"

    def gradient(op, dy):
        return [realdiv(dy, add(square(op.inputs[0]), _scalar(1, dy)))]


class Sinh(Unary):
    type, ufunc = "Sinh", "sinh"

    def gradient(op, dy):
        return [multiply(dy, cosh(op.inputs[0]))]


class Cosh(Unary):
    type, ufunc = "Cosh", "cosh"

    def gradient(op, dy):
        return [multiply(dy, sinh(op.inputs[0]))]


class Tanh(Unary):
    type, ufunc = "Tanh", "tanh"

    def gradient(op, dy):
        return [apply_op(TanhGrad, [op.outputs[0], dy])]


class TanhGrad(OpDef):
    """dz·(1 - y²) from tanh's output y in one fused pass; itself differentiable (second derivatives)."""

    type = "TanhGrad"
    shape_rule = broadcast_shapes
    reads_only = True

    def infer(op):
        y, dy = op.inputs
        return [(op.op_def.shape_rule(op, static_shape(y), static_shape(dy)), same_dtype(op, y, dy))]

    def kernel(op, ctx):
        xp = ctx.xp
        nd, mul, sub = xp.ndarray, xp.multiply, xp.subtract
        one = xp.full((), 1, op.outputs[0].dtype.np)  # a 0-d array mixes with arrays faster than the int 1

        def tanh_grad(y, dy):
            t = mul(y, y)
            if type(t) is not nd:  # a NumPy scalar: no buffer to reuse
                return dy * (one - t)
            sub(one, t, out=t)
            return mul(t, dy, out=t) if t.shape == dy.shape else mul(t, dy)
        return tanh_grad

    def jit(op, facts):
        return "{o0} = ({T}(1) - {i0} * {i0}) * {i1}"

    def gradient(op, g):
        y, dy = op.inputs
        # d/dy [dy (1 - y²)] = -2 y dy ;  d/d(dy) = 1 - y²
        dyy = multiply(multiply(g, dy), multiply(y, _scalar(-2, y)))
        return [sum_to(dyy, y), sum_to(apply_op(TanhGrad, [y, g]), dy)]


class _OutputGrad(OpDef):
    """Gradient ops of TF's SqrtGrad family, `rule(y, dy)` from the forward output y, and exactly 0 wherever
    dy is 0 even if y is 0 or inf (TF's kernels do this, so `tf.where(x > 0, tf.sqrt(x), 0)` has a finite
    gradient at x <= 0 instead of 0·inf = NaN). y is replaced by 1 where dy is 0: no NaN, no warning."""

    infer = TanhGrad.infer
    shape_rule = broadcast_shapes

    def kernel(op, ctx):
        xp, rule = ctx.xp, op.op_def.rule
        one = op.outputs[0].dtype.np.type(1)

        def grad(y, dy):
            return rule(xp.where(dy == 0, one, y), dy)
        return grad


class SqrtGrad(_OutputGrad):
    """dy / (2 y) for y = sqrt(x)."""

    type = "SqrtGrad"

    def rule(y, dy):
        g = dy / y
        g *= 0.5
        return g

    def gradient(op, g):
        y = op.inputs[0]
        ga = realdiv(g, y)
        return [sum_to(negative(multiply(ga, op.outputs[0])), y), sum_to(multiply(ga, _scalar(0.5, y)), op.inputs[1])]


class RsqrtGrad(_OutputGrad):
    """-dy y³ / 2 for y = 1 / sqrt(x)."""

    type = "RsqrtGrad"

    def rule(y, dy):
        g = y * y
        g *= y
        g *= dy
        g *= -0.5
        return g

    def gradient(op, g):
        y, dy = op.inputs
        ga = multiply(multiply(g, dy), multiply(square(y), _scalar(-1.5, y)))
        return [sum_to(ga, y), sum_to(apply_op(RsqrtGrad, [y, g]), dy)]


class ReciprocalGrad(_OutputGrad):
    """-dy y² for y = 1 / x."""

    type = "ReciprocalGrad"

    def rule(y, dy):
        g = y * y
        g *= dy
        g *= -1
        return g

    def gradient(op, g):
        y, dy = op.inputs
        ga = multiply(multiply(g, dy), multiply(y, _scalar(-2, y)))
        return [sum_to(ga, y), sum_to(apply_op(ReciprocalGrad, [y, g]), dy)]


class Sigmoid(Unary):
    """1 / (1 + exp(-x)), without overflow for |x| ~ 1e4; gradient y·(1 - y)·dz from the output."""

    type = "Sigmoid"

    def kernel(op, ctx):
        xp = ctx.xp
        dt = op.outputs[0].dtype
        work = np.float32 if dt.np == np.float16 else dt.np
        # exp(-x) overflows for x < -log(max): clamp x at log(tiny), where the result is the smallest normal
        # number (no overflow warning, no slow denormals; the exact result would round to 0 or a denormal)
        lo = float(np.log(np.finfo(work).tiny)) + 0.01
        fresh, maximum_, neg, exp_, recip = _in_place(xp), xp.maximum, xp.negative, xp.exp, xp.reciprocal

        def sigmoid(x):
            t = maximum_(x.astype(work) if work is not dt.np else x, lo)
            if not fresh(t):
                return (1 / (1 + exp_(-t))).astype(dt.np)
            neg(t, out=t)
            exp_(t, out=t)
            t += 1
            recip(t, out=t)
            return t if work is dt.np else t.astype(dt.np)
        return sigmoid

    def jit(op, facts):
        dt = op.outputs[0].dtype.np
        if dt not in (np.float32, np.float64):
            return None
        lo = float(np.log(np.finfo(dt).tiny)) + 0.01  # as the kernel: no overflow, no denormals
        return f"{{o0}} = {{T}}(1) / ({{T}}(1) + np.exp(-np.maximum({{i0}}, {{T}}({lo!r}))))"

    def gradient(op, dy):
        return [apply_op(SigmoidGrad, [op.outputs[0], dy])]


class SigmoidGrad(OpDef):
    """dz·y·(1 - y) from sigmoid's output y in one fused pass; itself differentiable."""

    type = "SigmoidGrad"
    infer = TanhGrad.infer
    shape_rule = broadcast_shapes
    reads_only = True

    def kernel(op, ctx):
        xp = ctx.xp
        fresh, mul, sub = _in_place(xp), xp.multiply, xp.subtract

        def sigmoid_grad(y, dy):
            t = sub(1, y)
            if not fresh(t) or t.shape != getattr(dy, "shape", None):
                return dy * y * t
            mul(t, y, out=t)
            return mul(t, dy, out=t)
        return sigmoid_grad

    def jit(op, facts):
        return "{o0} = ({T}(1) - {i0}) * {i0} * {i1}"

    def gradient(op, g):
        y, dy = op.inputs
        # d/dy [dy y (1 - y)] = dy (1 - 2y) ;  d/d(dy) = y (1 - y)
        gy = multiply(multiply(g, dy), subtract(_scalar(1, y), multiply(y, _scalar(2, y))))
        return [sum_to(gy, y), sum_to(apply_op(SigmoidGrad, [y, g]), dy)]


class Floor(Unary):
    type, ufunc = "Floor", "floor"
    gradient = not_differentiable


class Ceil(Unary):
    type, ufunc = "Ceil", "ceil"
    gradient = not_differentiable


class Round(Unary):
    """Round half to even (banker's rounding), as TensorFlow and NumPy's rint."""

    type, ufunc = "Round", "rint"
    gradient = not_differentiable


class Rint(Round):
    type = "Rint"


class IsFinite(Unary):
    type, ufunc = "IsFinite", "isfinite"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        _check_kind(op, x.dtype.base_dtype, FLOAT)
        return [(static_shape(x), dtypes.bool_)]


class IsNan(IsFinite):
    type, ufunc = "IsNan", "isnan"


class IsInf(IsFinite):
    type, ufunc = "IsInf", "isinf"


def abs(x, name=None):  # noqa: A001 - TensorFlow's name
    """|x|; of a complex tensor, its magnitude (TF's ComplexAbs, a real tensor)."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.base_dtype.is_complex:
        return complex_abs(x, name)
    return _unary(Abs, x, name)


def sign(x, name=None):
    return _unary(Sign, x, name)


def square(x, name=None):
    return _unary(Square, x, name)


def reciprocal(x, name=None):
    return _unary(Reciprocal, x, name)


def exp(x, name=None):
    return _unary(Exp, x, name)


def expm1(x, name=None):
    return _unary(Expm1, x, name)


def log(x, name=None):
    return _unary(Log, x, name)


def log1p(x, name=None):
    return _unary(Log1p, x, name)


def sqrt(x, name=None):
    return _unary(Sqrt, x, name)


def rsqrt(x, name=None):
    return _unary(Rsqrt, x, name)


def sin(x, name=None):
    return _unary(Sin, x, name)


def cos(x, name=None):
    return _unary(Cos, x, name)


def tan(x, name=None):
    return _unary(Tan, x, name)


def atan(x, name=None):
    return _unary(Atan, x, name)


def sinh(x, name=None):
    return _unary(Sinh, x, name)


def cosh(x, name=None):
    return _unary(Cosh, x, name)


def tanh(x, name=None):
    return _unary(Tanh, x, name)


def sigmoid(x, name=None):
    return _unary(Sigmoid, x, name)


def floor(x, name=None):
    return _unary(Floor, x, name)


def ceil(x, name=None):
    return _unary(Ceil, x, name)


def round(x, name=None):  # noqa: A001 - TensorFlow's name
    """Round half to even; integers come back unchanged (no op), as in TensorFlow."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.base_dtype.is_integer:
        return x
    return _unary(Round, x, name)


def rint(x, name=None):
    return _unary(Rint, x, name)


def is_finite(x, name=None):
    return _unary(IsFinite, x, name)


def is_nan(x, name=None):
    return _unary(IsNan, x, name)


def is_inf(x, name=None):
    return _unary(IsInf, x, name)


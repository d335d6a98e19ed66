"""Math ops: elementwise arithmetic with NumPy broadcasting, unary functions, matmul, reductions,
comparisons, logical ops, casts and selection.

Every op is one OpDef class (shape/dtype rule, kernel against `ctx.xp`, gradient built from graph ops so
that gradients of gradients work); the public functions below create them with TensorFlow 1.x's default
op names. Gradients follow TF1's conventions where a function has no derivative: abs'(0) = 0, maximum's
tie goes to x, reduce_max's ties share equally, reduce_prod is exact with zeros, clip passes its bounds.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import (
    OpDef,
    broadcast_shape,
    broadcast_shapes,
    equal_shapes,
    fully_defined,
    known,
    not_differentiable,
    same_dtype,
    same_shape,
    static_shape,
)
from .core import apply_op, constant, convert_to_tensor, stop_gradient, sum_to, zeros_like

# --- dtype checks ------------------------------------------------------------------------------------

_KIND_NAMES = {"f": "float16, float32, float64", "i": "int8, int16, int32, int64", "u": "uint8",
               "b": "bool", "O": "string"}


def _check_kind(op, dt, kinds, param="x"):
    """TypeError, worded like TensorFlow's, when `dt` is not one of the dtype kinds the op accepts."""
    if dt.np.kind not in kinds:
        allowed = ", ".join(_KIND_NAMES[k] for k in kinds)
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dt.name} not in list of allowed "
                        f"values: {allowed}")
    return dt


FLOAT, NUMERIC, ANY_CMP = "f", "fiu", "fiubO"


# --- conversion of operands --------------------------------------------------------------------------

def _dtype_of(v):
    dt = getattr(v, "dtype", None)
    return getattr(dt, "base_dtype", None)


def _is_graph_value(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_tensor")


def _convert_pair(x, y):
    """Convert operands the TensorFlow way: a Python scalar or NumPy array takes the other operand's dtype
    and becomes a Const named after its consumer (`mul/y`)."""
    if not _is_graph_value(x) and _is_graph_value(y):
        x = convert_to_tensor(x, name="x", preferred_dtype=_dtype_of(y))
    else:
        x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
    return x, y


def _binary_args(x, y, name, default_name):
    """Operands converted inside the op's name scope, and that scope (the op's name)."""
    with name_scope(name, default_name, [x, y]) as scope:
        x, y = _convert_pair(x, y)
    return x, y, scope


def binary(op_def, x, y, name, default_name):
    """Create the binary op `op_def(x, y)`; the Python operators and the public wrappers go through here."""
    x, y, scope = _binary_args(x, y, name, default_name)
    return apply_op(op_def, [x, y], None, scope)


def _unary(op_def, x, name, default_name=None):
    return apply_op(op_def, [convert_to_tensor(x, name="x")], None, name or default_name or op_def.type)


def _scalar(value, like):
    """A 0-d Const of `like`'s dtype: the cheapest operand for a gradient formula (broadcasts)."""
    return constant(value, dtype=like.dtype.base_dtype)


def _in_place(xp):
    """`fresh(a)`: whether `a` is an array the kernel just allocated, so that `out=a` is safe (NumPy returns
    scalars, not arrays, for 0-d results)."""
    nd = xp.ndarray
    return lambda a: type(a) is nd


def _ufunc_inplace(op, ctx):
    """`inplace_kernel` of ops whose kernel is an xp ufunc: the same ufunc with `out=`."""
    return op.op_def.kernel(op, ctx), ()


def _kernel_is_the_ufunc(cls):
    """Subclasses of Unary / Binary that bring their own kernel (or change the result's dtype) run in place
    only if they declare their own `inplace_kernel`: `ufunc(x, out=buf)` is no longer what they compute."""
    if ("kernel" in vars(cls) or getattr(cls, "out_dtype", None) is not None) and "inplace_kernel" not in vars(cls):
        cls.inplace_kernel = None


def _neutral_element(value, commutative):
    """`simplify` of x + 0, x * 1, x - 0: x itself, when the constant is `value` everywhere and broadcasting
    it does not make the result bigger than x (nor change its dtype)."""
    def simplify(op, facts):
        args, out = facts.args(op), op.outputs[0]
        for i in ((0, 1) if commutative else (0,)):
            x, c = args[i], args[1 - i]
            if not facts.const_equals(c, value):
                continue
            sx = facts.sym(x)
            if sx is None or x.dtype.base_dtype != out.dtype.base_dtype:
                continue
            try:
                if broadcast_shape(sx, facts.const_shape(c)) == sx:
                    return x, False
            except ValueError:
                continue  # a shape error the kernel reports
        return None
    return simplify


# --- elementwise binary ops --------------------------------------------------------------------------

class Binary(OpDef):
    """Elementwise op on two same-dtype tensors with NumPy broadcasting; `ufunc` names the xp function,
    `kinds` the dtype kinds it accepts (TypeError otherwise, as TensorFlow)."""

    ufunc = None
    kinds = NUMERIC
    out_dtype = None  # None: same as the inputs
    shape_rule = broadcast_shapes
    inplace_kernel = _ufunc_inplace

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _kernel_is_the_ufunc(cls)

    def infer(op):
        x, y = op.inputs
        dt = same_dtype(op, x, y)
        _check_kind(op, dt, op.op_def.kinds)
        return [(op.op_def.shape_rule(op, static_shape(x), static_shape(y)), op.op_def.out_dtype or dt)]

    def kernel(op, ctx):
        return getattr(ctx.xp, op.op_def.ufunc)


class AddV2(Binary):
    type, ufunc = "AddV2", "add"
    simplify = _neutral_element(0, commutative=True)  # may turn -0.0 + 0 into +0.0 (they compare equal)

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(dz, y)]


class Sub(Binary):
    type, ufunc = "Sub", "subtract"
    simplify = _neutral_element(0, commutative=False)

    def gradient(op, dz):
        x, y = op.inputs
        dy = sum_to(dz, y)
        return [sum_to(dz, x), negative(dy)]


class Mul(Binary):
    type, ufunc = "Mul", "multiply"
    simplify = _neutral_element(1, commutative=True)

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(multiply(dz, y), x), sum_to(multiply(x, dz), y)]


def _int_zero_check(kernel, xp):
    """Integer division by zero is an error in TensorFlow (NumPy would warn and return 0)."""
    def checked(x, y):
        if not xp.all(y):
            raise ZeroDivisionError("Integer division by zero")
        return kernel(x, y)
    return checked


def _truncate_div_int(xp):
    def div(x, y):
        q = xp.floor_divide(x, y)
        # floor and truncation differ where the signs differ and the division is inexact
        return q + ((xp.remainder(x, y) != 0) & ((x < 0) != (y < 0))).astype(q.dtype)
    return div


class RealDiv(Binary):
    """x / y. On integers (tf.realdiv only; `/` casts them to float first) it truncates toward zero."""

    type = "RealDiv"

    def kernel(op, ctx):
        xp = ctx.xp
        if op.outputs[0].dtype.is_floating:
            return xp.true_divide
        return _int_zero_check(_truncate_div_int(xp), xp)

    def gradient(op, dz):
        x, y = op.inputs
        dx = sum_to(realdiv(dz, y), x)
        dy = sum_to(multiply(dz, realdiv(realdiv(negative(x), y), y)), y)
        return [dx, dy]


class FloorDiv(Binary):
    """floor(x / y); -7 // 2 = -4. Not differentiable (TF registers no gradient)."""

    type = "FloorDiv"
    gradient = not_differentiable

    def kernel(op, ctx):
        xp = ctx.xp
        if op.outputs[0].dtype.is_floating:
            fresh, floor, div = _in_place(xp), xp.floor, xp.true_divide

            def floordiv(x, y):  # floor(x / y) as TF (NumPy's float // differs: 1 // 0.1 == 9)
                q = div(x, y)
                return floor(q, out=q) if fresh(q) else floor(q)
            return floordiv
        return _int_zero_check(xp.floor_divide, xp)


class TruncateDiv(Binary):
    """x / y rounded toward zero (C semantics): -7 / 2 = -3."""

    type = "TruncateDiv"
    gradient = not_differentiable

    def kernel(op, ctx):
        xp = ctx.xp
        if op.outputs[0].dtype.is_floating:
            return lambda x, y: xp.trunc(xp.true_divide(x, y))
        return _int_zero_check(_truncate_div_int(xp), xp)


class FloorMod(Binary):
    """x - floor(x / y) * y: the result has the sign of y (Python's %)."""

    type, ufunc = "FloorMod", "remainder"

    def kernel(op, ctx):
        xp = ctx.xp
        return xp.remainder if op.outputs[0].dtype.is_floating else _int_zero_check(xp.remainder, xp)

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(multiply(dz, negative(floordiv(x, y))), y)]


class TruncateMod(Binary):
    """C's fmod: the result has the sign of x."""

    type, ufunc = "TruncateMod", "fmod"

    def kernel(op, ctx):
        xp = ctx.xp
        return xp.fmod if op.outputs[0].dtype.is_floating else _int_zero_check(xp.fmod, xp)

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(multiply(dz, negative(truncatediv(x, y))), y)]


class Pow(Binary):
    type, ufunc = "Pow", "power"

    def gradient(op, dz):
        x, y = op.inputs
        z = op.outputs[0]
        dx = sum_to(multiply(dz, multiply(y, pow(x, subtract(y, 1)))), x)
        # d/dy x^y = x^y log x, taken as 0 where x <= 0 (TF's convention; avoids log(0) in the graph)
        mask = greater(x, _scalar(0, x))
        log_x = where_v2(mask, log(where_v2(mask, x, _scalar(1, x))), _scalar(0, x))
        dy = sum_to(multiply(dz, multiply(z, log_x)), y)
        return [dx, dy]


class Maximum(Binary):
    """Elementwise max. Gradient: x gets dz where x >= y (ties go to x), y gets the rest."""

    type, ufunc = "Maximum", "maximum"

    def gradient(op, dz):
        return _select_grad(op, dz, greater_equal)


class Minimum(Binary):
    """Elementwise min. Gradient: x gets dz where x <= y (ties go to x), y gets the rest."""

    type, ufunc = "Minimum", "minimum"

    def gradient(op, dz):
        return _select_grad(op, dz, less_equal)


def _select_grad(op, dz, x_wins):
    x, y = op.inputs
    mask = x_wins(x, y)
    zero = _scalar(0, dz)
    return [sum_to(where_v2(mask, dz, zero), x), sum_to(where_v2(mask, zero, dz), y)]


class SquaredDifference(Binary):
    """(x - y)²: one pass instead of two ops (a common loss term)."""

    type = "SquaredDifference"

    def kernel(op, ctx):
        xp = ctx.xp
        fresh, sub, mul = _in_place(xp), xp.subtract, xp.multiply

        def squared_difference(x, y):
            d = sub(x, y)
            return mul(d, d, out=d) if fresh(d) else d * d
        return squared_difference

    def gradient(op, dz):
        x, y = op.inputs
        t = multiply(multiply(dz, subtract(x, y)), _scalar(2, dz))
        return [sum_to(t, x), negative(sum_to(t, y))]


class DivNoNan(Binary):
    """x / y, but 0 wherever y == 0."""

    type = "DivNoNan"
    kinds = FLOAT

    def kernel(op, ctx):
        xp = ctx.xp

        def div_no_nan(x, y):
            zero = y == 0
            return xp.where(zero, 0, xp.true_divide(x, xp.where(zero, 1, y)))
        return div_no_nan

    def gradient(op, dz):
        x, y = op.inputs
        dx = sum_to(div_no_nan(dz, y), x)
        dy = sum_to(multiply(dz, div_no_nan(div_no_nan(negative(x), y), y)), y)
        return [dx, dy]


# --- comparisons and logical ops ---------------------------------------------------------------------

class Compare(Binary):
    """Elementwise comparison with broadcasting; bool output, not differentiable."""

    out_dtype = dtypes.bool_
    gradient = not_differentiable


class Equal(Compare):
    type, ufunc, kinds = "Equal", "equal", ANY_CMP


class NotEqual(Compare):
    type, ufunc, kinds = "NotEqual", "not_equal", ANY_CMP


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


# --- public binary wrappers --------------------------------------------------------------------------

def add(x, y, name=None):
    return binary(AddV2, x, y, name, "Add")


def subtract(x, y, name=None):
    return binary(Sub, x, y, name, "Sub")


def multiply(x, y, name=None):
    return binary(Mul, x, y, name, "Mul")


def _int_to_float(dt):
    """`/` on integers: small ints become float32, int32/int64 become float64 (TensorFlow's table)."""
    return dtypes.float32 if dt.np.itemsize <= 2 else dtypes.float64


def truediv(x, y, name=None):
    """x / y in floating point: integer operands are cast first (int32 -> float64), as Python 3's `/`."""
    with name_scope(name, "truediv", [x, y]) as scope:
        x, y = _convert_pair(x, y)
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype.base_dtype.name!r} != "
                            f"{y.dtype.base_dtype.name!r}")
        dt = x.dtype.base_dtype
        if dt.is_integer:
            x, y = cast(x, _int_to_float(dt)), cast(y, _int_to_float(dt))
        return apply_op(RealDiv, [x, y], None, scope)


def divide(x, y, name=None):
    """Same as `x / y` (op named `truediv` unless `name` is given)."""
    return truediv(x, y, name)


def div(x, y, name=None):
    """TF1's `tf.div`: floor division on integers (-7 / 2 = -4), true division on floats."""
    with name_scope(name, "div", [x, y]) as scope:
        x, y = _convert_pair(x, y)
        op_def = FloorDiv if x.dtype.base_dtype.is_integer else RealDiv
        return apply_op(op_def, [x, y], None, scope)


def realdiv(x, y, name=None):
    return binary(RealDiv, x, y, name, "RealDiv")


def floordiv(x, y, name=None):
    """floor(x / y) for ints and floats: -7 // 2 = -4."""
    return binary(FloorDiv, x, y, name, "floordiv")


def floor_div(x, y, name=None):
    return binary(FloorDiv, x, y, name, "FloorDiv")


def truncatediv(x, y, name=None):
    return binary(TruncateDiv, x, y, name, "TruncateDiv")


def floormod(x, y, name=None):
    return binary(FloorMod, x, y, name, "FloorMod")


mod = floormod


def truncatemod(x, y, name=None):
    return binary(TruncateMod, x, y, name, "TruncateMod")


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's name
    return binary(Pow, x, y, name, "Pow")


def maximum(x, y, name=None):
    return binary(Maximum, x, y, name, "Maximum")


def minimum(x, y, name=None):
    return binary(Minimum, x, y, name, "Minimum")


def squared_difference(x, y, name=None):
    return binary(SquaredDifference, x, y, name, "SquaredDifference")


def div_no_nan(x, y, name=None):
    return binary(DivNoNan, x, y, name, "div_no_nan")


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


# --- unary ops ---------------------------------------------------------------------------------------

class Unary(OpDef):
    """Elementwise function of one tensor; output has the input's shape and dtype."""

    ufunc = None
    kinds = FLOAT
    shape_rule = same_shape
    inplace_kernel = _ufunc_inplace

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _kernel_is_the_ufunc(cls)

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, op.op_def.kinds)
        return [(op.op_def.shape_rule(op, static_shape(x)), dt)]

    def kernel(op, ctx):
        return getattr(ctx.xp, op.op_def.ufunc)


class Neg(Unary):
    type, ufunc, kinds = "Neg", "negative", NUMERIC

    def gradient(op, dy):
        return [negative(dy)]


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
    type, ufunc, kinds = "Square", "square", NUMERIC

    def gradient(op, dy):
        return [multiply(dy, multiply(op.inputs[0], _scalar(2, dy)))]


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


class LogicalNot(Unary):
    type, ufunc, kinds = "LogicalNot", "logical_not", "b"
    gradient = not_differentiable


def negative(x, name=None):
    return _unary(Neg, x, name)


def abs(x, name=None):  # noqa: A001 - TensorFlow's name
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


def logical_not(x, name=None):
    return _unary(LogicalNot, x, name)


# --- n-ary and matrix ops ----------------------------------------------------------------------------

class AddN(OpDef):
    """Sum of many same-shape tensors in one pass: how autodiff adds up fan-in."""

    type = "AddN"
    shape_rule = equal_shapes

    def simplify(op, facts):
        """The sum of one tensor is that tensor (the kernel returns it)."""
        args = facts.args(op)
        return (args[0], True) if len(args) == 1 else None

    def infer(op):
        dt = same_dtype(op, *op.inputs)
        shape = static_shape(op.inputs[0])
        for t in op.inputs[1:]:
            s = static_shape(t)
            if shape is None or s is None:
                shape = shape or s
                continue
            if len(s) != len(shape):
                raise ValueError(f"Shapes must be equal rank, but are {len(shape)} and {len(s)}")
            merged = []
            for a, b in zip(shape, s):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"Dimension {a} and {b} are not equal")
                merged.append(a if a is not None else b)
            shape = tuple(merged)
        return [(shape, dt)]

    def kernel(op, ctx):
        n = len(op.inputs)
        if n == 1:
            return lambda a: a
        if n == 2:
            return ctx.xp.add
        add_ = ctx.xp.add

        def add_n_kernel(first, *rest):
            out = add_(first, rest[0])
            for r in rest[1:]:
                out += r  # in place for arrays; NumPy scalars (full reductions) rebind
            return out
        return add_n_kernel

    def gradient(op, dz):
        return [dz] * len(op.inputs)


def add_n(inputs, name=None):
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    return apply_op(AddN, inputs, None, name)


accumulate_n = add_n


class MatMul(OpDef):
    """`a @ b` for 2-D and batched (3-D+, batch dims broadcast) operands; the lecture's dense-layer slide:
    dX = dZ·Wᵀ, dW = Xᵀ·dZ (summed over batch dims that were broadcast)."""

    type = "MatMul"
    allocates = True   # a new product every run, which bias and activation may then overwrite in place
    reads_only = True

    def infer(op):
        a, b = op.inputs
        dt = same_dtype(op, a, b)
        _check_kind(op, dt, NUMERIC, "a")
        return [(op.op_def.shape_rule(op, static_shape(a), static_shape(b)), dt)]

    def shape_rule(op, sa, sb):
        if sa is None or sb is None:
            return None
        if len(sa) < 2 or len(sb) < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {min(len(sa), len(sb))}")
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        m, k1 = (sa[-1], sa[-2]) if ta else (sa[-2], sa[-1])
        k2, n = (sb[-1], sb[-2]) if tb else (sb[-2], sb[-1])
        if known(k1) and known(k2) and k1 != k2:
            raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
        return broadcast_shape(sa[:-2], sb[:-2]) + (m, n)

    def kernel(op, ctx):
        fast = _matmul_kernel(op, ctx)
        sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if sa is not None and sb is not None and (sa[-1] if not ta else sa[-2]) is not None and \
                (sb[-2] if not tb else sb[-1]) is not None:
            return fast  # ranks and the contracted dimension known while building: nothing left to check

        def matmul_checked(a, b, out=None):
            if a.ndim < 2 or b.ndim < 2:
                k = 0 if a.ndim < 2 else 1
                raise InvalidArgumentError(op.node_def, op, f"In[{k}] is not a matrix. Instead it has shape "
                                                            f"{_dims(a.shape if k == 0 else b.shape)}{_node(op)}")
            if a.shape[-2 if ta else -1] != b.shape[-1 if tb else -2]:
                raise InvalidArgumentError(op.node_def, op, f"Matrix size-incompatible: In[0]: {_dims(a.shape)}, "
                                                            f"In[1]: {_dims(b.shape)}{_node(op)}")
            return fast(a, b, out=out)
        return matmul_checked

    def result_shape(op):
        """`(a, b) -> shape of a @ b` for 2-D operands (None otherwise): lets a plan keep the product's buffer
        from one run to the next and pass it as `out=` (runtime/passes.py, the reuse pass)."""
        sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        if sa is None or sb is None or len(sa) != 2 or len(sb) != 2:
            return None
        i, j = (1 if op.attrs["transpose_a"] else 0), (0 if op.attrs["transpose_b"] else 1)
        return lambda a, b: (a.shape[i], b.shape[j])

    def gradient(op, dz):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            da, db = matmul(dz, b, transpose_b=True), matmul(a, dz, transpose_a=True)
        elif not ta and tb:
            da, db = matmul(dz, b), matmul(dz, a, transpose_a=True)
        elif ta and not tb:
            da, db = matmul(b, dz, transpose_b=True), matmul(a, dz)
        else:
            da, db = matmul(b, dz, transpose_a=True, transpose_b=True), matmul(dz, a, transpose_a=True,
                                                                              transpose_b=True)
        return [sum_to(da, a), sum_to(db, b)]


def _matmul_kernel(op, ctx):
    """The product as a plain function: `mm` itself for untransposed operands (no Python layer)."""
    # float32 products honour the session's matmul precision (TF32 / bfloat16 / float16 inputs)
    mm = ctx.matmul_f32 if op.outputs[0].dtype.base_dtype == dtypes.float32 else ctx.xp.matmul
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return mm
    # transposes as array methods (xp.swapaxes is a Python wrapper costing ~1 us); `.T` for known 2-D
    sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
    # `out=` is accepted so that a plan can write the product into a buffer it keeps (result_shape)
    if ta and tb:
        if sa is not None and sb is not None and len(sa) == len(sb) == 2:
            return lambda a, b, out=None: mm(a.T, b.T, out=out)
        return lambda a, b, out=None: mm(a.swapaxes(-1, -2), b.swapaxes(-1, -2), out=out)
    if ta:
        if sa is not None and len(sa) == 2:
            return lambda a, b, out=None: mm(a.T, b, out=out)
        return lambda a, b, out=None: mm(a.swapaxes(-1, -2), b, out=out)
    if sb is not None and len(sb) == 2:
        return lambda a, b, out=None: mm(a, b.T, out=out)
    return lambda a, b, out=None: mm(a, b.swapaxes(-1, -2), out=out)


def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _node(op):
    return f"\n\t [[{{{{node {op.name}}}}}]]"


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product; batched over leading dims. `tf.matmul` is named MatMul, `a @ b` is `matmul`."""
    with name_scope(name, "MatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        return apply_op(MatMul, [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                         "transpose_b": bool(transpose_b or adjoint_b)}, scope)


class Cast(OpDef):
    type = "Cast"
    shape_rule = same_shape

    def infer(op):
        return [(op.op_def.shape_rule(op, static_shape(op.inputs[0])), op.attrs["DstT"])]

    def simplify(op, facts):
        """A cast to the dtype its input already has is the input (the kernel copies it)."""
        x = facts.args(op)[0]
        return (x, False) if x.dtype.base_dtype == op.attrs["DstT"].base_dtype else None

    def kernel(op, ctx):
        dt = op.attrs["DstT"].np
        return lambda x: x.astype(dt)

    def gradient(op, dy):
        src = op.inputs[0].dtype.base_dtype
        if src.is_floating and op.attrs["DstT"].is_floating:
            return [cast(dy, src)]
        return [None]


def cast(x, dtype, name=None):
    """Convert `x` to `dtype` (floats to ints truncate toward zero); no op when it already has that dtype."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype).base_dtype
    if x.dtype.base_dtype == dtype:
        return x
    return apply_op(Cast, [x], {"DstT": dtype, "SrcT": x.dtype.base_dtype}, name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name)


def scalar_mul(scalar, x, name=None):
    """`scalar * x` for a 0-d scalar (ValueError otherwise), converted to x's dtype."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
    shape = static_shape(scalar)
    if shape != ():
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")
    return apply_op(Mul, [scalar, x], None, name or "Mul")


def _tensordot_axes(axes, ra, rb):
    axes = _const_value(axes, "axes")
    if np.ndim(axes) == 0:
        n = int(axes)
        if not 0 <= n <= min(ra, rb):
            raise ValueError(f"'axes' must be at most the rank of a and b, got {n} for ranks {ra} and {rb}")
        return list(range(ra - n, ra)), list(range(n))
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an integer or have length 2, got {axes!r}")
    ax_a, ax_b = ([int(i) for i in np.atleast_1d(np.asarray(v)).reshape(-1)] for v in axes)
    if len(ax_a) != len(ax_b):
        raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(ax_a)} != {len(ax_b)}")
    return _distinct_axes(ax_a, ra), _distinct_axes(ax_b, rb)


def _distinct_axes(axes, rank):
    out = [a % rank for a in axes if -rank <= a < rank]
    if len(out) != len(axes) or len(set(out)) != len(out):
        raise ValueError(f"Invalid or repeated axes {axes} for a tensor of rank {rank}")
    return out


def tensordot(a, b, axes, name=None):
    """Sum of products over `axes` (an int n: the last n of a with the first n of b; or a pair of axis
    lists), as TensorFlow builds it: transpose and reshape both to matrices, one MatMul, reshape back.
    The contracted dimensions must be known while building."""
    from . import array_ops  # array ops import this module

    with name_scope(name, "Tensordot", [a, b, axes]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        sa, sb = static_shape(a), static_shape(b)
        if sa is None or sb is None:
            raise ValueError("tensordot needs inputs of known rank")
        ax_a, ax_b = _tensordot_axes(axes, len(sa), len(sb))
        k = 1
        for i, j in zip(ax_a, ax_b):
            if sa[i] is None or sb[j] is None:
                raise ValueError("tensordot needs the contracted dimensions to be known while building")
            if sa[i] != sb[j]:
                raise ValueError(f"Dimensions must be equal, but are {sa[i]} and {sb[j]} for 'Tensordot' with "
                                 f"input shapes: {list(sa)}, {list(sb)} and axes {ax_a}, {ax_b}")
            k *= sa[i]
        free_a = [i for i in range(len(sa)) if i not in ax_a]
        free_b = [j for j in range(len(sb)) if j not in ax_b]

        def as_matrix(x, perm, shape):
            if perm != sorted(perm):
                x = array_ops.transpose(x, perm)
            return array_ops.reshape(x, shape)

        a2 = as_matrix(a, free_a + ax_a, [-1, k])
        b2 = as_matrix(b, ax_b + free_b, [k, -1])
        out_dims = [sa[i] for i in free_a] + [sb[j] for j in free_b]
        if all(d is not None for d in out_dims):
            out_shape = out_dims
        else:
            out_shape = array_ops.concat([array_ops.gather(array_ops.shape(a), free_a),
                                          array_ops.gather(array_ops.shape(b), free_b)], 0)
        out = array_ops.reshape(matmul(a2, b2), out_shape, name=scope)
        out.set_shape(out_dims)
        return out


# --- selection ---------------------------------------------------------------------------------------

def _merge_shapes(a, b, what):
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)} ({what})")
    out = []
    for d1, d2 in zip(a, b):
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"Dimension {d1} and {d2} are not equal ({what})")
        out.append(d1 if d1 is not None else d2)
    return tuple(out)


class Select(OpDef):
    """TF1 `where(cond, x, y)`: x and y of one shape; cond of that shape, a scalar, or a vector that picks
    whole rows (its length is x's first dimension)."""

    type = "Select"

    def infer(op):
        c, x, y = op.inputs
        if not c.dtype.base_dtype.is_bool:
            raise TypeError(f"Input 'condition' of 'Select' Op has type {c.dtype.base_dtype.name} that does "
                            "not match expected type of bool.")
        dt = same_dtype(op, x, y)
        shape = _merge_shapes(static_shape(x), static_shape(y), "x and y")
        sc = static_shape(c)
        if sc is not None and shape is not None and sc != () and len(sc) != len(shape):
            if len(sc) != 1 or not shape:
                raise ValueError(f"Shape must be rank 0, 1 or {len(shape)} but is rank {len(sc)} (condition)")
            if sc[0] is not None and shape[0] is not None and sc[0] != shape[0]:
                raise ValueError(f"Dimension 0 in both shapes must be equal, but are {sc[0]} and {shape[0]}")
        elif sc is not None and shape is not None and sc != ():
            _merge_shapes(sc, shape, "condition and x")
        return [(shape, dt)]

    def kernel(op, ctx):
        where_ = ctx.xp.where

        def select(c, x, y):
            if c.ndim == 1 and x.ndim > 1:
                c = c.reshape((-1,) + (1,) * (x.ndim - 1))
            return where_(c, x, y)
        return select

    def gradient(op, dz):
        c = op.inputs[0]
        zeros = zeros_like(dz)
        return [None, select(c, dz, zeros), select(c, zeros, dz)]


class SelectV2(OpDef):
    """`where_v2(cond, x, y)`: NumPy-broadcasting select."""

    type = "SelectV2"

    def infer(op):
        c, x, y = op.inputs
        if not c.dtype.base_dtype.is_bool:
            raise TypeError(f"Input 'condition' of 'SelectV2' Op has type {c.dtype.base_dtype.name} that "
                            "does not match expected type of bool.")
        dt = same_dtype(op, x, y)
        shape = broadcast_shape(broadcast_shape(static_shape(c), static_shape(x)), static_shape(y))
        return [(shape, dt)]

    def kernel(op, ctx):
        return ctx.xp.where

    def gradient(op, dz):
        c, x, y = op.inputs
        zero = _scalar(0, dz)
        return [None, sum_to(where_v2(c, dz, zero), x), sum_to(where_v2(c, zero, dz), y)]


class Where(OpDef):
    """`where(cond)`: int64 coordinates (one row per true element, in row-major order)."""

    type = "Where"
    gradient = not_differentiable

    def infer(op):
        c = op.inputs[0]
        shape = static_shape(c)
        return [((None, None if shape is None else len(shape)), dtypes.int64)]

    def kernel(op, ctx):
        argwhere = ctx.xp.argwhere
        return lambda c: argwhere(c)


def _select_args(condition, x, y):
    condition = convert_to_tensor(condition, name="condition")
    if not _is_graph_value(x) and _is_graph_value(y):
        y = convert_to_tensor(y, name="e")
        x = convert_to_tensor(x, name="t", preferred_dtype=y.dtype.base_dtype)
    else:
        x = convert_to_tensor(x, name="t")
        y = convert_to_tensor(y, name="e", preferred_dtype=x.dtype.base_dtype)
    return condition, x, y


def select(condition, x, y, name=None):
    with name_scope(name, "Select", [condition, x, y]) as scope:
        return apply_op(Select, list(_select_args(condition, x, y)), None, scope)


def where(condition, x=None, y=None, name=None):
    """TF1 `where`: with x and y, pick elementwise (or rows, for a vector condition); alone, the int64
    coordinates of the true elements."""
    if x is None and y is None:
        return apply_op(Where, [convert_to_tensor(condition, name="condition")], None, name or "Where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return select(condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None):
    """`where` with NumPy broadcasting between condition, x and y."""
    if x is None and y is None:
        return where(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with name_scope(name, "SelectV2", [condition, x, y]) as scope:
        return apply_op(SelectV2, list(_select_args(condition, x, y)), None, scope)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, lo), hi) as TF1 builds it (Minimum then Maximum), so the gradient passes at the bounds:
    dz reaches t wherever lo <= t <= hi."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        t = convert_to_tensor(t, name="t")
        t_min = minimum(t, clip_value_max)
        if not t_min.shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {t_min.shape} are incompatible (clip_by_value must not "
                             "broadcast t)")
        t_max = binary(Maximum, t_min, clip_value_min, scope, None)
        if not t_max.shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {t_max.shape} are incompatible (clip_by_value must not "
                             "broadcast t)")
        return t_max


# --- reductions ---------------------------------------------------------------------------------------

def _const_value(v, what):
    """A Python/NumPy value for an attribute given as a value or a Const tensor (graphgrad has no
    data-dependent axes)."""
    if isinstance(v, Tensor) or hasattr(v, "_as_tensor"):
        t = convert_to_tensor(v)
        if t.op.type != "Const":
            raise TypeError(f"{what} must be a constant (a Python value or tf.constant), got {t}")
        return t.op.attrs["value"]
    return v


def _axis_tuple(axis):
    """Raw axes as a tuple of ints (None: all axes); a repeated axis is TF1's "duplicate dimension" error."""
    if axis is None:
        return None
    a = np.asarray(_const_value(axis, "axis"))
    if a.size == 0:
        return ()
    if a.dtype.kind not in "iu":
        raise TypeError(f"axis must be an int or a list of ints, got {axis!r}")
    if a.ndim > 1:
        raise ValueError(f"axis must be a scalar or a vector, got shape {list(a.shape)}")
    axes = tuple(int(i) for i in a.reshape(-1))
    if len(set(axes)) != len(axes):
        raise ValueError(f"Invalid reduction arguments: Axes contains duplicate dimension: "
                         f"{next(i for i in axes if axes.count(i) > 1)}")
    return axes


def _normalize_axes(axes, rank, what="reduction dimension"):
    """Axes in [0, rank) sorted; ValueError for out-of-range ones. None stands for all axes."""
    if axes is None:
        return tuple(range(rank))
    out = set()
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Invalid {what} {a} for input with {rank} dimensions.")
        if a % rank in out:
            raise ValueError(f"Invalid reduction arguments: Axes contains duplicate dimension: {a % rank}")
        out.add(a % rank)
    return tuple(sorted(out))


def _op_axes(op, x=None):
    """The op's normalized axes when the input's rank is known statically, else the raw attribute."""
    shape = static_shape(op.inputs[0] if x is None else x)
    axes = op.attrs["axis"]
    return axes if shape is None else _normalize_axes(axes, len(shape))


def _reduced_shape(shape, axes, keep):
    if shape is None:
        return () if axes is None and not keep else None
    ax = _normalize_axes(axes, len(shape))
    if keep:
        return tuple(1 if i in ax else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in ax)


def _reduction_of_nothing(op, facts):
    """`simplify` of reductions over no axes (or, with keep_dims, only over axes of size 1): the input."""
    x = facts.args(op)[0]
    axes, s = op.attrs.get("axis"), facts.sym(x)
    if axes is not None and len(axes) == 0:
        return x, False
    if s is None:
        return None
    if axes is None:
        axes = range(len(s))
    try:
        ones = all(s[a] == 1 for a in axes)
    except IndexError:
        return None
    return (x, False) if ones and (op.attrs.get("keep_dims") or len(s) == 0) else None


def _axes_checked(op, kernel):
    """`kernel` itself when the input's rank is known while building (the axes were checked then), else behind a
    check of the axes against the rank when run, in TF's words (not NumPy's AxisError)."""
    axes = op.attrs["axis"]
    if axes is None or static_shape(op.inputs[0]) is not None:
        return kernel

    def axes_checked(x):
        r, seen = x.ndim, set()
        for a in axes:
            if not -r <= a < r:
                raise InvalidArgumentError(op.node_def, op, f"Invalid reduction dimension ({a} for input with {r} "
                                                            f"dimension(s){_node(op)}")
            if a % r in seen:
                raise InvalidArgumentError(op.node_def, op, f"Invalid reduction arguments: Axes contains duplicate "
                                                            f"dimension: {a % r}{_node(op)}")
            seen.add(a % r)
        return kernel(x)
    return axes_checked


class Reduction(OpDef):
    """Reduce over `axis` (tuple of ints, or None for all), keeping reduced dims as 1 if `keep_dims`."""

    kinds = NUMERIC
    func = None

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, op.op_def.kinds, "input")
        return [(_reduced_shape(static_shape(x), op.attrs["axis"], op.attrs["keep_dims"]), dt)]

    def kernel(op, ctx):
        f = getattr(ctx.xp, op.op_def.func)
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        if axes is not None and static_shape(op.inputs[0]) is not None and len(axes) == op.inputs[0].shape.ndims:
            axes = None  # all axes: NumPy's fastest path
        return _axes_checked(op, lambda x: f(x, axis=axes, keepdims=keep))


class Sum(Reduction):
    type, func = "Sum", "sum"
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        f = ctx.xp.sum
        dt = op.outputs[0].dtype.np  # NumPy would widen int32 sums to int64
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        return _axes_checked(op, lambda x: f(x, axis=axes, dtype=dt, keepdims=keep))

    def gradient(op, dz):
        return [unreduce(dz, op)]


class Prod(Reduction):
    type, func = "Prod", "prod"
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        f = ctx.xp.prod
        dt = op.outputs[0].dtype.np
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        return _axes_checked(op, lambda x: f(x, axis=axes, dtype=dt, keepdims=keep))

    def gradient(op, dz):
        x = op.inputs[0]
        others = apply_op(ProdOthers, [x], {"axis": _op_axes(op)})
        return [multiply(unreduce(dz, op), others)]


class Mean(Reduction):
    """Mean; on integers the sum is divided with truncation toward zero (mean of [-1, -2, -4] is -2)."""

    type, func = "Mean", "mean"

    def simplify(op, facts):
        """A mean over nothing is its input; only for floats (integer means keep their kernel)."""
        return _reduction_of_nothing(op, facts) if facts.args(op)[0].dtype.base_dtype.is_floating else None

    def kernel(op, ctx):
        xp = ctx.xp
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        dt = op.outputs[0].dtype
        if dt.is_floating:
            return _axes_checked(op, _float_mean_kernel(op, xp, axes, keep, dt.np))
        sum_, sign_, abs_ = xp.sum, xp.sign, xp.abs

        def int_mean(x):
            s = sum_(x, axis=axes, dtype=dt.np, keepdims=keep)
            n = _count(x.shape, axes)
            return sign_(s) * (abs_(s) // max(n, 1))
        return _axes_checked(op, int_mean)

    def gradient(op, dz):
        return [unreduce(dz, op, mean=True)]


_EXACT_COUNT = 2 ** 24  # element counts up to this are exact in float32, so dividing in the dtype is exact


def _float_mean_kernel(op, xp, axes, keep, dt):
    """Sum, then divide by the count: xp.mean costs ~5 us of Python on small arrays. Bit-identical to NumPy's
    mean (same pairwise sum; its float64 division by the count rounds as the dtype's own division does for
    counts up to 2**24, the only ones taken here). float16 (NumPy sums it in float32), empty reductions (mean's
    own warning) and huge counts go to xp.mean."""
    mean = xp.mean
    if dt.itemsize < 4:
        return lambda x: mean(x, axis=axes, keepdims=keep)
    shape = static_shape(op.inputs[0])
    if shape is not None and axes is not None and len(axes) == len(shape):
        axes = None  # all axes: NumPy's fastest path
    known = shape is not None and all(shape[i] is not None for i in (range(len(shape)) if axes is None else axes))
    # xp.add.reduce is what x.sum calls, minus a Python layer (CuPy before v13 has only x.sum)
    add_reduce = getattr(xp.add, "reduce", None)
    if add_reduce is not None:
        def total(x):
            return add_reduce(x, axes, None, None, keep)
    else:
        def total(x):
            return x.sum(axis=axes, keepdims=keep)
    if known:
        n = _count(shape, axes)
        if not 0 < n <= _EXACT_COUNT:
            return lambda x: mean(x, axis=axes, keepdims=keep)
        div = xp.full((), n, dt)

        def static_mean(x):
            s = total(x)
            s /= div
            return s
        return static_mean

    def dynamic_mean(x):
        n = x.size if axes is None else _count(x.shape, axes)
        if not 0 < n <= _EXACT_COUNT:
            return mean(x, axis=axes, keepdims=keep)
        s = total(x)
        s /= n
        return s
    return dynamic_mean


class Max(Reduction):
    """Max; gradient shared equally among tied maxima (TF's rule). Over nothing it is the dtype's lowest
    value (-inf for floats), as in TF, where NumPy raises."""

    type, func = "Max", "max"
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        xp = ctx.xp
        reduce = Reduction.kernel(op, ctx)
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        dt = op.outputs[0].dtype.np
        floating = np.issubdtype(dt, np.floating)
        lowest = -np.inf if floating else np.iinfo(dt).min
        highest = np.inf if floating else np.iinfo(dt).max
        empty = lowest if op.op_def.func == "max" else highest

        def reduce_or_empty(x):
            if x.size:
                return reduce(x)
            ax = range(x.ndim) if axes is None else [a % x.ndim for a in axes]
            shape = tuple(1 if i in ax else d for i, d in enumerate(x.shape) if keep or i not in ax)
            return xp.full(shape, empty, dt)
        return _axes_checked(op, reduce_or_empty)

    def gradient(op, dz):
        return [_min_max_grad(op, dz)]


class Min(Max):
    type, func = "Min", "min"


class Any(Reduction):
    type, func, kinds = "Any", "any", "b"
    gradient = not_differentiable


class All(Reduction):
    type, func, kinds = "All", "all", "b"
    gradient = not_differentiable


def _count(shape, axes):
    n = 1
    for i in range(len(shape)) if axes is None else axes:
        n *= shape[i]
    return n


def _min_max_grad(op, dz):
    x, y = op.inputs[0], op.outputs[0]
    axes = _op_axes(op)
    indicators = cast(equal(x, unreduce(y, op)), x.dtype.base_dtype)
    num_selected = apply_op(Sum, [indicators], {"axis": axes, "keep_dims": True})
    return multiply(realdiv(indicators, num_selected), unreduce(dz, op))


class Unreduce(OpDef):
    """Gradient of a reduction: `dz` with the reduced axes put back, broadcast to the input's shape (and
    divided by the number of reduced elements for a mean). The input's shape comes from the `shape` attr
    when it is static, so the forward input need not stay alive; otherwise from a second input."""

    type = "Unreduce"
    shape_only_inputs = (1,)

    def infer(op):
        return [(op.op_def.shape_rule(op, *map(static_shape, op.inputs)), op.inputs[0].dtype.base_dtype)]

    def shape_rule(op, *shapes):
        if op.attrs["shape"] is not None:
            return tuple(op.attrs["shape"])
        return shapes[1] if len(shapes) > 1 else None

    def kernel(op, ctx):
        xp = ctx.xp
        axes, keep, mean = op.attrs["axis"], op.attrs["keep_dims"], op.attrs["mean"]
        shape = op.attrs["shape"]
        expand = _unreduce_expand(xp, op.outputs[0].dtype.np, mean)
        if shape is not None:
            ax = _normalize_axes(axes, len(shape))
            kept = tuple(1 if i in ax else d for i, d in enumerate(shape))
            n = _count(shape, ax)
            return lambda g: expand(g.reshape(kept), shape, n)

        x_shape = static_shape(op.inputs[1])
        if x_shape is not None:  # rank known: the axes are too
            ax = _normalize_axes(axes, len(x_shape))
            if keep or ax == tuple(range(len(ax))):  # g broadcasts as it is (reduced dims kept, or leading)
                if not mean:
                    return lambda g, x: expand(g, x.shape, 1)
                return lambda g, x: expand(g, x.shape, _count(x.shape, ax))

            def unreduce_rank(g, x):
                s = x.shape
                g = g.reshape(tuple(1 if i in ax else d for i, d in enumerate(s)))
                return expand(g, s, _count(s, ax) if mean else 1)
            return unreduce_rank

        def unreduce_dynamic(g, x):
            ax = _normalize_axes(axes, x.ndim)
            if not keep:
                g = g.reshape(tuple(1 if i in ax else d for i, d in enumerate(x.shape)))
            return expand(g, x.shape, _count(x.shape, ax) if mean else 1)
        return unreduce_dynamic

    def gradient(op, g):
        attrs = {"axis": op.attrs["axis"], "keep_dims": op.attrs["keep_dims"]}
        dz = apply_op(Mean if op.attrs["mean"] else Sum, [g], attrs)
        return [dz] + [None] * (len(op.inputs) - 1)


_SMALL_FILL = 1 << 14  # results up to this many elements are written out; xp.broadcast_to costs ~2 us of Python


def _unreduce_expand(xp, dt, mean):
    """`expand(g, shape, n)`: g (reduced dims kept as 1) broadcast to `shape`, divided by n for a mean (as
    `g / n`: the same rounding either way). Small results are written into a new array by one ufunc call; large
    ones stay a broadcast view of `g / n` (no pass over memory)."""
    empty, divide, copyto, broadcast_to = xp.empty, xp.true_divide, xp.copyto, xp.broadcast_to
    if mean and dt.kind != "f":
        return lambda g, shape, n: broadcast_to(g / n, shape)

    full, last = xp.full, [(None, None)]  # the last count, and it as a 0-d array (faster than an int in a ufunc)

    def expand(g, shape, n):
        if prod(shape) > _SMALL_FILL:
            return broadcast_to(g / n if mean else g, shape)
        out = empty(shape, dt)
        if mean:
            count = last[0]
            if count[0] != n:
                count = last[0] = (n, full((), n, dt))  # the value NumPy converts the int n to
            divide(g, count[1], out=out)
        else:
            copyto(out, g)
        return out
    return expand


def unreduce(dz, reduce_op, mean=False):
    """The Unreduce op taking `dz` (shaped like reduce_op's output) back to reduce_op's input shape."""
    x = reduce_op.inputs[0]
    shape = static_shape(x)
    attrs = {"axis": _op_axes(reduce_op), "keep_dims": reduce_op.attrs["keep_dims"], "mean": mean,
             "shape": shape if fully_defined(shape) else None}
    return apply_op(Unreduce, [dz] if attrs["shape"] is not None else [dz, x], attrs)


class ProdOthers(OpDef):
    """For each element, the product of the OTHER elements of its reduction group: reduce_prod's exact
    gradient factor, also with zeros in the input (exclusive products from the left times from the right)."""

    type = "ProdOthers"

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        axes = op.attrs["axis"]

        def prod_others(x):
            nd = x.ndim
            red = _normalize_axes(axes, nd)
            keep = [i for i in range(nd) if i not in red]
            perm = keep + list(red)
            xt = xp.transpose(x, perm)
            lead = xt.shape[:len(keep)]
            n = _count(xt.shape, range(len(keep), nd))
            flat = xt.reshape((-1, n))
            left = xp.ones_like(flat)
            right = xp.ones_like(flat)
            if n > 1:
                xp.cumprod(flat[:, :-1], axis=1, out=left[:, 1:])
                xp.cumprod(flat[:, :0:-1], axis=1, out=right[:, -2::-1])
            left *= right
            inverse = np.argsort(perm)
            return xp.transpose(left.reshape(lead + xt.shape[len(keep):]), inverse)
        return prod_others

    def gradient(op, g):
        # d/dx_j sum_i g_i prod_{k != i} x_k = sum_{i != j} g_i prod_{k != i, j} x_k
        #   = (sum_i g_i others_i - g_j others_j) / x_j   (exact for nonzero x, as TensorFlow's)
        x, others = op.inputs[0], op.outputs[0]
        axes = op.attrs["axis"]
        go = multiply(g, others)
        total = apply_op(Sum, [go], {"axis": axes, "keep_dims": True})
        return [realdiv(subtract(total, go), x)]


def _reduce_args(axis, keepdims, reduction_indices, keep_dims):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keepdims is None:
        keepdims = bool(keep_dims) if keep_dims is not None else False
    elif keep_dims is not None and bool(keep_dims) != bool(keepdims):
        raise ValueError("The `keep_dims` and `keepdims` arguments must agree.")
    return _axis_tuple(axis), bool(keepdims)


def _reduce(op_def, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    x = convert_to_tensor(input_tensor, name="input_tensor")
    return apply_op(op_def, [x], {"axis": axes, "keep_dims": keep}, name or op_def.type)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Sum, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """Mean over `axis`; integer inputs give an integer mean truncated toward zero, as TensorFlow."""
    return _reduce(Mean, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Max, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Min, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Prod, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Any, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(All, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                     keep_dims=None):
    """log(sum(exp(x))) computed as max + log(sum(exp(x - max))): no overflow for inputs near 1e4.
    The max is a stop_gradient'ed constant shift, so the gradient is exactly softmax(x)·dz."""
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        raw_max = apply_op(Max, [x], {"axis": axes, "keep_dims": True})
        my_max = stop_gradient(where_v2(is_finite(raw_max), raw_max, _scalar(0, raw_max)))
        summed = apply_op(Sum, [exp(subtract(x, my_max))], {"axis": axes, "keep_dims": keep})
        shift = my_max if keep else apply_op(Sum, [my_max], {"axis": axes, "keep_dims": False})
        return apply_op(AddV2, [log(summed), shift], None, scope)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None):
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    with name_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant(0, dtype=x.dtype.base_dtype) if not x.dtype.base_dtype.is_bool else constant(False)
        nonzero = cast(not_equal(x, zero), dtype)
        return apply_op(Sum, [nonzero], {"axis": axes, "keep_dims": keep})


# --- arg reductions and scans --------------------------------------------------------------------------

class ArgMax(OpDef):
    """Index of the largest element along `axis` (first one on ties), int64 unless output_type says."""

    type, func = "ArgMax", "argmax"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        _check_kind(op, x.dtype.base_dtype, NUMERIC, "input")
        shape = static_shape(x)
        if shape is None:
            return [(None, op.attrs["output_type"])]
        if not shape:
            raise ValueError("Expected dimension in the range [0, 0) (input of rank 0)")
        a = op.attrs["axis"]
        if not -len(shape) <= a < len(shape):
            raise ValueError(f"Dimension ({a}) must be in the range [{-len(shape)}, {len(shape)}), where "
                             f"{len(shape)} is the number of dimensions in the input.")
        a %= len(shape)
        return [(shape[:a] + shape[a + 1:], op.attrs["output_type"])]

    def kernel(op, ctx):
        f = getattr(ctx.xp, op.op_def.func)
        axis = op.attrs["axis"]
        out = op.attrs["output_type"].np
        if out == np.int64:
            kernel = lambda x: f(x, axis=axis)  # noqa: E731
        else:
            kernel = lambda x: f(x, axis=axis).astype(out)  # noqa: E731
        if static_shape(op.inputs[0]) is not None:
            return kernel  # the axis was checked while building

        def arg_checked(x):
            if not -x.ndim <= axis < max(x.ndim, 1) or x.ndim == 0:
                raise InvalidArgumentError(op.node_def, op, f"Expected dimension in the range [{-x.ndim}, {x.ndim}),"
                                                            f" but got {axis}{_node(op)}")
            if x.shape[axis] == 0:
                raise InvalidArgumentError(op.node_def, op, f"Reduction axis {axis} is empty in shape "
                                                            f"{_dims(x.shape)}{_node(op)}")
            return kernel(x)
        return arg_checked


class ArgMin(ArgMax):
    type, func = "ArgMin", "argmin"


def _arg_reduce(op_def, input, axis, name, dimension, output_type):
    if dimension is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'")
        axis = dimension
    axis = 0 if axis is None else _const_value(axis, "axis")
    a = np.asarray(axis)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise ValueError(f"axis must be a scalar int, got {axis!r}")
    output_type = dtypes.as_dtype(output_type).base_dtype
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"output_type must be int32 or int64, got {output_type.name}")
    x = convert_to_tensor(input, name="input")
    return apply_op(op_def, [x], {"axis": int(a), "output_type": output_type}, name or op_def.type)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the max along `axis` (None means 0, as TF1); int64 by default; first index on ties."""
    return _arg_reduce(ArgMax, input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg_reduce(ArgMin, input, axis, name, dimension, output_type)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """TF1's older name of argmax (the raw op): `dimension` is required."""
    return _arg_reduce(ArgMax, input, dimension, name, None, output_type)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """TF1's older name of argmin (the raw op): `dimension` is required."""
    return _arg_reduce(ArgMin, input, dimension, name, None, output_type)


class Cumsum(OpDef):
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` runs from the end."""

    type = "Cumsum"

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, NUMERIC)
        shape = static_shape(x)
        if shape is not None:
            _normalize_axes((op.attrs["axis"],), len(shape), "axis")
        return [(shape, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        axis, excl, rev = op.attrs["axis"], op.attrs["exclusive"], op.attrs["reverse"]
        dt = op.outputs[0].dtype.np
        cumsum_ = xp.cumsum

        def cumsum_kernel(x):
            ax = axis % x.ndim
            idx = (slice(None),) * ax
            if rev:
                x = x[idx + (slice(None, None, -1),)]
            if excl:
                out = xp.zeros(x.shape, dt)
                cumsum_(x[idx + (slice(None, -1),)], axis=ax, dtype=dt, out=out[idx + (slice(1, None),)])
            else:
                out = cumsum_(x, axis=ax, dtype=dt)
            return out[idx + (slice(None, None, -1),)] if rev else out
        return cumsum_kernel

    def gradient(op, dz):
        a = op.attrs
        return [cumsum(dz, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = convert_to_tensor(x, name="x")
    axis = int(np.asarray(_const_value(axis, "axis")))
    return apply_op(Cumsum, [x], {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)},
                    name or "Cumsum")


__all__ = [
    # binary arithmetic
    "add", "subtract", "multiply", "divide", "truediv", "div", "realdiv", "floordiv", "floor_div",
    "truncatediv", "mod", "floormod", "truncatemod", "pow", "maximum", "minimum", "squared_difference",
    "div_no_nan", "scalar_mul", "add_n", "accumulate_n",
    # unary
    "negative", "abs", "sign", "square", "reciprocal", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "sigmoid", "floor", "ceil", "round", "rint",
    "is_finite", "is_nan", "is_inf",
    # matrices and casts
    "matmul", "tensordot", "cast", "to_float", "to_double", "to_int32", "to_int64",
    # reductions and scans
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "count_nonzero", "argmax", "argmin", "arg_max", "arg_min", "cumsum",
    # comparisons, logic, selection
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_not", "logical_xor", "where", "where_v2", "clip_by_value",
    "not_differentiable",
]

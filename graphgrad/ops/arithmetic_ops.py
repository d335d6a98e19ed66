"""Arithmetic: + - * / // % ** on two tensors with NumPy broadcasting, unary minus, maximum/minimum,
squared_difference, div_no_nan, scalar_mul and add_n (the sum of many tensors, which autodiff uses for fan-in).

Every op is one OpDef class (shape/dtype rule, kernel against `ctx.xp`, gradient built from graph ops so that
gradients of gradients work); the public functions create them with TensorFlow 1.x's default op names. The
gradient of a broadcast operand is summed back to its shape (`sum_to`); maximum's and minimum's ties go to x,
as in TF1.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, equal_shapes, not_differentiable, same_dtype, static_shape
from .cast_ops import cast
from .comparison_ops import greater, greater_equal, less_equal
from .complex_ops import conj
from .core import apply_op, convert_to_tensor, sum_to
from .math_common import (
    NUMERIC_COMPLEX,
    Binary,
    Unary,
    _convert_pair,
    _in_place,
    _scalar,
    _unary,
    binary,
    zero_where_kernel,
)
from .select_ops import where_v2


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


class AddV2(Binary):
    type, ufunc, kinds = "AddV2", "add", NUMERIC_COMPLEX
    simplify = _neutral_element(0, commutative=True)  # may turn -0.0 + 0 into +0.0 (they compare equal)

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(dz, y)]


class Sub(Binary):
    type, ufunc, kinds = "Sub", "subtract", NUMERIC_COMPLEX
    simplify = _neutral_element(0, commutative=False)

    def gradient(op, dz):
        x, y = op.inputs
        dy = sum_to(dz, y)
        return [sum_to(dz, x), negative(dy)]


class Mul(Binary):
    type, ufunc, kinds = "Mul", "multiply", NUMERIC_COMPLEX
    simplify = _neutral_element(1, commutative=True)

    def gradient(op, dz):
        x, y = op.inputs  # conj is the tensor itself unless it is complex
        return [sum_to(multiply(dz, conj(y)), x), sum_to(multiply(conj(x), dz), y)]


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

    type, kinds = "RealDiv", NUMERIC_COMPLEX

    def kernel(op, ctx):
        xp = ctx.xp
        if not op.outputs[0].dtype.is_integer:
            return xp.true_divide
        return _int_zero_check(_truncate_div_int(xp), xp)

    def gradient(op, dz):
        x, y = conj(op.inputs[0]), conj(op.inputs[1])
        dx = sum_to(realdiv(dz, y), op.inputs[0])
        dy = sum_to(multiply(dz, realdiv(realdiv(negative(x), y), y)), op.inputs[1])
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
        from .unary_ops import log  # unary_ops builds its gradients from this module's ops

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
    kinds = "fc"

    def kernel(op, ctx):
        xp = ctx.xp
        return zero_where_kernel(xp, 1, lambda x, y, zero: xp.true_divide(x, xp.where(zero, 1, y)))

    def gradient(op, dz):
        x, y = conj(op.inputs[0]), conj(op.inputs[1])
        dx = sum_to(div_no_nan(dz, y), op.inputs[0])
        dy = sum_to(multiply(dz, div_no_nan(div_no_nan(negative(x), y), y)), op.inputs[1])
        return [dx, dy]


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


class Neg(Unary):
    type, ufunc, kinds = "Neg", "negative", NUMERIC_COMPLEX

    def gradient(op, dy):
        return [negative(dy)]


def negative(x, name=None):
    return _unary(Neg, x, name)


class AddN(OpDef):
    """Sum of many same-shape tensors in one pass: how autodiff adds up fan-in."""

    type = "AddN"
    shape_rule = equal_shapes
    sums_inputs = True

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

    def jit(op, facts):
        return "{o0} = " + " + ".join(f"{{i{i}}}" for i in range(len(op.inputs)))

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


def scalar_mul(scalar, x, name=None):
    """`scalar * x` for a 0-d scalar (ValueError otherwise), converted to x's dtype."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name="scalar")
    shape = static_shape(scalar)
    if shape != ():
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")
    return apply_op(Mul, [scalar, x], None, name or "Mul")


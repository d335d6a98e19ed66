"""tf.math's guarded products and quotients and the small compositions TF1 builds from other ops.

Ops (one definition each): `multiply_no_nan` (MulNoNan: 0 where y is 0, even if x is inf or NaN), `xdivy`
(Xdivy: x / y, 0 where x is 0), `xlog1py` (Xlog1py: x·log1p(y), 0 where x is 0) and `nextafter` (NextAfter: the
next representable float after x1 towards x2). Their gradients are TF's, built from the same guarded ops so that
they stay finite where TF's do.

Compositions, as TF composes them: `reciprocal_no_nan` (div_no_nan(1, x)), `log_sigmoid` (-softplus(-x)),
`reduce_variance` / `reduce_std` (mean of squared deviations from the kept-dims mean), `polyval` (Horner's rule
over a Python list of coefficients), and `is_non_decreasing` / `is_strictly_increasing` (adjacent elements of
the flattened tensor compared; fewer than two elements is True) and `zero_fraction`.
"""
from __future__ import annotations

from ..framework.graph import name_scope
from .activation_ops import softplus
from .arithmetic_ops import add, div_no_nan, multiply, negative, subtract
from .array_ops import reshape
from .cast_ops import cast
from .comparison_ops import equal, greater, greater_equal, not_equal
from .core import apply_op, constant, convert_to_tensor, identity, sum_to, zeros_like
from .math_common import FLOAT, Binary, _scalar, binary, zero_where_kernel
from .reduction_ops import reduce_all, reduce_mean
from .unary_ops import sqrt, square


def _nonzero_indicator(x):
    return cast(not_equal(x, _scalar(0, x)), x.dtype.base_dtype)


class MulNoNan(Binary):
    """x·y, 0 wherever y == 0 (whatever x is); gradients mul_no_nan(dz, y) and mul_no_nan(x, dz)."""

    type, kinds = "MulNoNan", "fc"

    def kernel(op, ctx):
        xp = ctx.xp
        return zero_where_kernel(xp, 1, lambda x, y, zero: xp.multiply(xp.where(zero, 1, x), y))

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(multiply_no_nan(dz, y), x), sum_to(multiply_no_nan(x, dz), y)]


class Xdivy(Binary):
    """x / y, 0 wherever x == 0 (even for y = 0)."""

    type, kinds = "Xdivy", "fc"

    def kernel(op, ctx):
        xp = ctx.xp
        return zero_where_kernel(xp, 0, lambda x, y, zero: xp.true_divide(x, xp.where(zero, 1, y)))

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(multiply(dz, xdivy(_nonzero_indicator(x), y)), x),
                sum_to(multiply(dz, xdivy(negative(x), square(y))), y)]


class Xlog1py(Binary):
    """x·log1p(y), 0 wherever x == 0 (even for y = -1)."""

    type, kinds = "Xlog1py", "fc"

    def kernel(op, ctx):
        xp = ctx.xp
        return zero_where_kernel(xp, 0, lambda x, y, zero: xp.multiply(x, xp.log1p(xp.where(zero, 0, y))))

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(multiply(dz, xlog1py(_nonzero_indicator(x), y)), x),
                sum_to(multiply(dz, xdivy(x, add(y, _scalar(1, y)))), y)]


class NextAfter(Binary):
    """The next float after x1 in the direction of x2; TF's gradient passes dz to x1 and 0 to x2."""

    type, ufunc, kinds = "NextAfter", "nextafter", FLOAT

    def gradient(op, dz):
        x1, x2 = op.inputs
        return [sum_to(dz, x1), sum_to(zeros_like(dz), x2)]


def multiply_no_nan(x, y, name=None):
    """x·y, but 0 where y is 0 even if x is inf or NaN."""
    with name_scope(name, "multiply_no_nan", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        return apply_op(MulNoNan, [x, y], None, scope)


def xdivy(x, y, name=None):
    """x / y, 0 where x is 0 whatever y is."""
    with name_scope(name, "xdivy", [x]):
        return binary(Xdivy, x, y, None, "Xdivy")


def xlog1py(x, y, name=None):
    """x·log1p(y), 0 where x is 0 whatever y is."""
    with name_scope(name, "xlog1py", [x]):
        return binary(Xlog1py, x, y, None, "Xlog1py")


def nextafter(x1, x2, name=None):
    """The next representable value after x1 towards x2."""
    return binary(NextAfter, x1, x2, name, "NextAfter")


def reciprocal_no_nan(x, name=None):
    """1 / x, 0 where x is 0."""
    with name_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return div_no_nan(constant(1, dtype=x.dtype.base_dtype, name="one"), x, name=scope)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    with name_scope(name, "LogSigmoid", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return negative(softplus(negative(x)), name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The population variance over `axis` (None: all); integer tensors are a TypeError, as TF's."""
    with name_scope(name or "reduce_variance"):
        x = convert_to_tensor(input_tensor)
        means = reduce_mean(x, axis=axis, keepdims=True)
        if means.dtype.base_dtype.is_integer:
            raise TypeError(f"Input must be either real or complex. Received integer type {means.dtype!r}.")
        return reduce_mean(square(subtract(x, means)), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The population standard deviation over `axis`: sqrt(reduce_variance)."""
    with name_scope(name or "reduce_std"):
        return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def polyval(coeffs, x, name=None):
    """coeffs[0]·x^(n-1) + ... + coeffs[n-1] by Horner's rule; `coeffs` is a Python list, as TF requires."""
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    with name_scope(name, "polyval", list(coeffs) + [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if not coeffs:
            return zeros_like(x, name=scope)
        cs = [convert_to_tensor(c, name=f"coeff_{i}") for i, c in enumerate(coeffs)]
        p = cs[0]
        for c in cs[1:]:
            p = c + p * x
        return p


def zero_fraction(value, name=None):
    """Fraction of zeros in `value` (float32 scalar), e.g. to monitor dead relus."""
    with name_scope(name, "zero_fraction", [value]):
        zero = cast(equal(value, 0), "float32")
        return identity(reduce_mean(zero), name="fraction")


def _adjacent(x, compare):
    x = reshape(convert_to_tensor(x, name="x"), [-1])
    if not (x.dtype.base_dtype.is_floating or x.dtype.base_dtype.is_integer or x.dtype.base_dtype.is_complex):
        raise TypeError(f"Expected x to be numeric, instead found: {x}")
    return reduce_all(compare(x[1:], x[:-1]))


def is_non_decreasing(x, name=None):
    """True if every element of the flattened `x` is >= the one before it."""
    with name_scope(name, "is_non_decreasing", [x]):
        return _adjacent(x, greater_equal)


def is_strictly_increasing(x, name=None):
    """True if every element of the flattened `x` is > the one before it."""
    with name_scope(name, "is_strictly_increasing", [x]):
        return _adjacent(x, greater)


__all__ = ["multiply_no_nan", "xdivy", "xlog1py", "nextafter", "reciprocal_no_nan", "log_sigmoid",
           "reduce_variance", "reduce_std", "polyval", "is_non_decreasing", "is_strictly_increasing", "zero_fraction"]

"""Special functions that probability distributions need: `lgamma`, `digamma`, `polygamma`, `erf`, `erfc` (TF's
op types `Lgamma`, `Digamma`, `Polygamma`, `Erf`, `Erfc`) and `lbeta` built from them.

NumPy has none of these. `lgamma`, `erf` and `erfc` use SciPy's when it is installed and Python's `math` module
element by element otherwise (both exact to double precision). `digamma` and `polygamma` are computed here on the
array module (so CuPy runs them too): the recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹ moves x above 10, where
the asymptotic series converges to double precision, and ψ(x) for x < 1/2 reflects through ψ(1−x) − π/tan(πx).
Gradients are TF's: lgamma' = digamma, digamma' = polygamma(1, ·), polygamma's order gets None.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shapes, same_dtype, static_shape
from .arithmetic_ops import add, multiply, subtract
from .core import apply_op, convert_to_tensor, sum_to
from .math_common import FLOAT, Unary, _check_kind, _scalar, _unary
from .reduction_ops import reduce_sum
from .unary_ops import exp, negative, square

# Bernoulli numbers B_2k / (2k)! for the asymptotic series (k = 1..8).
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 10.0


def _scipy_special(name):
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - SciPy is optional; math's version is as exact, only slower
        return None
    return getattr(special, name)


def _elementwise(ctx, scipy_name, fn):
    """A kernel from SciPy's ufunc (NumPy) or CuPy's (cupyx), else from `fn` of `math` applied per element."""
    xp = ctx.xp
    if xp is not np:
        from cupyx.scipy import special  # noqa: PLC0415 - only on the GPU backend

        return getattr(special, scipy_name)
    fast = _scipy_special(scipy_name)
    if fast is not None:
        return fast
    vec = np.frompyfunc(fn, 1, 1)

    def kernel(x):
        return np.asarray(vec(x), dtype=x.dtype)
    return kernel


def _digamma(xp, x):
    """ψ(x) in float64 on `xp`; NaN at the poles 0, −1, −2, ... as TF (Eigen) gives."""
    x = x.astype(np.float64)
    reflect = x < 0.5
    z = xp.where(reflect, 1.0 - x, x)
    acc = xp.zeros_like(z)
    for _ in range(int(_SHIFT)):
        low = z < _SHIFT
        acc = acc - xp.where(low, 1.0 / z, 0.0)
        z = xp.where(low, z + 1.0, z)
    inv2 = 1.0 / (z * z)
    series, power = xp.zeros_like(z), inv2
    for k, b in enumerate(_B2K, start=1):
        series = series + b / (2 * k) * power
        power = power * inv2
    out = acc + xp.log(z) - 0.5 / z - series
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.where(reflect, out - math.pi / xp.tan(math.pi * x), out)
    return xp.where(reflect & (x == xp.floor(x)), np.nan, out)


def _zeta_shifted(xp, s, q):
    """Hurwitz ζ(s, q) for whole s > 1 and q off the poles 0, −1, ... (float64 arrays): the first terms summed
    until q ≥ 10, then Euler-Maclaurin with the Bernoulli numbers above."""
    acc = xp.zeros_like(q)
    steps = int(max(_SHIFT, math.ceil(_SHIFT - float(q.min())))) if q.size else 0
    for _ in range(steps):
        low = q < _SHIFT
        acc = acc + xp.where(low, q ** -s, 0.0)
        q = xp.where(low, q + 1.0, q)
    out = acc + q ** (1.0 - s) / (s - 1.0) + 0.5 * q ** -s
    rising, power = s, q ** (-s - 1.0)
    for k, b in enumerate(_B2K, start=1):
        out = out + b / math.factorial(2 * k) * rising * power
        rising = rising * (s + 2 * k - 1) * (s + 2 * k)
        power = power / (q * q)
    return out


def _polygamma(xp, n, x):
    """ψ⁽ⁿ⁾(x) for n = 0, 1, 2, ... (NaN for other orders, inf at the poles x = 0, −1, ..., as TF)."""
    n, x = xp.broadcast_arrays(n.astype(np.float64), x.astype(np.float64))
    whole = (n >= 0) & (n == xp.floor(n))
    safe_n = xp.where(whole & (n > 0), n, 1.0)
    pole = (x <= 0) & (x == xp.floor(x))
    fact = xp.exp(_lgamma_array(xp, safe_n + 1.0))
    sign = xp.where(xp.fmod(safe_n, 2.0) == 1.0, 1.0, -1.0)
    higher = sign * fact * _zeta_shifted(xp, safe_n + 1.0, xp.where(pole, 1.0, x))
    out = xp.where(n == 0, _digamma(xp, x), xp.where(pole, np.inf, higher))
    return xp.where(whole, out, np.nan)


def _lgamma_array(xp, x):
    if xp is np:
        fast = _scipy_special("gammaln")
        return fast(x) if fast is not None else np.asarray(np.frompyfunc(_math_lgamma, 1, 1)(x), np.float64)
    from cupyx.scipy import special  # noqa: PLC0415

    return special.gammaln(x)


def _math_lgamma(v):
    """math.lgamma with inf at the poles (math raises there), as TF and SciPy give."""
    return math.inf if v <= 0 and v == math.floor(v) else math.lgamma(v)


class Lgamma(Unary):
    """log|Γ(x)|; gradient digamma(x)."""

    type = "Lgamma"

    def kernel(op, ctx):
        return _elementwise(ctx, "gammaln", _math_lgamma)

    def gradient(op, dy):
        return [multiply(dy, digamma(op.inputs[0]))]


class Digamma(Unary):
    """ψ(x) = d/dx log Γ(x); gradient polygamma(1, x)."""

    type = "Digamma"

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda x: _digamma(xp, x).astype(x.dtype)

    def gradient(op, dy):
        x = op.inputs[0]
        return [multiply(dy, polygamma(_scalar(1, x), x))]


class Polygamma(OpDef):
    """ψ⁽ᵃ⁾(x), inputs (a, x) broadcast together; gradient polygamma(a+1, x) for x, None for the order a."""

    type = "Polygamma"

    def infer(op):
        a, x = op.inputs
        dt = _check_kind(op, same_dtype(op, a, x), FLOAT)
        return [(broadcast_shapes(op, static_shape(a), static_shape(x)), dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda a, x: _polygamma(xp, a, x).astype(x.dtype)

    def gradient(op, dy):
        a, x = op.inputs
        return [None, sum_to(multiply(dy, polygamma(add(a, _scalar(1, a)), x)), x)]


def _erf_derivative(x, dy, scale):
    """dy · scale · 2/√π · exp(−x²): erf's derivative (scale 1) and erfc's (scale −1)."""
    return [multiply(dy, multiply(_scalar(scale * 2 / math.sqrt(math.pi), x), exp(negative(square(x)))))]


class Erf(Unary):
    type = "Erf"

    def kernel(op, ctx):
        return _elementwise(ctx, "erf", math.erf)

    def gradient(op, dy):
        return _erf_derivative(op.inputs[0], dy, 1.0)


class Erfc(Unary):
    type = "Erfc"

    def kernel(op, ctx):
        return _elementwise(ctx, "erfc", math.erfc)

    def gradient(op, dy):
        return _erf_derivative(op.inputs[0], dy, -1.0)


def lgamma(x, name=None):
    return _unary(Lgamma, x, name)


def digamma(x, name=None):
    return _unary(Digamma, x, name)


def polygamma(a, x, name=None):
    """TF's `tf.polygamma(a, x)`: the a-th derivative of digamma; `a` is a float tensor of whole numbers."""
    with name_scope(name, "Polygamma", [a, x]) as scope:
        a = convert_to_tensor(a, name="a")
        x = convert_to_tensor(x, name="x", preferred_dtype=a.dtype.base_dtype)
    return apply_op(Polygamma, [a, x], None, scope)


def erf(x, name=None):
    return _unary(Erf, x, name)


def erfc(x, name=None):
    return _unary(Erfc, x, name)


def xlogy(x, y, name=None):
    """x·log(y), 0 where x is 0 (even for y = 0); as TF's gradient, x's is 0 there and y's is x/y elsewhere."""
    from .comparison_ops import equal
    from .core import ones_like, zeros_like
    from .select_ops import where

    with name_scope(name, "xlogy", [x, y]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
        x, y = multiply(x, ones_like(y)), multiply(y, ones_like(x))
        zero = equal(x, _scalar(0, x))
        from .unary_ops import log

        return where(zero, zeros_like(x), multiply(x, log(where(zero, ones_like(y), y))))


def lbeta(x, name=None):
    """log of the multivariate Beta function over the last axis: Σ lgamma(x) − lgamma(Σ x), as TF 1.x."""
    with name_scope(name, "lbeta", [x]):
        x = convert_to_tensor(x, name="x")
        return subtract(reduce_sum(lgamma(x), axis=-1), lgamma(reduce_sum(x, axis=-1)))


__all__ = ["lgamma", "digamma", "polygamma", "erf", "erfc", "lbeta", "xlogy"]

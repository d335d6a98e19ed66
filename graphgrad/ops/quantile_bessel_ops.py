"""Special functions TF1 has beside the gamma family: the inverse error function and the normal quantile
(`tf.math.erfinv`, `ndtri`, and `erfcinv` built from ndtri as TF builds it), the Hurwitz zeta function
`tf.math.zeta(x, q)` and the modified Bessel functions of the first kind `bessel_i0`, `bessel_i0e`, `bessel_i1`,
`bessel_i1e` (op types `Erfinv`, `Ndtri`, `Zeta`, `BesselI0`, `BesselI0e`, `BesselI1`, `BesselI1e`).

Kernels are SciPy's ufuncs when SciPy is installed (CuPy's `cupyx.scipy.special` on the GPU); without SciPy,
NumPy arrays go through the float64 code below: Newton steps on `math.erf` from the normal quantile of
`statistics.NormalDist`, the Euler-Maclaurin sum of special_ops.py for zeta, and the power series of I0 and I1
below |x| = 30 with their asymptotic expansion above. Gradients are TF's, as graph ops (differentiable again).
"""
from __future__ import annotations

import math
import statistics

import numpy as np

from ..framework.graph import name_scope
from .arithmetic_ops import add, multiply, negative, realdiv, subtract
from .cast_ops import cast
from .comparison_ops import equal
from .core import apply_op, convert_to_tensor, sum_to
from .math_common import FLOAT, Binary, Unary, _scalar, _unary
from .select_ops import where_v2
from .special_ops import _device_special, _scipy_special, _special_args, _zeta_shifted
from .unary_ops import exp, reciprocal, sign, square

_NORMAL = statistics.NormalDist()


def _math_ndtri(p):
    if not 0.0 < p < 1.0:
        return -math.inf if p == 0.0 else (math.inf if p == 1.0 else math.nan)
    return _NORMAL.inv_cdf(p)


def _math_erfinv(v):
    """erfinv from the normal quantile, then two Newton steps on math.erf (exact also for tiny |v|)."""
    if not -1.0 < v < 1.0:
        return -math.inf if v == -1.0 else (math.inf if v == 1.0 else math.nan)
    y = _math_ndtri((v + 1.0) / 2.0) / math.sqrt(2.0)
    for _ in range(2):
        y -= (math.erf(y) - v) / (2.0 / math.sqrt(math.pi) * math.exp(-y * y))
    return y


def _per_element(fn):
    vec = np.frompyfunc(fn, 1, 1)
    return lambda x: np.asarray(vec(x.astype(np.float64)), dtype=np.float64)


def _bessel(x, order, scaled):
    """I_order(x) (order 0 or 1), times exp(-|x|) if `scaled`, in float64 on NumPy: the power series for
    |x| <= 30, the asymptotic expansion e^|x| / sqrt(2π|x|) · Σ (-1)^k a_k / |x|^k above."""
    a = np.abs(x.astype(np.float64))
    small = np.minimum(a, 30.0)
    half, term = small / 2.0, (small / 2.0) ** order / math.factorial(order)
    series = term.copy()
    for k in range(1, 80):
        term = term * half * half / (k * (k + order))
        series = series + term
    if scaled:
        series = series * np.exp(-small)
    big = np.maximum(a, 30.0)
    mu, coef, asym = 4.0 * order * order, 1.0, np.ones_like(big)
    for k in range(1, 20):
        coef = -coef * (mu - (2 * k - 1) ** 2) / (k * 8.0)
        asym = asym + coef / big ** k
    with np.errstate(over="ignore"):
        asym = asym / np.sqrt(2 * math.pi * big) * (1.0 if scaled else np.exp(big))
    out = np.where(a <= 30.0, series, asym)
    return np.sign(x) * out if order == 1 else out


_FALLBACK = {"erfinv": _per_element(_math_erfinv), "ndtri": _per_element(_math_ndtri),
             "i0": lambda x: _bessel(x, 0, False), "i0e": lambda x: _bessel(x, 0, True),
             "i1": lambda x: _bessel(x, 1, False), "i1e": lambda x: _bessel(x, 1, True)}


def _special_kernel(ctx, scipy_name):
    """SciPy's (or cupyx's) ufunc `scipy_name`, or the NumPy fallback above; results in the input's dtype."""
    xp = ctx.xp
    fn = getattr(_device_special(xp), scipy_name) if xp is not np else _scipy_special(scipy_name)
    if fn is None:
        fn = _FALLBACK[scipy_name]
    return lambda *args: fn(*args).astype(args[-1].dtype, copy=False)


class _Special(Unary):
    scipy_name = None

    def kernel(op, ctx):
        return _special_kernel(ctx, op.op_def.scipy_name)


class Erfinv(_Special):
    """erfinv(x); gradient dy·sqrt(π)/2·exp(y²) from the output."""

    type, scipy_name = "Erfinv", "erfinv"

    def gradient(op, dy):
        return [multiply(dy, multiply(_scalar(math.sqrt(math.pi) / 2, dy), exp(square(op.outputs[0]))))]


class Ndtri(_Special):
    """The standard normal quantile; gradient dy·sqrt(2π)·exp(y²/2) from the output."""

    type, scipy_name = "Ndtri", "ndtri"

    def gradient(op, dy):
        y = op.outputs[0]
        return [multiply(dy, multiply(_scalar(math.sqrt(2 * math.pi), dy), exp(multiply(square(y), _scalar(0.5, y)))))]


class BesselI0(_Special):
    type, scipy_name = "BesselI0", "i0"

    def gradient(op, dy):
        return [multiply(dy, bessel_i1(op.inputs[0]))]


class BesselI0e(_Special):
    type, scipy_name = "BesselI0e", "i0e"

    def gradient(op, dy):
        x = op.inputs[0]
        return [multiply(dy, subtract(bessel_i1e(x), multiply(sign(x), op.outputs[0])))]


def _at_zero(x, value, elsewhere):
    return where_v2(equal(x, _scalar(0, x)), cast(_scalar(value, x), x.dtype), elsewhere)


class BesselI1(_Special):
    """I1(x); gradient I0(x) - I1(x)/x, 1 at x = 0 (TF imputes the limit)."""

    type, scipy_name = "BesselI1", "i1"

    def gradient(op, dy):
        x, y = op.inputs[0], op.outputs[0]
        return [multiply(dy, _at_zero(x, 1.0, subtract(bessel_i0(x), realdiv(y, x))))]


class BesselI1e(_Special):
    """exp(-|x|)·I1(x); gradient I0e(x) - y·(sign(x) + 1/x), 0.5 at x = 0 (TF's)."""

    type, scipy_name = "BesselI1e", "i1e"

    def gradient(op, dy):
        x, y = op.inputs[0], op.outputs[0]
        return [multiply(dy, _at_zero(x, 0.5, subtract(bessel_i0e(x), multiply(y, add(sign(x), reciprocal(x))))))]


def _zeta_fallback(x, q):
    """Hurwitz ζ(x, q) in float64 without SciPy: inf at x = 1 and at q = 0, -1, ...; NaN for x < 1."""
    x, q = np.broadcast_arrays(x.astype(np.float64), q.astype(np.float64))
    pole = (q <= 0) & (q == np.floor(q))
    ok = (x > 1) & (q > 0)
    with np.errstate(all="ignore"):
        out = _zeta_shifted(np, np.where(ok, x, 2.0), np.where(ok, q, 1.0))
    return np.where(ok, out, np.where((x == 1) | pole, np.inf, np.nan))


_FALLBACK["zeta"] = _zeta_fallback


class Zeta(Binary):
    """Hurwitz zeta ζ(x, q) = Σ 1/(q+n)^x; as TF, q's gradient -x·ζ(x+1, q) and none for x."""

    type, kinds = "Zeta", FLOAT

    def kernel(op, ctx):
        return _special_kernel(ctx, "zeta")

    def gradient(op, dz):
        x, q = op.inputs
        return [None, sum_to(multiply(dz, negative(multiply(x, zeta(add(x, _scalar(1, x)), q)))), q)]


def erfinv(x, name=None):
    return _unary(Erfinv, x, name)


def ndtri(x, name=None):
    return _unary(Ndtri, x, name)


def erfcinv(x, name=None):
    """The inverse of erfc, -ndtri(x/2)/sqrt(2) as TF composes it."""
    with name_scope(name, "erfcinv", [x]):
        x = convert_to_tensor(x, name="start")
        return multiply(negative(ndtri(multiply(x, _scalar(0.5, x)))), _scalar(math.sqrt(0.5), x))


def zeta(x, q, name=None):
    """The Hurwitz zeta function ζ(x, q)."""
    args, scope = _special_args(name, "Zeta", x=x, q=q)
    return apply_op(Zeta, args, None, scope)


def bessel_i0(x, name=None):
    return _unary(BesselI0, x, name)


def bessel_i0e(x, name=None):
    return _unary(BesselI0e, x, name)


def bessel_i1(x, name=None):
    return _unary(BesselI1, x, name)


def bessel_i1e(x, name=None):
    return _unary(BesselI1e, x, name)


__all__ = ["erfinv", "ndtri", "erfcinv", "zeta", "bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]

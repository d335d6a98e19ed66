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
from .unary_ops import exp, log, log1p, negative, square

# Bernoulli numbers B_2k / (2k)! for the asymptotic series (k = 1..8).
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 10.0


def _scipy_special(name):
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - SciPy is optional; math's version is as exact, only slower
        return None
    return getattr(special, name)


def _device_special(xp):
    """scipy.special for a device's arrays: CuPy's `cupyx.scipy.special`, or the module a registered backend's array
    namespace carries as `scipy_special` (the test suite's fake GPU, which must not shadow a real CuPy)."""
    own = getattr(xp, "scipy_special", None)
    if own is not None:
        return own
    from cupyx.scipy import special  # noqa: PLC0415 - only on the GPU backend

    return special


def _elementwise(ctx, scipy_name, fn):
    """A kernel from SciPy's ufunc (NumPy) or CuPy's (cupyx), else from `fn` of `math` applied per element."""
    xp = ctx.xp
    if xp is not np:
        return getattr(_device_special(xp), scipy_name)
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
    return _device_special(xp).gammaln(x)


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


_ITERATIONS = 300
_TINY = 1e-300


def _log_prefix(xp, a, x):
    """log(x^a e^−x / Γ(a)), the factor in front of the incomplete gamma's series and continued fraction."""
    with np.errstate(divide="ignore"):
        return a * xp.log(x) - x - _lgamma_array(xp, a)


def _igamma(xp, a, x):
    """Regularized lower incomplete gamma P(a, x) (float64): the series below x = a + 1, Lentz's continued
    fraction for Q = 1 − P above it; NaN outside a > 0, x ≥ 0 as TF."""
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    ok = (a > 0) & (x >= 0)
    a, x = xp.where(ok, a, 1.0), xp.where(ok, x, 1.0)
    series_side = x < a + 1.0
    term = 1.0 / a
    total, ap = term, a
    for _ in range(_ITERATIONS):
        ap = ap + 1.0
        term = term * x / ap
        total = total + term
    lower = total * xp.exp(_log_prefix(xp, a, x))
    b = x + 1.0 - a
    c, d = xp.full_like(x, 1.0 / _TINY), 1.0 / xp.where(b == 0, _TINY, b)
    h = d
    for i in range(1, _ITERATIONS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = 1.0 / xp.where(xp.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, _TINY, c)
        h = h * d * c
    upper = xp.exp(_log_prefix(xp, a, x)) * h
    out = xp.where(series_side, lower, 1.0 - upper)
    out = xp.where(x == 0, 0.0, out)
    return xp.where(ok, out, np.nan)


def _igamma_grad_a(xp, a, x):
    """∂P(a, x)/∂a from the series P = Σ x^(a+n) e^−x / Γ(a+n+1), differentiated term by term (ψ by recurrence)."""
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    safe_x = xp.where(x > 0, x, 1.0)
    log_x = xp.log(safe_x)
    term = xp.exp(a * log_x - safe_x - _lgamma_array(xp, a + 1.0))
    psi = _digamma(xp, a + 1.0)
    p, dp = term, term * (log_x - psi)
    for n in range(1, 4 * _ITERATIONS):
        term = term * safe_x / (a + n)
        psi = psi + 1.0 / (a + n)
        p, dp = p + term, dp + term * (log_x - psi)
    return xp.where(x > 0, dp, 0.0)


def _betainc(xp, a, b, x):
    """Regularized incomplete beta I_x(a, b) by its continued fraction (Lentz), on the side of x where it
    converges (I_x(a, b) = 1 − I_(1−x)(b, a)); NaN outside a, b > 0, 0 ≤ x ≤ 1 as TF."""
    a, b, x = xp.broadcast_arrays(a.astype(np.float64), b.astype(np.float64), x.astype(np.float64))
    ok = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    a, b, x = xp.where(ok, a, 1.0), xp.where(ok, b, 1.0), xp.where(ok, x, 0.5)
    flip = x > (a + 1.0) / (a + b + 2.0)
    a, b, x = xp.where(flip, b, a), xp.where(flip, a, b), xp.where(flip, 1.0 - x, x)
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = xp.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / xp.where(xp.abs(d) < _TINY, _TINY, d)
    h = d
    for m in range(1, _ITERATIONS):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / xp.where(xp.abs(d) < _TINY, _TINY, d)
            c = 1.0 + aa / c
            c = xp.where(xp.abs(c) < _TINY, _TINY, c)
            h = h * d * c
    with np.errstate(divide="ignore"):
        log_front = (a * xp.log(x) + b * xp.log1p(-x) - _lgamma_array(xp, a) - _lgamma_array(xp, b)
                     + _lgamma_array(xp, a + b))
    value = xp.exp(log_front) * h / a
    value = xp.where(x == 0, 0.0, value)
    return xp.where(ok, xp.where(flip, 1.0 - value, value), np.nan)


class _Incomplete(OpDef):
    """Elementwise function `compute(xp, *inputs)` (float64) of several same-dtype float tensors, broadcast
    together; the result has their dtype."""

    compute = None

    def infer(op):
        dt = _check_kind(op, same_dtype(op, *op.inputs), FLOAT)
        return [(broadcast_shapes(op, *(static_shape(t) for t in op.inputs)), dt)]

    def kernel(op, ctx):
        xp, compute = ctx.xp, op.op_def.compute
        return lambda *args: compute(xp, *args).astype(args[-1].dtype)


class Igamma(_Incomplete):
    """P(a, x), the regularized lower incomplete gamma function; gradients IgammaGradA for a, the density for x."""

    type, compute = "Igamma", staticmethod(_igamma)

    def gradient(op, dy):
        return _igamma_gradients(op, dy)


class Igammac(_Incomplete):
    """Q(a, x) = 1 − P(a, x); gradients the negatives of Igamma's."""

    type, compute = "Igammac", staticmethod(lambda xp, a, x: 1.0 - _igamma(xp, a, x))

    def gradient(op, dy):
        return _igamma_gradients(op, negative(dy))


class IgammaGradA(_Incomplete):
    """∂P(a, x)/∂a (TF's op of that name); its own gradient is not built."""

    type, compute = "IgammaGradA", staticmethod(_igamma_grad_a)

    def gradient(op, dy):
        return [None, None]


def _random_gamma_grad(xp, a, x):
    """d x / d a of a Gamma(a, 1) draw x held at its quantile: −(∂P(a, x)/∂a) / (density of x)."""
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_density = (a - 1.0) * xp.log(x) - x - _lgamma_array(xp, a)
        return -_igamma_grad_a(xp, a, x) / xp.exp(log_density)


class RandomGammaGrad(_Incomplete):
    """TF's implicit reparameterization gradient of RandomGamma (inputs alpha, sample); not differentiable."""

    type, compute = "RandomGammaGrad", staticmethod(_random_gamma_grad)

    def gradient(op, dy):
        return [None, None]


class Betainc(_Incomplete):
    """I_x(a, b), the regularized incomplete beta function; as TF, only x gets a gradient."""

    type, compute = "Betainc", staticmethod(_betainc)

    def gradient(op, dy):
        a, b, x = op.inputs
        log_density = subtract(add(multiply(subtract(a, _scalar(1, a)), log(x)),
                                   multiply(subtract(b, _scalar(1, b)), log1p(negative(x)))),
                               subtract(add(lgamma(a), lgamma(b)), lgamma(add(a, b))))
        return [None, None, sum_to(multiply(dy, exp(log_density)), x)]


def _igamma_gradients(op, dy):
    """dy·∂P/∂a (IgammaGradA) and dy·∂P/∂x = dy·x^(a−1) e^−x / Γ(a), each summed back to its input's shape."""
    a, x = op.inputs
    density = exp(subtract(subtract(multiply(subtract(a, _scalar(1, a)), log(x)), x), lgamma(a)))
    return [sum_to(multiply(dy, apply_op(IgammaGradA, [a, x])), a), sum_to(multiply(dy, density), x)]


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
    args, scope = _special_args(name, "Polygamma", a=a, x=x)
    return apply_op(Polygamma, args, None, scope)


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


def _special_args(name, default, **named):
    """The tensors of a several-argument special function, the first one's dtype preferred for the others."""
    with name_scope(name, default, list(named.values())) as scope:
        out, dt = [], None
        for n, v in named.items():
            t = convert_to_tensor(v, name=n, preferred_dtype=dt)
            dt = dt or t.dtype.base_dtype
            out.append(t)
    return out, scope


def igamma(a, x, name=None):
    """The regularized lower incomplete gamma function P(a, x)."""
    args, scope = _special_args(name, "Igamma", a=a, x=x)
    return apply_op(Igamma, args, None, scope)


def igammac(a, x, name=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x)."""
    args, scope = _special_args(name, "Igammac", a=a, x=x)
    return apply_op(Igammac, args, None, scope)


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function I_x(a, b)."""
    args, scope = _special_args(name, "Betainc", a=a, b=b, x=x)
    return apply_op(Betainc, args, None, scope)


def lbeta(x, name=None):
    """log of the multivariate Beta function over the last axis: Σ lgamma(x) − lgamma(Σ x), as TF 1.x."""
    with name_scope(name, "lbeta", [x]):
        x = convert_to_tensor(x, name="x")
        return subtract(reduce_sum(lgamma(x), axis=-1), lgamma(reduce_sum(x, axis=-1)))


__all__ = ["lgamma", "digamma", "polygamma", "erf", "erfc", "lbeta", "xlogy", "igamma", "igammac", "betainc"]

"""Smooth activations of modern networks: `tf.nn.gelu` (exact and tanh forms), `tf.nn.silu` / `tf.nn.swish`
and `tf.nn.mish`.

Each is one op with its own kernel and a gradient op `(dy, x) -> dy·f'(x)` whose own gradient is built from
graph ops (f'' written out), so second derivatives work. Each forward op declares an `inplace_kernel`: the plan
may then write the activation into the buffer of a dense layer's `x @ W + b`, as it does for relu and tanh, and
keep that buffer from one run to the next (docs/plan-compiler.md). The gradient ops read x, not the output, so
in a training graph the activation keeps its own buffer (x is still needed) and only the product and bias
share one.

Kernels compute in the input's dtype (float16 in float32) and stay finite for inputs of magnitude 1e4. The
exact GELU needs erf, which NumPy lacks: `_erfc` is W. J. Cody's rational approximation (Math. Comp. 1969, as
in his CALERF), accurate to about the dtype's precision, in `xp` code so CuPy runs it too.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework.graph import name_scope
from .activation_ops import _Activation, _ActivationGrad, softplus
from .arithmetic_ops import add, multiply, subtract
from .core import apply_op, constant, convert_to_tensor
from .unary_ops import exp, sigmoid, square, tanh

# --- erfc, after W. J. Cody -----------------------------------------------------------------------------------
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_C = math.sqrt(2 / math.pi)  # the tanh form: 0.5 x (1 + tanh(c (x + a x³)))
_TANH_A = 0.044715


def _rational(num, den, z):
    """(((num[-1]·z + num[0])·z + ...)·z + num[k]) / (((z + den[0])·z + ...)·z + den[k]), Cody's nesting."""
    k = len(den) - 1
    xnum, xden = num[-1] * z, z
    for i in range(k):
        xnum = (xnum + num[i]) * z
        xden = (xden + den[i]) * z
    return (xnum + num[k]) / (xden + den[k])


def _erfc(xp, x):
    """erfc(x) for a float array (a new array of x's dtype), relative error near the dtype's precision, also
    deep in the tail (erfc(26) ≈ 5.6e-296 in float64), where 1 - erf(x) would be 0."""
    y = xp.abs(x)
    out = xp.empty_like(x)
    small = y <= 0.46875
    mid = ~small & (y <= 4.0)
    big = ~small & ~mid
    if small.any():
        xs = x[small]
        out[small] = 1 - xs * _rational(_A, _B, xs * xs)
    for region, tail in ((mid, False), (big, True)):
        if not region.any():
            continue
        ys = y[region]
        if tail:
            z = 1 / (ys * ys)
            r = (_INV_SQRT_PI - z * _rational(_P, _Q, z)) / ys
        else:
            r = _rational(_C, _D, ys)
        # exp(-y²) as exp(-t²)·exp(-(y - t)(y + t)), t = y rounded down to 1/16: no rounding error from y²
        t = xp.floor(ys * 16) / 16
        r = r * xp.exp(-t * t) * xp.exp(-(ys - t) * (ys + t))
        out[region] = xp.where(x[region] < 0, 2 - r, r)
    return out


def _work_dtype(op):
    dt = op.outputs[0].dtype.base_dtype.np
    return np.dtype(np.float32) if dt == np.float16 else np.dtype(dt)


def _finish(xp, value, dt, out):
    """`value` (work dtype) as the op's result: into `out` when given (in place), else as a new array."""
    if out is not None:
        xp.copyto(out, value, casting="unsafe")
        return out
    return value if value.dtype == dt else value.astype(dt)


class _SmoothActivation(_Activation):
    """A forward op whose kernel `make(op, ctx) -> f(x, out=None)` also serves as its in-place kernel (so both
    give the same bits), and whose gradient is its `grad_op(dy, x)`."""

    make = None
    grad_op = None

    def kernel(op, ctx):
        f = op.op_def.make(op, ctx)
        return lambda x: f(x)

    def inplace_kernel(op, ctx):
        return op.op_def.make(op, ctx), ()

    def gradient(op, dy):
        return [apply_op(op.op_def.grad_op, [dy, op.inputs[0]], dict(op.attrs))]


# --- GELU -------------------------------------------------------------------------------------------------------

def _gelu_kernel(op, ctx):
    """`gelu(x, out=None)`; the same function serves the kernel and the in-place kernel, so both give the same
    bits."""
    xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)
    half, c, a = work.type(0.5), work.type(_TANH_C), work.type(_TANH_A)
    minus_inv_sqrt2 = work.type(-_INV_SQRT_2)

    if op.attrs["approximate"]:
        def gelu_tanh(x, out=None):
            w = x.astype(work)  # a copy: x may be `out`
            t = w * w
            t *= a
            t += 1
            t *= w
            t *= c
            xp.tanh(t, out=t)
            t += 1
            t *= half
            t *= w
            return _finish(xp, t, dt, out)
        return gelu_tanh

    def gelu_exact(x, out=None):
        w = x.astype(work)
        phi = _erfc(xp, w * minus_inv_sqrt2)  # Φ(x) = erfc(-x/√2) / 2: accurate also where Φ is tiny
        phi *= half
        phi *= w
        return _finish(xp, phi, dt, out)
    return gelu_exact


class GeluGrad(_ActivationGrad):
    """dy·gelu'(x): Φ(x) + x·φ(x) exactly, or the derivative of the tanh form."""

    type = "GeluGrad"
    reads_only = True

    def kernel(op, ctx):
        xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)
        half, c, a = work.type(0.5), work.type(_TANH_C), work.type(_TANH_A)

        if op.attrs["approximate"]:
            def gelu_tanh_grad(dy, x):
                w = x.astype(work)
                w2 = w * w
                t = xp.tanh(c * w * (1 + a * w2))
                du = c * (1 + 3 * a * w2)
                g = half * (1 + t) + half * w * (1 - t * t) * du
                g *= dy
                return g.astype(dt, copy=False)
            return gelu_tanh_grad

        def gelu_exact_grad(dy, x):
            w = x.astype(work)
            g = _erfc(xp, w * work.type(-_INV_SQRT_2))
            g *= half
            g += w * xp.exp(w * w * -half) * work.type(_INV_SQRT_2PI)
            g *= dy
            return g.astype(dt, copy=False)
        return gelu_exact_grad

    def gradient(op, g):
        dy, x = op.inputs
        if op.attrs["approximate"]:
            c, a = _const(_TANH_C, x), _const(_TANH_A, x)
            x2 = square(x)
            t = tanh(multiply(multiply(c, x), add(_const(1, x), multiply(a, x2))))
            du = multiply(c, add(_const(1, x), multiply(_const(3 * _TANH_A, x), x2)))
            ddu = multiply(_const(6 * _TANH_C * _TANH_A, x), x)
            inner = add(du, multiply(multiply(_const(0.5, x), x),
                                     subtract(ddu, multiply(multiply(_const(2, x), t), square(du)))))
            f2 = multiply(subtract(_const(1, x), square(t)), inner)
        else:
            pdf = multiply(exp(multiply(square(x), _const(-0.5, x))), _const(_INV_SQRT_2PI, x))
            f2 = multiply(pdf, subtract(_const(2, x), square(x)))  # φ(x)(2 - x²)
        return [apply_op(GeluGrad, [g, x], dict(op.attrs)), multiply(multiply(g, dy), f2)]


class Gelu(_SmoothActivation):
    """x·Φ(x) (Φ the standard normal CDF) or, with `approximate`, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))."""

    type, make, grad_op = "Gelu", _gelu_kernel, GeluGrad


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, as TF2's `tf.nn.gelu`: x·Φ(x), or its tanh approximation."""
    with name_scope(name, "Gelu", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        return apply_op(Gelu, [x], {"approximate": bool(approximate)}, scope)


# --- SiLU / swish -------------------------------------------------------------------------------------------------

def _stable_sigmoid(xp, w):
    """1 / (1 + exp(-w)) as where(w >= 0, 1, e) / (1 + e), e = exp(-|w|): no overflow (a new array)."""
    e = xp.exp(-xp.abs(w))
    s = xp.where(w >= 0, 1, e).astype(w.dtype, copy=False)
    e += 1
    s /= e
    return s


def _silu_kernel(op, ctx):
    xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)

    def silu(x, out=None):
        w = x.astype(work)
        s = _stable_sigmoid(xp, w)
        s *= w
        return _finish(xp, s, dt, out)
    return silu


class SiluGrad(_ActivationGrad):
    """dy·s·(1 + x·(1 - s)), s = sigmoid(x)."""

    type = "SiluGrad"
    reads_only = True

    def kernel(op, ctx):
        xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)

        def silu_grad(dy, x):
            w = x.astype(work)
            s = _stable_sigmoid(xp, w)
            g = (1 - s) * w
            g += 1
            g *= s
            g *= dy
            return g.astype(dt, copy=False)
        return silu_grad

    def gradient(op, g):
        dy, x = op.inputs
        s = sigmoid(x)
        # silu''(x) = s (1 - s) (2 + x (1 - 2 s))
        f2 = multiply(multiply(s, subtract(_const(1, x), s)),
                      add(_const(2, x), multiply(x, subtract(_const(1, x), multiply(_const(2, x), s)))))
        return [apply_op(SiluGrad, [g, x]), multiply(multiply(g, dy), f2)]


class Silu(_SmoothActivation):
    """x·sigmoid(x), also called swish."""

    type, make, grad_op = "Silu", _silu_kernel, SiluGrad


def silu(features, beta=1.0, name=None):
    """x·sigmoid(beta·x), as TF2's `tf.nn.silu` (one op for beta = 1)."""
    with name_scope(name, "silu", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        if beta == 1.0:
            return apply_op(Silu, [x], None, scope)
        return multiply(x, sigmoid(multiply(x, _const(beta, x))), name=scope)


def swish(features, name=None):
    """x·sigmoid(x) (the same op as `silu`)."""
    with name_scope(name, "swish", [features]) as scope:
        return apply_op(Silu, [convert_to_tensor(features, name="features")], None, scope)


# --- Mish ---------------------------------------------------------------------------------------------------------

def _mish_kernel(op, ctx):
    xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)
    zero = work.type(0)

    def mish(x, out=None):
        w = x.astype(work)
        t = xp.logaddexp(w, zero)  # softplus, exact for large |x|
        xp.tanh(t, out=t)
        t *= w
        return _finish(xp, t, dt, out)
    return mish


class MishGrad(_ActivationGrad):
    """dy·(t + x·(1 - t²)·sigmoid(x)), t = tanh(softplus(x))."""

    type = "MishGrad"
    reads_only = True

    def kernel(op, ctx):
        xp, dt, work = ctx.xp, op.outputs[0].dtype.base_dtype.np, _work_dtype(op)
        zero = work.type(0)

        def mish_grad(dy, x):
            w = x.astype(work)
            t = xp.tanh(xp.logaddexp(w, zero))
            g = (1 - t * t) * _stable_sigmoid(xp, w)
            g *= w
            g += t
            g *= dy
            return g.astype(dt, copy=False)
        return mish_grad

    def gradient(op, g):
        dy, x = op.inputs
        s, t = sigmoid(x), tanh(softplus(x))
        # mish''(x) = (1 - t²) s (2 + x (1 - s - 2 t s))
        two_t_s = multiply(multiply(_const(2, x), t), s)
        inner = add(_const(2, x), multiply(x, subtract(subtract(_const(1, x), s), two_t_s)))
        f2 = multiply(multiply(subtract(_const(1, x), square(t)), s), inner)
        return [apply_op(MishGrad, [g, x]), multiply(multiply(g, dy), f2)]


class Mish(_SmoothActivation):
    """x·tanh(softplus(x))."""

    type, make, grad_op = "Mish", _mish_kernel, MishGrad


def mish(features, name=None):
    """x·tanh(softplus(x)) (Misra 2019; `tfa.activations.mish` in TensorFlow Addons)."""
    with name_scope(name, "Mish", [features]) as scope:
        return apply_op(Mish, [convert_to_tensor(features, name="features")], None, scope)


def _const(value, like):
    """A 0-d constant of `like`'s dtype, for the second-derivative formulas."""
    return constant(value, dtype=like.dtype.base_dtype)

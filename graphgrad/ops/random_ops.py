"""Random ops. Each draws from its own generator, `ctx.rng(op)`, seeded from the op's `seed`/`seed2` attributes
(see framework/random_seed.py): with a graph or op seed every new Session repeats the same numbers, in any
process; without one each Session draws fresh numbers.

Constant bounds are folded into one op (`random_uniform(shape, -1, 1)` is a single RandomUniform op whose
kernel scales in place), which keeps dropout masks and initializers cheap; bounds given as tensors build
TensorFlow's composite `rnd * (max - min) + min` instead, so gradients reach them.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from ..framework.random_seed import get_seed, set_random_seed
from .array_ops import _shape_from_tensor, _shape_operand, get_static_value
from .core import _is_tensorlike, apply_op, convert_to_tensor


def _seed_attrs(seed):
    s1, s2 = get_seed(seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}


def _native(dt):
    """NumPy generators draw float32 or float64; float16 is drawn as float32 and cast."""
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float32)


def _static_scalar(v):
    """A float for a Python/NumPy scalar, else None (tensors, even constant ones, keep their gradient)."""
    if _is_tensorlike(v):
        return None
    v = np.asarray(v)
    return float(v) if v.ndim == 0 and v.dtype.kind in "iuf" else None


class _RandomOp(OpDef):
    """Output of `shape` (an attribute, or the int tensor input 0 when `shape` is None) and `dtype`."""

    stateful = True
    gradient = not_differentiable

    def infer(op):
        shape = op.attrs["shape"]
        if shape is None:
            shape = _shape_from_tensor(op.inputs[0])
        if shape is not None and any(d is not None and d < 0 for d in shape):
            raise ValueError(f"Shape entries must be non-negative, got {list(shape)}")
        return [(shape, op.attrs["dtype"])]


def _bind(op, ctx, draw):
    """The kernel: `draw(shape)` on the op's static shape, or on the shape input's value."""
    static, to_dev, to_host = op.attrs["shape"], ctx.to_device, ctx.to_host
    # the stream is the host's (ctx.rng): parameters such as randint's bounds come to the host first
    if static is not None:
        return lambda *params: to_dev(draw(static, *map(to_host, params)))
    return lambda s, *params: to_dev(draw(tuple(s.tolist()), *map(to_host, params)))


class RandomUniform(_RandomOp):
    """Uniform floats in [minval, maxval) (attributes; [0, 1) in TensorFlow's op, scaled in place here)."""

    type = "RandomUniform"

    def kernel(op, ctx):
        gen, dt = ctx.rng(op), op.attrs["dtype"].np
        gdt = _native(dt)
        lo, hi = op.attrs["minval"], op.attrs["maxval"]
        scale = hi - lo

        def draw(shape):
            r = gen.random(shape, dtype=gdt)
            if scale != 1.0:
                r *= scale
            if lo != 0.0:
                r += lo
            return r if gdt == dt else r.astype(dt)
        return _bind(op, ctx, draw)


class RandomUniformInt(_RandomOp):
    """Uniform integers in [minval, maxval): inputs ([shape,] minval, maxval)."""

    type = "RandomUniformInt"

    def infer(op):
        lo, hi = op.inputs[-2:]
        for t in (lo, hi):
            s = static_shape(t)
            if s is not None and len(s) != 0:
                raise ValueError(f"minval and maxval must be scalars, got shape {t.shape}")
        return _RandomOp.infer(op)

    def kernel(op, ctx):
        gen, dt = ctx.rng(op), op.attrs["dtype"].np
        return _bind(op, ctx, lambda shape, lo, hi: gen.integers(lo, hi, size=shape, dtype=dt))


class RandomStandardNormal(_RandomOp):
    """Normal floats with attributes `mean` and `stddev` (0 and 1 in TensorFlow's op; scaled in place here)."""

    type = "RandomStandardNormal"

    def kernel(op, ctx):
        gen, dt = ctx.rng(op), op.attrs["dtype"].np
        gdt = _native(dt)
        mean, std = op.attrs["mean"], op.attrs["stddev"]

        def draw(shape):
            r = gen.standard_normal(shape, dtype=gdt)
            if std != 1.0:
                r *= std
            if mean != 0.0:
                r += mean
            return r if gdt == dt else r.astype(dt)
        return _bind(op, ctx, draw)


class TruncatedNormal(RandomStandardNormal):
    """Normal floats where draws more than 2 standard deviations from the mean are drawn again."""

    type = "TruncatedNormal"

    def kernel(op, ctx):
        gen, dt = ctx.rng(op), op.attrs["dtype"].np
        gdt = _native(dt)
        mean, std = op.attrs["mean"], op.attrs["stddev"]

        def draw(shape):
            r = gen.standard_normal(shape, dtype=gdt)
            flat = r.reshape(-1)
            bad = np.flatnonzero(np.abs(flat) >= 2.0)
            while bad.size:
                redo = gen.standard_normal(bad.size, dtype=gdt)
                flat[bad] = redo
                bad = bad[np.abs(redo) >= 2.0]
            if std != 1.0:
                r *= std
            if mean != 0.0:
                r += mean
            return r if gdt == dt else r.astype(dt)
        return _bind(op, ctx, draw)


def _float_dtype(dtype, fn):
    dt = dtypes.as_dtype(dtype).base_dtype
    if not dt.is_floating:
        raise TypeError(f"Value passed to parameter 'dtype' of {fn} has DataType {dt.name} not in list of allowed "
                        "values: float16, float32, float64")
    return dt


def _shape_inputs(shape):
    static, t = _shape_operand(shape)
    return ([] if t is None else [t]), {"shape": static if t is None else None}


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; required for integer dtypes)."""
    dt = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        inputs, attrs = _shape_inputs(shape)
        attrs["dtype"] = dt
        if dt.is_integer:
            if maxval is None:
                raise ValueError(f"Must specify maxval for integer dtype {dt!r}")
            lo = convert_to_tensor(minval, dtype=dt, name="min")
            hi = convert_to_tensor(maxval, dtype=dt, name="max")
            lv, hv = get_static_value(lo), get_static_value(hi)
            if lv is not None and hv is not None and not lv < hv:
                raise ValueError(f"Need minval < maxval, got {lv} >= {hv}")
            attrs.update(_seed_attrs(seed))
            return apply_op(RandomUniformInt, inputs + [lo, hi], attrs, scope)
        _float_dtype(dt, "RandomUniform")
        if maxval is None:
            maxval = 1
        lo, hi = _static_scalar(minval), _static_scalar(maxval)
        if lo is not None and hi is not None:
            attrs.update(minval=lo, maxval=hi, **_seed_attrs(seed))
            return apply_op(RandomUniform, inputs, attrs, scope)
        from .arithmetic_ops import add, multiply, subtract

        lo_t = convert_to_tensor(minval, dtype=dt, name="min")
        hi_t = convert_to_tensor(maxval, dtype=dt, name="max")
        attrs.update(minval=0.0, maxval=1.0, **_seed_attrs(seed))
        rnd = apply_op(RandomUniform, inputs, attrs, "RandomUniform")
        return add(multiply(rnd, subtract(hi_t, lo_t)), lo_t, name=scope)


def _normal(op_def, default_name, shape, mean, stddev, dtype, seed, name):
    dt = _float_dtype(dtype, op_def.type)
    with name_scope(name, default_name, [shape, mean, stddev]) as scope:
        inputs, attrs = _shape_inputs(shape)
        attrs["dtype"] = dt
        m, s = _static_scalar(mean), _static_scalar(stddev)
        if m is not None and s is not None:
            attrs.update(mean=m, stddev=s, **_seed_attrs(seed))
            return apply_op(op_def, inputs, attrs, scope)
        from .arithmetic_ops import add, multiply

        mean_t = convert_to_tensor(mean, dtype=dt, name="mean")
        std_t = convert_to_tensor(stddev, dtype=dt, name="stddev")
        attrs.update(mean=0.0, stddev=1.0, **_seed_attrs(seed))
        rnd = apply_op(op_def, inputs, attrs, op_def.type)
        return add(multiply(rnd, std_t), mean_t, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normally distributed values."""
    return _normal(RandomStandardNormal, "random_normal", shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values redrawn until within 2 standard deviations of the mean (initializers' favourite)."""
    return _normal(TruncatedNormal, "truncated_normal", shape, mean, stddev, dtype, seed, name)


class RandomShuffle(OpDef):
    """`value` with its first dimension randomly permuted."""

    type = "RandomShuffle"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        gen, to_dev = ctx.rng(op), ctx.to_device

        def shuffle(x):
            if x.ndim == 0:
                return x.copy()
            return x[to_dev(gen.permutation(x.shape[0]))]
        return shuffle


def random_shuffle(value, seed=None, name=None):
    x = convert_to_tensor(value)
    return apply_op(RandomShuffle, [x], _seed_attrs(seed), name or "RandomShuffle")


class Multinomial(OpDef):
    """`num_samples` class indices per row of `logits` ([batch, classes], unnormalized log-probabilities)."""

    type = "Multinomial"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is not None and len(s) != 2:
            raise ValueError(f"logits should be a matrix, got shape {op.inputs[0].shape}")
        if not op.inputs[0].dtype.base_dtype.is_floating:
            raise TypeError("logits must be a floating point tensor")
        return [((None if s is None else s[0], op.attrs["num_samples"]), op.attrs["output_dtype"])]

    def kernel(op, ctx):
        gen, n, dt = ctx.rng(op), op.attrs["num_samples"], op.attrs["output_dtype"].np
        to_host, to_dev = ctx.to_host, ctx.to_device

        def sample(logits):
            lg = np.asarray(to_host(logits), np.float64)
            b, k = lg.shape
            p = np.exp(lg - lg.max(axis=1, keepdims=True))
            cdf = np.cumsum(p, axis=1)
            cdf /= cdf[:, -1:]
            # One searchsorted over all rows: shift row i's cdf and draws into [i, i + 1].
            rows = np.arange(b)[:, None]
            u = gen.random((b, n)) + rows
            idx = np.searchsorted((cdf + rows).reshape(-1), u.reshape(-1), side="right").reshape(b, n)
            return to_dev(np.minimum(idx - rows * k, k - 1).astype(dt))
        return sample


def gamma_alpha_gradient(alpha, sample, dz):
    """The gradient of Gamma(alpha) draws `sample` (shape: sample dimensions + alpha's) with respect to alpha:
    TF's implicit reparameterization (RandomGammaGrad), summed over the sample dimensions."""
    from .arithmetic_ops import multiply
    from .array_ops import reshape
    from .reduction_ops import reduce_sum
    from .special_ops import RandomGammaGrad

    k = len(static_shape(sample)) - len(static_shape(alpha))
    alpha_b = reshape(alpha, [1] * k + [-1 if d is None else d for d in static_shape(alpha)])
    partial = apply_op(RandomGammaGrad, [alpha_b, sample])
    return reduce_sum(multiply(dz, partial), axis=list(range(k)))


class RandomGamma(_RandomOp):
    """Gamma(alpha, 1) draws of shape `shape + alpha.shape` (inputs: shape, alpha), TF's op. Its gradient with
    respect to alpha is TF's implicit reparameterization (RandomGammaGrad: how a draw moves with alpha when its
    quantile is held), summed over the sample dimensions."""

    type = "RandomGamma"

    def gradient(op, dz):
        return [None, gamma_alpha_gradient(op.inputs[1], op.outputs[0], dz)]

    def infer(op):
        shape = _shape_from_tensor(op.inputs[0])
        alpha = static_shape(op.inputs[1])
        out = None if shape is None or alpha is None else tuple(shape) + tuple(alpha)
        return [(out, op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        gen, dt = ctx.rng(op), op.inputs[1].dtype.base_dtype.np
        gdt, to_host, to_dev = _native(dt), ctx.to_host, ctx.to_device

        def draw(shape, alpha):
            a = np.asarray(to_host(alpha), gdt)
            r = gen.standard_gamma(np.broadcast_to(a, tuple(shape.tolist()) + a.shape), dtype=gdt)
            return to_dev(r if gdt == dt else r.astype(dt))
        return draw


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """TF 1.x's `tf.random_gamma`: Gamma(alpha, beta) draws of shape `shape + broadcast(alpha, beta).shape`
    (beta is the inverse scale), kept at least the dtype's `tiny` as TF keeps them."""
    from .arithmetic_ops import add, maximum, realdiv
    from .core import zeros_like

    dt = _float_dtype(dtype, "RandomGamma")
    with name_scope(name, "random_gamma", [shape, alpha, beta]) as scope:
        shape_t = convert_to_tensor(shape, name="shape", dtype=dtypes.int32)
        alpha = convert_to_tensor(alpha, name="alpha", dtype=dt)
        beta = convert_to_tensor(beta if beta is not None else 1, name="beta", dtype=dt)
        alpha_b = add(alpha, zeros_like(beta))
        sample = apply_op(RandomGamma, [shape_t, alpha_b], {"shape": None, "dtype": dt, **_seed_attrs(seed)},
                          "RandomGamma")
        return maximum(np.finfo(dt.np).tiny.astype(dt.np), realdiv(sample, beta), name=scope)


class RandomPoissonV2(RandomGamma):
    """Poisson(rate) counts of shape `shape + rate.shape` (inputs: shape, rate) as `dtype`, from the op's NumPy
    stream (TF's own op draws other numbers for the same seed)."""

    type = "RandomPoissonV2"
    gradient = not_differentiable

    def infer(op):
        return [(RandomGamma.infer(op)[0][0], op.attrs["dtype"])]

    def kernel(op, ctx):
        gen, dt, to_host, to_dev = ctx.rng(op), op.attrs["dtype"].np, ctx.to_host, ctx.to_device

        def draw(shape, rate):
            r = np.asarray(to_host(rate), np.float64)
            return to_dev(gen.poisson(np.broadcast_to(r, tuple(shape.tolist()) + r.shape)).astype(dt))
        return draw


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """TF 1.x's `tf.random_poisson` / `tf.random.poisson`: Poisson(lam) draws of shape `shape + lam.shape`."""
    dt = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "random_poisson", [lam, shape]):
        shape_t = convert_to_tensor(shape, name="shape", dtype=dtypes.int32)
        lam = convert_to_tensor(lam, name="lam", preferred_dtype=dt if dt.is_floating else dtypes.float32)
        return apply_op(RandomPoissonV2, [shape_t, lam], {"shape": None, "dtype": dt, **_seed_attrs(seed)},
                        "RandomPoissonV2")


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Draw class indices from the categorical distributions given by each row of `logits`."""
    with name_scope(name, "multinomial", [logits]):
        lg = convert_to_tensor(logits, name="logits")
        attrs = {"num_samples": int(num_samples),
                 "output_dtype": dtypes.as_dtype(output_dtype or dtypes.int64).base_dtype, **_seed_attrs(seed)}
        return apply_op(Multinomial, [lg], attrs, "Multinomial")


__all__ = ["random_uniform", "random_normal", "truncated_normal", "random_shuffle", "multinomial", "random_gamma",
           "random_poisson", "set_random_seed", "get_seed"]

"""`tf.random.stateless_*`, `tf.random.fold_in` / `split` and `tf.random.Algorithm`: random numbers that are a pure
function of a seed of two integers, TF's numbers for the same seed (ops/stateless_random_ops.py)."""
from __future__ import annotations

import enum

import numpy as np

from .framework import dtypes, errors
from .framework.graph import name_scope
from .framework.tensor_shape import TensorShape
from .ops import stateless_random_ops as sro
from .ops.arithmetic_ops import add, maximum, multiply, realdiv, subtract
from .ops.array_ops import stack
from .ops.core import _is_tensorlike, apply_op, convert_to_tensor, zeros_like


class Algorithm(enum.Enum):
    """A random-number algorithm: Philox-4x32-10 is the one of TF's CPU kernels (and of `AUTO_SELECT` there)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def convert_alg_to_int(alg):
    """An algorithm given as an int, an `Algorithm` or a string ("philox", "threefry", "auto_select")."""
    if isinstance(alg, bool) or not isinstance(alg, (int, str, Algorithm)):
        raise TypeError(f"Can't convert argument `alg` (of value {alg} and type {type(alg)}) to int.")
    if isinstance(alg, Algorithm):
        return alg.value
    if isinstance(alg, str):
        names = {"philox": 1, "threefry": 2, "autoselect": 3}
        canon = alg.strip().lower().replace("-", "").replace("_", "")
        if canon not in names:
            raise ValueError(f"Argument `alg` got unsupported value {alg}. Supported values are philox for the "
                             "Philox algorithm, threefry for the ThreeFry algorithm, and auto_select for "
                             "auto-selection.")
        return names[canon]
    return alg


def _check_alg(alg):
    """Philox and auto-select give the same numbers on the CPU; ThreeFry has no CPU kernel in TF either."""
    a = convert_alg_to_int("auto_select" if alg is None else alg)
    if a not in (1, 3):
        raise errors.InvalidArgumentError(None, None, f"Unsupported algorithm id: {a}")


def _shape_tensor(shape):
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if _is_tensorlike(shape):
        return convert_to_tensor(shape, name="shape")
    return convert_to_tensor(np.asarray(shape, np.int64 if np.max(shape, initial=0) >= 2**31 else np.int32),
                             name="shape")


def _seed(seed):
    return convert_to_tensor(seed, name="seed", preferred_dtype=dtypes.int64 if not _is_tensorlike(seed) and
                             np.max(np.abs(seed), initial=0) >= 2**31 else None)


def _bounds(dt, minval, maxval, message):
    """`maxval`, 1 by default for floats; a ValueError(message) for an integer dtype with only one bound."""
    if dt.is_integer and (minval is None) != (maxval is None):
        raise ValueError(message)
    return 1 if maxval is None and not dt.is_integer else maxval


_ACCEPTED = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def stateless_random_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                             alg="auto_select"):
    """Uniform values in [minval, maxval) determined by `seed` (shape [2], int32 or int64); for integer
    dtypes both bounds or neither (then every bit is random)."""
    dt = dtypes.as_dtype(dtype).base_dtype
    if dt not in _ACCEPTED:
        raise ValueError(f"Argument `dtype` got invalid value {dt!r}. Accepted dtypes are "
                         f"{tuple(_ACCEPTED)}.")
    maxval = _bounds(dt, minval, maxval, f"For integer `dtype` argument {dt!r}, argument `minval` and `maxval` "
                     f"must be both None or not None. Got `minval`={minval} and `maxval`={maxval}.")
    _check_alg(alg)
    with name_scope(name, "stateless_random_uniform", [shape, seed, minval, maxval]) as scope:
        shape, seed = _shape_tensor(shape), _seed(seed)
        attrs = {"dtype": dt}
        if dt.is_integer and minval is None:
            return apply_op(sro.StatelessRandomUniformFullInt, [shape, seed], attrs, scope)
        lo = convert_to_tensor(minval, dtype=dt, name="min")
        hi = convert_to_tensor(maxval, dtype=dt, name="max")
        if dt.is_integer:
            return apply_op(sro.StatelessRandomUniformInt, [shape, seed, lo, hi], {}, scope)
        rnd = apply_op(sro.StatelessRandomUniform, [shape, seed], attrs, "StatelessRandomUniform")
        return add(multiply(rnd, subtract(hi, lo)), lo, name=scope)


def _scaled(op_def, default_name, shape, seed, mean, stddev, dtype, name, alg):
    dt = dtypes.as_dtype(dtype).base_dtype
    _check_alg(alg)
    with name_scope(name, default_name, [shape, seed, mean, stddev]) as scope:
        shape, seed = _shape_tensor(shape), _seed(seed)
        mean = convert_to_tensor(mean, dtype=dt, name="mean")
        stddev = convert_to_tensor(stddev, dtype=dt, name="stddev")
        rnd = apply_op(op_def, [shape, seed], {"dtype": dt}, op_def.type)
        return add(multiply(rnd, stddev), mean, name=scope)


def stateless_random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None, alg="auto_select"):
    """Normal values determined by `seed`."""
    return _scaled(sro.StatelessRandomNormal, "stateless_random_normal", shape, seed, mean, stddev, dtype, name,
                   alg)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                               alg="auto_select"):
    """Normal values within two standard deviations of the mean, determined by `seed`."""
    return _scaled(sro.StatelessTruncatedNormal, "stateless_truncated_normal", shape, seed, mean, stddev, dtype,
                   name, alg)


def _categorical(logits, num_samples, seed, dtype):
    dt = dtypes.as_dtype(dtype).base_dtype if dtype else dtypes.int64
    if dt not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dt!r}. Accepted dtypes are (tf.int32, tf.int64).")
    logits = convert_to_tensor(logits, name="logits")
    with name_scope(None, "StatelessMultinomial", [logits, seed]) as scope:
        num = convert_to_tensor(num_samples, dtype=dtypes.int32, name="num_samples")
        return apply_op(sro.StatelessMultinomial, [logits, num, _seed(seed)], {"output_dtype": dt}, scope)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """`num_samples` class indices per row of `logits` ([batch, classes]) determined by `seed`."""
    with name_scope(name, "stateless_categorical", [logits, seed]):
        return _categorical(logits, num_samples, seed, dtype)


def stateless_multinomial(logits, num_samples, seed, output_dtype=dtypes.int64, name=None):
    """TF 1.x's name of `stateless_categorical`."""
    with name_scope(name, "stateless_multinomial", [logits, seed]):
        return _categorical(logits, num_samples, seed, output_dtype)


def stateless_random_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None):
    """Gamma(alpha, beta) draws (beta the inverse scale) of `shape`, which ends with the broadcast shape of alpha
    and beta; at least the dtype's `tiny`. Differentiable with respect to alpha and beta."""
    dt = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "stateless_random_gamma", [shape, seed, alpha, beta]) as scope:
        shape = _shape_tensor(shape)
        alpha = convert_to_tensor(alpha, dtype=dt, name="alpha")
        beta = convert_to_tensor(beta if beta is not None else 1, dtype=dt, name="beta")
        alpha_b = add(alpha, zeros_like(beta))
        rnd = apply_op(sro.StatelessRandomGammaV2, [shape, _seed(seed), alpha_b], {}, "StatelessRandomGammaV2")
        return maximum(np.finfo(dt.np).tiny.astype(dt.np), realdiv(rnd, beta), name=scope)


def stateless_random_poisson(shape, seed, lam, dtype=dtypes.int32, name=None):
    """Poisson(lam) draws of `shape` (which ends with lam's shape) as `dtype`."""
    with name_scope(name, "stateless_random_poisson", [shape, seed, lam]) as scope:
        lam = convert_to_tensor(lam, name="lam")
        return apply_op(sro.StatelessRandomPoisson, [_shape_tensor(shape), _seed(seed), lam],
                        {"dtype": dtypes.as_dtype(dtype).base_dtype}, scope)


def stateless_random_binomial(shape, seed, counts, probs, output_dtype=dtypes.int32, name=None):
    """Binomial(counts, probs) draws of `shape` (which ends with their broadcast shape)."""
    with name_scope(name, "stateless_random_binomial", [shape, seed, counts, probs]) as scope:
        probs = convert_to_tensor(probs, name="probs", preferred_dtype=dtypes.float32)
        counts = convert_to_tensor(counts, name="counts", preferred_dtype=probs.dtype.base_dtype)
        return apply_op(sro.StatelessRandomBinomial, [_shape_tensor(shape), _seed(seed), counts, probs],
                        {"dtype": dtypes.as_dtype(output_dtype).base_dtype}, scope)


def stateless_parameterized_truncated_normal(shape, seed, means=0.0, stddevs=1.0, minvals=-2.0, maxvals=2.0,
                                             name=None):
    """Normal(means, stddevs) draws within [minvals, maxvals] (broadcast against `shape`'s end). TF's distribution,
    not its numbers (ops/philox_samplers.py says why)."""
    with name_scope(name, "stateless_parameterized_truncated_normal",
                    [shape, means, stddevs, minvals, maxvals]) as scope:
        params = [convert_to_tensor(v, name=n) for v, n in ((means, "means"), (stddevs, "stddevs"),
                                                             (minvals, "minvals"), (maxvals, "maxvals"))]
        return apply_op(sro.StatelessParameterizedTruncatedNormal, [_shape_tensor(shape), _seed(seed), *params],
                        {}, scope)


def split(seed, num=2, alg="auto_select"):
    """`num` new seeds ([num, 2], the seed's dtype) from `seed`: full-range integers drawn with it."""
    seed = _seed(seed)
    return stateless_random_uniform([num, 2], seed, dtype=seed.dtype.base_dtype, minval=None, maxval=None, alg=alg)


def fold_in(seed, data, alg="auto_select"):
    """A new seed from `seed` and the integer `data`: [a full-range integer drawn with `seed`, data]."""
    data = convert_to_tensor(data)
    first = stateless_random_uniform([], seed, dtype=data.dtype.base_dtype, minval=None, maxval=None, alg=alg)
    return stack([first, data])

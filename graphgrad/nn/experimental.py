"""`tf.nn.experimental`: dropout with a mask the caller controls, composed from graph ops as TF composes it
(nn_ops._dropout): x scaled by 1 / (1 - rate), kept where `uniform_sampler(shape, dtype) >= rate`, else 0.

`stateless_dropout` draws the mask with `tf.random.stateless_uniform(shape, seed, alg=rng_alg)`, whose numbers are
TF's for the same seed (stateless_random.py), so its output equals TF's element for element; `general_dropout`
takes any sampler (e.g. a `tf.random.Generator`'s `uniform`)."""
from __future__ import annotations

import functools
import numbers

from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from ..ops.arithmetic_ops import multiply, realdiv, subtract
from ..ops.array_ops import shape as _shape
from ..ops.cast_ops import cast
from ..ops.comparison_ops import greater_equal
from ..ops.core import _is_tensorlike, convert_to_tensor
from ..ops.select_ops import where_v2
from ..stateless_random import stateless_random_uniform


def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return x.shape.as_list() if x.shape.is_fully_defined() else _shape(x)
    if _is_tensorlike(noise_shape):
        return noise_shape
    dims = TensorShape(noise_shape).as_list()
    if x.shape.ndims == len(dims):  # unknown entries of noise_shape taken from x, as TF
        dims = [x.shape[i].value if d is None else d for i, d in enumerate(dims)]
    return dims


def _dropout(x, rate, noise_shape, uniform_sampler, name, default_name):
    with name_scope(name, default_name, [x]):
        is_number = isinstance(rate, numbers.Real)
        if is_number and not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
        x = convert_to_tensor(x, name="x")
        dt = x.dtype.base_dtype
        if not dt.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
                             f"x_dtype={dt!r}")
        if is_number and rate == 0:
            return x
        if is_number:
            scaled = multiply(x, convert_to_tensor(1 / (1 - rate), dtype=dt))
        elif _is_tensorlike(rate):
            rate = convert_to_tensor(rate)
            if rate.shape.ndims not in (None, 0):
                raise ValueError(f"Shape {rate.shape} must have rank 0")
            rate = rate if rate.dtype.base_dtype == dt else cast(rate, dt, name="rate")
            scaled = realdiv(x, subtract(convert_to_tensor(1, dtype=dt), rate))
        else:
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
        keep = greater_equal(uniform_sampler(shape=_noise_shape(x, noise_shape), dtype=dt), rate)
        out = where_v2(keep, scaled, convert_to_tensor(0, dtype=dt))
        out.set_shape(x.shape)
        return out


def stateless_dropout(x, rate, seed, rng_alg=None, noise_shape=None, name=None):
    """Dropout whose mask is determined by `seed` (shape [2] ints), the same in every session and as in TF."""
    sampler = functools.partial(stateless_random_uniform, seed=seed, alg=rng_alg or "auto_select")
    return _dropout(x, rate, noise_shape, sampler, name, "stateless_dropout")


def general_dropout(x, rate, uniform_sampler, noise_shape=None, name=None):
    """Dropout whose mask comes from `uniform_sampler(shape=..., dtype=...)` (uniform values in [0, 1))."""
    return _dropout(x, rate, noise_shape, uniform_sampler, name, "general_dropout")


__all__ = ["stateless_dropout", "general_dropout"]

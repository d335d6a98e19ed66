"""Dropout: zero each element with probability `rate` and scale the rest by 1/keep_prob, in one stateful op whose
mask is drawn from the op's own random stream (so a seeded graph repeats); the gradient applies the same mask.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, require, same_dtype, static_shape
from ..framework.tensor_shape import TensorShape
from .arithmetic_ops import multiply, subtract
from .cast_ops import cast
from .core import apply_op, convert_to_tensor
from .nn_common import _np_dtype


class Dropout(OpDef):
    """Outputs (x * mask, mask) with mask = (u >= 1 - keep_prob) / keep_prob, u ~ U[0, 1) of `noise_shape`.

    The mask is an output so that the gradient (dy * mask) uses exactly the mask of the forward pass. An
    optional third input `training` (bool scalar) switches the op to the identity (mask of ones) when false.
    """

    type = "Dropout"
    stateful = True
    view_of = 0  # the identity case returns x itself

    def infer(op):
        x, keep = op.inputs[0], op.inputs[1]
        require(op, x, floating=True)
        same_dtype(op, x, keep)
        ks = static_shape(keep)
        if ks is not None and len(ks) != 0:
            raise ValueError(f"keep_prob must be a scalar, but has shape {TensorShape(ks)}")
        ns = op.attrs["noise_shape"]
        xs = static_shape(x)
        if ns is None:
            mask = xs
        else:
            mask = ns if xs is None else tuple(n if n is not None else d for n, d in zip(ns, xs))
            if xs is not None:
                if len(ns) != len(xs):
                    raise ValueError(f"noise_shape {list(ns)} must have the rank of x {TensorShape(xs)}")
                broadcast_shape(xs, mask)
        return [(xs, x.dtype.base_dtype), (mask, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        dt = _np_dtype(op)
        rdt = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
        rng = ctx.rng(op)
        ns = op.attrs["noise_shape"]
        one = xp.ones((), dtype=dt)

        def mask_shape(x):
            if ns is None:
                return x.shape
            return tuple(x.shape[i] if n is None else n for i, n in enumerate(ns))

        to_device = ctx.to_device

        def draw(x, keep):
            keep = dt.type(float(keep))  # float(): a device scalar (CuPy) converts only explicitly
            if not 0 < keep <= 1:
                raise InvalidArgumentError(op.node_def, op, f"keep_prob must be in (0, 1], got {keep}")
            if keep == 1:   # TF1's evaluation feed (keep_prob: 1.0): the mask is all ones, x * 1 is x
                return x, xp.broadcast_to(one, mask_shape(x))
            u = rng.random(mask_shape(x), dtype=rdt)  # drawn on the host, so a seed gives the same mask anywhere
            mask = (u >= 1 - keep).astype(dt)
            mask *= 1 / keep
            mask = to_device(mask)
            return x * mask, mask

        if len(op.inputs) == 2:
            return draw

        def dropout_when_training(x, keep, training):
            if training:
                return draw(x, keep)
            return x, xp.broadcast_to(one, mask_shape(x))
        return dropout_when_training

    def gradient(op, dy, dmask):
        return [multiply(dy, op.outputs[1]), None] + [None] * (len(op.inputs) - 2)


def _get_seed(seed):
    from ..framework import random_seed

    return random_seed.get_seed(seed)


def _noise_shape(noise_shape):
    if noise_shape is None:
        return None
    if hasattr(noise_shape, "op"):
        raise TypeError("noise_shape must be a list or tuple of ints (a static shape), not a tensor")
    return TensorShape(noise_shape).dims_tuple


def _dropout(x, keep, noise_shape, seed, training, scope):
    seed1, seed2 = _get_seed(seed)
    inputs = [x, keep] + ([training] if training is not None else [])
    attrs = {"noise_shape": _noise_shape(noise_shape), "seed": seed1 or 0, "seed2": seed2 or 0}
    return apply_op(Dropout, inputs, attrs, scope)[0]


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability `rate` (= 1 - keep_prob) and scale the rest by 1 / keep_prob.

    `keep_prob`/`rate` may be a Python number or a scalar tensor (e.g. a placeholder fed 1.0 at test time);
    a Python rate of 0 returns `x` itself. The same mask scales the gradient."""
    if (keep_prob is None) == (rate is None):
        raise ValueError("Exactly one of keep_prob and rate must be set")
    with name_scope(name, "dropout", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        dt = x.dtype.base_dtype
        if not dt.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. Got a "
                             f"{dt.name} tensor instead.")
        if keep_prob is not None:
            if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got "
                                 f"{keep_prob}")
            if isinstance(keep_prob, numbers.Real) and keep_prob == 1:
                return x
            keep = convert_to_tensor(keep_prob, dtype=dt, name="keep_prob") \
                if not hasattr(keep_prob, "dtype") else cast(convert_to_tensor(keep_prob), dt)
        else:
            if isinstance(rate, numbers.Real):
                if not 0 <= rate < 1:
                    raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
                if rate == 0:
                    return x
                keep = convert_to_tensor(1.0 - rate, dtype=dt, name="keep_prob")
            else:
                keep = subtract(1.0, cast(convert_to_tensor(rate, name="rate"), dt), name="keep_prob")
        return _dropout(x, keep, noise_shape, seed, None, scope)


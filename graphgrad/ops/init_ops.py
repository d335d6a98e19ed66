"""Initializers: callables `init(shape, dtype=None, partition_info=None) -> Tensor`, as TensorFlow 1.x's.

They build ordinary graph ops (random ops, constants), so a graph-level seed makes initial values
reproducible and `get_variable("w", shape)` shows `w/Initializer/random_uniform` in the graph.
`tf.glorot_uniform_initializer` is `get_variable`'s default for floating-point variables.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable
from ..framework.tensor_shape import TensorShape
from . import array_ops, random_ops
from .core import apply_op, constant


def _float_dtype(dtype):
    dt = dtypes.as_dtype(dtype).base_dtype
    if not dt.is_floating:
        raise ValueError(f"Expected floating point type, got {dt}.")
    return dt


def _dims(shape):
    """A static shape as a list of ints (initializers need it for fans and sizes)."""
    if isinstance(shape, TensorShape):
        return shape.as_list()
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return [int(d) for d in shape]


def _compute_fans(shape):
    """(fan_in, fan_out) like TensorFlow: 2-D [in, out]; conv kernels [..., in, out] times the receptive field;
    1-D both the length; scalars 1."""
    shape = _dims(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class of initializers: call with a shape (and dtype) to get the initial-value tensor."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _random(self, kind, shape, a, b, dtype):
        """A random tensor of `kind` ("random_uniform" in [a, b), "random_normal" / "truncated_normal" with mean a
        and stddev b) drawn with this initializer's op-level seed, as TF1 draws it (Keras' draw stateless ones)."""
        return getattr(random_ops, kind)(shape, a, b, dtype, seed=self.seed)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (`tf.zeros_initializer`)."""

    _value = 0

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype).base_dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else dtypes.as_dtype(dtype).base_dtype
        return array_ops._filled(shape, self._value, dt, None, "zeros" if self._value == 0 else "ones")

    def get_config(self):
        return {"dtype": self.dtype.name}


class Ones(Zeros):
    """All ones (`tf.ones_initializer`)."""

    _value = 1


class Constant(Initializer):
    """A given value. A list shorter than the shape is padded with its last element (TF1); a longer one is a
    ValueError; `verify_shape=True` demands the exact shape."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"Invalid type for initial value: {type(value).__name__} (expected Python scalar, list "
                            "or tuple of values, or numpy.ndarray).")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype).base_dtype
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dt = self.dtype if dtype is None else dtypes.as_dtype(dtype).base_dtype
        verify = self._verify_shape if verify_shape is None else verify_shape
        shape = tuple(_dims(shape))
        arr = np.asarray(self.value, dtype=dt.np)
        n = math.prod(shape)
        if arr.shape != shape:
            if verify:
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            if arr.size > n:
                raise ValueError(f"Too many elements provided. Needed at most {n}, but received {arr.size}")
            if arr.size == 1 and n >= 1000:
                return array_ops.fill(list(shape), constant(arr.reshape(())))
            flat = arr.reshape(-1)
            if 0 < flat.size < n:
                flat = np.concatenate([flat, np.full(n - flat.size, flat[-1], dt.np)])
            arr = flat.reshape(shape)
        return constant(arr)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name, "verify_shape": self._verify_shape}


class RandomUniform(Initializer):
    """Uniform in [minval, maxval) (maxval defaults to 1 for floats)."""

    def __init__(self, minval=0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype).base_dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else dtypes.as_dtype(dtype).base_dtype
        return self._random("random_uniform", _dims(shape), self.minval, self.maxval, dt)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed, "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """Normal with `mean` and `stddev`."""

    _kind = "random_normal"

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else _float_dtype(dtype)
        return self._random(self._kind, _dims(shape), self.mean, self.stddev, dt)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed, "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    """Normal with `mean` and `stddev`, redrawn beyond 2 standard deviations."""

    _kind = "truncated_normal"


class UniformUnitScaling(Initializer):
    """Uniform in ±factor·sqrt(3 / input_size), input_size = product of all but the last dimension (deprecated
    in TF1 in favour of variance_scaling_initializer)."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor, self.seed = factor, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else _float_dtype(dtype)
        full = _dims(shape if partition_info is None else partition_info.full_shape)
        input_size = max(float(math.prod(full[:-1])), 1.0)
        limit = math.sqrt(3 / input_size) * self.factor
        return self._random("random_uniform", _dims(shape), -limit, limit, dt)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


class VarianceScaling(Initializer):
    """Variance `scale / n` with n = fan_in, fan_out or their mean (`mode`).

    distribution "truncated_normal" (or "normal", as TF1.13+): a normal truncated at 2 stddev whose stddev is
    corrected by 0.87962566103423978 so that the variance is still scale / n; "untruncated_normal": a plain
    normal; "uniform": uniform in ±sqrt(3·scale / n)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else _float_dtype(dtype)
        fan_in, fan_out = _compute_fans(shape if partition_info is None else partition_info.full_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        dims = _dims(shape)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / 0.87962566103423978
            return self._random("truncated_normal", dims, 0.0, stddev, dt)
        if self.distribution == "untruncated_normal":
            return self._random("random_normal", dims, 0.0, math.sqrt(scale), dt)
        limit = math.sqrt(3.0 * scale)
        return self._random("random_uniform", dims, -limit, limit, dt)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed,
                "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Xavier/Glorot uniform: uniform in ±sqrt(6 / (fan_in + fan_out)); get_variable's default."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed, dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Xavier/Glorot normal: truncated normal with variance 2 / (fan_in + fan_out)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal", seed=seed, dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


def he_normal(seed=None):
    """Truncated normal with variance 2 / fan_in (for ReLU layers)."""
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal", seed=seed)


def he_uniform(seed=None):
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=seed)


def lecun_normal(seed=None):
    """Truncated normal with variance 1 / fan_in (for SELU layers)."""
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=seed)


def lecun_uniform(seed=None):
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=seed)


class OrthogonalQ(OpDef):
    """The orthogonal factor of a QR decomposition of a random normal matrix, sign-fixed so that it is
    uniformly distributed, scaled by `gain` and reshaped to `shape` (one op: an initializer runs once)."""

    type = "OrthogonalQ"
    gradient = not_differentiable

    def infer(op):
        return [(op.attrs["shape"], op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, shape, gain, flip = ctx.xp, op.attrs["shape"], op.attrs["gain"], op.attrs["transpose"]

        def orthogonal(a):
            q, r = xp.linalg.qr(a.astype(xp.float64))
            q *= xp.sign(xp.diagonal(r))
            if flip:
                q = q.T
            return (gain * q).reshape(shape).astype(a.dtype)
        return orthogonal


class Orthogonal(Initializer):
    """A (flattened to [prod(shape[:-1]), shape[-1]]) orthogonal matrix times `gain`."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else _float_dtype(dtype)
        dims = _dims(shape)
        if len(dims) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        rows, cols = math.prod(dims[:-1]), dims[-1]
        flat = (cols, rows) if rows < cols else (rows, cols)
        a = self._random("random_normal", flat, 0.0, 1.0, dt)
        return apply_op(OrthogonalQ, [a], {"shape": tuple(dims), "gain": float(self.gain),
                                           "transpose": rows < cols}, "OrthogonalQ")

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self.dtype if dtype is None else _float_dtype(dtype)
        dims = _dims(shape if partition_info is None else partition_info.full_shape)
        if len(dims) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        return constant(self.gain * np.eye(*dims, dtype=dt.np), dtype=dt)

    def get_config(self):
        return {"gain": self.gain, "dtype": self.dtype.name}


# TensorFlow 1.x's public names are the classes themselves (so `isinstance(i, tf.zeros_initializer)` works).
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
identity_initializer = Identity

__all__ = ["zeros_initializer", "ones_initializer", "constant_initializer", "random_uniform_initializer",
           "random_normal_initializer", "truncated_normal_initializer", "uniform_unit_scaling_initializer",
           "variance_scaling_initializer", "glorot_uniform_initializer", "glorot_normal_initializer",
           "orthogonal_initializer", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform"]

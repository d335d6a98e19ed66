"""`tf.keras.initializers`: tf_keras' initializer classes, with Keras' defaults (RandomNormal's stddev 0.05,
RandomUniform in ±0.05) and configs (no dtype), on the TF1 initializers of `graphgrad.ops.init_ops`, whose kernels
they reuse; the lower-case names (`glorot_uniform`, TF1 Keras' `normal` / `uniform`) and get / serialize /
deserialize. A layer's `kernel_initializer=` takes any of them, by object, name or config dict."""
from __future__ import annotations

import inspect

from ..framework import dtypes
from ..ops import init_ops as _tf1
from ..stateless_random import stateless_random_normal, stateless_random_uniform, stateless_truncated_normal
from . import serialization as _s

_STATELESS = {"random_uniform": stateless_random_uniform, "random_normal": stateless_random_normal,
              "truncated_normal": stateless_truncated_normal}


class Initializer(_tf1.Initializer):
    """Base of Keras' initializers: `__call__(shape, dtype=None, **kwargs)` and `get_config()` to override.
    `from_config` ignores a `dtype` (TF1 Keras' configs hold one) and, for the built-in classes, settings their
    constructor lacks (files of later Keras versions hold some, such as `input_axes`), as loading a layer does."""

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k != "dtype"}

    def _random(self, kind, shape, a, b, dtype):
        """With a seed, tf_keras' stateless draw (seed [seed, 0]): the same values at every call, in graph and
        eager mode, and the values tf_keras gives; without one, a new draw each time."""
        if self.seed is None:
            return super()._random(kind, shape, a, b, dtype)
        return _STATELESS[kind](shape, [self.seed, 0], a, b, dtype)

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "dtype"}
        if cls.__module__ == __name__:
            accepted = inspect.signature(cls.__init__).parameters
            config = {k: v for k, v in config.items() if k in accepted}
        return cls(**config)


class Zeros(Initializer, _tf1.Zeros):
    """All zeros."""


class Ones(Initializer, _tf1.Ones):
    """All ones."""


class Constant(Initializer, _tf1.Constant):
    """A scalar (or an array of the variable's shape)."""

    def __init__(self, value=0, dtype=dtypes.float32):
        super().__init__(value, dtype)

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer, _tf1.RandomUniform):
    """Uniform in [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(minval, maxval, seed, dtype)


class RandomNormal(Initializer, _tf1.RandomNormal):
    """Normal with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed, dtype)


class TruncatedNormal(Initializer, _tf1.TruncatedNormal):
    """Normal with `mean` and `stddev`, redrawn beyond 2 standard deviations."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed, dtype)


class VarianceScaling(Initializer, _tf1.VarianceScaling):
    """Variance scale / n (n: fan_in, fan_out or their mean); "normal" is "truncated_normal", as in tf_keras."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, dtype=dtypes.float32):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        allowed = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of the {allowed}.")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Allowed distributions: {allowed}.")
        super().__init__(scale, mode, distribution, seed, dtype)


def _scaling(name, scale, mode, distribution, doc):
    """A VarianceScaling with fixed settings and only a seed to give (GlorotUniform, HeNormal, ...)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, dtype)

    def get_config(self):
        return {"seed": self.seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                           "__module__": __name__})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform", "Uniform in ±sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                        "Truncated normal with variance 2 / (fan_in + fan_out).")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform", "Uniform in ±sqrt(6 / fan_in) (ReLU layers).")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal with variance 2 / fan_in.")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ±sqrt(3 / fan_in).")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal",
                       "Truncated normal with variance 1 / fan_in (SELU layers).")


class Orthogonal(Initializer, _tf1.Orthogonal):
    """An orthogonal matrix (of the shape flattened to 2-D) times `gain`."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(gain, seed, dtype)


class Identity(Initializer, _tf1.Identity):
    """`gain` times the identity matrix (2-D shapes)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        super().__init__(gain, dtype)


# the lower-case names are the classes, as in tf_keras; `normal` / `uniform` are TF1 Keras' (tf.compat.v1)
zeros, ones, constant = Zeros, Ones, Constant
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
uniform, normal = RandomUniform, RandomNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal

_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomUniform, RandomNormal, TruncatedNormal,
                                    VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
                                    LecunNormal, Orthogonal, Identity)}
# deserialize also knows the snake-case names and TF1's class names (a TF1 `tf.glorot_uniform_initializer()` config)
_OBJECTS = {**_CLASSES, **{_s_name: c for _s_name, c in globals().items() if isinstance(c, type) and c in
                           _CLASSES.values() and _s_name.islower()},
            "UniformUnitScaling": _tf1.UniformUnitScaling}


def serialize(initializer, use_legacy_format=False):
    return _s.serialize_keras_object(initializer, "keras.initializers")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """The initializer of a config dict, or of a name ('he_normal', 'HeNormal')."""
    return _s.deserialize_keras_object(config, _OBJECTS, custom_objects, "initializer")


get = _s.getter(deserialize, "initializer", instantiate_classes=True)


__all__ = ["Initializer", *_CLASSES, "zeros", "ones", "constant", "random_uniform", "random_normal",
           "truncated_normal", "uniform", "normal", "variance_scaling", "orthogonal", "identity", "glorot_uniform",
           "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "get", "serialize",
           "deserialize"]

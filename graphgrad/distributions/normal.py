"""Normal(loc, scale) and Laplace(loc, scale): location-scale families, sampled by reparameterization
(loc + scale·ε), so gradients reach loc and scale through the samples."""
from __future__ import annotations

import math

import numpy as np

from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.core import ones_like
from ..ops.random_ops import random_normal, random_uniform
from .distribution import FULLY_REPARAMETERIZED, Distribution, checked, draw_shape, float_params
from .kullback_leibler import RegisterKL
from .special_math import log_ndtr, ndtr


class _LocScale(Distribution):
    """What Normal and Laplace share: parameters, shapes, mean and mode at loc."""

    def __init__(self, loc, scale, validate_args, allow_nan_stats, name, parameters):
        with name_scope(name, values=[loc, scale]) as scope:
            p = float_params({"loc": loc, "scale": scale})
            asserts = [check_ops.assert_positive(p["scale"])] if validate_args else []
            self._loc = checked(p["loc"], "loc", asserts)
            self._scale = checked(p["scale"], "scale", asserts)
        super().__init__(self._scale.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._loc, self._scale], scope)

    @staticmethod
    def _param_shapes(sample_shape):
        s = np.asarray(sample_shape, np.int32)
        return {"loc": s, "scale": s}

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    _batch_params = ("_loc", "_scale")

    def _z(self, x):
        with name_scope("standardize", values=[x]):
            return m.realdiv(m.subtract(x, self._loc), self._scale)

    def _mean(self):
        return m.multiply(self._loc, ones_like(self._scale))

    def _mode(self):
        return self._mean()


class Normal(_LocScale):
    """The normal (Gaussian) distribution with mean `loc` and standard deviation `scale`."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Normal"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name,
                         {"loc": loc, "scale": scale, "validate_args": validate_args,
                          "allow_nan_stats": allow_nan_stats, "name": name})

    def _sample_n(self, n, seed=None):
        eps = random_normal(draw_shape(n, self), dtype=self._loc.dtype.base_dtype, seed=seed)
        return m.add(m.multiply(eps, self._scale), self._loc)

    def _log_prob(self, x):
        z = self._z(x)
        return m.subtract(m.multiply(-0.5, m.square(z)),
                          m.add(0.5 * math.log(2.0 * math.pi), m.log(self._scale)))

    def _log_cdf(self, x):
        return log_ndtr(self._z(x))

    def _cdf(self, x):
        return ndtr(self._z(x))

    def _log_survival_function(self, x):
        return log_ndtr(m.negative(self._z(x)))

    def _survival_function(self, x):
        return ndtr(m.negative(self._z(x)))

    def _entropy(self):
        scale = m.multiply(self._scale, ones_like(self._loc))
        return m.add(0.5 * math.log(2.0 * math.pi * math.e), m.log(scale))

    def _stddev(self):
        return m.multiply(self._scale, ones_like(self._loc))


class Laplace(_LocScale):
    """The Laplace distribution: density exp(−|x − loc| / scale) / (2·scale)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name="Laplace"):
        super().__init__(loc, scale, validate_args, allow_nan_stats, name,
                         {"loc": loc, "scale": scale, "validate_args": validate_args,
                          "allow_nan_stats": allow_nan_stats, "name": name})

    def _sample_n(self, n, seed=None):
        dt = self._loc.dtype.base_dtype
        # Uniform on (-1, 1), open at -1 so that log1p(-|u|) stays finite (TF draws the same way).
        u = random_uniform(draw_shape(n, self), minval=np.nextafter(np.array(-1, dt.np), np.array(0, dt.np)),
                           maxval=1.0, dtype=dt, seed=seed)
        return m.subtract(self._loc, m.multiply(m.multiply(self._scale, m.sign(u)), m.log1p(m.negative(m.abs(u)))))

    def _log_prob(self, x):
        return m.subtract(m.negative(m.realdiv(m.abs(m.subtract(x, self._loc)), self._scale)),
                          m.log(m.multiply(2.0, self._scale)))

    def _cdf(self, x):
        z = self._z(x)
        return m.subtract(0.5, m.multiply(m.multiply(0.5, m.sign(z)), m.expm1(m.negative(m.abs(z)))))

    def _log_cdf(self, x):
        z = self._z(x)
        return m.where(m.less(z, 0.0), m.add(math.log(0.5), m.minimum(z, 0.0)),
                       m.log1p(m.multiply(-0.5, m.exp(m.negative(m.abs(z))))))

    def _log_survival_function(self, x):
        z = self._z(x)
        return m.where(m.greater(z, 0.0), m.subtract(math.log(0.5), m.maximum(z, 0.0)),
                       m.log1p(m.multiply(-0.5, m.exp(m.negative(m.abs(z))))))

    def _entropy(self):
        scale = m.multiply(self._scale, ones_like(self._loc))
        return m.add(math.log(2.0) + 1.0, m.log(scale))

    def _stddev(self):
        return m.multiply(math.sqrt(2.0), m.multiply(self._scale, ones_like(self._loc)))


@RegisterKL(Normal, Normal)
def _kl_normal_normal(n_a, n_b, name=None):
    """KL between two normals: (μa−μb)²/(2σb²) + ½(σa²/σb² − 1 − log σa²/σb²)."""
    with name_scope(name, "kl_normal_normal", [n_a.loc, n_b.loc]):
        s_a, s_b = n_a.scale, n_b.scale
        diff_log_scale = m.subtract(m.log(s_a), m.log(s_b))
        return m.subtract(m.add(m.multiply(0.5, m.squared_difference(m.realdiv(n_a.loc, s_b),
                                                                       m.realdiv(n_b.loc, s_b))),
                                m.multiply(0.5, m.expm1(m.multiply(2.0, diff_log_scale)))),
                          diff_log_scale)

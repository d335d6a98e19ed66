"""Uniform(low, high): constant density on [low, high), sampled as low + (high − low)·u (reparameterized)."""
from __future__ import annotations

import math

from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.core import ones_like, zeros_like
from ..ops.random_ops import random_uniform
from .distribution import FULLY_REPARAMETERIZED, Distribution, checked, draw_shape, float_params


class Uniform(Distribution):
    def __init__(self, low=0.0, high=1.0, validate_args=False, allow_nan_stats=True, name="Uniform"):
        parameters = dict(low=low, high=high, validate_args=validate_args, allow_nan_stats=allow_nan_stats,
                          name=name)
        with name_scope(name, values=[low, high]) as scope:
            p = float_params({"low": low, "high": high})
            asserts = [check_ops.assert_less(p["low"], p["high"], message="uniform not well-defined when "
                                             "low >= high.")] if validate_args else []
            self._low = checked(p["low"], "low", asserts)
            self._high = checked(p["high"], "high", asserts)
        super().__init__(self._low.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._low, self._high], scope)

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    def range(self, name="range"):
        """high − low."""
        with self._name_scope(name):
            return m.subtract(self._high, self._low)

    _batch_params = ("_low", "_high")

    def _sample_n(self, n, seed=None):
        u = random_uniform(draw_shape(n, self), dtype=self.dtype, seed=seed)
        return m.add(self._low, m.multiply(self.range(), u))

    def _prob(self, x):
        x = m.multiply(x, ones_like(self._batch_like()))
        inside = m.divide(ones_like(x), m.multiply(self.range(), ones_like(x)))
        outside = m.logical_or(m.less(x, self._low), m.greater_equal(x, self._high))
        return m.where(m.is_nan(x), x, m.where(outside, zeros_like(x), inside))

    def _cdf(self, x):
        x = m.multiply(x, ones_like(self._batch_like()))
        frac = m.realdiv(m.subtract(x, self._low), self.range())
        return m.where(m.less(x, self._low), zeros_like(x), m.where(m.greater_equal(x, self._high), ones_like(x),
                                                                       frac))

    def _entropy(self):
        return m.log(self.range())

    def _mean(self):
        return m.divide(m.add(self._low, self._high), 2.0)

    def _variance(self):
        return m.divide(m.square(self.range()), 12.0)

    def _stddev(self):
        return m.divide(self.range(), math.sqrt(12.0))

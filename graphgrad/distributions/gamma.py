"""Gamma(concentration, rate), its special case Exponential(rate), Beta(concentration1, concentration0) and
StudentT(df, loc, scale): the families drawn through tf.random_gamma, with CDFs from igamma and betainc.
All are reparameterized as in TF: gradients reach the concentrations through the samples by RandomGamma's
implicit gradient (ops/special_ops.py RandomGammaGrad), and rate, loc and scale directly."""
from __future__ import annotations

import math

import numpy as np

from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.array_ops import stack
from ..ops.core import constant, ones_like
from ..ops.random_ops import random_gamma, random_normal, random_uniform
from .distribution import FULLY_REPARAMETERIZED, Distribution, checked, draw_shape, float_params
from .kullback_leibler import RegisterKL


def _positive(params, names, validate_args):
    return [check_ops.assert_positive(params[n]) for n in names] if validate_args else []


class Gamma(Distribution):
    """Density rate^c x^(c−1) e^(−rate·x) / Γ(c) for x > 0."""

    def __init__(self, concentration, rate, validate_args=False, allow_nan_stats=True, name="Gamma"):
        parameters = dict(concentration=concentration, rate=rate, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[concentration, rate]) as scope:
            p = float_params({"concentration": concentration, "rate": rate})
            asserts = _positive(p, ("concentration", "rate"), validate_args)
            self._concentration = checked(p["concentration"], "concentration", asserts)
            self._rate = checked(p["rate"], "rate", asserts)
        super().__init__(self._rate.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._concentration, self._rate], scope)

    @property
    def concentration(self):
        return self._concentration

    @property
    def rate(self):
        return self._rate

    _batch_params = ("_concentration", "_rate")

    def _sample_n(self, n, seed=None):
        return random_gamma([n] if isinstance(n, int) else m.reshape(n, [1]), self._concentration, self._rate,
                            dtype=self.dtype, seed=seed)

    def _log_prob(self, x):
        unnormalized = m.subtract(m.xlogy(m.subtract(self._concentration, 1.0), x),
                                  m.multiply(self._rate, x))
        normalization = m.subtract(m.lgamma(self._concentration), m.multiply(self._concentration,
                                                                             m.log(self._rate)))
        return m.subtract(unnormalized, normalization)

    def _cdf(self, x):
        return m.igamma(self._concentration, m.multiply(self._rate, x))

    def _entropy(self):
        c = self._concentration
        return m.add(m.add(m.subtract(c, m.log(self._rate)), m.lgamma(c)),
                     m.multiply(m.subtract(1.0, c), m.digamma(c)))

    def _mean(self):
        return m.realdiv(m.multiply(self._concentration, ones_like(self._rate)), self._rate)

    def _variance(self):
        return m.realdiv(self._concentration, m.square(self._rate))

    def _stddev(self):
        return m.realdiv(m.sqrt(self._concentration), self._rate)

    def _mode(self):
        mode = m.realdiv(m.subtract(self._concentration, 1.0), self._rate)
        return self._nan_where(m.less_equal(m.multiply(self._concentration, ones_like(mode)), 1.0), mode,
                               "mode not defined when any concentration <= 1")


class Exponential(Gamma):
    """Gamma with concentration 1: density rate·e^(−rate·x), drawn as −log(u)/rate."""

    def __init__(self, rate, validate_args=False, allow_nan_stats=True, name="Exponential"):
        parameters = dict(rate=rate, validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[rate]) as scope:
            rate = float_params({"rate": rate})["rate"]
            one = constant(1, dtype=rate.dtype.base_dtype)
        super().__init__(one, rate, validate_args, allow_nan_stats, name=scope)
        self._parameters = parameters

    def copy(self, **override):
        return Exponential(**{**self.parameters, **override})

    def _sample_n(self, n, seed=None):
        dt = self.dtype
        u = random_uniform(draw_shape(n, self), minval=np.finfo(dt.np).tiny, maxval=1.0, dtype=dt, seed=seed)
        return m.realdiv(m.negative(m.log(u)), self._rate)

    def _log_prob(self, x):
        return m.subtract(m.log(self._rate), m.multiply(self._rate, x))

    def _cdf(self, x):
        return m.negative(m.expm1(m.multiply(m.negative(self._rate), x)))

    def _log_survival_function(self, x):
        return m.multiply(m.negative(self._rate), x)


class Beta(Distribution):
    """Density x^(c1−1) (1−x)^(c0−1) / B(c1, c0) on (0, 1), drawn as g1 / (g1 + g0) from two gammas."""

    def __init__(self, concentration1=None, concentration0=None, validate_args=False, allow_nan_stats=True,
                 name="Beta"):
        parameters = dict(concentration1=concentration1, concentration0=concentration0,
                          validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[concentration1, concentration0]) as scope:
            p = float_params({"concentration1": concentration1, "concentration0": concentration0})
            asserts = _positive(p, ("concentration1", "concentration0"), validate_args)
            self._concentration1 = checked(p["concentration1"], "concentration1", asserts)
            self._concentration0 = checked(p["concentration0"], "concentration0", asserts)
            self._total_concentration = m.add(self._concentration1, self._concentration0,
                                              name="total_concentration")
        super().__init__(self._concentration1.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args,
                         allow_nan_stats, parameters, [self._concentration1, self._concentration0], scope)

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    @property
    def total_concentration(self):
        return self._total_concentration

    def _batch_shape(self):
        return self._total_concentration.shape

    def _batch_like(self):
        return self._total_concentration

    def _sample_n(self, n, seed=None):
        ones = ones_like(self._total_concentration)
        shape = [n] if isinstance(n, int) else m.reshape(n, [1])
        g1 = random_gamma(shape, m.multiply(ones, self._concentration1), dtype=self.dtype, seed=seed)
        g0 = random_gamma(shape, m.multiply(ones, self._concentration0), dtype=self.dtype,
                          seed=None if seed is None else seed + 1)
        return m.realdiv(g1, m.add(g1, g0))

    def _log_normalization(self):
        return m.subtract(m.add(m.lgamma(self._concentration1), m.lgamma(self._concentration0)),
                          m.lgamma(self._total_concentration))

    def _log_prob(self, x):
        unnormalized = m.add(m.xlogy(m.subtract(self._concentration1, 1.0), x),
                             m.multiply(m.subtract(self._concentration0, 1.0), m.log1p(m.negative(x))))
        return m.subtract(unnormalized, self._log_normalization())

    def _cdf(self, x):
        return m.betainc(self._concentration1, self._concentration0, x)

    def _entropy(self):
        c1, c0, total = self._concentration1, self._concentration0, self._total_concentration
        return m.add(m.subtract(m.subtract(self._log_normalization(), m.multiply(m.subtract(c1, 1.0), m.digamma(c1))),
                                m.multiply(m.subtract(c0, 1.0), m.digamma(c0))),
                     m.multiply(m.subtract(total, 2.0), m.digamma(total)))

    def _mean(self):
        return m.realdiv(self._concentration1, self._total_concentration)

    def _variance(self):
        mean = self._mean()
        return m.realdiv(m.multiply(mean, m.subtract(1.0, mean)), m.add(1.0, self._total_concentration))

    def _mode(self):
        mode = m.realdiv(m.subtract(self._concentration1, 1.0), m.subtract(self._total_concentration, 2.0))
        undefined = m.logical_or(m.less_equal(m.multiply(self._concentration1, ones_like(mode)), 1.0),
                                 m.less_equal(m.multiply(self._concentration0, ones_like(mode)), 1.0))
        return self._nan_where(undefined, mode, "Mode undefined for concentration1 <= 1 or concentration0 <= 1.")


class StudentT(Distribution):
    """Student's t with `df` degrees of freedom, location `loc` and scale `scale`: loc + scale·ε/√(g/df),
    ε normal and g ~ Gamma(df/2, 1/2)."""

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True, name="StudentT"):
        parameters = dict(df=df, loc=loc, scale=scale, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[df, loc, scale]) as scope:
            p = float_params({"df": df, "loc": loc, "scale": scale})
            asserts = _positive(p, ("df",), validate_args)
            self._df = checked(p["df"], "df", asserts)
            self._loc = checked(p["loc"], "loc", asserts)
            self._scale = checked(p["scale"], "scale", asserts)
        super().__init__(self._scale.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._df, self._loc, self._scale], scope)

    @property
    def df(self):
        return self._df

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    _batch_params = ("_df", "_loc", "_scale")

    def _sample_n(self, n, seed=None):
        shape = draw_shape(n, self)
        normal = random_normal(shape, dtype=self.dtype, seed=seed)
        df = m.multiply(self._df, self._batch_like())
        gamma = random_gamma([n] if isinstance(n, int) else m.reshape(n, [1]), m.multiply(0.5, df), beta=0.5,
                             dtype=self.dtype, seed=None if seed is None else seed + 1)
        samples = m.multiply(normal, m.rsqrt(m.realdiv(gamma, df)))
        return m.add(m.multiply(samples, self._scale), self._loc)

    def _log_prob(self, x):
        y = m.realdiv(m.subtract(x, self._loc), self._scale)
        unnormalized = m.multiply(m.multiply(-0.5, m.add(self._df, 1.0)),
                                  m.log1p(m.realdiv(m.square(y), self._df)))
        normalization = m.add(m.add(m.log(m.abs(self._scale)), m.multiply(0.5, m.log(self._df))),
                              m.subtract(m.add(0.5 * math.log(math.pi), m.lgamma(m.multiply(0.5, self._df))),
                                         m.lgamma(m.multiply(0.5, m.add(self._df, 1.0)))))
        return m.subtract(unnormalized, normalization)

    def _cdf(self, x):
        """Through the incomplete beta function: P(T ≤ t) = ½ I_(df/(df+y²))(df/2, ½) for y < 0, and by symmetry."""
        y = m.realdiv(m.subtract(x, self._loc), m.abs(self._scale))
        x_t = m.realdiv(self._df, m.add(m.square(y), self._df))
        neg_cdf = m.multiply(0.5, m.betainc(m.multiply(0.5, self._df), m.multiply(0.5, ones_like(x_t)), x_t))
        return m.where(m.less(y, 0.0), neg_cdf, m.subtract(1.0, neg_cdf))

    def _entropy(self):
        ones = self._batch_like()
        df = m.multiply(self._df, ones)
        half_df = m.multiply(0.5, df)
        lbeta = m.lbeta(stack([half_df, m.multiply(0.5, ones)], axis=-1))
        return m.add(m.add(m.multiply(m.multiply(0.5, m.add(df, 1.0)),
                                      m.subtract(m.digamma(m.multiply(0.5, m.add(df, 1.0))), m.digamma(half_df))),
                           m.multiply(0.5, m.log(df))),
                     m.add(lbeta, m.log(m.abs(m.multiply(self._scale, ones)))))

    def _mean(self):
        mean = m.multiply(self._loc, self._batch_like())
        return self._nan_where(m.less_equal(m.multiply(self._df, ones_like(mean)), 1.0), mean,
                               "mean not defined for components of df <= 1")

    def _variance(self):
        ones = self._batch_like()
        df = m.multiply(self._df, ones)
        var = m.realdiv(m.multiply(m.square(m.multiply(self._scale, ones)), df), m.subtract(df, 2.0))
        inf = m.multiply(np.array(np.inf, self.dtype.np), ones)
        var = m.where(m.greater(df, 2.0), var, inf)
        return self._nan_where(m.less_equal(df, 1.0), var, "variance not defined for components of df <= 1")

    def _mode(self):
        return m.multiply(self._loc, self._batch_like())


@RegisterKL(Gamma, Gamma)
def _kl_gamma_gamma(g0, g1, name=None):
    with name_scope(name, "kl_gamma_gamma", [g0.concentration, g0.rate, g1.concentration, g1.rate]):
        c0, r0, c1, r1 = g0.concentration, g0.rate, g1.concentration, g1.rate
        return m.add(m.add(m.multiply(m.subtract(c0, c1), m.digamma(c0)), m.subtract(m.lgamma(c1), m.lgamma(c0))),
                     m.add(m.subtract(m.multiply(c1, m.log(r0)), m.multiply(c1, m.log(r1))),
                           m.multiply(c0, m.subtract(m.realdiv(r1, r0), 1.0))))


@RegisterKL(Beta, Beta)
def _kl_beta_beta(d1, d2, name=None):
    with name_scope(name, "kl_beta_beta", []):
        def delta(a, b):
            return m.subtract(a, b)
        lnorm = delta(d2._log_normalization(), d1._log_normalization())
        t1 = m.multiply(m.digamma(d1.concentration1), delta(d1.concentration1, d2.concentration1))
        t0 = m.multiply(m.digamma(d1.concentration0), delta(d1.concentration0, d2.concentration0))
        tt = m.multiply(m.digamma(d1.total_concentration), delta(d2.total_concentration, d1.total_concentration))
        return m.add(m.add(m.add(lnorm, t1), t0), tt)

"""Dirichlet(concentration) over the probability simplex and Multinomial(total_count, logits | probs) over
counts: distributions with an event axis (the last one)."""
from __future__ import annotations

from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.array_ops import expand_dims, one_hot, reshape, shape, transpose
from ..ops.array_ops import range as arange
from ..ops.core import ones_like
from ..ops.random_ops import multinomial, random_gamma
from ..ops.softmax_ops import log_softmax
from .discrete import Categorical, logits_and_probs
from .distribution import FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, EventLast, checked, float_params
from .kullback_leibler import RegisterKL


class Dirichlet(EventLast):
    """Density Γ(Σc)/ΠΓ(c_i) · Π x_i^(c_i−1) on the simplex; drawn by normalizing gammas."""

    def __init__(self, concentration, validate_args=False, allow_nan_stats=True, name="Dirichlet"):
        parameters = dict(concentration=concentration, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[concentration]) as scope:
            c = float_params({"concentration": concentration})["concentration"]
            asserts = [check_ops.assert_positive(c), check_ops.assert_rank_at_least(c, 1)] if validate_args else []
            self._concentration = checked(c, "concentration", asserts)
            self._total_concentration = m.reduce_sum(self._concentration, axis=-1)
        self._event_param = self._concentration
        super().__init__(self._concentration.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args,
                         allow_nan_stats, parameters, [self._concentration], scope)

    @property
    def concentration(self):
        return self._concentration

    @property
    def total_concentration(self):
        return self._total_concentration

    def _sample_n(self, n, seed=None):
        gamma = random_gamma([n] if isinstance(n, int) else reshape(n, [1]), self._concentration,
                             dtype=self.dtype, seed=seed)
        return m.realdiv(gamma, m.reduce_sum(gamma, axis=-1, keepdims=True))

    def _log_prob(self, x):
        return m.subtract(m.reduce_sum(m.xlogy(m.subtract(self._concentration, 1.0), x), axis=-1),
                          m.lbeta(self._concentration))

    def _entropy(self):
        c, total = self._concentration, self._total_concentration
        k = m.cast(shape(c)[-1], self.dtype)
        return m.subtract(m.add(m.lbeta(c), m.multiply(m.subtract(total, k), m.digamma(total))),
                          m.reduce_sum(m.multiply(m.subtract(c, 1.0), m.digamma(c)), axis=-1))

    def _mean(self):
        return m.realdiv(self._concentration, expand_dims(self._total_concentration, -1))

    def _variance(self):
        total = expand_dims(self._total_concentration, -1)
        mean = self._mean()
        return m.realdiv(m.multiply(mean, m.subtract(1.0, mean)), m.add(total, 1.0))

    def _covariance(self):
        total = expand_dims(expand_dims(self._total_concentration, -1), -1)
        mean = self._mean()
        outer = m.multiply(expand_dims(mean, -1), expand_dims(mean, -2))
        from ..ops.matrix_diag_ops import matrix_diag

        return m.realdiv(m.subtract(matrix_diag(mean), outer), m.add(total, 1.0))

    def _mode(self):
        k = m.cast(shape(self._concentration)[-1], self.dtype)
        mode = m.realdiv(m.subtract(self._concentration, 1.0),
                         expand_dims(m.subtract(self._total_concentration, k), -1))
        undefined = m.reduce_any(m.less_equal(self._concentration, 1.0), axis=-1, keepdims=True)
        return self._nan_where(m.greater(m.multiply(m.cast(undefined, self.dtype), ones_like(mode)), 0.0), mode,
                               "Mode undefined when any concentration <= 1")


class Multinomial(EventLast):
    """Counts of `total_count` draws among K classes with probabilities softmax(logits) (or `probs`)."""

    def __init__(self, total_count, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name="Multinomial"):
        parameters = dict(total_count=total_count, logits=logits, probs=probs, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[total_count, logits, probs]) as scope:
            self._logits, self._probs = logits_and_probs(logits, probs, True, name=scope)
            n = float_params({"total_count": total_count}, self._probs.dtype.base_dtype)["total_count"]
            asserts = [check_ops.assert_non_negative(n)] if validate_args else []
            self._total_count = checked(n, "total_count", asserts)
            self._mean_val = m.multiply(expand_dims(self._total_count, -1), self._probs)
        self._event_param = self._mean_val
        super().__init__(self._probs.dtype.base_dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._total_count, self._logits, self._probs], scope)

    @property
    def total_count(self):
        return self._total_count

    logits = Categorical.logits
    probs = Categorical.probs

    def _sample_n(self, n, seed=None):
        """Draws of the largest total_count for every batch member, those past its own count masked off (the
        total counts must be known while building)."""
        from ..ops.array_ops import get_static_value

        counts = get_static_value(self._total_count)
        if counts is None:
            raise NotImplementedError("Multinomial.sample needs a total_count known while building")
        k = self._logits.shape[-1].value
        draws_max = int(max(int(c) for c in counts.reshape(-1))) if counts.size else 0
        logits = m.multiply(expand_dims(ones_like(self._total_count), -1), self._logits)
        flat = reshape(logits, [-1, k])
        draws = multinomial(flat, n * draws_max, seed=seed)                        # [B, n·D]
        draws = reshape(draws, [-1, n, draws_max])
        hot = one_hot(draws, k, dtype=self.dtype)                                  # [B, n, D, K]
        keep = m.cast(m.less(m.cast(arange(draws_max), self.dtype),
                             reshape(m.multiply(self._total_count, ones_like(logits[..., 0])), [-1, 1])),
                      self.dtype)                                                  # [B, D]
        counts_bnk = m.reduce_sum(m.multiply(hot, expand_dims(expand_dims(keep, 1), -1)), axis=2)
        out = transpose(counts_bnk, [1, 0, 2])                                     # [n, B, K]
        return reshape(out, [n] + self.batch_shape.as_list() + [k])

    def _log_prob(self, counts):
        counts = m.cast(counts, self.dtype)
        unnormalized = m.reduce_sum(m.multiply(counts, log_softmax(self._logits)), axis=-1)
        log_combinations = m.subtract(m.lgamma(m.add(self._total_count, 1.0)),
                                      m.reduce_sum(m.lgamma(m.add(counts, 1.0)), axis=-1))
        return m.add(unnormalized, log_combinations)

    def _mean(self):
        return m.multiply(ones_like(self._mean_val), self._mean_val)

    def _variance(self):
        return m.multiply(self._mean_val, m.subtract(1.0, self._probs))

    def _covariance(self):
        from ..ops.matrix_diag_ops import matrix_diag

        p = self._probs
        outer = m.multiply(expand_dims(self._mean_val, -1), expand_dims(p, -2))
        return m.subtract(matrix_diag(self._mean_val), outer)


@RegisterKL(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(d1, d2, name=None):
    with name_scope(name, "kl_dirichlet_dirichlet", []):
        digamma_diff = m.subtract(m.digamma(d1.concentration), expand_dims(m.digamma(d1.total_concentration), -1))
        concentration_diff = m.subtract(d1.concentration, d2.concentration)
        return m.add(m.subtract(m.reduce_sum(m.multiply(concentration_diff, digamma_diff), axis=-1),
                                m.lbeta(d1.concentration)), m.lbeta(d2.concentration))


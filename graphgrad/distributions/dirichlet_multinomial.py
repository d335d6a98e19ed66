"""DirichletMultinomial(total_count, concentration): counts of `total_count` draws among K classes whose
probabilities are themselves Dirichlet(concentration), as TF 1.15 writes it (log_prob, mean, variance and
covariance in closed form; samples are gammas turned into multinomial logits)."""
from __future__ import annotations

from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.array_ops import expand_dims, get_static_value, one_hot, reshape
from ..ops.core import convert_to_tensor, with_dependencies
from ..ops.random_ops import multinomial, random_gamma
from .dirichlet import Dirichlet
from .distribution import NOT_REPARAMETERIZED, EventLast, float_params


class DirichletMultinomial(EventLast):
    """P(counts) = n! / Π counts_i! · B(α + counts) / B(α), the counts summing to n = `total_count`."""

    def __init__(self, total_count, concentration, validate_args=False, allow_nan_stats=True,
                 name="DirichletMultinomial"):
        parameters = dict(total_count=total_count, concentration=concentration, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[total_count, concentration]) as scope:
            params = float_params({"total_count": total_count, "concentration": concentration})
            self._total_count, self._concentration = params["total_count"], params["concentration"]
            if validate_args:
                self._total_count = with_dependencies(
                    [check_ops.assert_non_negative(self._total_count),
                     check_ops.assert_equal(self._total_count, m.round(self._total_count),
                                            message="total_count has fractional components.")], self._total_count)
                self._concentration = with_dependencies([check_ops.assert_positive(
                    self._concentration, message="Concentration parameter must be positive.")], self._concentration)
            self._total_concentration = m.reduce_sum(self._concentration, -1)
        self._event_param = self._concentration
        super().__init__(self._concentration.dtype.base_dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._total_count, self._concentration], scope)

    @property
    def total_count(self):
        return self._total_count

    concentration = Dirichlet.concentration
    total_concentration = Dirichlet.total_concentration

    def _sample_n(self, n, seed=None):
        """TF's way: log-gammas of the concentration as logits, `total_count` categorical draws each (a scalar
        total_count known while building)."""
        draws = get_static_value(self._total_count)
        if draws is None or draws.ndim:
            raise ValueError("DirichletMultinomial.sample needs a scalar total_count known while building")
        k = self._concentration.shape[-1].value
        logits = reshape(m.log(random_gamma([n], self._concentration, dtype=self.dtype, seed=seed)), [-1, k])
        picks = multinomial(logits, int(draws), seed=None if seed is None else seed + 1)
        x = m.reduce_sum(one_hot(picks, k, dtype=self.dtype), -2)
        return reshape(x, [n] + self.batch_shape.as_list() + [k])

    def _log_prob(self, counts):
        counts = convert_to_tensor(counts, dtype=self.dtype)
        if self.validate_args:
            counts = with_dependencies([check_ops.assert_equal(
                self._total_count, m.reduce_sum(counts, -1),
                message="counts last-dimension must sum to `self.total_count`")], counts)
        ordered = m.subtract(m.lbeta(m.add(self._concentration, counts)), m.lbeta(self._concentration))
        combinations = m.subtract(m.lgamma(m.add(self._total_count, 1.0)),
                                  m.reduce_sum(m.lgamma(m.add(counts, 1.0)), -1))
        return m.add(ordered, combinations)

    def _mean(self):
        return m.multiply(self._total_count, m.realdiv(self._concentration,
                                                        expand_dims(self._total_concentration, -1)))

    def _scale(self):
        c0 = expand_dims(self._total_concentration, -1)
        return m.sqrt(m.realdiv(m.add(1.0, m.realdiv(c0, self._total_count)), m.add(1.0, c0)))

    def _variance(self):
        scale = self._scale()
        x = m.multiply(scale, self._mean())
        return m.multiply(x, m.subtract(m.multiply(self._total_count, scale), x))

    def _covariance(self):
        from ..ops.matrix_diag_ops import matrix_set_diag

        x = m.multiply(self._scale(), self._mean())
        return matrix_set_diag(m.negative(m.matmul(expand_dims(x, -1), expand_dims(x, -2))), self._variance())

"""tf.contrib.distributions' multivariate and relaxed families: MultivariateNormalDiag and MultivariateNormalTriL
(loc + scale·ε with a diagonal or lower-triangular scale; KL between any two of them), OneHotCategorical (a
Categorical whose samples are one-hot vectors) and RelaxedOneHotCategorical (Gumbel-softmax / Concrete: softmax
of (logits + Gumbel noise) / temperature, reparameterized). Their event is the last axis."""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import check_ops
from ..ops import math_ops as m
from ..ops.array_ops import concat, expand_dims, one_hot, reshape, transpose
from ..ops.core import ones_like
from ..ops.matrix_diag_ops import matrix_band_part, matrix_diag, matrix_diag_part
from ..ops.matrix_ops import matrix_triangular_solve
from ..ops.random_ops import random_normal, random_uniform
from ..ops.reduction_ops import reduce_logsumexp
from ..ops.softmax_ops import log_softmax, softmax
from .discrete import Categorical, logits_and_probs
from .distribution import (
    FULLY_REPARAMETERIZED,
    NOT_REPARAMETERIZED,
    EventLast,
    broadcast_static,
    checked,
    draw_shape,
    float_params,
)
from .kullback_leibler import RegisterKL


class _MultivariateNormal(EventLast):
    """loc + L·ε with L lower triangular (`_scale_matrix()`), its log-determinant from L's diagonal."""

    def _init(self, loc, scale, validate_args, allow_nan_stats, parameters, scope):
        self._loc = loc
        self._event_param = loc
        super().__init__(loc.dtype.base_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [loc, scale], scope)

    @property
    def loc(self):
        return self._loc

    def _k(self):
        return self._loc.shape[-1].value

    def _batch_shape(self):
        return broadcast_static(self._loc.shape[:-1], self._scale_batch_shape())

    def _log_det_scale(self):
        return m.reduce_sum(m.log(m.abs(self._scale_diag_part())), axis=-1)

    def _log_prob(self, x):
        z = self._whiten(m.subtract(x, self._loc))
        return m.subtract(m.multiply(-0.5, m.reduce_sum(m.square(z), axis=-1)),
                          m.add(0.5 * self._k() * math.log(2 * math.pi), self._log_det_scale()))

    def _entropy(self):
        return m.multiply(m.add(0.5 * self._k() * (1.0 + math.log(2 * math.pi)), self._log_det_scale()),
                          self._batch_like())

    def _mean(self):
        return m.multiply(self._loc, ones_like(expand_dims(self._batch_like(), -1)))

    def _mode(self):
        return self._mean()

    def _covariance(self):
        lower = self._scale_matrix()
        ones = expand_dims(expand_dims(self._batch_like(), -1), -1)
        return m.multiply(m.matmul(lower, lower, transpose_b=True), ones)

    def _variance(self):
        return matrix_diag_part(self._covariance())

    def _sample_n(self, n, seed=None):
        full = draw_shape(n, self)
        eps = random_normal(full + [self._k()] if isinstance(full, list) else concat([full, [self._k()]], 0),
                            dtype=self.dtype, seed=seed)
        return m.add(self._loc, self._apply_scale(eps))


class MultivariateNormalDiag(_MultivariateNormal):
    """Normal with mean `loc` and covariance diag(scale_diag · scale_identity_multiplier)²."""

    def __init__(self, loc=None, scale_diag=None, scale_identity_multiplier=None, validate_args=False,
                 allow_nan_stats=True, name="MultivariateNormalDiag"):
        parameters = dict(loc=loc, scale_diag=scale_diag, scale_identity_multiplier=scale_identity_multiplier,
                          validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[loc, scale_diag, scale_identity_multiplier]) as scope:
            p = float_params({"loc": loc, "scale_diag": scale_diag, "scale_identity_multiplier":
                              scale_identity_multiplier})
            if "loc" not in p and "scale_diag" not in p:
                raise ValueError("Must specify one or both of `loc`, `scale_diag`.")
            ref = p.get("scale_diag", p.get("loc"))
            scale = p["scale_diag"] if "scale_diag" in p else ones_like(ref)
            if "scale_identity_multiplier" in p:
                scale = m.multiply(scale, expand_dims(p["scale_identity_multiplier"], -1))
            asserts = [check_ops.assert_positive(m.abs(scale))] if validate_args else []
            self._scale = checked(scale, "scale_diag", asserts)
            loc = p["loc"] if "loc" in p else m.multiply(ref, 0.0)
            self._init(checked(loc, "loc", asserts), self._scale, validate_args, allow_nan_stats, parameters, scope)

    @property
    def scale_diag(self):
        return self._scale

    def _scale_batch_shape(self):
        return self._scale.shape[:-1]

    def _batch_like(self):
        return m.multiply(ones_like(self._loc[..., 0]), ones_like(self._scale[..., 0]))

    def _scale_diag_part(self):
        return m.multiply(self._scale, ones_like(self._loc))

    def _scale_matrix(self):
        return matrix_diag(self._scale_diag_part())

    def _whiten(self, y):
        return m.realdiv(y, self._scale)

    def _apply_scale(self, eps):
        return m.multiply(self._scale, eps)

    def _stddev(self):
        return m.abs(self._scale_diag_part())

    def _variance(self):
        return m.square(self._scale_diag_part())


class MultivariateNormalTriL(_MultivariateNormal):
    """Normal with mean `loc` and covariance L·Lᵀ, L = `scale_tril` (lower triangular, non-zero diagonal)."""

    def __init__(self, loc=None, scale_tril=None, validate_args=False, allow_nan_stats=True,
                 name="MultivariateNormalTriL"):
        parameters = dict(loc=loc, scale_tril=scale_tril, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[loc, scale_tril]) as scope:
            p = float_params({"loc": loc, "scale_tril": scale_tril})
            if "scale_tril" not in p:
                raise ValueError("Must specify `scale_tril`.")
            tril = matrix_band_part(p["scale_tril"], -1, 0)
            asserts = [check_ops.assert_positive(m.abs(matrix_diag_part(tril)))] if validate_args else []
            self._tril = checked(tril, "scale_tril", asserts)
            loc = p["loc"] if "loc" in p else m.multiply(matrix_diag_part(tril), 0.0)
            self._init(checked(loc, "loc", asserts), self._tril, validate_args, allow_nan_stats, parameters, scope)

    @property
    def scale(self):
        return self._tril

    def _scale_batch_shape(self):
        return self._tril.shape[:-2]

    def _batch_like(self):
        return m.multiply(ones_like(self._loc[..., 0]), ones_like(self._tril[..., 0, 0]))

    def _scale_diag_part(self):
        return matrix_diag_part(self._tril)

    def _scale_matrix(self):
        return self._tril

    def _apply_scale(self, eps):
        return m.reduce_sum(m.multiply(self._tril, expand_dims(eps, -2)), axis=-1)

    def _whiten(self, y):
        """L⁻¹·y for y of shape [sample..., batch..., k], by one triangular solve over the samples as columns."""
        return _solve_rows(self._tril, y)


def _solve_rows(tril, y):
    """z with tril·z = y for each row y[..., :] whose leading dimensions end with tril's batch dimensions."""
    b, k = tril.shape.ndims - 2, tril.shape[-1].value
    ys = y.shape.as_list()
    if any(d is None for d in ys) or tril.shape[:-2].as_list() != ys[len(ys) - 1 - b:-1]:
        y = m.multiply(y, ones_like(tril[..., 0]))  # broadcast y to the batch
        ys = y.shape.as_list()
    if any(d is None for d in ys):
        raise ValueError(f"MultivariateNormalTriL needs values of known shape, got {y.shape}")
    lead = ys[:len(ys) - 1 - b]
    cols = reshape(y, [-1] + ys[len(lead):])                                 # [S, batch..., k]
    cols = transpose(cols, list(range(1, b + 2)) + [0])                       # [batch..., k, S]
    z = matrix_triangular_solve(tril, cols, lower=True)
    z = transpose(z, [b + 1] + list(range(b + 1)))                            # [S, batch..., k]
    return reshape(z, lead + ys[len(lead):-1] + [k])


@RegisterKL(_MultivariateNormal, _MultivariateNormal)
def _kl_mvn_mvn(a, b, name=None):
    """½(‖Lb⁻¹La‖²_F + ‖Lb⁻¹(μb − μa)‖² − k) + log|det Lb| − log|det La|."""
    with name_scope(name, "kl_mvn", [a.loc, b.loc]):
        la = m.multiply(a._scale_matrix(), ones_like(expand_dims(expand_dims(b._batch_like(), -1), -1)))
        lb = m.multiply(b._scale_matrix(), ones_like(expand_dims(expand_dims(a._batch_like(), -1), -1)))
        ratio = matrix_triangular_solve(lb, la, lower=True)
        diff = _solve_rows(lb, m.subtract(b._mean(), a._mean()))
        quad = m.add(m.reduce_sum(m.square(ratio), axis=[-2, -1]), m.reduce_sum(m.square(diff), axis=-1))
        return m.add(m.multiply(0.5, m.subtract(quad, float(a._k()))),
                     m.subtract(b._log_det_scale(), a._log_det_scale()))


class OneHotCategorical(EventLast):
    """A Categorical whose values are one-hot vectors over the last axis (samples of `dtype`, int32)."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False, allow_nan_stats=True,
                 name="OneHotCategorical"):
        parameters = dict(logits=logits, probs=probs, dtype=dtype, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[logits, probs]) as scope:
            self._logits, self._probs = logits_and_probs(logits, probs, True, name=scope)
        self._event_param = self._logits
        super().__init__(dtypes.as_dtype(dtype), NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], scope)

    logits = Categorical.logits
    probs = Categorical.probs

    def _value_dtype(self):
        return None

    def _sample_n(self, n, seed=None):
        index = Categorical(logits=self._logits)._sample_n(n, seed)
        return one_hot(index, self._logits.shape[-1].value, dtype=self.dtype)

    def _log_prob(self, x):
        x = m.cast(x, self._logits.dtype.base_dtype)
        return m.reduce_sum(m.multiply(x, log_softmax(self._logits)), axis=-1)

    def _entropy(self):
        return m.negative(m.reduce_sum(m.multiply(self._probs, log_softmax(self._logits)), axis=-1))

    def _mean(self):
        return m.multiply(self._probs, 1.0)

    def _mode(self):
        return one_hot(m.argmax(self._logits, axis=-1), self._logits.shape[-1].value, dtype=self.dtype)

    def _variance(self):
        return m.multiply(self._probs, m.subtract(1.0, self._probs))

    def _covariance(self):
        p = self._probs
        return m.subtract(matrix_diag(p), m.multiply(expand_dims(p, -1), expand_dims(p, -2)))


@RegisterKL(OneHotCategorical, OneHotCategorical)
def _kl_onehot(a, b, name=None):
    with name_scope(name, "kl_onehot_categorical", [a.logits, b.logits]):
        delta = m.subtract(log_softmax(a.logits), log_softmax(b.logits))
        return m.reduce_sum(m.multiply(softmax(a.logits), delta), axis=-1)


class RelaxedOneHotCategorical(EventLast):
    """Gumbel-softmax (Concrete) over the simplex: softmax((logits + Gumbel noise) / temperature); its density is
    the Concrete density of Maddison et al. (2017). Reparameterized: gradients reach logits and temperature."""

    def __init__(self, temperature, logits=None, probs=None, dtype=None, validate_args=False, allow_nan_stats=True,
                 name="RelaxedOneHotCategorical"):
        parameters = dict(temperature=temperature, logits=logits, probs=probs, dtype=dtype,
                          validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[logits, probs, temperature]) as scope:
            self._logits, self._probs = logits_and_probs(logits, probs, True, name=scope)
            dt = self._logits.dtype.base_dtype
            t = float_params({"temperature": temperature}, dt)["temperature"]
            asserts = [check_ops.assert_positive(t)] if validate_args else []
            self._temperature = checked(t, "temperature", asserts)
        self._event_param = self._logits
        super().__init__(dtypes.as_dtype(dtype) if dtype else dt, FULLY_REPARAMETERIZED, validate_args,
                         allow_nan_stats, parameters, [self._logits, self._probs, self._temperature], scope)

    logits = Categorical.logits
    probs = Categorical.probs

    @property
    def temperature(self):
        return self._temperature

    def _batch_like(self):
        return m.multiply(ones_like(self._logits[..., 0]), ones_like(self._temperature))

    def _batch_shape(self):
        return broadcast_static(self._logits.shape[:-1], self._temperature)

    def _sample_n(self, n, seed=None):
        k, dt = self._logits.shape[-1].value, self.dtype
        full = draw_shape(n, self)
        shape_ = full + [k] if isinstance(full, list) else concat([full, [k]], 0)
        u = random_uniform(shape_, minval=np.finfo(dt.np).tiny, maxval=1.0, dtype=dt, seed=seed)
        gumbel = m.negative(m.log(m.negative(m.log(u))))
        return softmax(m.realdiv(m.add(self._logits, gumbel), expand_dims(self._temperature, -1)))

    def _log_prob(self, x):
        k = self._logits.shape[-1].value
        t = expand_dims(self._temperature, -1)
        log_pi = log_softmax(self._logits)
        log_x = m.log(x)
        return m.subtract(
            m.add(math.lgamma(k) + 0.0, m.add(m.multiply(float(k - 1), m.log(self._temperature)),
                                              m.reduce_sum(m.subtract(log_pi, m.multiply(m.add(t, 1.0), log_x)), -1))),
            m.multiply(float(k), reduce_logsumexp(m.subtract(log_pi, m.multiply(t, log_x)), axis=-1)))


__all__ = ["MultivariateNormalDiag", "MultivariateNormalTriL", "OneHotCategorical", "RelaxedOneHotCategorical"]

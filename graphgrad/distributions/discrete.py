"""Bernoulli(logits | probs) and Categorical(logits | probs): discrete distributions, given by exactly one of their
two parameterizations (the other is derived), not reparameterized."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from ..ops import math_ops as m
from ..ops.activation_ops import softplus
from ..ops.array_ops import expand_dims, one_hot, reshape, shape, transpose
from ..ops.core import convert_to_tensor, identity, ones_like
from ..ops.cross_entropy_ops import sigmoid_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits
from ..ops.random_ops import multinomial, random_uniform
from ..ops.softmax_ops import log_softmax, softmax
from .distribution import NOT_REPARAMETERIZED, Distribution, draw_shape
from .kullback_leibler import RegisterKL


def logits_and_probs(logits, probs, multidimensional, name):
    """TF's get_logits_and_probs: exactly one given; the other is log(p) − log1p(−p) (or log p) / sigmoid (softmax)."""
    with name_scope(name, values=[logits, probs]):
        if (probs is None) == (logits is None):
            raise ValueError("Must pass probs or logits, but not both.")
        if probs is None:
            logits = convert_to_tensor(logits, name="logits")
            if not logits.dtype.base_dtype.is_floating:
                raise TypeError(f"logits must having floating type, got {logits.dtype.base_dtype.name}")
            return identity(logits, name="logits"), (softmax(logits, name="probs") if multidimensional
                                                      else m.sigmoid(logits, name="probs"))
        probs = convert_to_tensor(probs, name="probs")
        if not probs.dtype.base_dtype.is_floating:
            raise TypeError(f"probs must having floating type, got {probs.dtype.base_dtype.name}")
        with name_scope("logits"):
            lg = m.log(probs) if multidimensional else m.subtract(m.log(probs), m.log1p(m.negative(probs)))
        return identity(lg, name="logits"), identity(probs, name="probs")


class _LogitsProbs(Distribution):
    """What Bernoulli and Categorical share: exactly one of logits and probs given, both exposed."""

    def __init__(self, logits, probs, dtype, validate_args, allow_nan_stats, name, multidimensional):
        parameters = dict(logits=logits, probs=probs, dtype=dtype, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name)
        with name_scope(name, values=[logits, probs]) as scope:
            self._logits, self._probs = logits_and_probs(logits, probs, multidimensional, name=scope)
            if multidimensional and self._logits.shape.ndims == 0:
                raise ValueError("logits must have rank at least 1")
        super().__init__(dtypes.as_dtype(dtype), NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], scope)

    @property
    def logits(self):
        return self._logits

    @property
    def probs(self):
        return self._probs

    def _value_dtype(self):
        return None


class Bernoulli(_LogitsProbs):
    """Bernoulli trials: 1 with probability `probs` (= sigmoid(logits)), else 0; samples of `dtype` (int32)."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False, allow_nan_stats=True,
                 name="Bernoulli"):
        super().__init__(logits, probs, dtype, validate_args, allow_nan_stats, name, False)

    def _batch_shape(self):
        return self._logits.shape

    def _batch_like(self):
        return self._logits

    def _sample_n(self, n, seed=None):
        u = random_uniform(draw_shape(n, self), dtype=self._probs.dtype.base_dtype, seed=seed)
        return m.cast(m.less(u, self._probs), self.dtype)

    def _log_prob(self, event):
        event = m.cast(event, self._logits.dtype.base_dtype)
        logits = self._logits
        if event.shape != logits.shape:  # broadcast both ways, as TF does
            logits = m.multiply(ones_like(event), logits)
            event = m.multiply(ones_like(logits), event)
        return m.negative(sigmoid_cross_entropy_with_logits(labels=event, logits=logits))

    def _entropy(self):
        return m.add(m.multiply(m.negative(self._logits), m.subtract(m.sigmoid(self._logits), 1.0)),
                     softplus(m.negative(self._logits)))

    def _mean(self):
        return identity(self._probs)

    def _variance(self):
        return m.multiply(self._probs, m.subtract(1.0, self._probs))

    def _mode(self):
        return m.cast(m.greater(self._probs, 0.5), self.dtype)


class Categorical(_LogitsProbs):
    """One of K classes, with probabilities softmax(logits) over the last axis; samples are class indices."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False, allow_nan_stats=True,
                 name="Categorical"):
        super().__init__(logits, probs, dtype, validate_args, allow_nan_stats, name, True)

    @property
    def event_size(self):
        d = self._logits.shape[-1].value
        return d if d is not None else shape(self._logits)[-1]

    def _batch_shape(self):
        s = self._logits.shape
        return TensorShape(None) if s.ndims is None else TensorShape(s.as_list()[:-1])

    def _batch_like(self):
        return self._logits[..., 0]

    def _sample_n(self, n, seed=None):
        k = self._logits.shape[-1].value
        logits_2d = reshape(self._logits, [-1, k if k is not None else shape(self._logits)[-1]])
        draws = multinomial(logits_2d, n, seed=seed)
        return m.cast(reshape(transpose(draws), draw_shape(n, self)), self.dtype)

    def _log_prob(self, k):
        k = m.cast(k, dtypes.int32)
        logits = self._logits
        if k.shape.as_list() != logits.shape.as_list()[:-1]:  # broadcast k against the batch
            logits = m.multiply(expand_dims(ones_like(k, dtype=logits.dtype.base_dtype), -1), logits)
            k = m.cast(m.multiply(m.cast(k, logits.dtype.base_dtype), ones_like(logits[..., 0])), dtypes.int32)
        return m.negative(sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits))

    def _cdf(self, k):
        """TF's rule: the probabilities of the classes strictly below k, summed."""
        k = m.cast(k, dtypes.int32)
        depth = self._logits.shape[-1].value
        below = m.cumsum(one_hot(k, depth, dtype=self._probs.dtype.base_dtype), axis=-1, exclusive=True, reverse=True)
        return m.reduce_sum(m.multiply(below, self._probs), axis=-1)

    def _entropy(self):
        return m.negative(m.reduce_sum(m.multiply(log_softmax(self._logits), self._probs), axis=-1))

    def _mode(self):
        return m.cast(m.argmax(self._logits, axis=-1), self.dtype)


@RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    with name_scope(name, "kl_bernoulli_bernoulli", [a.logits, b.logits]):
        delta_probs0 = m.subtract(softplus(m.negative(b.logits)), softplus(m.negative(a.logits)))
        delta_probs1 = m.subtract(softplus(b.logits), softplus(a.logits))
        return m.add(m.multiply(m.sigmoid(a.logits), delta_probs0),
                     m.multiply(m.sigmoid(m.negative(a.logits)), delta_probs1))


@RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    with name_scope(name, "kl_categorical_categorical", [a.logits, b.logits]):
        delta = m.subtract(log_softmax(a.logits), log_softmax(b.logits))
        return m.reduce_sum(m.multiply(softmax(a.logits), delta), axis=-1)

"""`tf.distributions.Distribution`: TF 1.15's base class. A subclass holds its parameters as tensors and writes
the private methods (`_log_prob`, `_sample_n`, `_entropy`, ...); the public ones here add TF's name scopes, convert
arguments, fill in what can be derived (prob from log_prob and back, stddev from variance and back, survival
function from cdf) and raise TF's NotImplementedError for the rest. Everything is built from graphgrad ops, so
gradients with respect to the parameters, and through reparameterized samples, are graph ops as well.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor, control_dependencies, name_scope
from ..framework.op_def import broadcast_shape
from ..framework.tensor_shape import TensorShape
from ..ops import check_ops
from ..ops.arithmetic_ops import add, multiply, subtract
from ..ops.array_ops import concat, reshape, shape
from ..ops.core import constant, convert_to_tensor, identity, ones_like
from ..ops.unary_ops import exp, expm1, log, log1p, negative, sqrt, square


class ReparameterizationType:
    """Whether samples are a differentiable function of the parameters (FULLY_REPARAMETERIZED) or not."""

    def __init__(self, rep_type):
        self._rep_type = rep_type

    def __repr__(self):
        return f"<Reparameteriation Type: {self._rep_type}>"

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__


FULLY_REPARAMETERIZED = ReparameterizationType("FULLY_REPARAMETERIZED")
NOT_REPARAMETERIZED = ReparameterizationType("NOT_REPARAMETERIZED")


def float_params(names_values, dtype=None):
    """Convert distribution parameters to tensors of one float dtype (TF's assert_same_float_dtype)."""
    tensors = {}
    for n, v in names_values.items():
        if v is None:
            continue
        tensors[n] = convert_to_tensor(v, name=n, preferred_dtype=dtype)
        dtype = dtype or tensors[n].dtype.base_dtype
    dts = {t.dtype.base_dtype for t in tensors.values()}
    if len(dts) > 1:
        raise TypeError(f"Tensors must have the same dtype, got {sorted(d.name for d in dts)}")
    if dts and not next(iter(dts)).is_floating:
        raise TypeError(f"Expected floating point type, got {next(iter(dts))}.")
    return tensors


def checked(tensor, name, asserts):
    """`identity(tensor, name)` run after `asserts` (the validate_args checks), as TF stores parameters."""
    with control_dependencies([a for a in asserts if a is not None]):
        return identity(tensor, name=name)


def broadcast_static(*tensors_or_shapes):
    """The broadcast of static shapes (of tensors, or TensorShapes), a TensorShape."""
    out = ()
    for t in tensors_or_shapes:
        out = broadcast_shape(out, (t if isinstance(t, TensorShape) else t.shape).dims_tuple)
    return TensorShape(out)


def draw_shape(n, dist):
    """The shape of `n` draws from `dist`'s batch: a Python list when both are known while building, else an int32
    tensor (`dist._batch_like()` gives a tensor of the batch's shape)."""
    static = dist.batch_shape
    if isinstance(n, int) and static.is_fully_defined():
        return [n] + static.as_list()
    from ..ops.cast_ops import cast

    return concat([reshape(cast(n, dtypes.int32), [1]), dist.batch_shape_tensor()], 0)


class Distribution:
    """A batch of probability distributions with TF 1.15's interface (tf.distributions.Distribution)."""

    def __init__(self, dtype, reparameterization_type, validate_args, allow_nan_stats, parameters=None,
                 graph_parents=None, name=None):
        self._dtype = dtype
        self._reparameterization_type = reparameterization_type
        self._validate_args = validate_args
        self._allow_nan_stats = allow_nan_stats
        self._parameters = dict(parameters or {})
        self._parameters.pop("self", None)
        self._parameters.pop("__class__", None)
        self._graph_parents = list(graph_parents or [])
        self._name = name or type(self).__name__

    # --- properties --------------------------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def parameters(self):
        return dict(self._parameters)

    @property
    def reparameterization_type(self):
        return self._reparameterization_type

    @property
    def allow_nan_stats(self):
        return self._allow_nan_stats

    @property
    def validate_args(self):
        return self._validate_args

    def copy(self, **override_parameters_kwargs):
        """A new distribution of this class with the same parameters but those overridden."""
        return type(self)(**{**self.parameters, **override_parameters_kwargs})

    @property
    def batch_shape(self):
        return TensorShape(self._batch_shape())

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        with self._name_scope(name):
            static = self.batch_shape
            if static.is_fully_defined():
                return constant(np.array(static.as_list(), np.int32), name="batch_shape")
            return shape(self._batch_like())

    @property
    def event_shape(self):
        return TensorShape(self._event_shape())

    def event_shape_tensor(self, name="event_shape_tensor"):
        with self._name_scope(name):
            static = self.event_shape
            if static.is_fully_defined():
                return constant(np.array(static.as_list(), np.int32), name="event_shape")
            return self._event_shape_tensor()

    #: Attribute names of the parameters whose broadcast is the batch (`_batch_shape`, `_batch_like` from them).
    _batch_params = ()

    def _batch_shape(self):
        return broadcast_static(*(getattr(self, n) for n in self._batch_params))

    def _batch_like(self):
        """A tensor of ones with the batch's shape."""
        ones = [ones_like(getattr(self, n)) for n in self._batch_params]
        out = ones[0]
        for o in ones[1:]:
            out = multiply(out, o)
        return out

    def _event_shape(self):
        return TensorShape([])

    def _event_shape_tensor(self):
        return constant(np.zeros(0, np.int32))

    def is_scalar_event(self, name="is_scalar_event"):
        with self._name_scope(name):
            return constant(self.event_shape.ndims == 0, name="is_scalar_event")

    def is_scalar_batch(self, name="is_scalar_batch"):
        with self._name_scope(name):
            return constant(self.batch_shape.ndims == 0, name="is_scalar_batch")

    # --- sampling ---------------------------------------------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name="sample"):
        """Samples of shape `sample_shape + batch_shape + event_shape`."""
        with self._name_scope(name, values=[sample_shape]):
            if isinstance(sample_shape, (Tensor,)) or hasattr(sample_shape, "_as_tensor"):
                return self._sample_dynamic(convert_to_tensor(sample_shape, dtypes.int32, "sample_shape"), seed)
            sample_shape = [int(d) for d in np.reshape(np.asarray(sample_shape, np.int64), -1)]
            n = int(np.prod(sample_shape, dtype=np.int64))
            samples = self._sample_n(n, seed)
            rest = samples.shape.dims_tuple[1:] if samples.shape.dims_tuple is not None else None
            if rest is not None and all(d is not None for d in rest):
                return reshape(samples, sample_shape + list(rest))
            out = reshape(samples, concat([np.array(sample_shape, np.int32), shape(samples)[1:]], 0))
            out.set_shape(TensorShape(sample_shape).concatenate(self.batch_shape).concatenate(self.event_shape))
            return out

    def _sample_dynamic(self, sample_shape, seed):
        from ..ops.reduction_ops import reduce_prod

        sample_shape = reshape(sample_shape, [-1])
        samples = self._sample_n(reduce_prod(sample_shape), seed)
        return reshape(samples, concat([sample_shape, shape(samples)[1:]], 0))

    def _sample_n(self, n, seed=None):
        raise NotImplementedError(f"sample_n is not implemented: {type(self).__name__}")

    # --- densities and distribution functions -----------------------------------------------------------------
    def _call(self, name, value, *ways):
        """Run the first of `ways` (method name, transform) this class defines, in TF's scopes."""
        with self._name_scope(name, values=[value]):
            value = convert_to_tensor(value, name="value", preferred_dtype=self._value_dtype())
            for method, transform in ways:
                fn = getattr(type(self), method, None)
                if fn is not None and fn is not getattr(Distribution, method, None):
                    return transform(getattr(self, method)(value))
            raise NotImplementedError(f"{name} is not implemented: {type(self).__name__}")

    def _value_dtype(self):
        return self.dtype

    def log_prob(self, value, name="log_prob"):
        return self._call(name, value, ("_log_prob", _same), ("_prob", log))

    def prob(self, value, name="prob"):
        return self._call(name, value, ("_prob", _same), ("_log_prob", exp))

    def log_cdf(self, value, name="log_cdf"):
        return self._call(name, value, ("_log_cdf", _same), ("_cdf", log))

    def cdf(self, value, name="cdf"):
        return self._call(name, value, ("_cdf", _same), ("_log_cdf", exp))

    def log_survival_function(self, value, name="log_survival_function"):
        return self._call(name, value, ("_log_survival_function", _same), ("_survival_function", log),
                          ("_log_cdf", lambda lc: log1p(negative(exp(lc)))),
                          ("_cdf", lambda c: log1p(negative(c))))

    def survival_function(self, value, name="survival_function"):
        return self._call(name, value, ("_survival_function", _same), ("_log_survival_function", exp),
                          ("_cdf", lambda c: subtract(1.0, c)),
                          ("_log_cdf", lambda lc: negative(expm1(lc))))

    def quantile(self, value, name="quantile"):
        return self._call(name, value, ("_quantile", _same))

    # --- statistics -------------------------------------------------------------------------------------------
    def _stat(self, name, *ways):
        with self._name_scope(name):
            for method, transform in ways:
                fn = getattr(type(self), method, None)
                if fn is not None and fn is not getattr(Distribution, method, None):
                    return transform(getattr(self, method)())
            raise NotImplementedError(f"{name} is not implemented: {type(self).__name__}")

    def entropy(self, name="entropy"):
        return self._stat(name, ("_entropy", _same))

    def mean(self, name="mean"):
        return self._stat(name, ("_mean", _same))

    def mode(self, name="mode"):
        return self._stat(name, ("_mode", _same))

    def variance(self, name="variance"):
        return self._stat(name, ("_variance", _same), ("_stddev", square))

    def stddev(self, name="stddev"):
        return self._stat(name, ("_stddev", _same), ("_variance", sqrt))

    def covariance(self, name="covariance"):
        return self._stat(name, ("_covariance", _same))

    def cross_entropy(self, other, name="cross_entropy"):
        """H[self, other] = entropy(self) + KL(self || other)."""
        from .kullback_leibler import kl_divergence

        with self._name_scope(name):
            return add(self.entropy(), kl_divergence(self, other))

    def kl_divergence(self, other, name="kl_divergence"):
        from .kullback_leibler import kl_divergence

        with self._name_scope(name):
            return kl_divergence(self, other)

    # --- helpers ----------------------------------------------------------------------------------------------
    def _name_scope(self, name=None, values=None):
        """TF's scopes: `<distribution name>/<method name>/`."""
        return _NestedScope(self.name, name, values)

    def _nan_where(self, condition, value, message):
        """`value` with NaN where `condition` holds (allow_nan_stats), else an assertion that it never does."""
        from ..ops.select_ops import where

        if self.allow_nan_stats:
            nan = multiply(constant(np.nan, dtype=value.dtype.base_dtype), ones_like(value))
            return where(condition, nan, value)
        from ..ops.comparison_ops import logical_not
        from ..ops.reduction_ops import reduce_all

        with control_dependencies([check_ops.Assert(reduce_all(logical_not(condition)), [message])]):
            return identity(value)

    def __str__(self):
        return (f"tf.distributions.{type(self).__name__}(\"{self.name}\", batch_shape={_shape_str(self.batch_shape)}, "
                f"event_shape={_shape_str(self.event_shape)}, dtype={self.dtype.name})")

    def __repr__(self):
        return (f"<tf.distributions.{type(self).__name__} '{self.name}' batch_shape={_shape_str(self.batch_shape)} "
                f"event_shape={_shape_str(self.event_shape)} dtype={self.dtype.name}>")


class EventLast(Distribution):
    """A distribution whose event is the last axis of `_event_param`; by default its batch is the other axes."""

    def _batch_shape(self):
        s = self._event_param.shape
        return TensorShape(None) if s.ndims is None else TensorShape(s.as_list()[:-1])

    def _batch_like(self):
        return self._event_param[..., 0]

    def _event_shape(self):
        s = self._event_param.shape
        return TensorShape(None) if s.ndims is None else TensorShape(s.as_list()[-1:])

    def _event_shape_tensor(self):
        return shape(self._event_param)[-1:]


def _shape_str(s):
    return "?" if s.ndims is None else "(" + ", ".join("?" if d is None else str(d) for d in s.as_list()) + (
        ",)" if s.ndims == 1 else ")")


def _same(x):
    return x


class _NestedScope:
    def __init__(self, outer, inner, values):
        self._outer, self._inner, self._values = outer, inner, values or []

    def __enter__(self):
        self._a = name_scope(self._outer)
        self._a.__enter__()
        if self._inner is None:
            self._b = None
            return
        self._b = name_scope(self._inner, values=self._values)
        return self._b.__enter__()

    def __exit__(self, *exc):
        if self._b is not None:
            self._b.__exit__(*exc)
        return self._a.__exit__(*exc)


HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)

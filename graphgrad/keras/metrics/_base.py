"""Keras 2's stateful `Metric` and the metrics that reduce values into a total and a count: `Sum`, `Mean`,
`MeanTensor` and `MeanMetricWrapper` (a per-example function averaged over every example seen).

A metric's state is variables made by `add_weight` (non-trainable, in no collection, as tf_keras makes them in
graph mode, so `tf.variables_initializer(m.variables)` or `m.reset_state()` starts them). In graph mode
`update_state` returns one op grouping every assignment it built, `result()` a tensor, and calling the metric
`m(y_true, y_pred)` returns the result read after the update; while executing eagerly each runs at once."""
from __future__ import annotations

import contextlib

import numpy as np

from ... import eager as _eager
from ...framework import dtypes
from ...framework.graph import control_dependencies, get_default_graph, name_scope
from ...metrics.core import _remove_squeezable_dimensions
from ...ops import array_ops
from ...ops import math_ops as M
from ...ops.core import convert_to_tensor, group
from ...variables import Variable
from .. import backend as K
from ..layers._base import _keras_snake

_STATEFUL = ("Assign", "Scatter")  # op types that change a variable: what an update_state built and must run


def _unique_name(base):
    """`base`, `base_1`, ... per graph (Keras' unique_object_name for metrics named by default)."""
    n = K.get_uid(base)
    return base if n == 1 else f"{base}_{n - 1}"


def _update_op(fn):
    """An `update_state` that, in graph mode, returns one op grouping the assignments it built (so a user's
    update_state that returns nothing is still run by `m(...)` and by Model.fit)."""
    def update_state(self, *args, **kwargs):
        if _eager.executing_eagerly():
            fn(self, *args, **kwargs)
            return None
        g = get_default_graph()
        first = len(g.get_operations())
        with name_scope(self._scope_name):
            returned = fn(self, *args, **kwargs)
            # variables made by this first update (a tf.function makes them eagerly: no initializer op here)
            starts = {v.initializer.name for v in self._variables if v.initializer is not None}
            ops = [op for op in g.get_operations()[first:] if op.type.startswith(_STATEFUL) and op.name not in starts]
            if returned is not None and not isinstance(returned, (list, tuple)):  # a list: its ops are in `ops`
                ops.append(getattr(returned, "op", returned))
            return group(*ops, name="update_state")
    update_state.__wrapped__ = fn
    update_state.__doc__ = fn.__doc__
    return update_state


class Metric:
    """Keras' stateful metric: `update_state(...)` accumulates, `result()` reads, `reset_state()` zeroes the
    variables; subclasses define the first two and make their variables with `add_weight`."""

    _default_name = None  # a fixed default name (Mean: 'mean'); else the class name in snake case, made unique

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "update_state" in cls.__dict__:
            cls.update_state = _update_op(cls.__dict__["update_state"])

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - {"trainable", "autocast", "mesh"}
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]}")
        if name is None:
            name = self._default_name or _unique_name(_keras_snake(type(self).__name__))
        self.name = self._name = name
        self._dtype = dtypes.as_dtype(dtype or K.floatx())
        self._scope_name = name.replace("/", "_")
        self._variables = []
        self.stateful, self.built, self.trainable = True, True, False

    @property
    def dtype(self):
        return self._dtype.name

    def add_weight(self, name, shape=(), aggregation=None, synchronization=None, initializer=None, dtype=None):
        """A non-trainable variable of `shape` starting at `initializer` ('zeros' unless given), in no
        collection."""
        dtype = dtypes.as_dtype(dtype or self._dtype)
        value = _initial_value(initializer, tuple(shape), dtype)
        eager = _eager.executing_eagerly()
        with contextlib.nullcontext() if eager else get_default_graph().name_scope(None):  # 'total:0', as tf_keras
            v = Variable(value, trainable=False, collections=[], name=name, dtype=dtype)
        self._variables.append(v)
        return v

    @property
    def variables(self):
        return list(self._variables)

    weights = non_trainable_weights = non_trainable_variables = variables

    @property
    def trainable_weights(self):
        return []

    trainable_variables = trainable_weights

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self):
        raise NotImplementedError("Must be implemented in subclasses.")

    def reset_state(self):
        """Every variable back to zeros (Keras' reset; a subclass with other starting values overrides it)."""
        K.batch_set_value([(v, np.zeros(v.shape.as_list())) for v in self._variables])

    def reset_states(self):
        """Keras 2's older name of `reset_state`."""
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update with this batch and return the result so far."""
        update = self.update_state(*args, **kwargs)
        if update is None:
            return self.result()
        with control_dependencies([update]):
            return array_ops.identity(self.result())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__.split('._')[0]}.{type(self).__name__} name={self.name}>"


def _initial_value(initializer, shape, dtype):
    """The starting value of a metric variable: zeros, ones, a number or a Keras initializer (name or object)."""
    if initializer in (None, "zeros", "Zeros"):
        return np.zeros(shape, dtype.as_numpy_dtype)
    if initializer in ("ones", "Ones"):
        return np.ones(shape, dtype.as_numpy_dtype)
    if isinstance(initializer, (int, float)):
        return np.full(shape, initializer, dtype.as_numpy_dtype)
    from ..layers._base import _initializer
    init = _initializer(initializer)
    return lambda: init(shape, dtype=dtype)


# --- reductions ------------------------------------------------------------------------------------------------

def _broadcastable(weight_shape, value_shape):
    """Whether weights of `weight_shape` broadcast to values of `value_shape` (unknown dimensions are assumed to)."""
    if weight_shape is None or value_shape is None:
        return True
    if len(weight_shape) > len(value_shape):
        return False
    return all(w in (1, None) or v is None or w == v
               for w, v in zip(reversed(weight_shape), reversed(value_shape)))


def weighted_values(values, sample_weight, dtype, reduce):
    """(values times the weights, the weights broadcast to them): Keras' alignment of ranks first, then values of
    higher rank than weights that do not broadcast reduced (by `reduce`) over their trailing axes."""
    values = M.cast(convert_to_tensor(values), dtype)
    if sample_weight is None:
        return values, None
    sample_weight = M.cast(convert_to_tensor(sample_weight), dtype)
    values, _, sample_weight = _remove_squeezable_dimensions(values, None, sample_weight)
    ws, vs = sample_weight.shape.dims_tuple, values.shape.dims_tuple
    if not _broadcastable(ws, vs):
        values = reduce(values, axis=list(range(len(ws), len(vs))))
    sample_weight = M.multiply(sample_weight, array_ops.ones_like(values))
    return M.multiply(values, sample_weight), sample_weight


class Reduce(Metric):
    """A total (and a count) of values: `reduction` is 'sum', 'sum_over_batch_size' or 'weighted_mean'."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total", initializer="zeros")
        if reduction != "sum":
            self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, values, sample_weight=None):
        reduce = M.reduce_sum if self.reduction == "sum" else M.reduce_mean
        values, weights = weighted_values(values, sample_weight, self._dtype, reduce)
        update_total = self.total.assign_add(M.reduce_sum(values))
        if self.reduction == "sum":
            return update_total
        if self.reduction == "weighted_mean" and weights is not None:
            num_values = M.reduce_sum(weights)
        else:
            num_values = M.cast(array_ops.size(values), self._dtype)
        with control_dependencies([update_total]):
            return self.count.assign_add(num_values)

    def result(self):
        if self.reduction == "sum":
            return array_ops.identity(self.total)
        return M.div_no_nan(self.total, self.count)


class Sum(Reduce):
    """The (weighted) sum of every value seen."""

    _default_name = "sum"

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of every value seen: sum(values * weights) / sum(weights)."""

    _default_name = "mean"

    def __init__(self, name="mean", dtype=None):
        super().__init__("weighted_mean", name=name, dtype=dtype)


class MeanTensor(Metric):
    """The element-wise (weighted) mean of tensors of one shape (the shape of the first one seen; the variables
    are made then)."""

    _default_name = "mean_tensor"

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        if shape is not None:
            self._build(tuple(shape))

    def _build(self, shape):
        self._shape = shape
        self.total = self.add_weight("total", shape=shape, initializer="zeros")
        self.count = self.add_weight("count", shape=shape, initializer="zeros")

    def update_state(self, values, sample_weight=None):
        values = M.cast(convert_to_tensor(values), self._dtype)
        shape = tuple(values.shape.as_list())
        if self._shape is None:
            self._build(shape)
        elif shape != self._shape:
            raise ValueError("MeanTensor input values must always have the same shape. Expected shape (set "
                             f"during the first call): {self._shape}. Got: {shape}.")
        values, weights = weighted_values(values, sample_weight, self._dtype, M.reduce_mean)
        count = array_ops.ones_like(values) if weights is None else weights
        update_count = self.count.assign_add(count)
        with control_dependencies([update_count]):
            return self.total.assign_add(values)

    def result(self):
        if self._shape is None:
            raise ValueError("MeanTensor does not have any value yet. Please call the MeanTensor instance or use "
                             "`.update_state(value)` before retrieving the result.")
        return M.div_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "shape": None if self._shape is None else list(self._shape)}


class MeanMetricWrapper(Mean):
    """The mean over all examples of a per-example function `fn(y_true, y_pred, **kwargs)` (both cast to the
    metric's dtype, a trailing dimension of 1 aligned as Keras does)."""

    _default_name = None

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        Reduce.__init__(self, "weighted_mean", name=name, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        from ..losses import _squeeze_or_expand
        y_true = M.cast(convert_to_tensor(y_true), self._dtype)
        y_pred = M.cast(convert_to_tensor(y_pred), self._dtype)
        y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return Reduce.update_state.__wrapped__(self, matches, sample_weight)

    def get_config(self):
        config = {**Metric.get_config(self), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = self._fn
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            from . import get
            return cls(get(config.pop("fn")), **config)
        config.pop("fn", None)
        return cls(**config)


def wrapper_class(cls_name, fn, default_name, doc, order=None, **defaults):
    """A MeanMetricWrapper subclass over `fn` (Keras' loss-like and accuracy metric classes) taking `name`, `dtype`
    and fn's keyword arguments `defaults`, positionally in `order` (Keras' order: name and dtype first unless
    given)."""
    order = order or ["name", "dtype", *defaults]

    def __init__(self, *args, **kwargs):
        given = {"name": default_name, "dtype": None, **defaults, **dict(zip(order, args))}
        for key, value in kwargs.items():
            if key not in given:
                raise TypeError(f"{cls_name}.__init__() got an unexpected keyword argument '{key}'")
            given[key] = value
        name, dtype = given.pop("name"), given.pop("dtype")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **given)
    args = ", ".join(f"{k}={({'name': default_name, 'dtype': None, **defaults})[k]!r}" for k in order)
    return type(cls_name, (MeanMetricWrapper,), {
        "__init__": __init__, "__module__": __name__, "_default_name": default_name,
        "__doc__": f"Keras' {cls_name}({args}): {doc}"})

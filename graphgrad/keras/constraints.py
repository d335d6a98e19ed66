"""`tf.keras.constraints`: projections `w -> w'` that Keras applies to a variable right after each optimizer
update of it (`kernel_constraint=` / `bias_constraint=` of a layer; `fit` and `train_on_batch` apply them, see
`apply_constraints`), with tf_keras' formulas (epsilon 1e-7 in the norms)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..ops import array_ops, math_ops, state_ops
from ..ops.clip_ops import clip_by_value
from ..ops.core import convert_to_tensor
from . import serialization as _s

_EPSILON = 1e-7


def _norms(w, axis):
    return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `__call__(w)` returns the projected weights (here: `w` unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales the slices along `axis` whose L2 norm exceeds `max_value` down to it."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = clip_by_value(norms, 0.0, float(self.max_value))
        return math_ops.multiply(w, math_ops.divide(desired, math_ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zeroes the negative weights."""

    def __call__(self, w):
        w = convert_to_tensor(w)
        return math_ops.multiply(w, math_ops.cast(math_ops.greater_equal(w, 0.0), w.dtype.base_dtype))


class UnitNorm(Constraint):
    """Slices along `axis` scaled to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return math_ops.divide(w, math_ops.add(_norms(w, self.axis), _EPSILON))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms along `axis` moved into [min_value, max_value], `rate` of the way (1: all the way)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = clip_by_value(norms, float(self.min_value), float(self.max_value))
        desired = math_ops.add(math_ops.multiply(self.rate, clipped), math_ops.multiply(1.0 - self.rate, norms))
        return math_ops.multiply(w, math_ops.divide(desired, math_ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


def _radial_sources(n):
    """For a square n×n kernel, the diagonal index whose value tf_keras' RadialConstraint copies to each position:
    the centre (one cell, or 2×2 for even n) takes [start-1, start-1], ring k around it [start+k-1] (odd n) or
    [start+k] (even n), start = n // 2 — tf_keras' while_loop of tf.pad, as a static index table."""
    start = n // 2
    centre = np.arange(n)
    if n % 2:
        ring = np.abs(centre - start)
        ring = np.maximum.outer(ring, ring)
        return np.where(ring == 0, start - 1, start + ring - 1)
    ring = np.maximum(start - 1 - centre, centre - start)  # 0 for the middle two rows / columns
    ring = np.maximum.outer(ring, ring)
    return np.where(ring == 0, start - 1, start + ring)


class RadialConstraint(Constraint):
    """Makes each (height, width) slice of a rank-4 conv kernel radially symmetric (constant on each square ring),
    as tf_keras computes it."""

    def __call__(self, w):
        w = convert_to_tensor(w)
        shape = w.shape.as_list() if w.shape.ndims is not None else None
        if shape is None or len(shape) != 4:
            raise ValueError(f"The weight tensor must have rank 4. Received weight tensor with shape: {w.shape}")
        height, width, channels, kernels = shape
        source = _radial_sources(height)
        flat = array_ops.reshape(w, [height * width, channels * kernels])
        index = (source * width + source).reshape(-1).astype(np.int32)
        picked = array_ops.gather(flat, convert_to_tensor(index, dtype=dtypes.int32))
        return array_ops.reshape(picked, [height, height, channels, kernels])


max_norm, non_neg, unit_norm, min_max_norm, radial_constraint = MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint
maxnorm, nonneg, unitnorm = MaxNorm, NonNeg, UnitNorm  # Keras 1's names, still deserializable

_OBJECTS = {c.__name__: c for c in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint)}
_OBJECTS.update(max_norm=MaxNorm, non_neg=NonNeg, unit_norm=UnitNorm, min_max_norm=MinMaxNorm,
                radial_constraint=RadialConstraint, maxnorm=MaxNorm, nonneg=NonNeg, unitnorm=UnitNorm)


def serialize(constraint, use_legacy_format=False):
    return _s.serialize_keras_object(constraint, "keras.constraints")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    return _s.deserialize_keras_object(config, _OBJECTS, custom_objects, "constraint")


get = _s.getter(deserialize, "constraint function")


def apply_constraints(variables, after=None):
    """The ops assigning `v.constraint(v)` to each of `variables` that has a constraint, each run after `after`
    (the optimizer's update, so the projection sees the updated value, as Keras orders them); [] if none."""
    from ..framework.graph import control_dependencies

    ops = []
    for v in variables:
        fn = getattr(v, "constraint", None)
        if fn is None:
            continue
        with control_dependencies([] if after is None else [after]):
            ops.append(state_ops.assign(v, fn(v.value() if hasattr(v, "value") else v)))
    return ops


__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "RadialConstraint", "max_norm", "non_neg",
           "unit_norm", "min_max_norm", "radial_constraint", "get", "serialize", "deserialize"]

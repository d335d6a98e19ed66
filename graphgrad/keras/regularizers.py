"""`tf.keras.regularizers`: Keras' weight penalties, callables `weights -> scalar tensor` whose values a layer adds
to `layer.losses` (so to `model.losses` and the training loss). Keras' convention: l2 * sum(w²), no 1/2 (TF1's
contrib regularizers, with the 1/2, are graphgrad/regularizers.py). Factors are kept as float32 values, as
tf_keras casts them (`L2(0.1).get_config()` is {"l2": 0.10000000149011612})."""
from __future__ import annotations

import math

import numpy as np

from ..ops import math_ops
from ..ops.core import convert_to_tensor
from ..ops.normalization_ops import l2_normalize
from . import serialization as _s


def _penalty(x):
    if not isinstance(x, (float, int)):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, expected an int or float value.")
    if math.isinf(x) or math.isnan(x):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, an infinite number or NaN are "
                         "not valid values.")
    return float(np.float32(x))


class Regularizer:
    """Base class: `__call__(x)` returns the penalty of `x`; subclasses define `get_config` to be saved."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _l1(factor, x):
    return math_ops.multiply(factor, math_ops.reduce_sum(math_ops.abs(x)))


def _l2(factor, x):
    return math_ops.multiply(factor, math_ops.reduce_sum(math_ops.square(x)))


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x²); both factors default to 0 (the function `l1_l2` defaults to 0.01)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _penalty(0.0 if l1 is None else l1)
        self.l2 = _penalty(0.0 if l2 is None else l2)

    def __call__(self, x):
        x = convert_to_tensor(x)
        total = convert_to_tensor(0.0, dtype=x.dtype.base_dtype)
        if self.l1:
            total = math_ops.add(total, _l1(self.l1, x))
        if self.l2:
            total = math_ops.add(total, _l2(self.l2, x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|) (`l` is the factor's old name)."""

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        self.l1 = _penalty(0.01 if l1 is None else l1)

    def __call__(self, x):
        return _l1(self.l1, convert_to_tensor(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x²) (`l` is the factor's old name)."""

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        self.l2 = _penalty(0.01 if l2 is None else l2)

    def __call__(self, x):
        return _l2(self.l2, convert_to_tensor(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor times the mean |cosine| between distinct rows (mode="rows") or columns of a 2-D weight: pushes
    them towards orthogonality."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _penalty(factor)
        if mode not in {"rows", "columns"}:
            raise ValueError('Invalid value for argument `mode`. Expected one of {"rows", "columns"}. Received: '
                             f"mode={mode}")
        self.mode = mode

    def __call__(self, inputs):
        inputs = convert_to_tensor(inputs)
        if inputs.shape.ndims != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape == "
                             f"{inputs.shape}")
        rows = self.mode == "rows"
        unit = l2_normalize(inputs, axis=1 if rows else 0)
        product = math_ops.matmul(unit, unit, transpose_b=True) if rows else math_ops.matmul(unit, unit,
                                                                                             transpose_a=True)
        size = inputs.shape.as_list()[0 if rows else 1]
        off_diagonal = 1.0 - np.eye(size, dtype=inputs.dtype.base_dtype.np)
        total = math_ops.reduce_sum(math_ops.abs(math_ops.multiply(product, off_diagonal)))
        return math_ops.multiply(self.factor * 0.5 / (size * (size - 1.0) / 2.0), total)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, orthogonal_regularizer = L1, L2, OrthogonalRegularizer


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811  (the arguments shadow the aliases, as in Keras)
    """L1L2 with both factors 0.01 by default."""
    return L1L2(l1=l1, l2=l2)


_OBJECTS = {"Regularizer": Regularizer, "L1L2": L1L2, "L1": L1, "L2": L2, "OrthogonalRegularizer":
            OrthogonalRegularizer, "l1": L1, "l2": L2, "orthogonal_regularizer": OrthogonalRegularizer,
            "l1_l2": l1_l2}


def serialize(regularizer, use_legacy_format=False):
    return _s.serialize_keras_object(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """The regularizer of a config dict or a name ('l2' is L2(0.01), 'l1_l2' is L1L2(0.01, 0.01))."""
    if isinstance(config, str):
        found = _s.deserialize_keras_object(config, _OBJECTS, custom_objects, "regularizer")
        return found() if isinstance(found, type) or found is l1_l2 else found
    return _s.deserialize_keras_object(config, _OBJECTS, custom_objects, "regularizer")


def get(identifier):
    """A regularizer from None, a name, a config dict or a callable (returned as it is)."""
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")


__all__ = ["Regularizer", "L1L2", "L1", "L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]

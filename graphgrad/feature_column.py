"""`tf.feature_column`: `numeric_column` and `input_layer`, what the premade estimators read features through.

    price = tf.feature_column.numeric_column("price")
    net = tf.feature_column.input_layer(features, [price, tf.feature_column.numeric_column("xy", shape=2)])
"""
from __future__ import annotations

import collections
import math

from .framework import dtypes
from .framework.graph import name_scope
from .ops import array_ops, math_ops
from .ops.core import convert_to_tensor

__all__ = ["numeric_column", "input_layer"]


class NumericColumn(collections.namedtuple("NumericColumn", ["key", "shape", "default_value", "dtype",
                                                             "normalizer_fn"])):
    """A dense feature read from `features[key]`: float values of `shape` per example."""

    @property
    def name(self):
        return self.key

    @property
    def variable_shape(self):
        return tuple(self.shape)

    def dense_tensor(self, features):
        """`features[key]` as float32 (after `normalizer_fn`), one row of `prod(shape)` values per example."""
        if self.key not in features:
            raise ValueError(f"The feature {self.key!r} is not in the features dict "
                             f"(keys: {sorted(map(str, features))}).")
        value = convert_to_tensor(features[self.key])
        if not value.dtype.is_floating:
            value = math_ops.cast(value, dtypes.float32)
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        return array_ops.reshape(math_ops.cast(value, dtypes.float32), [-1, math.prod(self.shape)])


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A numeric feature column; `shape` is per example (an int or a tuple), `dtype` a float or int type."""
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if any(d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. Given: {shape}, key: {key}")
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def _checked(feature_columns):
    columns = list(feature_columns) if isinstance(feature_columns, (list, tuple, set)) else [feature_columns]
    if not columns:
        raise ValueError("feature_columns must not be empty.")
    for c in columns:
        if not isinstance(c, NumericColumn):
            raise ValueError(f"Items of feature_columns must be a _DenseColumn. You can wrap a categorical column "
                             f"with an embedding_column or indicator_column. Given: {c}")
    return sorted(columns, key=lambda c: c.name)


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """The columns' dense tensors side by side, in the order of their names: a [batch, total width] float32."""
    columns = _checked(feature_columns)
    with name_scope(None, "input_layer", list(features.values())):
        tensors = []
        for column in columns:
            with name_scope(column.name):
                tensors.append(column.dense_tensor(features))
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[column] = tensors[-1]
        return array_ops.concat(tensors, 1)

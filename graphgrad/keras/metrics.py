"""`tf.keras.metrics`: per-example metric functions; `"accuracy"` / `"acc"` resolves as Keras does (binary for a
binary cross entropy or a one-unit output, sparse for the sparse loss, categorical otherwise)."""
from __future__ import annotations

from ..framework import dtypes
from ..ops import array_ops, math_ops
from ..ops.argmax_ops import argmax
from . import losses as _losses


def binary_accuracy(y_true, y_pred, threshold=0.5):
    pred = math_ops.cast(math_ops.greater(y_pred, threshold), y_pred.dtype)
    return math_ops.reduce_mean(math_ops.cast(math_ops.equal(math_ops.cast(y_true, y_pred.dtype), pred),
                                              dtypes.float32), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return math_ops.cast(math_ops.equal(argmax(y_true, -1), argmax(y_pred, -1)), dtypes.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the label equals the arg max, shaped like y_pred without its last axis (labels of shape
    (batch, 1) or (batch, time, 1) are read as (batch,) or (batch, time), as Keras 2 squeezes them)."""
    pred = argmax(y_pred, -1)
    labels = math_ops.cast(array_ops.reshape(y_true, array_ops.shape(pred)), dtypes.int64)
    return math_ops.cast(math_ops.equal(labels, math_ops.cast(pred, dtypes.int64)), dtypes.float32)


mean_squared_error = mse = _losses.mean_squared_error
mean_absolute_error = mae = _losses.mean_absolute_error
_BY_NAME = {"binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
            "sparse_categorical_accuracy": sparse_categorical_accuracy, "mse": mse, "mae": mae,
            "mean_squared_error": mse, "mean_absolute_error": mae}


def get(identifier, loss=None, output_shape=None):
    """(name shown in the logs, per-example function) for a metric identifier given the compiled loss."""
    if identifier in ("accuracy", "acc"):
        base = _losses.base_function(loss)
        if base is _losses.sparse_categorical_crossentropy:
            return identifier, sparse_categorical_accuracy
        if base is _losses.binary_crossentropy or (output_shape and output_shape[-1] == 1):
            return identifier, binary_accuracy
        return identifier, categorical_accuracy
    if isinstance(identifier, str):
        try:
            return identifier, _BY_NAME[identifier]
        except KeyError:
            raise ValueError(f"Unknown metric function: {identifier}") from None
    if callable(identifier):
        return getattr(identifier, "__name__", type(identifier).__name__), identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "mse", "mae",
           "mean_squared_error", "mean_absolute_error", "get"]

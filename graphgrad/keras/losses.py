"""`tf.keras.losses`: per-example losses `fn(y_true, y_pred)` by Keras' names, and the loss classes.

Probabilities (`from_logits=False`, Keras' default) are clipped to [eps, 1 - eps]; when `y_pred` is the output of
a softmax (sigmoid) op its logits are used instead, as tf.keras does, so the cross entropy is exact."""
from __future__ import annotations

from .. import nn
from ..framework import dtypes
from ..ops import array_ops, math_ops
from ..ops.clip_ops import clip_by_value
from . import backend as K


def _logits(y_pred, kind):
    op = None if K.executing_eagerly() else getattr(y_pred, "op", None)
    if op is not None and getattr(op, "type", None) == kind:
        return op.inputs[0]
    p = clip_by_value(y_pred, K.epsilon(), 1.0 - K.epsilon())
    return math_ops.log(p) if kind == "Softmax" else math_ops.log(p / (1.0 - p))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    logits = y_pred if from_logits else _logits(y_pred, "Softmax")
    labels = math_ops.cast(array_ops.reshape(y_true, [-1]), dtypes.int32)
    return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    logits = y_pred if from_logits else _logits(y_pred, "Softmax")
    return nn.softmax_cross_entropy_with_logits_v2(labels=math_ops.cast(y_true, y_pred.dtype), logits=logits)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    logits = y_pred if from_logits else _logits(y_pred, "Sigmoid")
    per = nn.sigmoid_cross_entropy_with_logits(labels=math_ops.cast(y_true, y_pred.dtype), logits=logits)
    return math_ops.reduce_mean(per, axis=-1)


def mean_squared_error(y_true, y_pred):
    return math_ops.reduce_mean(math_ops.square(y_pred - math_ops.cast(y_true, y_pred.dtype)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return math_ops.reduce_mean(math_ops.abs(y_pred - math_ops.cast(y_true, y_pred.dtype)), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_BY_NAME = {"sparse_categorical_crossentropy": sparse_categorical_crossentropy,
            "categorical_crossentropy": categorical_crossentropy, "binary_crossentropy": binary_crossentropy,
            "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
            "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error}


class Loss:
    """A loss object: `loss(y_true, y_pred)` is the mean of the per-example losses."""

    fn = None

    def __init__(self, from_logits=False, name=None, **kwargs):
        self.from_logits, self.name, self.kwargs = from_logits, name, kwargs

    def call(self, y_true, y_pred):
        if type(self).fn in (sparse_categorical_crossentropy, categorical_crossentropy, binary_crossentropy):
            return type(self).fn(y_true, y_pred, from_logits=self.from_logits)
        return type(self).fn(y_true, y_pred)

    def __call__(self, y_true, y_pred):
        return math_ops.reduce_mean(self.call(y_true, y_pred))


def _loss_class(fn, name):
    return type(name, (Loss,), {"fn": staticmethod(fn), "__module__": __name__,
                                "__doc__": f"Keras' {name} (mean over the batch of `{fn.__name__}`)."})


SparseCategoricalCrossentropy = _loss_class(sparse_categorical_crossentropy, "SparseCategoricalCrossentropy")
CategoricalCrossentropy = _loss_class(categorical_crossentropy, "CategoricalCrossentropy")
BinaryCrossentropy = _loss_class(binary_crossentropy, "BinaryCrossentropy")
MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError")
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError")


def get(identifier):
    """A per-example loss function from a name, a function, or a Loss object; its `__name__`-like key."""
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise ValueError(f"Unknown loss function: {identifier}") from None
    if isinstance(identifier, Loss):
        return identifier.call
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def base_function(identifier):
    """The named loss function behind `identifier` (for Keras' choice of accuracy), or None."""
    if isinstance(identifier, str):
        return _BY_NAME.get(identifier)
    if isinstance(identifier, Loss):
        return type(identifier).fn
    return identifier


__all__ = ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
           "mean_squared_error", "mean_absolute_error", "mse", "mae", "MSE", "MAE", "Loss",
           "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy", "MeanSquaredError",
           "MeanAbsoluteError", "get"]

"""Keras 2's per-example metric functions `fn(y_true, y_pred)`: the accuracies (Keras' rules for labels of rank
one less than the predictions) and the loss functions `keras.metrics` re-exports."""
from __future__ import annotations

from ...framework import dtypes
from ...ops import array_ops
from ...ops import math_ops as M
from ...ops.argmax_ops import argmax
from ...ops.core import convert_to_tensor
from ...ops.evaluation_ops import in_top_k
from .. import backend as K
from .. import losses as _losses


def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true element by element (no reduction)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    y_true.shape.assert_is_compatible_with(y_pred.shape)
    if y_true.dtype != y_pred.dtype:
        y_pred = M.cast(y_pred, y_true.dtype)
    return M.cast(M.equal(y_true, y_pred), K.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The mean over the last axis of (y_pred > threshold) == y_true."""
    y_pred = convert_to_tensor(y_pred)
    pred = M.cast(M.greater(y_pred, M.cast(threshold, y_pred.dtype)), y_pred.dtype)
    return M.reduce_mean(M.cast(M.equal(M.cast(y_true, y_pred.dtype), pred), K.floatx()), axis=-1)


def _sparse_matches(y_true, y_pred):
    """Keras' sparse_categorical_matches: argmax(y_pred) == y_true, labels of y_pred's rank losing their last
    axis first (and the matches getting it back)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.shape.ndims is None:  # a target placeholder of unknown rank (Model's sparse targets): one id a row
        y_true = array_ops.reshape(y_true, array_ops.shape(y_pred)[:-1])
    shape = array_ops.shape(y_true)
    squeezed = y_true.shape.ndims is not None and y_true.shape.ndims == y_pred.shape.ndims
    if squeezed:
        y_true = array_ops.squeeze(y_true, [-1])
    pred = argmax(y_pred, -1)
    if pred.dtype != y_true.dtype:
        pred = M.cast(pred, y_true.dtype)
    matches = M.cast(M.equal(y_true, pred), K.floatx())
    return array_ops.reshape(matches, shape) if squeezed else matches


def _squeezed(matches):
    dims = matches.shape.dims_tuple
    return array_ops.squeeze(matches, [-1]) if dims is not None and len(dims) > 1 and dims[-1] == 1 else matches


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of y_pred is that of the one-hot y_true."""
    return _sparse_matches(argmax(y_true, -1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of y_pred is the integer label y_true."""
    return _squeezed(_sparse_matches(y_true, y_pred))


def _top_k_matches(y_true, y_pred, k):
    """Whether each label is among the top k of its row of y_pred (rows of any leading shape)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    tr, pr = y_true.shape.ndims, y_pred.shape.ndims
    if tr is not None and pr is not None and tr == pr:
        y_true = array_ops.squeeze(y_true, [-1])
        tr -= 1
    labels = M.cast(array_ops.reshape(y_true, [-1]), dtypes.int32)
    rows = array_ops.reshape(y_pred, [-1, array_ops.shape(y_pred)[-1]]) if pr != 2 else y_pred
    hits = M.cast(in_top_k(rows, labels, k), K.floatx())
    return array_ops.reshape(hits, array_ops.shape(y_true)) if tr != 1 else hits


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot y_true's class is among the k largest of y_pred."""
    return _top_k_matches(argmax(y_true, -1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label y_true is among the k largest of y_pred."""
    return _top_k_matches(y_true, y_pred, k)


L = _losses
binary_crossentropy, categorical_crossentropy = L.binary_crossentropy, L.categorical_crossentropy
sparse_categorical_crossentropy = L.sparse_categorical_crossentropy
binary_focal_crossentropy = L.binary_focal_crossentropy
categorical_focal_crossentropy = L.categorical_focal_crossentropy
hinge, squared_hinge, poisson = L.hinge, L.squared_hinge, L.poisson
mean_squared_error = mse = MSE = L.mean_squared_error
mean_absolute_error = mae = MAE = L.mean_absolute_error
mean_absolute_percentage_error = mape = MAPE = L.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = L.mean_squared_logarithmic_error
kl_divergence = kld = KLD = kullback_leibler_divergence = L.kl_divergence
log_cosh = logcosh = L.log_cosh
cosine = cosine_proximity = L.cosine_similarity
del L

FUNCTIONS = {name: fn for name, fn in globals().items()
             if callable(fn) and not name.startswith("_") and not isinstance(fn, type)
             and name not in ("argmax", "convert_to_tensor", "in_top_k")}


def _normalized_dot(y_true, y_pred, axis=-1):
    """The cosine similarity of Keras' CosineSimilarity metric: sum(l2_normalize(y_true) * l2_normalize(y_pred))."""
    from ...ops.normalization_ops import l2_normalize
    return M.reduce_sum(M.multiply(l2_normalize(y_true, axis=axis), l2_normalize(y_pred, axis=axis)), axis=axis)


__all__ = sorted(set(FUNCTIONS) - {"accuracy"})  # Keras 2 resolves 'accuracy' by name but does not export it

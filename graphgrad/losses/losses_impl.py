"""TF1 `tf.losses` functions: an elementwise loss, weighted by `weights` (broadcastable: a scalar or a tensor
of the losses' rank whose dims are 1 or equal), then reduced as `reduction` says and added to
`loss_collection`. The default reduction divides the weighted sum by the number of non-zero weights."""
from __future__ import annotations

import numbers

import numpy as np

from ..framework import dtypes
from ..framework.graph import GraphKeys, name_scope
from ..framework.op_def import static_shape
from ..ops import array_ops, math_ops, nn_ops
from ..ops.core import constant, convert_to_tensor, ones_like, stop_gradient
from ..ops.math_ops import add, multiply, subtract
from .util import add_loss


class Reduction:
    """How a weighted loss tensor becomes the returned loss."""

    NONE = "none"                                                   # the weighted elementwise losses
    SUM = "weighted_sum"                                            # sum(w * l)
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"            # sum(w * l) / number of elements
    MEAN = "weighted_mean"                                          # sum(w * l) / sum(w)
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"      # sum(w * l) / count(w != 0)
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


def _python_scalar(weights):
    """`weights` as a Python float when it is a plain number (the common `weights=1.0`), else None."""
    if isinstance(weights, numbers.Real) and not isinstance(weights, bool):
        return float(weights)
    if isinstance(weights, np.ndarray) and weights.ndim == 0 and weights.dtype.kind in "fiu":
        return float(weights)
    return None


def _check_broadcastable(weights, losses):
    """TF's rule (stricter than NumPy's): weights are a scalar, or have the losses' rank with dims 1 or equal."""
    ws, ls = static_shape(weights), static_shape(losses)
    if ws is None or ls is None or len(ws) == 0:
        return
    if len(ws) != len(ls):
        raise ValueError(f"weights can not be broadcast to values. values.rank={len(ls)}. weights.rank={len(ws)}. "
                         f"values.shape={losses.shape}. weights.shape={weights.shape}.")
    for w, v in zip(ws, ls):
        if w is not None and v is not None and w != 1 and w != v:
            raise ValueError(f"weights can not be broadcast to values. values.shape={losses.shape}. "
                             f"weights.shape={weights.shape}.")


def _num_elements(losses, dtype):
    n = losses.shape.num_elements()
    if n is not None:
        return constant(float(n), dtype=dtype, name="num_elements")
    return math_ops.cast(array_ops.size(losses), dtype, name="num_elements")


def _num_present(losses, weights, dtype):
    """Number of loss elements with a non-zero (broadcast) weight."""
    with name_scope(None, "num_present", [losses, weights]) as scope:
        present = math_ops.cast(math_ops.not_equal(weights, 0), dtype)
        if static_shape(present) != static_shape(losses) or not losses.shape.is_fully_defined():
            present = multiply(present, ones_like(losses))
        return math_ops.reduce_sum(present, name=scope)


def _safe_div(numerator, denominator, name="value"):
    """numerator / denominator, or 0 where the denominator is 0 (no weights present -> loss 0)."""
    return math_ops.div_no_nan(numerator, denominator, name=name)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Weight `losses`, reduce them as `reduction` says, add the result to `loss_collection`, return it."""
    Reduction.validate(reduction)
    with name_scope(scope, "weighted_loss", [losses, weights]):
        losses = convert_to_tensor(losses, name="losses")
        dt = losses.dtype.base_dtype
        if not dt.is_floating:
            dt = dtypes.float32
            losses = math_ops.cast(losses, dt)
        w = _python_scalar(weights)
        if w is not None and w != 0:
            loss = _reduce_with_scalar_weight(losses, w, reduction, dt)
        else:
            weights = math_ops.cast(convert_to_tensor(weights, name="weights", preferred_dtype=dt), dt)
            _check_broadcastable(weights, losses)
            weighted = multiply(losses, weights)
            if reduction == Reduction.NONE:
                loss = weighted
            else:
                total = math_ops.reduce_sum(weighted)
                if reduction == Reduction.SUM:
                    loss = total
                elif reduction == Reduction.MEAN:
                    loss = _safe_div(total, math_ops.reduce_sum(multiply(ones_like(losses), weights)))
                elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                    loss = _safe_div(total, _num_elements(losses, dt))
                else:
                    loss = _safe_div(total, _num_present(losses, weights, dt))
        add_loss(loss, loss_collection)
        return loss


def _reduce_with_scalar_weight(losses, w, reduction, dt):
    """The fast path for a non-zero Python weight: every element is present, so most reductions are a mean."""
    if reduction == Reduction.NONE:
        return multiply(losses, w)  # even for w == 1, so the loss is named `<scope>/Mul` as in TF1
    if reduction == Reduction.SUM:
        total = math_ops.reduce_sum(losses)
        return total if w == 1 else multiply(total, w, name="value")
    n = losses.shape.num_elements()
    if n == 0 or n is None:
        total = math_ops.reduce_sum(losses if w == 1 or reduction == Reduction.MEAN else multiply(losses, w))
        return _safe_div(total, _num_elements(losses, dt))
    if w == 1 or reduction == Reduction.MEAN:   # MEAN: sum(w l) / sum(w) = mean(l) for a scalar w
        return math_ops.reduce_mean(losses, name="value")
    return multiply(math_ops.reduce_mean(losses), w, name="value")


def _float_pair(predictions, labels):
    predictions = convert_to_tensor(predictions, name="predictions")
    if not predictions.dtype.base_dtype.is_floating:
        predictions = math_ops.cast(predictions, dtypes.float32)
    dt = predictions.dtype.base_dtype
    labels = convert_to_tensor(labels, name="labels", preferred_dtype=dt)
    if labels.dtype.base_dtype != dt:
        labels = math_ops.cast(labels, dt)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return predictions, labels


def _required(**kw):
    for k, v in kw.items():
        if v is None:
            raise ValueError(f"{k} must not be None.")


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """|predictions - labels|, weighted and reduced."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "absolute_difference", [predictions, labels, weights]) as scope:
        predictions, labels = _float_pair(predictions, labels)
        losses = math_ops.abs(subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """(predictions - labels)², weighted and reduced (the mean by default)."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "mean_squared_error", [predictions, labels, weights]) as scope:
        predictions, labels = _float_pair(predictions, labels)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES):
    """Σ over the batch of weight · mean over the pairs (i, j) of one example of ((p_i - p_j) - (l_i - l_j))²: with
    d = p - l and n the example's elements of non-zero weight, 2·Σd²/(n-1) - 2·(Σd)²/(n·(n-1)). Compares the
    differences within each example, so a shift of all predictions costs nothing. float32, as TF1."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "mean_pairwise_squared_error", [predictions, labels, weights]):
        weights = math_ops.cast(weights, dtypes.float32)
        labels = math_ops.cast(labels, dtypes.float32)
        predictions = math_ops.cast(predictions, dtypes.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        diffs = subtract(predictions, labels)
        if diffs.shape.ndims is None:
            raise ValueError("mean_pairwise_squared_error needs predictions of known rank")
        _check_broadcastable(weights, diffs)
        axes = list(range(1, diffs.shape.ndims))
        sum_squares = math_ops.reduce_sum(math_ops.square(diffs), axis=axes, keepdims=True)
        with name_scope(None, "num_present", [diffs, weights]) as present_scope:
            present = math_ops.cast(math_ops.not_equal(weights, 0.0), dtypes.float32)
            n = math_ops.reduce_sum(multiply(present, ones_like(diffs)), axis=axes, keepdims=True, name=present_scope)
        term1 = 2.0 * _safe_div(sum_squares, math_ops.maximum(n - 1, 0))
        sum_diff = math_ops.reduce_sum(diffs, axis=axes, keepdims=True)
        term2 = 2.0 * _safe_div(math_ops.square(sum_diff), math_ops.maximum(multiply(n, n - 1), 0))
        loss = math_ops.reduce_sum(multiply(term1 - term2, weights))
        mean_loss = math_ops.where_v2(math_ops.reduce_sum(n) > 0, loss, array_ops.zeros_like(loss), name="value")
        add_loss(mean_loss, loss_collection)
        return mean_loss


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """-labels log(predictions + eps) - (1 - labels) log(1 - predictions + eps) for probabilities."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "log_loss", [predictions, labels, weights]) as scope:
        predictions, labels = _float_pair(predictions, labels)
        pos = multiply(labels, math_ops.log(add(predictions, epsilon)))
        neg = multiply(subtract(1.0, labels), math_ops.log(add(subtract(1.0, predictions), epsilon)))
        losses = subtract(math_ops.negative(pos), neg)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """max(0, 1 - (2 labels - 1) logits) for labels in {0, 1}."""
    _required(labels=labels, logits=logits)
    with name_scope(scope, "hinge_loss", [logits, labels, weights]) as scope:
        logits, labels = _float_pair(logits, labels)
        all_ones = ones_like(labels)
        signs = subtract(multiply(2.0, labels), all_ones)
        losses = nn_ops.relu(subtract(all_ones, multiply(signs, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """0.5 e² where |e| <= delta, delta (|e| - delta / 2) beyond (e = predictions - labels)."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "huber_loss", [predictions, labels, weights]) as scope:
        predictions, labels = _float_pair(predictions, labels)
        abs_error = math_ops.abs(subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = subtract(abs_error, quadratic)
        losses = add(multiply(0.5, multiply(quadratic, quadratic)), multiply(delta, linear))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """1 - sum(labels * predictions, axis) for unit-normalized inputs."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    _required(labels=labels, predictions=predictions)
    with name_scope(scope, "cosine_distance_loss", [predictions, labels, weights]) as scope:
        predictions, labels = _float_pair(predictions, labels)
        radial = multiply(predictions, labels)
        losses = subtract(1.0, math_ops.reduce_sum(radial, axis=[axis], keepdims=True))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def _labels_like(labels, logits):
    logits = convert_to_tensor(logits, name="logits")
    labels = convert_to_tensor(labels, name="labels", preferred_dtype=logits.dtype.base_dtype)
    if labels.dtype.base_dtype != logits.dtype.base_dtype:
        labels = math_ops.cast(labels, logits.dtype.base_dtype)
    logits.shape.assert_is_compatible_with(labels.shape)
    return labels, logits


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross-entropy per example (weights of shape [batch] weight examples). With label smoothing s
    the targets become labels * (1 - s) + s / num_classes. No gradient flows into the labels."""
    _required(onehot_labels=onehot_labels, logits=logits)
    with name_scope(scope, "softmax_cross_entropy_loss", [logits, onehot_labels, weights]) as scope:
        onehot_labels, logits = _labels_like(onehot_labels, logits)
        if label_smoothing > 0:
            n = static_shape(onehot_labels)
            if n is not None and n[-1] is not None:
                smooth_negatives = label_smoothing / n[-1]
            else:
                num_classes = math_ops.cast(array_ops.shape(onehot_labels)[-1], logits.dtype.base_dtype)
                smooth_negatives = math_ops.divide(label_smoothing, num_classes)
            onehot_labels = add(multiply(onehot_labels, 1.0 - label_smoothing), smooth_negatives)
        onehot_labels = stop_gradient(onehot_labels, name="labels_stop_gradient")
        losses = nn_ops.softmax_cross_entropy_with_logits_v2(labels=onehot_labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def _squeeze_last(t, expected_rank):
    """Drop a trailing dim of 1 when `t` has one more dim than expected (labels or weights of shape [batch, 1])."""
    s = static_shape(t)
    if s is not None and len(s) == expected_rank + 1 and s[-1] == 1:
        return array_ops.squeeze(t, [-1])
    return t


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross-entropy against integer class labels ([batch] or [batch, 1])."""
    _required(labels=labels, logits=logits)
    with name_scope(scope, "sparse_softmax_cross_entropy_loss", [logits, labels, weights]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        rank = logits.shape.ndims
        if rank is not None:
            labels = _squeeze_last(labels, rank - 1)
            if _python_scalar(weights) is None:
                weights = _squeeze_last(convert_to_tensor(weights, name="weights",
                                                          preferred_dtype=logits.dtype.base_dtype), rank - 1)
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Elementwise logistic loss; with label smoothing s the targets become labels * (1 - s) + s / 2."""
    _required(multi_class_labels=multi_class_labels, logits=logits)
    with name_scope(scope, "sigmoid_cross_entropy_loss", [logits, multi_class_labels, weights]) as scope:
        labels, logits = _labels_like(multi_class_labels, logits)
        if label_smoothing > 0:
            labels = add(multiply(labels, 1.0 - label_smoothing), 0.5 * label_smoothing)
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)

"""Streaming metrics that are means of something else: of a whole tensor (elementwise), of values below a threshold,
of relative errors and cosine distances, of per-class accuracies, and of per-class intersection-over-union (from a
float64 confusion matrix `mean_iou/total_confusion_matrix`)."""
from __future__ import annotations

from ..framework import dtypes
from ..ops import array_ops, math_ops, state_ops
from ..ops.confusion_ops import confusion_matrix
from ..ops.core import convert_to_tensor, ones_like
from ..ops.diag_ops import diag_part
from ..ops.scatter_ops import scatter_add
from ..variables import variable_scope
from .core import (
    _broadcast_weights,
    _collect,
    _remove_squeezable_dimensions,
    _total_over_count,
    mean,
    metric_variable,
)


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The elementwise (weighted) mean of all `values` seen so far, a tensor of their (static) shape: variables
    `mean/total_tensor` and `mean/count_tensor`."""
    with variable_scope(name, "mean", [values, weights]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable(values.shape, dtypes.float32, name="total_tensor")
        count = metric_variable(values.shape, dtypes.float32, name="count_tensor")
        num_values = ones_like(values)
        if weights is not None:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        return _total_over_count(total, count, values, values, num_values, metrics_collections,
                                 updates_collections)


def percentage_below(values, threshold, weights=None, metrics_collections=None, updates_collections=None,
                     name=None):
    """The (weighted) fraction of `values` < `threshold` so far (variables `percentage_below_threshold/...`)."""
    is_below = math_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(is_below, weights, metrics_collections, updates_collections, name or "percentage_below_threshold")


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The mean of |labels - predictions| / normalizer so far, counting 0 where the normalizer is 0."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    predictions, normalizer, _ = _remove_squeezable_dimensions(predictions, normalizer, None)
    predictions.shape.assert_is_compatible_with(normalizer.shape)
    relative_errors = math_ops.where(math_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                                     math_ops.divide(math_ops.abs(math_ops.subtract(labels, predictions)),
                                                     normalizer))
    return mean(relative_errors, weights, metrics_collections, updates_collections, name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None, updates_collections=None,
                         name=None):
    """1 - the mean over examples of sum(labels * predictions) along `dim` (both already unit-normalized)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    radial_diffs = math_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[dim], keepdims=True)
    mean_distance, update_op = mean(radial_diffs, weights, None, None, name or "mean_cosine_distance")
    mean_distance = math_ops.subtract(1.0, mean_distance)
    update_op = math_ops.subtract(1.0, update_op)
    _collect(metrics_collections, mean_distance)
    _collect(updates_collections, update_op)
    return mean_distance, update_op


def _flat(x):
    return array_ops.reshape(x, [-1]) if x is not None and x.shape.ndims and x.shape.ndims > 1 else x


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The mean over classes of each class's accuracy so far (a class never seen counts 0): variables
    `mean_accuracy/total` (examples per label) and `mean_accuracy/count` (correct ones), [num_classes] each."""
    with variable_scope(name, "mean_accuracy", [predictions, labels, weights]):
        labels = _flat(math_ops.cast(labels, dtypes.int64))
        predictions = _flat(convert_to_tensor(predictions))
        predictions.shape.assert_is_compatible_with(labels.shape)
        total = metric_variable([num_classes], dtypes.float32, name="total")
        count = metric_variable([num_classes], dtypes.float32, name="count")
        ones = array_ops.ones([array_ops.size(labels)], dtypes.float32)
        if labels.dtype != predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = math_ops.cast(_flat(convert_to_tensor(weights)), dtypes.float32)
            is_correct = math_ops.multiply(is_correct, weights)
            ones = math_ops.multiply(ones, weights)
        update_total = scatter_add(total, labels, ones)
        update_count = scatter_add(count, labels, is_correct)
        value = math_ops.reduce_mean(math_ops.div_no_nan(count, math_ops.maximum(total, 0.0)),
                                     name="mean_accuracy")
        update_op = math_ops.div_no_nan(update_count, math_ops.maximum(update_total, 0.0), name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op


def _mean_iou(total_cm):
    """The mean IOU of the classes that occur in labels or predictions (0 when none does)."""
    sum_over_row = math_ops.cast(math_ops.reduce_sum(total_cm, 0), dtypes.float32)
    sum_over_col = math_ops.cast(math_ops.reduce_sum(total_cm, 1), dtypes.float32)
    cm_diag = math_ops.cast(diag_part(total_cm), dtypes.float32)
    denominator = math_ops.subtract(math_ops.add(sum_over_row, sum_over_col), cm_diag)
    num_valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0.0), dtypes.float32))
    denominator = math_ops.where(math_ops.greater(denominator, 0.0), denominator, ones_like(denominator))
    iou = math_ops.divide(cm_diag, denominator)
    return math_ops.where(math_ops.greater(num_valid, 0.0),
                          math_ops.divide(math_ops.reduce_sum(iou, name="mean_iou"), num_valid), 0.0)


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """Mean intersection-over-union tp / (tp + fp + fn) over the classes seen so far, from the float64 variable
    `mean_iou/total_confusion_matrix` [num_classes, num_classes]; update_op returns the updated matrix."""
    with variable_scope(name, "mean_iou", [predictions, labels, weights]):
        labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
        predictions.shape.assert_is_compatible_with(labels.shape)
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64, name="total_confusion_matrix")
        if weights is not None:
            weights = _flat(convert_to_tensor(weights))
        current_cm = confusion_matrix(_flat(math_ops.cast(labels, dtypes.int64)),
                                      _flat(math_ops.cast(predictions, dtypes.int64)), num_classes,
                                      weights=weights, dtype=dtypes.float64)
        update_op = state_ops.assign_add(total_cm, current_cm)
        value = _mean_iou(total_cm)
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op

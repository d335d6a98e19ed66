"""The streaming metrics built on a mean or on confusion counts: accuracy, mean, the errors, precision, recall,
the confusion counts and AUC, and the helpers the other metric modules share."""
from __future__ import annotations

from .. import logging as tf_logging
from ..framework import dtypes
from ..framework.graph import GraphKeys, control_dependencies, get_default_graph
from ..ops import array_ops, math_ops, state_ops
from ..ops.check_ops import assert_greater_equal, assert_less_equal, assert_type
from ..ops.core import convert_to_tensor, ones_like
from ..variables import Variable, variable_scope

METRIC_VARIABLES = "metric_variables"  # TensorFlow's GraphKeys.METRIC_VARIABLES


def metric_variable(shape, dtype, validate_shape=True, name=None):
    """A zero-initialized, non-trainable variable in the LOCAL_VARIABLES and METRIC_VARIABLES collections."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES], validate_shape=validate_shape,
                    name=name)


def _collect(collections, value):
    if collections:
        get_default_graph().add_to_collections(collections, value)


def _remove_squeezable_dimensions(predictions, labels, weights):
    """TensorFlow's alignment of ranks: drop a trailing size-1 dim of predictions or labels when the other has
    one dim less; squeeze or expand weights to the rank of predictions (static ranks only)."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels = convert_to_tensor(labels)
        ps, ls = predictions.shape.dims_tuple, labels.shape.dims_tuple
        if ps is not None and ls is not None:
            if len(ps) - len(ls) == 1 and ps[-1] in (1, None):
                predictions = array_ops.squeeze(predictions, [-1])
            elif len(ls) - len(ps) == 1 and ls[-1] in (1, None):
                labels = array_ops.squeeze(labels, [-1])
        predictions.shape.assert_is_compatible_with(labels.shape)
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    ws, ps = weights.shape.dims_tuple, predictions.shape.dims_tuple
    if ws is not None and ps is not None and len(ws) != 0:
        if len(ws) - len(ps) == 1:
            weights = array_ops.squeeze(weights, [-1])
        elif len(ps) - len(ws) == 1:
            weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def _broadcast_weights(weights, values):
    """`weights` (float32) broadcast to the shape of `values`."""
    weights = math_ops.cast(weights, dtypes.float32)
    if weights.shape.dims_tuple == values.shape.dims_tuple and weights.shape.is_fully_defined():
        return weights
    return math_ops.multiply(weights, ones_like(values, dtype=dtypes.float32))


# --- mean and the metrics built on it ---------------------------------------------------------------------

def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of all `values` seen so far: variables `mean/total` and `mean/count`."""
    with variable_scope(name, "mean", [values, weights]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        return _total_over_count(total, count, math_ops.reduce_sum(values), values, num_values,
                                 metrics_collections, updates_collections)


def _total_over_count(total, count, batch_total, values, num_values, metrics_collections, updates_collections):
    """`total / count` (0 while count is 0) as (value, update_op), the update adding `batch_total` and, after
    `values` are computed, `num_values`."""
    update_total = state_ops.assign_add(total, batch_total)
    with control_dependencies([values]):
        update_count = state_ops.assign_add(count, num_values)
    value = math_ops.div_no_nan(total, math_ops.maximum(count, 0.0), name="value")
    update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0.0), name="update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """How often `predictions` equals `labels` (e.g. class ids from tf.argmax): variables `accuracy/total`
    and `accuracy/count`."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    squared_error = math_ops.squared_difference(labels, predictions)
    return mean(squared_error, weights, metrics_collections, updates_collections, name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None, name or "root_mean_squared_error")
    value, update_op = math_ops.sqrt(mse), math_ops.sqrt(update_mse)
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                        name=None):
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    absolute_errors = math_ops.abs(math_ops.subtract(predictions, labels))
    return mean(absolute_errors, weights, metrics_collections, updates_collections, name or "mean_absolute_error")


# --- counts of a confusion matrix -------------------------------------------------------------------------

def _count_condition(values, weights, metrics_collections, updates_collections):
    """A `count` variable summing the (weighted) true entries of the bool tensor `values`."""
    assert_type(values, dtypes.bool_)
    count = metric_variable([], dtypes.float32, name="count")
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, dtypes.float32))
    update_op = state_ops.assign_add(count, math_ops.reduce_sum(values))
    _collect(metrics_collections, count)
    _collect(updates_collections, update_op)
    return count, update_op


def _confusion_count(default_name, want_label, want_prediction):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            predictions, labels, weights = _remove_squeezable_dimensions(
                math_ops.cast(predictions, dtypes.bool_), math_ops.cast(labels, dtypes.bool_), weights)
            lab = labels if want_label else math_ops.logical_not(labels)
            pred = predictions if want_prediction else math_ops.logical_not(predictions)
            return _count_condition(math_ops.logical_and(lab, pred), weights, metrics_collections,
                                    updates_collections)
    metric.__name__ = default_name
    metric.__doc__ = (f"The (weighted) number of {default_name.replace('_', ' ')} so far (labels and predictions "
                      f"cast to bool): (the variable `{default_name}/count`, update_op).")
    return metric


true_positives = _confusion_count("true_positives", True, True)
false_positives = _confusion_count("false_positives", False, True)
true_negatives = _confusion_count("true_negatives", False, False)
false_negatives = _confusion_count("false_negatives", True, False)


def _ratio(a, b, name):
    """a / (a + b), or 0 while a + b is 0 (TensorFlow's precision and recall)."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    total = math_ops.add(a, b)
    return math_ops.where(math_ops.greater(total, 0.0), math_ops.div_no_nan(a, total), array_ops.zeros_like(total),
                          name=name)


def _ratio_metric(default_name, other, labels, predictions, weights, metrics_collections, updates_collections,
                  name):
    with variable_scope(name, default_name, [predictions, labels, weights]):
        predictions, labels, weights = _remove_squeezable_dimensions(
            math_ops.cast(predictions, dtypes.bool_), math_ops.cast(labels, dtypes.bool_), weights)
        tp, tp_update = true_positives(labels, predictions, weights)
        other_count, other_update = other(labels, predictions, weights)
        value = _ratio(tp, other_count, "value")
        update_op = _ratio(tp_update, other_update, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """tp / (tp + fp) so far (0 before any positive prediction); labels and predictions are cast to bool."""
    return _ratio_metric("precision", false_positives, labels, predictions, weights, metrics_collections,
                         updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """tp / (tp + fn) so far (0 before any positive label); labels and predictions are cast to bool."""
    return _ratio_metric("recall", false_negatives, labels, predictions, weights, metrics_collections,
                         updates_collections, name)


# --- AUC ----------------------------------------------------------------------------------------------------

_KEPSILON = 1e-7  # widens the outer thresholds so that predictions of exactly 0 and 1 fall inside


def counts_at_thresholds(labels, predictions, thresholds, weights=None, includes=("tp", "fn", "tn", "fp")):
    """{key: the (weighted) number of true/false positives/negatives at each threshold} for bool `labels` and
    `predictions` laid out along axis 1 (`[1, n]`, or `[1, n, labels]` per label) against `thresholds` along axis
    0 (`[T, 1]`, `[T, 1, 1]`); a prediction is positive when it is greater than the threshold. tf.metrics and
    Keras' confusion metrics both count with it."""
    pred_pos = math_ops.greater(predictions, thresholds)
    pred_neg = math_ops.logical_not(pred_pos)
    label_neg = math_ops.logical_not(labels)
    counts = {}
    for key, lab, pred in (("tp", labels, pred_pos), ("fn", labels, pred_neg), ("tn", label_neg, pred_neg),
                           ("fp", label_neg, pred_pos)):
        if key in includes:
            hits = math_ops.cast(math_ops.logical_and(lab, pred), predictions.dtype)
            if weights is not None:
                hits = math_ops.multiply(hits, weights)
            counts[key] = math_ops.reduce_sum(hits, 1)
    return counts


def _confusion_at_thresholds(labels, predictions, thresholds, weights, includes=("tp", "fn", "tn", "fp")):
    """Variables `true_positives`, `false_negatives`, `true_negatives`, `false_positives` (those of `includes`;
    one entry per threshold; a prediction counts as positive when it is > the threshold) and their update ops."""
    for key in includes:
        if key not in ("tp", "fn", "tn", "fp"):
            raise ValueError(f"Invalid key: {key}")
    predictions = convert_to_tensor(predictions)
    message = "predictions must be in [0, 1]"
    checks = [assert_greater_equal(predictions, math_ops.cast(0.0, predictions.dtype.base_dtype), message=message),
              assert_less_equal(predictions, math_ops.cast(1.0, predictions.dtype.base_dtype), message=message)]
    with control_dependencies(checks):
        predictions, labels, weights = _remove_squeezable_dimensions(
            math_ops.cast(predictions, dtypes.float32), math_ops.cast(labels, dtypes.bool_), weights)
    n = len(thresholds)
    weight_row = None
    if weights is not None:
        weight_row = array_ops.reshape(_broadcast_weights(weights, predictions), [1, -1])
    counts = counts_at_thresholds(array_ops.reshape(labels, [1, -1]), array_ops.reshape(predictions, [1, -1]),
                                  convert_to_tensor([[t] for t in thresholds], dtype=dtypes.float32), weight_row,
                                  includes)
    values, updates = {}, {}
    for key, var_name in (("tp", "true_positives"), ("fn", "false_negatives"), ("tn", "true_negatives"),
                          ("fp", "false_positives")):
        if key not in includes:
            continue
        var = metric_variable([n], dtypes.float32, name=var_name)
        updates[key] = state_ops.assign_add(var, counts[key])
        values[key] = convert_to_tensor(var)
    return values, updates


def _interpolate_pr_auc(tp, fp, fn, n):
    """PR-AUC by interpolating precision linearly in the number of predicted positives between thresholds
    (Davis & Goadrich 2006), as TensorFlow's 'careful_interpolation'."""
    return math_ops.reduce_sum(pr_auc_increments(tp, fp, fn, n), name="interpolate_pr_auc")


def pr_auc_increments(tp, fp, fn, n):
    """The area of each of the n - 1 slices of _interpolate_pr_auc (along axis 0; Keras' AUC sums them per
    label)."""
    dtp = math_ops.subtract(tp[:n - 1], tp[1:])
    p = math_ops.add(tp, fp)
    dp = math_ops.subtract(p[:n - 1], p[1:])
    slope = math_ops.div_no_nan(dtp, math_ops.maximum(dp, 0.0), name="prec_slope")
    intercept = math_ops.subtract(tp[1:], math_ops.multiply(slope, p[1:]))
    both = math_ops.logical_and(math_ops.greater(p[:n - 1], 0.0), math_ops.greater(p[1:], 0.0))
    ratio = math_ops.where(both, math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0.0)),
                           ones_like(p[1:]))
    return math_ops.div_no_nan(
        math_ops.multiply(slope, math_ops.add(dtp, math_ops.multiply(intercept, math_ops.log(ratio)))),
        math_ops.maximum(math_ops.add(tp[1:], fn[1:]), 0.0), name="pr_auc_increment")


def _compute_auc(c, n, curve, summation_method, name):
    tp, fn, tn, fp = c["tp"], c["fn"], c["tn"], c["fp"]
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolate_pr_auc(tp, fp, fn, n)
    eps = 1.0e-6
    rec = math_ops.divide(math_ops.add(tp, eps), math_ops.add(math_ops.add(tp, fn), eps))
    if curve == "ROC":
        x = math_ops.divide(fp, math_ops.add(math_ops.add(fp, tn), eps))
        y = rec
    else:
        x = rec
        y = math_ops.divide(math_ops.add(tp, eps), math_ops.add(math_ops.add(tp, fp), eps))
    width = math_ops.subtract(x[:n - 1], x[1:])
    if summation_method in ("trapezoidal", "careful_interpolation"):
        height = math_ops.multiply(math_ops.add(y[:n - 1], y[1:]), 0.5)
    elif summation_method == "minoring":
        height = math_ops.minimum(y[:n - 1], y[1:])
    else:
        height = math_ops.maximum(y[:n - 1], y[1:])
    return math_ops.reduce_sum(math_ops.multiply(width, height), name=name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None,
        curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """Area under the ROC (or, curve='PR', precision-recall) curve, from confusion counts at `num_thresholds`
    thresholds evenly spaced in [0, 1] (predictions must lie in [0, 1]); summation_method 'trapezoidal'
    (default), 'careful_interpolation', 'minoring' or 'majoring', as TensorFlow."""
    with variable_scope(name, "auc", [labels, predictions, weights]):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"curve must be either ROC or PR, {curve} unknown")
        if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid summation_method: {summation_method}")
        if curve == "PR" and summation_method == "trapezoidal":
            tf_logging.warning(
                "Trapezoidal rule is known to produce incorrect PR-AUCs; please switch to "
                "\"careful_interpolation\" instead.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds < 2:
                raise ValueError("num_thresholds must be > 1.")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        thresholds = [0.0 - _KEPSILON] + inner + [1.0 + _KEPSILON]
        n = len(thresholds)
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights)
        value = _compute_auc(values, n, curve, summation_method, "value")
        update_op = _compute_auc(updates, n, curve, summation_method, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op

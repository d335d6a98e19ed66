"""`tf.contrib.metrics` (also `slim.metrics`): the streaming metrics as TF1 programs before `tf.metrics` call them.

Each `streaming_X(predictions, labels, ...)` is `tf.metrics.X(labels, predictions, ...)` — predictions first, as
contrib had it — returning `(value, update_op)` with the same local variables. `aggregate_metric_map` splits a
{name: (value, update_op)} map into two maps, the shape `slim.evaluation` takes; `accuracy` is the one-batch
(non-streaming) accuracy.
"""
from __future__ import annotations

from .. import metrics as _m
from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import array_ops, math_ops
from ..ops.core import convert_to_tensor

__all__ = ["accuracy", "aggregate_metrics", "aggregate_metric_map", "streaming_accuracy", "streaming_auc",
           "streaming_false_negatives", "streaming_false_positives", "streaming_mean",
           "streaming_mean_absolute_error", "streaming_mean_squared_error", "streaming_precision",
           "streaming_recall", "streaming_root_mean_squared_error", "streaming_true_negatives",
           "streaming_true_positives"]


def _predictions_first(metric):
    def streaming(predictions, labels, weights=None, metrics_collections=None, updates_collections=None,
                  name=None):
        return metric(labels, predictions, weights=weights, metrics_collections=metrics_collections,
                      updates_collections=updates_collections, name=name)
    streaming.__name__ = streaming.__qualname__ = f"streaming_{metric.__name__}"
    streaming.__doc__ = f"`tf.metrics.{metric.__name__}(labels, predictions, ...)` with predictions first."
    return streaming


streaming_accuracy = _predictions_first(_m.accuracy)
streaming_mean_squared_error = _predictions_first(_m.mean_squared_error)
streaming_root_mean_squared_error = _predictions_first(_m.root_mean_squared_error)
streaming_mean_absolute_error = _predictions_first(_m.mean_absolute_error)
streaming_precision = _predictions_first(_m.precision)
streaming_recall = _predictions_first(_m.recall)
streaming_true_positives = _predictions_first(_m.true_positives)
streaming_false_positives = _predictions_first(_m.false_positives)
streaming_true_negatives = _predictions_first(_m.true_negatives)
streaming_false_negatives = _predictions_first(_m.false_negatives)


def streaming_mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.mean`."""
    return _m.mean(values, weights, metrics_collections, updates_collections, name)


def streaming_auc(predictions, labels, weights=None, num_thresholds=200, metrics_collections=None,
                  updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal"):
    """`tf.metrics.auc(labels, predictions, ...)` with predictions first."""
    return _m.auc(labels, predictions, weights=weights, num_thresholds=num_thresholds,
                  metrics_collections=metrics_collections, updates_collections=updates_collections, curve=curve,
                  name=name, summation_method=summation_method)


def accuracy(predictions, labels, weights=None, name=None):
    """The fraction (weighted mean) of `predictions` equal to `labels` in this batch: a tensor, no state.
    Labels must be bool, integer or string, of the predictions' dtype."""
    predictions, labels = convert_to_tensor(predictions), convert_to_tensor(labels)
    if not (labels.dtype.is_integer or labels.dtype.base_dtype in (dtypes.bool_, dtypes.string)):
        raise ValueError(f"Labels should have bool, integer, or string dtype, not {labels.dtype!r}")
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        raise ValueError(f"Dtypes of predictions and labels should match. Given: predictions "
                         f"({predictions.dtype!r}) and labels ({labels.dtype!r})")
    with name_scope(name, "accuracy", [predictions, labels]):
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            is_correct = math_ops.multiply(is_correct, weights)
            num_values = math_ops.multiply(weights, array_ops.ones_like(is_correct))
            return math_ops.div(math_ops.reduce_sum(is_correct), math_ops.reduce_sum(num_values))
        return math_ops.reduce_mean(is_correct)


def aggregate_metrics(*value_update_tuples):
    """[(value, update_op), ...] -> ([values], [update_ops])."""
    if not value_update_tuples:
        raise ValueError("Expected at least one value_tensor/update_op pair")
    values, updates = zip(*value_update_tuples)
    return list(values), list(updates)


def aggregate_metric_map(names_to_tuples):
    """{name: (value, update_op)} -> ({name: value}, {name: update_op})."""
    names = list(names_to_tuples)
    if not names:
        return {}, {}
    values, updates = zip(*names_to_tuples.values())
    return dict(zip(names, values)), dict(zip(names, updates))

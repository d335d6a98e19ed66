"""Streaming metrics over a list of thresholds on predictions in [0, 1]: the confusion counts, precision and recall at
each threshold, and sensitivity at a given specificity (and the reverse) over evenly spaced thresholds.

A prediction counts as positive at a threshold when it is greater than it; the counts are float32 variables with one
entry per threshold (`true_positives/true_positives`, ...), as TensorFlow's."""
from __future__ import annotations

from ..framework import dtypes
from ..ops import array_ops, math_ops
from ..variables import variable_scope
from .core import _KEPSILON, _collect, _confusion_at_thresholds


def _count_at_thresholds(default_name, key):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default_name, [predictions, labels, weights]):
            values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights, includes=(key,))
            value = array_ops.identity(values[key])
        _collect(metrics_collections, value)
        _collect(updates_collections, updates[key])
        return value, updates[key]
    metric.__name__ = f"{default_name}_at_thresholds"
    metric.__doc__ = (f"The (weighted) number of {default_name.replace('_', ' ')} at each threshold so far: (the "
                      f"variable `{default_name}/{default_name}`, update_op), one entry per threshold.")
    return metric


true_positives_at_thresholds = _count_at_thresholds("true_positives", "tp")
false_positives_at_thresholds = _count_at_thresholds("false_positives", "fp")
true_negatives_at_thresholds = _count_at_thresholds("true_negatives", "tn")
false_negatives_at_thresholds = _count_at_thresholds("false_negatives", "fn")


def _rate_at_thresholds(default_name, other):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        short = default_name.split("_")[0]
        with variable_scope(name, default_name, [predictions, labels, weights]):
            values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights,
                                                       includes=("tp", other))

            def rate(c, suffix):  # tp / (1e-7 + tp + other), as TensorFlow (no 0/0)
                return math_ops.divide(c["tp"], math_ops.add(math_ops.add(1e-7, c["tp"]), c[other]),
                                       name=f"{short}_{suffix}")
            value, update_op = rate(values, "value"), rate(updates, "update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update_op)
        return value, update_op
    other_name = "false_positives" if other == "fp" else "false_negatives"
    metric.__name__ = default_name
    metric.__doc__ = (f"tp / (tp + {other}) at each threshold so far (1e-7 added to the denominator): variables "
                      f"`{default_name}/true_positives` and `{default_name}/{other_name}`.")
    return metric


precision_at_thresholds = _rate_at_thresholds("precision_at_thresholds", "fp")
recall_at_thresholds = _rate_at_thresholds("recall_at_thresholds", "fn")


def _even_thresholds(num_thresholds, last):
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - _KEPSILON] + inner + [last]


def _rate_at(c, index, a, b, name):
    """c[a][index] / (c[a][index] + c[b][index] + 1e-7)."""
    x = array_ops.gather(c[a], index)
    return math_ops.divide(x, math_ops.add(math_ops.add(x, array_ops.gather(c[b], index)), _KEPSILON), name=name)


def _check_fraction(what, value, verb):
    if value < 0 or value > 1:
        raise ValueError(f"`{what}` must be in the range [0, 1]. Currently, `{what}` {verb} {value}.")


def sensitivity_at_specificity(labels, predictions, specificity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """The recall tp / (tp + fn) at the threshold (of `num_thresholds` evenly spaced in [0, 1]) whose
    specificity tn / (tn + fp) is closest to `specificity` (the first such threshold)."""
    _check_fraction("specificity", specificity, "got")
    with variable_scope(name, "sensitivity_at_specificity", [predictions, labels, weights]):
        thresholds = _even_thresholds(num_thresholds, 1.0 + _KEPSILON)
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights)

        def compute(c, name):
            specificities = math_ops.divide(c["tn"], math_ops.add(math_ops.add(c["tn"], c["fp"]), _KEPSILON))
            index = math_ops.cast(math_ops.argmin(math_ops.abs(math_ops.subtract(specificities, specificity)), 0),
                                  dtypes.int32)
            return _rate_at(c, index, "tp", "fn", name)
        value, update_op = compute(values, "value"), compute(updates, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """The specificity tn / (tn + fp) at the threshold (of `num_thresholds` evenly spaced in [0, 1]) whose
    sensitivity tp / (tp + fn) is closest to `sensitivity` (the last such threshold, as TensorFlow)."""
    _check_fraction("sensitivity", sensitivity, "is")
    with variable_scope(name, "specificity_at_sensitivity", [predictions, labels, weights]):
        thresholds = _even_thresholds(num_thresholds, 1.0 - _KEPSILON)
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights)

        def compute(c, name):
            sensitivities = math_ops.divide(c["tp"], math_ops.add(math_ops.add(c["tp"], c["fn"]), _KEPSILON))
            distance = math_ops.abs(math_ops.subtract(sensitivities, sensitivity))
            at_min = math_ops.cast(math_ops.equal(distance, math_ops.reduce_min(distance)), dtypes.int64)
            index = math_ops.cast(math_ops.argmax(math_ops.cumsum(at_min), 0), dtypes.int32)
            return _rate_at(c, index, "tn", "fp", name)
        value, update_op = compute(values, "value"), compute(updates, "update_op")
    _collect(metrics_collections, value)
    _collect(updates_collections, update_op)
    return value, update_op

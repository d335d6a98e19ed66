"""Keras 2's metrics on confusion counts at thresholds: TruePositives ... FalseNegatives, Precision, Recall (with
top_k and class_id), the X-at-Y metrics and AUC (ROC or PR, multi_label).

Counting is tf.metrics' `counts_at_thresholds`; Keras' differences are kept: predictions are not checked to lie
in [0, 1], ratios are `div_no_nan` (tf.metrics adds epsilons), and the PR curve's default summation is the
interpolation of tf.metrics' 'careful_interpolation'."""
from __future__ import annotations

import numpy as np

from ... import nn
from ...framework import dtypes
from ...metrics.core import _remove_squeezable_dimensions, counts_at_thresholds, pr_auc_increments
from ...ops import array_ops, select_ops
from ...ops import math_ops as M
from ...ops.core import convert_to_tensor
from ...ops.sort_ops import top_k as _top_k
from .. import backend as K
from ..losses import _squeeze_or_expand
from ._base import Metric

NEG_INF = -1e10  # Keras' threshold when top_k is set: every kept prediction is positive
_NAMES = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives", "fn": "false_negatives"}


def _parse_thresholds(thresholds, default):
    """Keras' parse_init_thresholds: a number or a list, each in [0, 1]; `default` when None."""
    if thresholds is None:
        return [default]
    values = [float(t) for t in (thresholds if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds])]
    for t in values:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _filter_top_k(x, k):
    """x where it is among the k largest of its last axis, NEG_INF elsewhere."""
    _, idx = _top_k(x, k, sorted=False)
    depth = x.shape.dims_tuple[-1]  # graphgrad's one_hot needs a depth known while building
    mask = M.reduce_sum(array_ops.one_hot(idx, depth, axis=-1, dtype=x.dtype), axis=-2)
    return M.add(M.multiply(x, mask), M.multiply(NEG_INF, M.subtract(1.0, mask)))


def _broadcast_to(weights, values):
    """`weights` (cast to values' dtype, its rank aligned as Keras does) broadcast to the shape of `values`."""
    weights = M.cast(convert_to_tensor(weights), values.dtype)
    _, _, weights = _remove_squeezable_dimensions(values, None, weights)
    return M.multiply(weights, array_ops.ones_like(values))


def update_confusion(variables, y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None,
                     multi_label=False, label_weights=None):
    """One op adding this batch's (weighted) counts at `thresholds` to `variables` ({'tp': var, ...}), as Keras'
    update_confusion_matrix_variables: labels cast to bool, predictions kept to their top_k and/or the column
    class_id; multi_label counts per label (variables [T, labels]), else every entry counts as one example."""
    dtype = next(iter(variables.values())).dtype.base_dtype
    y_pred, y_true = _squeeze_or_expand(M.cast(convert_to_tensor(y_pred), dtype),
                                        M.cast(convert_to_tensor(y_true), dtype))
    y_pred.shape.assert_is_compatible_with(y_true.shape)
    weights = None if sample_weight is None else _broadcast_to(sample_weight, y_pred)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id:class_id + 1], y_pred[..., class_id:class_id + 1]
        weights = None if weights is None else weights[..., class_id:class_id + 1]
    if label_weights is not None:
        lw = _broadcast_to(array_ops.expand_dims(label_weights, 0), y_pred)
        weights = lw if weights is None else M.multiply(weights, lw)
    if multi_label:
        layout, thresh_shape = (lambda t: array_ops.expand_dims(t, 0)), [-1, 1, 1]
    else:
        layout, thresh_shape = (lambda t: array_ops.reshape(t, [1, -1])), [-1, 1]
    thresholds = array_ops.reshape(convert_to_tensor(np.asarray(thresholds, np.float64), dtype=dtype),
                                   thresh_shape)
    counts = counts_at_thresholds(layout(M.cast(y_true, dtypes.bool_)), layout(y_pred), thresholds,
                                  None if weights is None else layout(weights), tuple(variables))
    return [v.assign_add(counts[key]) for key, v in variables.items()]


class _Counts(Metric):
    """A metric over confusion counts (`keys` of tp, fp, tn, fn, one variable each) at its thresholds."""

    _keys = ()

    def _make_counts(self, shape):
        for key in self._keys:
            setattr(self, _NAMES[key], self.add_weight(_NAMES[key], shape=shape, initializer="zeros"))

    def _update(self, y_true, y_pred, sample_weight, **kwargs):
        return update_confusion({key: getattr(self, _NAMES[key]) for key in self._keys}, y_true, y_pred,
                                self.thresholds, sample_weight=sample_weight, **kwargs)

    def _rate(self, a, b):
        """a / (a + b) of two counts (0 where both are 0)."""
        a, b = getattr(self, _NAMES[a]), getattr(self, _NAMES[b])
        return M.div_no_nan(a, M.add(a, b))

    def _one_or_all(self, value):
        return value[0] if len(self.thresholds) == 1 else value


class _ConfusionMatrixConditionCount(_Counts):
    """The weighted number of one kind of outcome at each threshold (default 0.5): a scalar for one threshold."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),), initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion({self._keys[0]: self.accumulator}, y_true, y_pred, self.thresholds,
                                sample_weight=sample_weight)

    def result(self):
        return array_ops.identity(self._one_or_all(self.accumulator))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _count_class(cls_name, key):
    return type(cls_name, (_ConfusionMatrixConditionCount,), {
        "_keys": (key,), "__module__": __name__,
        "__doc__": f"Keras' {cls_name}(thresholds=None, name=None, dtype=None): the weighted number of "
                   f"{_NAMES[key].replace('_', ' ')} at each threshold."})


TruePositives = _count_class("TruePositives", "tp")
FalsePositives = _count_class("FalsePositives", "fp")
TrueNegatives = _count_class("TrueNegatives", "tn")
FalseNegatives = _count_class("FalseNegatives", "fn")


class _PrecisionRecall(_Counts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._make_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self._update(y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id)

    def result(self):
        return self._one_or_all(self._rate(*self._keys))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Keras' Precision: tp / (tp + fp) at each threshold (default 0.5), of the top_k predictions of each row
    and/or of one class_id if given."""

    _keys = ("tp", "fp")


class Recall(_PrecisionRecall):
    """Keras' Recall: tp / (tp + fn) at each threshold (default 0.5), of the top_k predictions of each row and/or
    of one class_id if given."""

    _keys = ("tp", "fn")


class SensitivitySpecificityBase(_Counts):
    """The best of one rate over the thresholds (num_thresholds evenly spaced in [0, 1]) where another reaches
    `value`; 0 where none does."""

    _keys = ("tp", "tn", "fp", "fn")
    _given = None  # (argument name, constrained rate, dependent rate), rates as (count, other count)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        arg = self._given[0]
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{arg}` must be in the range [0, 1]. Received: {arg}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value, self.class_id, self.num_thresholds = value, class_id, num_thresholds
        setattr(self, arg, value)
        self._make_counts((num_thresholds,))
        self.thresholds = [0.5] if num_thresholds == 1 else (
            [0.0] + [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0])

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self._update(y_true, y_pred, sample_weight, class_id=self.class_id)

    def result(self):
        _, constrained, dependent = self._given
        constrained, dependent = self._rate(*constrained), self._rate(*dependent)
        feasible = M.greater_equal(constrained, self.value)
        best = M.reduce_max(select_ops.where(feasible, dependent, M.multiply(dependent, 0.0) - 1.0))
        return select_ops.where(M.reduce_any(feasible), best, 0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._given[0]: self.value}


def _at_class(cls_name, given, constrained, dependent, doc):
    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        SensitivitySpecificityBase.__init__(self, value, num_thresholds, class_id, name, dtype)
    __init__.__name__ = "__init__"
    return type(cls_name, (SensitivitySpecificityBase,), {
        "__init__": __init__, "_given": (given, constrained, dependent), "__module__": __name__,
        "__doc__": f"Keras' {cls_name}({given}, num_thresholds=200, class_id=None, name=None, dtype=None): {doc}"})


_SENS, _SPEC, _PREC = ("tp", "fn"), ("tn", "fp"), ("tp", "fp")
SensitivityAtSpecificity = _at_class("SensitivityAtSpecificity", "specificity", _SPEC, _SENS,
                                     "the best sensitivity (recall) where the specificity is at least the given one.")
SpecificityAtSensitivity = _at_class("SpecificityAtSensitivity", "sensitivity", _SENS, _SPEC,
                                     "the best specificity where the sensitivity (recall) is at least the given one.")
PrecisionAtRecall = _at_class("PrecisionAtRecall", "recall", _SENS, _PREC,
                              "the best precision where the recall is at least the given one.")
RecallAtPrecision = _at_class("RecallAtPrecision", "precision", _PREC, _SENS,
                              "the best recall where the precision is at least the given one.")


class AUC(_Counts):
    """Keras' AUC: the area under the ROC (or PR) curve from confusion counts at num_thresholds thresholds
    evenly spaced in [0, 1] (or the given `thresholds`), by summation_method 'interpolation' (trapezoids for ROC,
    tf.metrics' careful interpolation for PR), 'minoring' or 'majoring'; multi_label: one curve per label (the
    columns of y_pred), averaged (weighted by label_weights); from_logits: a sigmoid first."""

    _keys = ("tp", "tn", "fp", "fn")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUCCurve value: "{curve}". Expected values are ["PR", "ROC"]')
        if summation_method not in ("interpolation", "majoring", "minoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = [0.0 - K.epsilon()] + inner + [1.0 + K.epsilon()]
        self.curve, self.summation_method = curve, summation_method
        super().__init__(name=name, dtype=dtype)
        if num_labels and not multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.multi_label, self.num_labels, self._from_logits = multi_label, num_labels, from_logits
        self._label_weights = None if label_weights is None else list(np.asarray(label_weights, float))
        self.label_weights = None if label_weights is None else convert_to_tensor(
            np.asarray(label_weights), dtype=self._dtype)
        self._built = False
        if not multi_label or num_labels:
            self._build(num_labels)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, num_labels):
        self._num_labels = num_labels
        self._make_counts((self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = convert_to_tensor(y_pred)
        if not self._built:
            dims = y_pred.shape.dims_tuple
            if dims is None or len(dims) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{None if dims is None else len(dims)}. Full shape received for `y_pred`: "
                                 f"{y_pred.shape}")
            self._build(dims[1])
        if self._from_logits:
            y_pred = nn.sigmoid(y_pred)
        return self._update(y_true, y_pred, sample_weight, multi_label=self.multi_label,
                            label_weights=None if self.multi_label else self.label_weights)

    def _by_label(self, terms):
        """The sum over thresholds, averaged over labels for multi_label (weighted by label_weights)."""
        if not self.multi_label:
            return M.reduce_sum(terms)
        by_label = M.reduce_sum(terms, axis=0)
        if self.label_weights is None:
            return M.reduce_mean(by_label)
        return M.div_no_nan(M.reduce_sum(M.multiply(by_label, self.label_weights)),
                            M.reduce_sum(self.label_weights))

    def result(self):
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._by_label(pr_auc_increments(tp, fp, fn, n))
        recall = self._rate("tp", "fn")
        x, y = (self._rate("fp", "tn"), recall) if self.curve == "ROC" else (recall, self._rate("tp", "fp"))
        if self.summation_method == "interpolation":
            heights = M.divide(M.add(y[:n - 1], y[1:]), 2.0)
        elif self.summation_method == "minoring":
            heights = M.minimum(y[:n - 1], y[1:])
        else:
            heights = M.maximum(y[:n - 1], y[1:])
        return self._by_label(M.multiply(M.subtract(x[:n - 1], x[1:]), heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self._label_weights,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config

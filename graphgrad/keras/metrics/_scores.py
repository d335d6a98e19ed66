"""Keras 2's metrics with state of their own shape: the IoU family over a confusion matrix, R2Score, FBetaScore /
F1Score, RootMeanSquaredError and MeanRelativeError."""
from __future__ import annotations

import numpy as np

from ...framework import dtypes
from ...ops import array_ops, select_ops
from ...ops import math_ops as M
from ...ops.argmax_ops import argmax
from ...ops.confusion_ops import confusion_matrix
from ...ops.core import convert_to_tensor
from ...ops.diag_ops import diag_part
from ..losses import _squeeze_or_expand
from ._base import Mean, Metric, Reduce


class _IoUBase(Metric):
    """A num_classes x num_classes confusion matrix (rows: labels) of class ids (or one-hot / probability rows
    when not sparse), entries of ignore_class left out."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_weight("total_confusion_matrix", shape=(num_classes, num_classes),
                                        initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = argmax(y_true, self.axis)
        if not self.sparse_y_pred:
            y_pred = argmax(y_pred, self.axis)
        y_true = array_ops.reshape(M.cast(y_true, self._dtype), [-1])
        y_pred = array_ops.reshape(M.cast(y_pred, self._dtype), [-1])
        if sample_weight is not None:
            sample_weight = array_ops.reshape(M.cast(sample_weight, self._dtype), [-1])
        if self.ignore_class is not None:
            valid = M.not_equal(y_true, M.cast(self.ignore_class, self._dtype))
            y_true, y_pred = array_ops.boolean_mask(y_true, valid), array_ops.boolean_mask(y_pred, valid)
            if sample_weight is not None:
                sample_weight = array_ops.boolean_mask(sample_weight, valid)
        cm = confusion_matrix(M.cast(y_true, dtypes.int64), M.cast(y_pred, dtypes.int64), self.num_classes,
                              weights=sample_weight, dtype=self._dtype)
        return self.total_cm.assign_add(cm)


class IoU(_IoUBase):
    """Keras' IoU: tp / (tp + fp + fn) of each of target_class_ids, averaged over those seen."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm
        tp = diag_part(cm)
        denominator = M.subtract(M.add(M.reduce_sum(cm, axis=0), M.reduce_sum(cm, axis=1)), tp)
        tp, denominator = array_ops.gather(tp, self.target_class_ids), array_ops.gather(denominator,
                                                                                        self.target_class_ids)
        valid = M.reduce_sum(M.cast(M.not_equal(denominator, 0.0), self._dtype))
        return M.div_no_nan(M.reduce_sum(M.div_no_nan(tp, denominator)), valid)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


def _without(config, *keys):
    return {k: v for k, v in config.items() if k not in keys}


class BinaryIoU(IoU):
    """Keras' BinaryIoU: IoU of the classes 0 / 1 with predictions >= threshold as class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = M.cast(M.greater_equal(M.cast(convert_to_tensor(y_pred), self._dtype), self.threshold), self._dtype)
        return IoU.update_state.__wrapped__(self, y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """Keras' MeanIoU: IoU averaged over every class seen."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class, sparse_y_true,
                         sparse_y_pred, axis)

    def get_config(self):
        return _without(super().get_config(), "target_class_ids")


class OneHotIoU(IoU):
    """Keras' OneHotIoU: IoU of one-hot labels and (unless sparse_y_pred) probability rows."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        return _without(super().get_config(), "sparse_y_true")


class OneHotMeanIoU(MeanIoU):
    """Keras' OneHotMeanIoU: MeanIoU of one-hot labels and (unless sparse_y_pred) probability rows."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        return _without(super().get_config(), "sparse_y_true")


# --- regression ---------------------------------------------------------------------------------------------------

class RootMeanSquaredError(Mean):
    """Keras' RootMeanSquaredError: sqrt of the (weighted) mean squared error."""

    _default_name = "root_mean_squared_error"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred, y_true = _squeeze_or_expand(M.cast(convert_to_tensor(y_pred), self._dtype),
                                            M.cast(convert_to_tensor(y_true), self._dtype))
        return Reduce.update_state.__wrapped__(self, M.squared_difference(y_pred, y_true), sample_weight)

    def result(self):
        return M.sqrt(M.div_no_nan(self.total, self.count))


class MeanRelativeError(Mean):
    """Keras' MeanRelativeError: the mean of |y_true - y_pred| / normalizer."""

    _default_name = None

    def __init__(self, normalizer, name=None, dtype=None):
        Reduce.__init__(self, "weighted_mean", name=name, dtype=dtype)
        self._normalizer = normalizer
        self.normalizer = M.cast(convert_to_tensor(normalizer), self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred, y_true = _squeeze_or_expand(M.cast(convert_to_tensor(y_pred), self._dtype),
                                            M.cast(convert_to_tensor(y_true), self._dtype))
        errors = M.div_no_nan(M.abs(M.subtract(y_true, y_pred)), self.normalizer)
        return Reduce.update_state.__wrapped__(self, errors, sample_weight)

    def get_config(self):
        n = self._normalizer
        return {**super().get_config(), "normalizer": np.asarray(n).tolist() if not np.isscalar(n) else n}


def _check_2d(cls_name, y_true, y_pred):
    ts, ps = y_true.shape.dims_tuple, y_pred.shape.dims_tuple
    if ps is None or ts is None or len(ps) != 2 or len(ts) != 2:
        raise ValueError(f"{cls_name} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                         f"y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
    if ps[-1] is None or ts[-1] is None:
        raise ValueError(f"{cls_name} expects 2D inputs with shape (batch_size, output_dim), with output_dim fully "
                         f"defined (not None). Received input shapes: y_pred.shape={y_pred.shape} and "
                         f"y_true.shape={y_true.shape}.")
    return ps[-1]


class R2Score(Metric):
    """Keras' R2Score: 1 - residual sum of squares / total sum of squares per output column, aggregated
    ('uniform_average', 'variance_weighted_average' or None: per column); num_regressors > 0 adjusts it."""

    _default_name = "r2_score"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= 0. Received: "
                             f"num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_weight("num_samples", dtype="int32")
        self._built = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = M.cast(convert_to_tensor(y_true), self._dtype)
        y_pred = M.cast(convert_to_tensor(y_pred), self._dtype)
        if not self._built:
            n = _check_2d("R2Score", y_true, y_pred)
            for name in ("squared_sum", "sum", "total_mse", "count"):
                setattr(self, name, self.add_weight("residual" if name == "total_mse" else name, shape=[n]))
            self._built = True
        w = convert_to_tensor(1.0 if sample_weight is None else sample_weight, dtype=self._dtype)
        if w.shape.ndims == 1:
            w = array_ops.expand_dims(w, 1)
        w = M.multiply(w, array_ops.ones_like(y_true))
        weighted = M.multiply(y_true, w)
        return [self.sum.assign_add(M.reduce_sum(weighted, axis=0)),
                self.squared_sum.assign_add(M.reduce_sum(M.multiply(y_true, weighted), axis=0)),
                self.total_mse.assign_add(M.reduce_sum(M.multiply(M.square(M.subtract(y_true, y_pred)), w), axis=0)),
                self.count.assign_add(M.reduce_sum(w, axis=0)),
                self.num_samples.assign_add(array_ops.size(y_true))]

    def result(self):
        mean = M.divide(self.sum, self.count)
        total = M.subtract(self.squared_sum, M.multiply(self.sum, mean))
        raw = M.subtract(1.0, M.divide(self.total_mse, total))
        raw = select_ops.where(M.is_inf(raw), array_ops.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = M.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = M.divide(M.reduce_sum(M.multiply(total, raw)), M.reduce_sum(total))
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        n, p = M.cast(self.num_samples, self._dtype), float(self.num_regressors)
        adjusted = M.subtract(1.0, M.divide(M.multiply(M.subtract(1.0, score), M.subtract(n, 1.0)),
                                            M.subtract(M.subtract(n, p), 1.0)))
        return select_ops.where(M.greater(n, p + 1.0), adjusted, score)  # Keras falls back (and warns) otherwise

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class FBetaScore(Metric):
    """Keras' FBetaScore: (1 + beta^2) precision recall / (beta^2 precision + recall) per class (y_pred positive
    above `threshold`, or at its row's maximum when None), averaged as `average` says (None, 'micro', 'macro',
    'weighted')."""

    _default_name = "fbeta_score"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. Received: "
                                 f"threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = M.cast(convert_to_tensor(y_true), self._dtype)
        y_pred = M.cast(convert_to_tensor(y_pred), self._dtype)
        if not self._built:
            n = _check_2d(type(self).__name__ if type(self) is F1Score else "FBetaScore", y_true, y_pred)
            shape = [] if self.average == "micro" else [n]
            for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
                setattr(self, name, self.add_weight(name, shape=shape))
            self._built = True
        if self.threshold is None:
            top = M.reduce_max(y_pred, axis=-1, keepdims=True)
            positive = M.logical_and(M.greater_equal(y_pred, top), M.greater(M.abs(y_pred), 1e-9))
        else:
            positive = M.greater(y_pred, self.threshold)
        y_pred = M.cast(positive, self._dtype)

        def total(value):
            if sample_weight is not None:
                value = M.multiply(value, array_ops.expand_dims(M.cast(sample_weight, self._dtype), 1))
            return M.reduce_sum(value, axis=self.axis)
        return [self.true_positives.assign_add(total(M.multiply(y_pred, y_true))),
                self.false_positives.assign_add(total(M.multiply(y_pred, M.subtract(1.0, y_true)))),
                self.false_negatives.assign_add(total(M.multiply(M.subtract(1.0, y_pred), y_true))),
                self.intermediate_weights.assign_add(total(y_true))]

    def result(self):
        tp = self.true_positives
        precision = M.div_no_nan(tp, M.add(tp, self.false_positives))
        recall = M.div_no_nan(tp, M.add(tp, self.false_negatives))
        beta2 = self.beta ** 2
        score = M.multiply(M.div_no_nan(M.multiply(precision, recall), M.add(M.multiply(beta2, precision), recall)),
                           1.0 + beta2)
        if self.average == "weighted":
            weights = M.div_no_nan(self.intermediate_weights, M.reduce_sum(self.intermediate_weights))
            return M.reduce_sum(M.multiply(score, weights))
        return score if self.average is None else M.reduce_mean(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """Keras' F1Score: FBetaScore with beta = 1."""

    _default_name = "f1_score"

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        return _without(super().get_config(), "beta")

"""`tf.contrib.tensor_forest.client.eval_metrics`: the metrics TF's forest examples evaluate by name
(`get_metric(name)(predictions, targets, weights=None) -> (value, update_op)`) and which prediction each reads
(`get_prediction_key(name)`)."""
from __future__ import annotations

from ....contrib import losses, metrics
from ....framework import dtypes
from ....ops import array_ops, math_ops
from ....ops.evaluation_ops import in_top_k

INFERENCE_PROB_NAME = "probabilities"
INFERENCE_PRED_NAME = "classes"
FEATURE_IMPORTANCE_NAME = "global_feature_importance"


def _top_k_generator(k):
    def _top_k(probabilities, targets):
        targets = math_ops.cast(targets, dtypes.int32)
        if targets.shape.ndims > 1:
            targets = array_ops.squeeze(targets, axis=[1])
        return metrics.streaming_mean(in_top_k(probabilities, targets, k))
    return _top_k


def _accuracy(predictions, targets, weights=None):
    return metrics.streaming_accuracy(predictions, targets, weights=weights)


def _r2(probabilities, targets, weights=None):
    if targets.shape.ndims == 1:
        targets = array_ops.expand_dims(targets, -1)
    targets = math_ops.cast(targets, dtypes.float32)
    y_mean = math_ops.reduce_mean(targets, 0)
    squares_total = math_ops.reduce_sum(math_ops.square(targets - y_mean), 0)
    squares_residuals = math_ops.reduce_sum(math_ops.square(targets - probabilities), 0)
    score = 1 - math_ops.reduce_sum(squares_residuals / squares_total)
    return metrics.streaming_mean(score, weights=weights)


def _squeeze_and_onehot(targets, depth):
    targets = array_ops.squeeze(targets, axis=[1])
    return array_ops.one_hot(math_ops.cast(targets, dtypes.int32), depth)


def _sigmoid_entropy(probabilities, targets, weights=None):
    onehot = _squeeze_and_onehot(targets, array_ops.shape(probabilities)[1])
    return metrics.streaming_mean(losses.sigmoid_cross_entropy(probabilities, onehot), weights=weights)


def _softmax_entropy(probabilities, targets, weights=None):
    loss = losses.sparse_softmax_cross_entropy(probabilities, math_ops.cast(targets, dtypes.int32))
    return metrics.streaming_mean(loss, weights=weights)


def _predictions(predictions, unused_targets, **unused_kwargs):
    return predictions


def _class_log_loss(probabilities, targets, weights=None):
    onehot = _squeeze_and_onehot(targets, array_ops.shape(probabilities)[1])
    return metrics.streaming_mean(losses.log_loss(probabilities, onehot), weights=weights)


def _precision(predictions, targets, weights=None):
    return metrics.streaming_precision(predictions, targets, weights=weights)


def _recall(predictions, targets, weights=None):
    return metrics.streaming_recall(predictions, targets, weights=weights)


_EVAL_METRICS = {"sigmoid_entropy": _sigmoid_entropy, "softmax_entropy": _softmax_entropy, "accuracy": _accuracy,
                 "r2": _r2, "predictions": _predictions, "classification_log_loss": _class_log_loss,
                 "precision": _precision, "recall": _recall, "top_5": _top_k_generator(5)}

_PREDICTION_KEYS = {"sigmoid_entropy": INFERENCE_PROB_NAME, "softmax_entropy": INFERENCE_PROB_NAME,
                    "accuracy": INFERENCE_PRED_NAME, "r2": INFERENCE_PROB_NAME, "predictions": INFERENCE_PRED_NAME,
                    "classification_log_loss": INFERENCE_PROB_NAME, "precision": INFERENCE_PRED_NAME,
                    "recall": INFERENCE_PRED_NAME, "top_5": INFERENCE_PROB_NAME}


def get_metric(metric_name):
    """The metric function of that name (KeyError for another)."""
    return _EVAL_METRICS[metric_name]


def get_prediction_key(metric_name):
    return _PREDICTION_KEYS[metric_name]

"""`tf.metrics`: streaming metrics, accumulated over many `sess.run(update_op)` calls.

Each metric returns `(value, update_op)`. Its state lives in variables of the LOCAL_VARIABLES and METRIC_VARIABLES
collections, named and typed as in TensorFlow (`accuracy/total`, `mean_iou/total_confusion_matrix`, ...), so
`tf.local_variables_initializer()` (re)starts every metric at zero. `update_op` adds one batch and returns the
metric so far; `value` reads it without changing it.

    acc, acc_op = tf.metrics.accuracy(labels, tf.argmax(logits, 1))
    sess.run(tf.local_variables_initializer())
    for xb, yb in batches:
        sess.run(acc_op, {x: xb, y: yb})
    print(sess.run(acc))

core.py holds the metrics built on a mean or on confusion counts (and AUC), thresholds.py those at a list of
thresholds, means.py the other means (mean_iou, mean_per_class_accuracy, mean_tensor, ...), at_k.py those of top-k
predictions against label sets.
"""
from .at_k import (
    average_precision_at_k,
    precision_at_k,
    precision_at_top_k,
    recall_at_k,
    recall_at_top_k,
    sparse_average_precision_at_k,
    sparse_precision_at_k,
)
from .core import (
    METRIC_VARIABLES,
    accuracy,
    auc,
    false_negatives,
    false_positives,
    mean,
    mean_absolute_error,
    mean_squared_error,
    metric_variable,
    precision,
    recall,
    root_mean_squared_error,
    true_negatives,
    true_positives,
)
from .means import (
    mean_cosine_distance,
    mean_iou,
    mean_per_class_accuracy,
    mean_relative_error,
    mean_tensor,
    percentage_below,
)
from .thresholds import (
    false_negatives_at_thresholds,
    false_positives_at_thresholds,
    precision_at_thresholds,
    recall_at_thresholds,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
    true_negatives_at_thresholds,
    true_positives_at_thresholds,
)

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "true_positives", "false_positives",
           "true_negatives", "false_negatives", "mean_squared_error", "root_mean_squared_error",
           "mean_absolute_error", "metric_variable", "METRIC_VARIABLES",
           "true_positives_at_thresholds", "false_positives_at_thresholds", "true_negatives_at_thresholds",
           "false_negatives_at_thresholds", "precision_at_thresholds", "recall_at_thresholds",
           "sensitivity_at_specificity", "specificity_at_sensitivity",
           "mean_tensor", "percentage_below", "mean_relative_error", "mean_cosine_distance",
           "mean_per_class_accuracy", "mean_iou",
           "precision_at_k", "recall_at_k", "precision_at_top_k", "recall_at_top_k", "sparse_precision_at_k",
           "average_precision_at_k", "sparse_average_precision_at_k"]

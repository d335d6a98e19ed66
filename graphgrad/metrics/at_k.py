"""Streaming metrics of top-k predictions against sets of labels: precision and recall at k (of one class with
`class_id`) and the mean average precision at k.

`labels` are int class ids, [D1, ... DN, num_labels] or [D1, ... DN] (one label each), dense or a SparseTensor;
each row is a set, as `tf.sets` sees it. `predictions` are scores [D1, ... DN, num_classes] (the `_at_k` forms,
ranked by tf.nn.top_k) or the ranked class ids [D1, ... DN, k] (the `_top_k` forms). The counts are float64
variables named after the metric (`precision_at_5/true_positive_at_5`, ...), as TensorFlow's."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import array_ops, math_ops, set_ops, state_ops
from ..ops.core import convert_to_tensor, ones_like
from ..ops.sort_ops import top_k
from ..ops.sparse_array_ops import sparse_concat, sparse_reshape, sparse_retain
from ..ops.sparse_ops import SparseTensor, SparseTensorValue
from .core import _collect, metric_variable


def _at_k_name(name, k=None, class_id=None):
    name = f"{name}_at_{k}" if k is not None else f"{name}_at_k"
    return name if class_id is None else f"{name}_class{class_id}"


def _sparse_or_dense(x):
    if isinstance(x, SparseTensorValue):
        return SparseTensor.from_value(x)
    return x if isinstance(x, SparseTensor) else convert_to_tensor(x)


def _maybe_expand_labels(labels, predictions):
    """`labels` with a last dimension of 1 added when they have one dimension less than `predictions`."""
    with name_scope(None, "expand_labels", [labels, predictions]) as scope:
        labels = _sparse_or_dense(labels)
        want = predictions.shape.ndims
        if isinstance(labels, SparseTensor):
            if want is not None and want == labels.dense_shape.shape.dims_tuple[0] + 1:
                return sparse_reshape(labels, array_ops.concat([labels.dense_shape, [1]], 0), name=scope)
            return labels
        have = labels.shape.ndims
        if want == have:
            return labels
        if want == have + 1:
            return array_ops.expand_dims(labels, -1, name=scope)
        raise ValueError(f"Unexpected labels shape {labels.shape} for predictions shape {predictions.shape}. "
                         "Predictions rank should be the same rank as labels rank or labels rank plus one .")


def _select_class_id(ids, selected_id):
    """Each row of `ids` reduced to {selected_id} where it holds it, else to the empty set (a SparseTensor)."""
    ids = _sparse_or_dense(ids)
    if isinstance(ids, SparseTensor):
        return sparse_retain(ids, math_ops.equal(ids.values, selected_id))
    ids_shape = array_ops.shape(ids, out_type=dtypes.int64)
    filled_shape = array_ops.concat([ids_shape[:-1], [1]], 0)
    filled = array_ops.fill(filled_shape, math_ops.cast(selected_id, dtypes.int64))
    result = set_ops.set_intersection(filled, ids)
    return SparseTensor(result.indices, result.values, ids_shape)


def _per_row_count(count, labels, predictions_idx, class_id, weights):
    """float64 [D1, ... DN]: `count(predictions, labels)` per row (a set size), times the weights."""
    if class_id is not None:
        labels, predictions_idx = _select_class_id(labels, class_id), _select_class_id(predictions_idx, class_id)
    n = math_ops.cast(set_ops.set_size(count(predictions_idx, labels)), dtypes.float64)
    if weights is not None:
        n = math_ops.multiply(n, math_ops.cast(weights, dtypes.float64))
    return n


_COUNTS = {"true_positive": ("true_positives", set_ops.set_intersection),
           "false_positive": ("false_positives", lambda p, lab: set_ops.set_difference(p, lab, aminusb=True)),
           "false_negative": ("false_negatives", lambda p, lab: set_ops.set_difference(p, lab, aminusb=False))}


def _streaming_count(kind, labels, predictions_idx, k, class_id, weights):
    """The float64 variable `<kind>_at_<k>[_class<id>]` summing the per-row counts, and its update op."""
    with name_scope(None, _at_k_name(kind, k, class_id), [predictions_idx, labels, weights]) as scope:
        inner, count = _COUNTS[kind]
        with name_scope(None, inner):
            n = _per_row_count(count, labels, predictions_idx, class_id, weights)
        batch_total = math_ops.cast(math_ops.reduce_sum(n), dtypes.float64)
        var = metric_variable([], dtypes.float64, name=scope)
        return var, state_ops.assign_add(var, batch_total, name="update")


def _ratio_at_top_k(default, other, labels, predictions_idx, k, class_id, weights, metrics_collections,
                    updates_collections, name):
    with name_scope(name, _at_k_name(default, k, class_id), [predictions_idx, labels, weights]) as scope:
        predictions_idx = convert_to_tensor(predictions_idx)
        labels = _maybe_expand_labels(labels, predictions_idx)
        top_k_idx = math_ops.cast(predictions_idx, dtypes.int64)
        tp, tp_update = _streaming_count("true_positive", labels, top_k_idx, k, class_id, weights)
        o, o_update = _streaming_count(other, labels, top_k_idx, k, class_id, weights)
        metric = math_ops.divide(tp, math_ops.add(tp, o), name=scope)
        update = math_ops.divide(tp_update, math_ops.add(tp_update, o_update), name="update")
    _collect(metrics_collections, metric)
    _collect(updates_collections, update)
    return metric, update


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """tp / (tp + fp) of the ranked class ids `predictions_idx` [D1, ... DN, k] so far (NaN before any
    prediction of `class_id`, as TensorFlow): variables `.../true_positive_at_<k>` and `false_positive_at_<k>`."""
    return _ratio_at_top_k("precision", "false_positive", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """tp / (tp + fn) of the ranked class ids `predictions_idx` so far (NaN before any label of `class_id`):
    variables `.../true_positive_at_<k>` and `false_negative_at_<k>`."""
    return _ratio_at_top_k("recall", "false_negative", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def _at_k(default, at_top_k):
    def metric(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with name_scope(name, _at_k_name(default, k, class_id), [predictions, labels, weights]) as scope:
            _, top_k_idx = top_k(predictions, k)
            return at_top_k(labels, top_k_idx, k, class_id, weights, metrics_collections, updates_collections,
                            scope)
    metric.__name__ = f"{default}_at_k"
    metric.__doc__ = (f"`{default}_at_top_k` of the k highest-scoring classes of `predictions` [D1, ... DN, "
                      "num_classes] (tf.nn.top_k's order).")
    return metric


precision_at_k = _at_k("precision", precision_at_top_k)
recall_at_k = _at_k("recall", recall_at_top_k)


def sparse_precision_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                          updates_collections=None, name=None):
    """`precision_at_k` (TF1's older name)."""
    return precision_at_k(labels, predictions, k, class_id, weights, metrics_collections, updates_collections,
                          name)


# --- average precision ---------------------------------------------------------------------------------------

def _expand_and_tile(labels, multiple):
    """[D1, ... DN, num_labels] -> [D1, ... DN, multiple, num_labels] (the labels repeated for each rank)."""
    with name_scope(None, "labels_per_k", [labels]) as scope:
        if isinstance(labels, SparseTensor):
            shape = labels.dense_shape
            expanded = sparse_reshape(labels, array_ops.concat([shape[:-1], [1], shape[-1:]], 0), name="expand")
            return expanded if multiple == 1 else sparse_concat(-2, [expanded] * multiple, name=scope)
        expanded = array_ops.expand_dims(labels, -2, name="expand")
        if multiple == 1:
            return expanded
        ones = ones_like(array_ops.shape(labels))
        return array_ops.tile(expanded, array_ops.concat([ones[:-1], [multiple], ones[-1:]], 0), name=scope)


def _num_relevant(labels, k):
    """min(k, number of labels) per row (labels < 0 do not count in a dense row)."""
    with name_scope(None, "num_relevant", [labels]) as scope:
        if isinstance(labels, SparseTensor):
            return math_ops.minimum(set_ops.set_size(labels), k, name=scope)
        num_labels = math_ops.reduce_sum(math_ops.where(math_ops.greater_equal(labels, 0), ones_like(labels),
                                                        array_ops.zeros_like(labels)), axis=-1)
        return math_ops.minimum(num_labels, math_ops.cast(k, num_labels.dtype), name=scope)


def _average_precision(labels, predictions_idx):
    """float64 [D1, ... DN]: the sum over ranks i <= k of precision@i where rank i is relevant, / num_relevant."""
    with name_scope(None, "average_precision", [predictions_idx, labels]) as scope:
        predictions_idx = math_ops.cast(predictions_idx, dtypes.int64, name="predictions_idx")
        if predictions_idx.shape.ndims == 0:
            raise ValueError("The rank of `predictions_idx` must be at least 1.")
        k = predictions_idx.shape.as_list()[-1]
        if k is None:
            raise ValueError("The last dimension of predictions_idx must be set. Currently, it is None.")
        labels = _maybe_expand_labels(labels, predictions_idx)
        predictions_per_k = array_ops.expand_dims(predictions_idx, -1, name="predictions_idx_per_k")
        labels_per_k = _expand_and_tile(labels, k)
        with name_scope(None, "relevant_per_k"):
            relevant_per_k = _per_row_count(set_ops.set_intersection, labels_per_k, predictions_per_k, None, None)
        tp_per_k = math_ops.cumsum(relevant_per_k, axis=-1, name="tp_per_k")
        retrieved_per_k = math_ops.cumsum(ones_like(relevant_per_k), axis=-1, name="retrieved_per_k")
        precision_per_k = math_ops.divide(tp_per_k, retrieved_per_k, name="precision_per_k")
        relevant_precision = math_ops.multiply(precision_per_k, relevant_per_k, name="relevant_precision_per_k")
        precision_sum = math_ops.reduce_sum(relevant_precision, axis=[-1], name="precision_sum")
        num_relevant = math_ops.cast(_num_relevant(labels, k), dtypes.float64)
        return math_ops.divide(precision_sum, num_relevant, name=scope)


def _clean_out_of_range(labels, num_classes):
    """Labels >= num_classes become -1 (never a predicted class), as TensorFlow's average_precision_at_k (which
    cleans only when the largest label is out of range)."""
    def clean(values):
        return math_ops.where(math_ops.greater_equal(values, math_ops.cast(num_classes, values.dtype)),
                              math_ops.multiply(ones_like(values), math_ops.cast(-1, values.dtype)), values)
    labels = _sparse_or_dense(labels)
    values = labels.values if isinstance(labels, SparseTensor) else labels
    needed = math_ops.greater_equal(math_ops.reduce_max(values), math_ops.cast(num_classes, values.dtype))
    values = math_ops.where_v2(needed, clean(values), values)
    return SparseTensor(labels.indices, values, labels.dense_shape) if isinstance(labels, SparseTensor) else values


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                           updates_collections=None, name=None):
    """The mean over rows so far of the average precision of the k highest-scoring classes (0 before any row):
    float64 variables `average_precision_at_<k>/max` (rows, or their weights) and `.../total`."""
    if k < 1:
        raise ValueError(f"Invalid k={k}. `k` should be >= 1.")
    with name_scope(name, _at_k_name("average_precision", k), [predictions, labels, weights]) as scope:
        predictions = convert_to_tensor(predictions)
        _, predictions_idx = top_k(predictions, k)
        labels = _clean_out_of_range(labels, array_ops.shape(predictions)[-1])
        with name_scope(scope):
            average_precision = _average_precision(labels, predictions_idx)
            if weights is not None:
                weights = math_ops.multiply(math_ops.cast(weights, dtypes.float64), ones_like(average_precision))
                average_precision = math_ops.multiply(average_precision, weights)
            with name_scope(None, "max", [average_precision]) as max_scope:
                max_var = metric_variable([], dtypes.float64, name=max_scope)
                if weights is None:
                    batch_max = math_ops.cast(array_ops.size(average_precision, name="batch_max"), dtypes.float64)
                else:
                    batch_max = math_ops.reduce_sum(weights, name="batch_max")
                max_update = state_ops.assign_add(max_var, batch_max, name="update")
            with name_scope(None, "total", [average_precision]) as total_scope:
                total_var = metric_variable([], dtypes.float64, name=total_scope)
                batch_total = math_ops.reduce_sum(average_precision, name="batch_total")
                total_update = state_ops.assign_add(total_var, batch_total, name="update")
            value = math_ops.div_no_nan(total_var, max_var, name="mean")
            update = math_ops.div_no_nan(total_update, max_update, name=scope)
    _collect(metrics_collections, value)
    _collect(updates_collections, update)
    return value, update


def sparse_average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                                  updates_collections=None, name=None):
    """`average_precision_at_k` (TF1's older name)."""
    return average_precision_at_k(labels, predictions, k, weights, metrics_collections, updates_collections, name)

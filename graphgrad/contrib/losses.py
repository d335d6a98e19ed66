"""`tf.contrib.losses` (also `slim.losses`): TF1's first loss functions, before `tf.losses`.

They differ from `tf.losses` in ways old programs rely on: the prediction (logits) comes first
(`softmax_cross_entropy(logits, onehot_labels)`), `weights` broadcast from the left — weights of shape [batch]
weigh each example's row of a [batch, d1, ...] loss — the mean divides by the number of present elements that
the weights induce, and `hinge_loss` returns the unreduced losses. Each reduced loss is added to the LOSSES
collection, so `get_total_loss()` sees it.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..losses.util import add_loss, get_losses, get_regularization_losses
from ..ops import array_ops, math_ops, nn_ops, select_ops
from ..ops.core import convert_to_tensor
from ..ops.cross_entropy_ops import (
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)

__all__ = ["absolute_difference", "add_loss", "compute_weighted_loss", "cosine_distance", "get_losses",
           "get_regularization_losses", "get_total_loss", "hinge_loss", "log_loss", "mean_pairwise_squared_error",
           "mean_squared_error", "sigmoid_cross_entropy", "softmax_cross_entropy", "sparse_softmax_cross_entropy"]


def _scale_losses(losses, weights):
    """sum(losses · weights) with weights of rank k multiplying the losses summed over their axes k and up."""
    start = max(0, weights.shape.ndims)
    reduced = math_ops.reduce_sum(losses, axis=list(range(start, losses.shape.ndims)))
    return math_ops.reduce_sum(math_ops.multiply(reduced, weights))


def _num_present(losses, weights, per_batch=False):
    """How many loss elements the weights count: per example, non-zero weights times the elements each covers."""
    batch = array_ops.reshape(array_ops.slice(array_ops.shape(losses), [0], [1]), [])
    if weights.shape.ndims == 0:
        per_example = math_ops.div(math_ops.cast(array_ops.size(losses), dtypes.float32),
                                   math_ops.cast(batch, dtypes.float32))
        per_example = select_ops.where(math_ops.equal(weights, 0), 0.0, per_example)
        per_example = math_ops.multiply(array_ops.ones(array_ops.reshape(batch, [1])), per_example)
        return per_example if per_batch else math_ops.reduce_sum(per_example)
    nonzero = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(weights, 0), dtypes.float32),
                                  axis=list(range(1, weights.shape.ndims)))
    covered = math_ops.cast(math_ops.reduce_prod(
        array_ops.slice(array_ops.shape(losses), [weights.shape.ndims], [-1])), dtypes.float32)
    per_example = math_ops.multiply(nonzero, covered)
    return per_example if per_batch else math_ops.reduce_sum(per_example)


def _checked_weights(losses, weights):
    losses = convert_to_tensor(losses)
    weights = math_ops.cast(convert_to_tensor(weights), dtypes.float32)
    if losses.shape.ndims is None:
        raise ValueError("losses.get_shape().ndims cannot be None")
    if weights.shape.ndims is None:
        raise ValueError("weights.get_shape().ndims cannot be None")
    if weights.shape.ndims > 1 and weights.shape.dims[-1].is_compatible_with(1):
        weights = array_ops.squeeze(weights, [-1])
    return losses, weights


def compute_weighted_loss(losses, weights=1.0, scope=None):
    """The weighted mean of `losses` over the elements the weights make present (0 when none is), in the
    losses' dtype, added to LOSSES."""
    with name_scope(scope, "weighted_loss", [losses, weights]):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses, weights = _checked_weights(math_ops.cast(losses, dtypes.float32), weights)
        total = _scale_losses(losses, weights)
        mean = math_ops.div_no_nan(math_ops.reduce_sum(total), _num_present(losses, weights), name="value")
        mean = math_ops.cast(mean, input_dtype)
        add_loss(mean)
        return mean


def get_total_loss(add_regularization_losses=True, name="total_loss"):
    """The sum of LOSSES (and REGULARIZATION_LOSSES)."""
    losses = get_losses()
    if add_regularization_losses:
        losses += get_regularization_losses()
    return math_ops.add_n(losses, name=name)


def _compatible(a, b):
    a.shape.assert_is_compatible_with(b.shape)


def _float_pair(predictions, labels):
    predictions, labels = convert_to_tensor(predictions), convert_to_tensor(labels)
    _compatible(predictions, labels)
    return math_ops.cast(predictions, dtypes.float32), math_ops.cast(labels, dtypes.float32)


def absolute_difference(predictions, labels=None, weights=1.0, scope=None):
    with name_scope(scope, "absolute_difference", [predictions, labels, weights]) as sc:
        predictions, labels = _float_pair(predictions, labels)
        return compute_weighted_loss(math_ops.abs(math_ops.subtract(predictions, labels)), weights, scope=sc)


def mean_squared_error(predictions, labels=None, weights=1.0, scope=None):
    with name_scope(scope, "mean_squared_error", [predictions, labels, weights]) as sc:
        predictions, labels = _float_pair(predictions, labels)
        return compute_weighted_loss(math_ops.squared_difference(predictions, labels), weights, scope=sc)


def log_loss(predictions, labels=None, weights=1.0, epsilon=1e-7, scope=None):
    with name_scope(scope, "log_loss", [predictions, labels, weights]) as sc:
        predictions, labels = _float_pair(predictions, labels)
        losses = math_ops.subtract(
            -math_ops.multiply(labels, math_ops.log(predictions + epsilon)),
            math_ops.multiply(1 - labels, math_ops.log(1 - predictions + epsilon)))
        return compute_weighted_loss(losses, weights, scope=sc)


def hinge_loss(logits, labels=None, scope=None):
    """relu(1 - (2·labels - 1)·logits) per element, unreduced (and not added to LOSSES), as contrib had it."""
    with name_scope(scope, "hinge_loss", [logits, labels]):
        logits, labels = convert_to_tensor(logits), convert_to_tensor(labels)
        _compatible(logits, labels)
        labels = math_ops.cast(labels, dtypes.float32)
        ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, ones)
        return nn_ops.relu(math_ops.subtract(ones, math_ops.multiply(labels, logits)))


def sigmoid_cross_entropy(logits, multi_class_labels, weights=1.0, label_smoothing=0, scope=None):
    with name_scope(scope, "sigmoid_cross_entropy_loss", [logits, multi_class_labels, weights]) as sc:
        logits, labels = convert_to_tensor(logits), convert_to_tensor(multi_class_labels)
        _compatible(logits, labels)
        labels = math_ops.cast(labels, logits.dtype)
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope=sc)


def softmax_cross_entropy(logits, onehot_labels, weights=1.0, label_smoothing=0, scope=None):
    with name_scope(scope, "softmax_cross_entropy_loss", [logits, onehot_labels, weights]) as sc:
        logits, labels = convert_to_tensor(logits), convert_to_tensor(onehot_labels)
        _compatible(logits, labels)
        labels = math_ops.cast(labels, logits.dtype)
        if label_smoothing > 0:
            classes = math_ops.cast(array_ops.shape(labels)[1], logits.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / classes
        losses = softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope=sc)


def sparse_softmax_cross_entropy(logits, labels, weights=1.0, scope=None):
    with name_scope(scope, "sparse_softmax_cross_entropy_loss", [logits, labels, weights]) as sc:
        labels = convert_to_tensor(labels)
        labels = array_ops.reshape(labels, [array_ops.shape(labels)[0]])
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope=sc)


def mean_pairwise_squared_error(predictions, labels=None, weights=1.0, scope=None):
    """Per example, the mean over pairs (i, j) of ((p_i - p_j) - (l_i - l_j))², weighted, summed."""
    with name_scope(scope, "mean_pairwise_squared_error", [predictions, labels, weights]):
        predictions, labels = _float_pair(predictions, labels)
        weights = math_ops.cast(convert_to_tensor(weights), dtypes.float32)
        diffs = math_ops.subtract(predictions, labels)
        if diffs.shape.ndims is None:
            raise ValueError("diffs.get_shape().ndims cannot be None")
        if weights.shape.ndims is None:
            raise ValueError("weights.get_shape().ndims cannot be None")
        axis = list(range(1, diffs.shape.ndims))
        present = _num_present(diffs, weights, per_batch=True)
        term1 = 2.0 * math_ops.div_no_nan(math_ops.reduce_sum(math_ops.square(diffs), axis=axis), present,
                                          name="value")
        term2 = 2.0 * math_ops.div_no_nan(math_ops.square(math_ops.reduce_sum(diffs, axis=axis)),
                                          math_ops.square(present), name="value")
        loss = _scale_losses(term1 - term2, weights)
        mean = select_ops.where(math_ops.reduce_sum(present) > 0, loss, array_ops.zeros_like(loss), name="value")
        add_loss(mean)
        return mean


def cosine_distance(predictions, labels=None, axis=None, weights=1.0, scope=None, dim=None):
    """1 - sum(predictions · labels) along `axis` (the inputs are expected unit-normalized), weighted."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    with name_scope(scope, "cosine_distance_loss", [predictions, labels, weights]) as sc:
        predictions, labels = _float_pair(predictions, labels)
        losses = 1 - math_ops.reduce_sum(math_ops.multiply(predictions, labels), axis=[axis])
        return compute_weighted_loss(losses, weights, scope=sc)



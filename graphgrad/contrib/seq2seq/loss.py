"""`tf.contrib.seq2seq.sequence_loss`: the weighted per-step cross-entropy of sequence models."""
from ...framework.graph import name_scope
from ...ops.arithmetic_ops import div_no_nan, multiply
from ...ops.array_ops import reshape, shape
from ...ops.cast_ops import cast
from ...ops.comparison_ops import not_equal
from ...ops.core import convert_to_tensor
from ...ops.cross_entropy_ops import sparse_softmax_cross_entropy_with_logits
from ...ops.reduction_ops import reduce_sum


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  sum_over_timesteps=False, sum_over_batch=False, softmax_loss_function=None, name=None):
    """TF1's arithmetic: per-step cross-entropy ce[b, t] of `logits` [batch, time, classes] against integer
    `targets` [batch, time], times `weights` [batch, time]; then

    - both averages (the default): sum(ce * w) / sum(w), a scalar;
    - `average_across_timesteps` only: sum_t(ce * w) / sum_t(w), shape [batch]; `average_across_batch` only:
      over the batch, shape [time];
    - `sum_over_*` instead of `average_across_*`: the same sums divided by the number of nonzero weights;
    - neither: ce * w, shape [batch, time].

    Divisions by a zero total give 0 (`div_no_nan`). `softmax_loss_function(labels=, logits=)` replaces the sparse
    softmax cross-entropy."""
    logits = convert_to_tensor(logits, name="logits")
    targets = convert_to_tensor(targets, name="targets")
    weights = convert_to_tensor(weights, name="weights", preferred_dtype=logits.dtype.base_dtype)
    if logits.shape.ndims is not None and logits.shape.ndims != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if targets.shape.ndims is not None and targets.shape.ndims != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if weights.shape.ndims is not None and weights.shape.ndims != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError("average_across_timesteps and sum_over_timesteps cannot be set to True at same time.")
    if average_across_batch and sum_over_batch:
        raise ValueError("average_across_batch and sum_over_batch cannot be set to True at same time.")
    with name_scope(name, "sequence_loss", [logits, targets, weights]):
        num_classes = shape(logits)[2]
        logits_flat = reshape(logits, [-1, num_classes])
        targets_flat = reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = sparse_softmax_cross_entropy_with_logits(labels=targets_flat, logits=logits_flat)
        else:
            crossent = softmax_loss_function(labels=targets_flat, logits=logits_flat)
        crossent = multiply(crossent, reshape(weights, [-1]))
        if average_across_timesteps and average_across_batch:
            return div_no_nan(reduce_sum(crossent), reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            return div_no_nan(reduce_sum(crossent), reduce_sum(cast(not_equal(weights, 0.0), weights.dtype)))
        crossent = reshape(crossent, shape(logits)[0:2])
        if average_across_timesteps or average_across_batch:
            axis = [0] if average_across_batch else [1]
            return div_no_nan(reduce_sum(crossent, axis=axis), reduce_sum(weights, axis=axis))
        if sum_over_timesteps or sum_over_batch:
            axis = [0] if sum_over_batch else [1]
            nonzero = cast(not_equal(weights, 0.0), weights.dtype)
            return div_no_nan(reduce_sum(crossent, axis=axis), reduce_sum(nonzero, axis=axis))
        return crossent


__all__ = ["sequence_loss"]

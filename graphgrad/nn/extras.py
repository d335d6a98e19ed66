"""tf.nn's compositions for CTC labels and distributed losses, built from graph ops as TF builds them:
`collapse_repeated` (runs of a label merged, per row of a padded batch), `ctc_unique_labels` (each row's unique
labels, padded, and every label's index into them), `compute_average_loss` (sum of the per-example losses over
the global batch size) and `scale_regularization_loss` (over the number of replicas: one here)."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops.arithmetic_ops import multiply, truediv
from ..ops.array_ops import boolean_mask, broadcast_to, concat, expand_dims, range, reshape, shape, size
from ..ops.cast_ops import cast
from ..ops.comparison_ops import logical_and, not_equal
from ..ops.core import convert_to_tensor, ones_like
from ..ops.functional_ops import map_fn
from ..ops.nd_ops import scatter_nd
from ..ops.reduction_ops import reduce_max, reduce_sum
from ..ops.sequence_ops import sequence_mask
from ..ops.unique_ops import unique


def _dim(t, i):
    d = t.shape[i].value if t.shape.ndims is not None else None
    return d if d is not None else shape(t)[i]


def collapse_repeated(labels, seq_length, name=None):
    """(labels with each run of one label merged into one, padded [batch, new max length]; the new lengths)."""
    with name_scope(name, "collapse_repeated_labels", [labels, seq_length]):
        labels = convert_to_tensor(labels, name="labels")
        seq_length = convert_to_tensor(seq_length, name="seq_length")
        keep = concat([cast(ones_like(labels[:, :1]), dtypes.bool_), not_equal(labels[:, 1:], labels[:, :-1])], 1)
        keep = logical_and(keep, sequence_mask(seq_length, maxlen=_dim(labels, 1)))
        new_len = reduce_sum(cast(keep, dtypes.int32), axis=1)
        new_max = reduce_max(new_len)
        slots = reshape(sequence_mask(new_len, maxlen=new_max), [-1])
        flat = scatter_nd(expand_dims(boolean_mask(range(size(slots)), slots), axis=1),
                          boolean_mask(reshape(labels, [-1]), reshape(keep, [-1])), shape(slots))
        return reshape(flat, [_dim(labels, 0), new_max]), cast(new_len, seq_length.dtype.base_dtype)


def ctc_unique_labels(labels, name=None):
    """Per row of `labels` [batch, length]: its unique labels in first-seen order, zero-padded to the length
    (int64), and each label's index among them (int32)."""
    with name_scope(name, "ctc_unique_labels", [labels]):
        labels = convert_to_tensor(labels, name="labels")

        def _unique(x):
            y, idx = unique(x)
            padded = scatter_nd(expand_dims(range(size(y)), 1), y, shape(idx))  # y, then zeros up to idx's length
            return [cast(padded, dtypes.int64), idx]
        return map_fn(_unique, labels, dtype=[dtypes.int64, dtypes.int32])


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per_example_loss · sample_weight) / global_batch_size (by default the batch size: one replica)."""
    loss = convert_to_tensor(per_example_loss)
    dtype = loss.dtype.base_dtype
    if loss.shape.ndims == 0:
        raise ValueError("Invalid value passed for `per_example_loss`. Expected a tensor with at least rank 1.")
    if sample_weight is not None:
        loss = cast(multiply(loss, broadcast_to(cast(convert_to_tensor(sample_weight), dtype), shape(loss))), dtype)
    if global_batch_size is None:
        global_batch_size = shape(loss)[0]
    elif isinstance(global_batch_size, float) or not getattr(convert_to_tensor(global_batch_size).dtype,
                                                             "is_integer", False):
        raise TypeError("global_batch_size must be an integer.")
    return truediv(reduce_sum(loss), cast(global_batch_size, dtype))


def scale_regularization_loss(regularization_loss):
    """The summed regularization loss over the number of replicas in sync (1: graphgrad runs one replica)."""
    loss = convert_to_tensor(regularization_loss)
    return truediv(reduce_sum(loss), cast(1, loss.dtype.base_dtype))

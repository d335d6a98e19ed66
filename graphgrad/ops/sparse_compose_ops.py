"""TF1's sparse functions that are compositions of other graph ops (no kernel of their own, so their gradients
come from their parts): `sparse_merge`, `sparse_to_indicator`, `sparse_reset_shape`, `tf.sparse.expand_dims`,
`tf.sparse.eye`, and `segment_sum_sorted`, the sum by sorted ids that embeddings of sparse ids are made of (the
sparse segment reductions themselves are ops of their own: ops/segment_reduce_ops.py).
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from .arithmetic_ops import maximum, minimum
from .array_ops import concat, expand_dims, fill, get_static_value, ones, reshape, shape, stack
from .array_ops import range as range_
from .cast_ops import cast
from .check_ops import assert_less_equal
from .core import convert_to_tensor, identity, ones_like, with_dependencies
from .reduction_ops import reduce_max
from .segment_ops import unsorted_segment_sum
from .sparse_array_ops import sparse_reorder
from .sparse_ops import SparseTensor, sparse_tensor, to_dense

__all__ = ["sparse_merge", "sparse_to_indicator", "sparse_reset_shape", "sparse_expand_dims", "eye",
           "segment_sum_sorted"]


def sparse_merge(sp_ids, sp_values, vocab_size, name=None, already_sorted=False):
    """`tf.sparse_merge` / `tf.sparse.merge`: the values of `sp_values` at [..., id] for the ids of `sp_ids`,
    in a last dimension of `vocab_size` (reordered unless `already_sorted`)."""
    sp_ids, sp_values = sparse_tensor(sp_ids, "sp_ids"), sparse_tensor(sp_values, "sp_values")
    with name_scope(name, "SparseMerge", [sp_ids, sp_values]):
        ids = sp_ids.values if sp_ids.values.dtype.base_dtype == dtypes.int64 else cast(sp_ids.values, dtypes.int64)
        indices = concat([sp_ids.indices[:, :-1], expand_dims(ids, 1)], 1)
        dense_shape = concat([sp_ids.dense_shape[:-1], cast(reshape(vocab_size, [1]), dtypes.int64)], 0)
        lead, vocab = sp_ids.get_shape(), get_static_value(vocab_size)
        if lead.is_fully_defined() and vocab is not None and vocab.ndim == 0:  # TF knows it too
            dense_shape = lead.as_list()[:-1] + [int(vocab)]
        result = SparseTensor(indices, sp_values.values, dense_shape)
        if already_sorted:
            return result
        ordered = sparse_reorder(result)
        return SparseTensor(ordered.indices, ordered.values, dense_shape)


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """`tf.sparse_to_indicator` / `tf.sparse.to_indicator`: a dense bool tensor, True at [..., id] for each id
    in a row of the int SparseTensor (ids outside 0..vocab_size-1 are an error)."""
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseToIndicator", [sp]) as scope:
        trues = SparseTensor(sp.indices, fill(shape(sp.indices)[0:1], True), sp.dense_shape)
        merged = sparse_merge(sp, trues, vocab_size)
        return to_dense(merged, default_value=False, validate_indices=False, name=scope)


def sparse_reset_shape(sp_input, new_shape=None):
    """`tf.sparse_reset_shape` / `tf.sparse.reset_shape`: the same entries in `new_shape` (no smaller than the
    old one: a ValueError while building when both are known, else a run-time check), or by default in the
    smallest shape that holds them."""
    sp = sparse_tensor(sp_input)
    indices, values, old = identity(sp.indices), identity(sp.values), identity(sp.dense_shape)
    if new_shape is None:
        return SparseTensor(indices, values, maximum(convert_to_tensor(0, dtypes.int64),
                                                     reduce_max(indices, 0) + ones_like(old)))
    new = cast(convert_to_tensor(new_shape), dtypes.int64)
    if new.shape.ndims is not None and new.shape.ndims != 1:
        raise ValueError(f"Shape {new.shape} must have rank 1")
    value = get_static_value(new)
    if value is not None and sp.get_shape().is_fully_defined():
        old_dims = sp.get_shape().as_list()
        if len(old_dims) != len(value) or any(o > n for o, n in zip(old_dims, value)):
            raise ValueError(f"Requested new_shape should have dimension sizes >= sp_input.shape.  Found new_shape "
                             f"({old_dims}), sp_input.shape ({[int(d) for d in value]}).")
        return SparseTensor(indices, values, [int(d) for d in value])
    return SparseTensor(indices, values, with_dependencies([assert_less_equal(old, new)], new))


def sparse_expand_dims(sp_input, axis=None, name=None):
    """`tf.sparse.expand_dims`: a dimension of size 1 inserted at `axis` (default -1, the end)."""
    sp = sparse_tensor(sp_input)
    n = sp.dense_shape.shape[0].value
    axis = -1 if axis is None else int(axis)
    if n is None:
        raise ValueError("tf.sparse.expand_dims needs the SparseTensor's rank known while building")
    if not -n - 1 <= axis <= n:
        raise ValueError(f"Axis {axis} out of range for a SparseTensor of rank {n}")
    a = axis % (n + 1)
    with name_scope(name, "ExpandDims", [sp]):
        zeros = fill(stack([shape(sp.indices)[0], 1]), convert_to_tensor(0, dtypes.int64))
        indices = concat([sp.indices[:, :a], zeros, sp.indices[:, a:]], 1)
        dense_shape = concat([sp.dense_shape[:a], convert_to_tensor([1], dtypes.int64), sp.dense_shape[a:]], 0)
        return SparseTensor(indices, sp.values, dense_shape)


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """`tf.sparse.eye`: a SparseTensor with ones on the diagonal."""
    with name_scope(name, "eye", [num_rows, num_columns]):
        rows = cast(convert_to_tensor(num_rows), dtypes.int64)
        cols = rows if num_columns is None else cast(convert_to_tensor(num_columns), dtypes.int64)
        diag = range_(minimum(rows, cols))
        return SparseTensor(stack([diag, diag], 1), ones([minimum(rows, cols)], dtypes.as_dtype(dtype)),
                            stack([rows, cols]))


def segment_sum_sorted(data, segment_ids, num_segments=None):
    """TF's segment_sum for sorted ids: as many rows as the largest id + 1 (or `num_segments`)."""
    if num_segments is None:
        num_segments = reduce_max(concat([segment_ids + 1, convert_to_tensor([0], segment_ids.dtype.base_dtype)],
                                         0))
    return unsorted_segment_sum(data, segment_ids, num_segments)



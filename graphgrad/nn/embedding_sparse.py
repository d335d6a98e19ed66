"""`tf.nn.embedding_lookup_sparse` and `tf.nn.safe_embedding_lookup_sparse`: one combined embedding per row of a
SparseTensor of ids (bag-of-words, wide models, feature columns), as TF 2.21's `compat.v1` builds them.

A row's embedding is the sum of its ids' rows of `params`, each times its weight (`sp_weights`, else 1), divided
by the sum of the weights ("mean") or by the root of the sum of their squares ("sqrtn"), or not ("sum"). The
result has one row per row index up to the largest present (TF's segment_sum), so trailing empty rows are absent
and middle ones zero; the safe form gives every row of the dense shape (`default_id`'s embedding or zeros for
empty rows), drops ids < 0 and, unless summing, weights <= 0, and takes ids of any rank. Gradients reach the
params (dense here, where TF gives IndexedSlices: the same values) and the weights.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import math_ops
from ..ops.array_ops import concat, expand_dims, gather, get_static_value, reshape, shape, size, tile
from ..ops.cast_ops import cast
from ..ops.comparison_ops import greater, greater_equal
from ..ops.core import convert_to_tensor, identity, zeros_like
from ..ops.reduction_ops import reduce_prod
from ..ops.select_ops import where
from ..ops.sparse_array_ops import sparse_fill_empty_rows, sparse_reshape, sparse_retain
from ..ops.sparse_compose_ops import segment_sum_sorted
from ..ops.sparse_ops import SparseTensor, SparseTensorValue
from ..partitioned_variables import PartitionedVariable
from .sampled_losses import embedding_lookup

__all__ = ["embedding_lookup_sparse", "safe_embedding_lookup_sparse"]


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy="mod", name=None, combiner=None,
                            max_norm=None, allow_fast_lookup=False):
    """The combined embedding of each row of `sp_ids` (rank 2: [batch, ids]), [rows, dim]."""
    del allow_fast_lookup  # the same values either way
    combiner = "mean" if combiner is None else combiner
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    params = list(params) if isinstance(params, (list, tuple, PartitionedVariable)) else [params]
    if isinstance(sp_ids, SparseTensorValue):
        sp_ids = SparseTensor.from_value(sp_ids)
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"sp_ids must be SparseTensor, got {type(sp_ids)}")
    if sp_weights is not None:
        if isinstance(sp_weights, SparseTensorValue):
            sp_weights = SparseTensor.from_value(sp_weights)
        if not isinstance(sp_weights, SparseTensor):
            raise TypeError(f"sp_weights must be either None or SparseTensor,got {type(sp_weights)}")
        sp_ids.values.shape.assert_is_compatible_with(sp_weights.values.shape)
        sp_ids.indices.shape.assert_is_compatible_with(sp_weights.indices.shape)
    with name_scope(name, "embedding_lookup_sparse", params + [sp_ids]) as scope:
        segment_ids = sp_ids.indices[:, 0]
        # TF looks up each distinct id once (unique, then a gather of those rows); the values are the same
        # without it, and the table's dense gradient is then one scatter instead of two.
        embeddings = embedding_lookup(params, sp_ids.values, partition_strategy=partition_strategy,
                                      max_norm=max_norm)
        if sp_weights is None:
            weights = cast(zeros_like(sp_ids.values), embeddings.dtype.base_dtype) + 1
        else:
            weights = sp_weights.values
            if weights.dtype.base_dtype != embeddings.dtype.base_dtype:
                weights = cast(weights, embeddings.dtype.base_dtype)
        ones = tile(convert_to_tensor([1]), expand_dims(size(shape(embeddings)) - 1, 0))
        known = weights.shape
        weights = reshape(weights, concat([shape(weights), ones], 0))
        if embeddings.shape.ndims is not None:  # as TF: the reshape to [n, 1, ...] keeps its static shape
            weights.set_shape(known.concatenate([1] * (embeddings.shape.ndims - 1)))
        summed = segment_sum_sorted(embeddings * weights, segment_ids)
        if combiner == "sum":
            return summed if name is None else identity(summed, name=scope)
        total = segment_sum_sorted(weights if combiner == "mean" else weights * weights, segment_ids)
        if combiner == "sqrtn":
            total = math_ops.sqrt(total)
        return math_ops.div_no_nan(summed, total, name=scope)


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None, combiner="mean",
                                 default_id=None, name=None, partition_strategy="div", max_norm=None,
                                 allow_fast_lookup=False):
    """The combined embedding of every row of `sparse_ids` (any rank >= 2: [d0, ..., dn-1, ids] gives
    [d0, ..., dn-1, dim]); invalid ids and weights dropped, empty rows zero or `default_id`'s embedding."""
    if embedding_weights is None:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    weights = list(embedding_weights) if isinstance(embedding_weights, (list, tuple, PartitionedVariable)) \
        else [embedding_weights]
    if not weights:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    sparse_ids = SparseTensor.from_value(sparse_ids)
    sparse_weights = None if sparse_weights is None else SparseTensor.from_value(sparse_weights)
    with name_scope(name, "embedding_lookup", weights + [sparse_ids]) as scope:
        original_shape = sparse_ids.dense_shape
        rank_dim = original_shape.shape[0].value
        rank = size(original_shape) if rank_dim is None else rank_dim
        sparse_ids = sparse_reshape(sparse_ids, [reduce_prod(original_shape[:rank - 1]),
                                                 gather(original_shape, rank - 1)])
        if sparse_weights is not None:
            sparse_weights = SparseTensor(sparse_ids.indices, sparse_weights.values, sparse_ids.dense_shape)
        keep = greater_equal(sparse_ids.values, convert_to_tensor(0, sparse_ids.values.dtype.base_dtype))
        sparse_ids, sparse_weights = _retain(sparse_ids, sparse_weights, keep)
        if combiner != "sum" and sparse_weights is not None:
            keep = greater(sparse_weights.values, convert_to_tensor(0, sparse_weights.values.dtype.base_dtype))
            sparse_ids, sparse_weights = _retain(sparse_ids, sparse_weights, keep)
        sparse_ids, is_row_empty = sparse_fill_empty_rows(sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(weights, sparse_ids, sparse_weights, combiner=combiner,
                                         partition_strategy=partition_strategy, max_norm=max_norm,
                                         name=None if default_id is None else scope)
        if default_id is None:
            empty = tile(reshape(is_row_empty, [-1, 1]), concat([[1], shape(result)[1:2]], 0))
            result = where(empty, zeros_like(result), result, name=scope)
        lead = cast(original_shape, dtypes.int32)[:rank - 1]
        out = reshape(result, concat([lead, shape(result)[1:]], 0))
        lead_dims = get_static_value(original_shape)
        if rank_dim is not None and result.shape.ndims is not None:
            out.set_shape(([None] * (rank_dim - 1) if lead_dims is None else [int(d) for d in lead_dims[:-1]])
                          + result.shape.as_list()[1:])
        return out


def _retain(ids, weights, keep):
    return sparse_retain(ids, keep), None if weights is None else sparse_retain(weights, keep)



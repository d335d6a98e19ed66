"""`tf.ragged`'s functions over RaggedTensors of one ragged dimension, composed of ordinary graph ops as TF
composes them: row splits <-> segment ids, `stack`, `boolean_mask`, `map_flat_values`, `cross` / `cross_hashed`
(through the sparse cross, so the values and hashes are TF's) and `stack_dynamic_partitions`.

Where TF's result would have two ragged dimensions (stacking ragged tensors, a mask of rank 3, partitioning a
ragged tensor) graphgrad raises NotImplementedError: its RaggedTensor has ragged_rank 1.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import Tensor, name_scope
from ..framework.tensor_shape import TensorShape
from . import nest
from .arithmetic_ops import subtract
from .array_ops import boolean_mask as _dense_boolean_mask
from .array_ops import concat, gather, range, reshape, shape
from .array_ops import stack as _dense_stack
from .cast_ops import cast
from .check_ops import assert_equal, assert_less, assert_non_negative
from .confusion_ops import bincount
from .core import convert_to_tensor, with_dependencies
from .linspace_repeat_ops import repeat
from .ragged_ops import RaggedTensor
from .scan_ops import cumsum
from .segment_ops import unsorted_segment_sum
from .sort_ops import argsort
from .sparse_count_cross_ops import _cross
from .sparse_ops import SparseTensor

__all__ = ["boolean_mask", "cross", "cross_hashed", "map_flat_values", "row_splits_to_segment_ids",
           "segment_ids_to_row_splits", "stack", "stack_dynamic_partitions"]


def _one_ragged_dim(what):
    return NotImplementedError(f"{what} would have two ragged dimensions; graphgrad's RaggedTensor has one "
                               f"(ragged_rank=1)")


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row of each value: [0, 2, 2, 5] -> [0, 0, 2, 2, 2] (of splits' dtype unless `out_type`)."""
    with name_scope(name, "RaggedSplitsToSegmentIds"):
        splits = convert_to_tensor(splits, name="splits", preferred_dtype=dtypes.int64)
        if out_type is not None and splits.dtype.base_dtype != dtypes.as_dtype(out_type):
            splits = cast(splits, out_type)
        splits.shape.with_rank(1)
        lengths = subtract(splits[1:], splits[:-1])
        nrows = subtract(shape(splits, out_type=splits.dtype.base_dtype)[-1], 1)
        return repeat(range(nrows), lengths, axis=0)


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits of sorted segment ids: [0, 0, 2, 2, 2] -> [0, 2, 2, 5]; `num_segments` rows at least."""
    if out_type is None:
        out_type = (segment_ids.dtype if isinstance(segment_ids, Tensor) else num_segments.dtype
                    if isinstance(num_segments, Tensor) else dtypes.int64)
    out_type = dtypes.as_dtype(out_type).base_dtype
    with name_scope(name, "SegmentIdsToRaggedSplits"):
        ids = convert_to_tensor(segment_ids, name="segment_ids", preferred_dtype=out_type)
        ids.shape.with_rank(1)
        n = None if num_segments is None else cast(convert_to_tensor(num_segments, name="num_segments"),
                                                   dtypes.int32)
        lengths = bincount(cast(ids, dtypes.int32), minlength=n, maxlength=n, dtype=out_type)
        return concat([convert_to_tensor([0], out_type), cumsum(lengths)], 0)


def _from_lengths(values, lengths):
    splits = concat([convert_to_tensor([0], dtypes.int64), cumsum(cast(lengths, dtypes.int64))], 0)
    return RaggedTensor(values, splits)


def _from_dense(t):
    """A [rows, k, ...] tensor as a RaggedTensor of rows of length k."""
    dims = shape(t, out_type=dtypes.int64)
    flat = reshape(t, concat([convert_to_tensor([-1], dtypes.int64), dims[2:]], 0))
    flat.set_shape(TensorShape([None]).concatenate(t.shape[2:]))
    return RaggedTensor(flat, range(0, dims[0] * dims[1] + 1, dims[1]))


def stack(values, axis=0, name=None):
    """1-D tensors of different lengths as the rows of a RaggedTensor (axis 0); `axis=1` stacks them as columns
    into a dense tensor, as TF (they must then have one length). Stacking RaggedTensors, or tensors of rank 2 or
    more, would need a second ragged dimension."""
    if not values:
        raise ValueError("rt_inputs may not be empty.")
    with name_scope(name, "RaggedConcat"):
        if any(isinstance(v, RaggedTensor) for v in values):
            raise _one_ragged_dim("tf.ragged.stack of RaggedTensors")
        ts = [convert_to_tensor(v, name="rt_input") for v in values]
        if any(t.shape.ndims != 1 for t in ts):
            raise _one_ragged_dim("tf.ragged.stack of tensors that are not 1-D")
        if axis in (1, -1):
            return _dense_stack(ts, axis=1)
        if axis not in (0, -2):
            raise ValueError(f"axis={axis} out of bounds: expected -2<=axis<2")
        return _from_lengths(concat(ts, 0), _dense_stack([shape(t, out_type=dtypes.int64)[0] for t in ts]))


def boolean_mask(data, mask, name=None):
    """`data` where `mask` is true, keeping rows: a [rows, cols] mask of a dense `data` gives the ragged rows of
    kept values; a ragged mask of a ragged `data` masks each row; a 1-D mask keeps or drops whole rows."""
    with name_scope(name, "RaggedMask"):
        if isinstance(mask, RaggedTensor):
            if not isinstance(data, RaggedTensor):
                raise _one_ragged_dim("A RaggedTensor mask of a dense tensor")
            ids = row_splits_to_segment_ids(mask.row_splits)
            kept = unsorted_segment_sum(cast(mask.values, dtypes.int64), ids, mask.nrows())
            return _from_lengths(_dense_boolean_mask(data.values, mask.values), kept)
        mask = convert_to_tensor(mask, dtypes.bool_, name="mask")
        if isinstance(data, RaggedTensor):
            if mask.shape.ndims != 1:
                raise _one_ragged_dim("A dense mask of rank 2 or more over a RaggedTensor")
            lengths = data.row_lengths()
            values = _dense_boolean_mask(data.values, repeat(mask, lengths))
            return _from_lengths(values, _dense_boolean_mask(lengths, mask))
        data = convert_to_tensor(data, name="data")
        if mask.shape.ndims is not None and data.shape.ndims is not None:
            data.shape[:mask.shape.ndims].assert_is_compatible_with(mask.shape)
        if mask.shape.ndims == 1:
            return _dense_boolean_mask(data, mask)
        if mask.shape.ndims != 2:
            raise _one_ragged_dim("tf.ragged.boolean_mask with a mask of rank other than 1 or 2")
        kept = cast(mask, dtypes.int64)
        from .reduction_ops import reduce_sum

        return _from_lengths(_dense_boolean_mask(data, mask), reduce_sum(kept, axis=1))


def map_flat_values(op, *args, **kwargs):
    """`op` of the RaggedTensors' flat values among `args`/`kwargs` (any nesting), with their row splits; the
    RaggedTensors must share their row splits (checked when the graph runs unless they are the same tensor)."""
    ragged = [x for x in nest.flatten([args, kwargs]) if isinstance(x, RaggedTensor)]
    if not ragged:
        return op(*args, **kwargs)
    sizes = {r.values.shape[0] for r in ragged if r.values.shape.ndims and r.values.shape[0] is not None}
    sizes = {getattr(s, "value", s) for s in sizes}
    if len(sizes) > 1:
        raise ValueError(f"Input RaggedTensors' flat_values must all have the same outer-dimension size.  "
                         f"Got sizes: {sizes}")
    if len({r.row_splits.dtype.base_dtype for r in ragged}) > 1:
        raise ValueError("Input RaggedTensors have mismatched row partition dtypes; use "
                         "RaggedTensor.with_row_splits_dtype() to convert them to compatible dtypes.")
    splits = ragged[0].row_splits
    checks = [assert_equal(splits, r.row_splits, message="RowPartition._merge_precomputed_encodings: partitions "
                                                         "have incompatible row_splits")
              for r in ragged[1:] if r.row_splits is not splits]
    if checks:
        splits = with_dependencies(checks, splits)

    def flat(x):
        return x.values if isinstance(x, RaggedTensor) else x
    out = op(*nest.map_structure(flat, list(args)), **nest.map_structure(flat, kwargs))

    def rebuild(v):
        v = convert_to_tensor(v)
        outer = v.shape[0] if v.shape.ndims else None
        outer = getattr(outer, "value", outer)
        if sizes and outer is not None and outer not in sizes:
            raise ValueError(f"tf.ragged.map_flat_values requires that the output of `op` have the same "
                             f"outer-dimension size as flat_values of any ragged inputs. (output shape: "
                             f"{tuple(v.shape.as_list())}; expected outer dimension size: {next(iter(sizes))})")
        return RaggedTensor(v, splits)
    return nest.map_structure(rebuild, out)


def _as_sparse(x):
    """A cross input (RaggedTensor, SparseTensor or dense [batch, k]) as a SparseTensor, so the cross keeps the
    inputs' order (the sparse cross puts sparse inputs before dense ones)."""
    if isinstance(x, SparseTensor):
        return x
    rt = x if isinstance(x, RaggedTensor) else _from_dense(convert_to_tensor(x))
    rows = row_splits_to_segment_ids(rt.row_splits)
    cols = subtract(range(shape(rt.values, out_type=dtypes.int64)[0]), gather(rt.row_splits, rows))
    from .reduction_ops import reduce_max

    width = reduce_max(concat([subtract(rt.row_splits[1:], rt.row_splits[:-1]), [0]], 0))
    return SparseTensor(_dense_stack([rows, cols], axis=1), rt.values, _dense_stack([rt.nrows(), width]))


def _ragged_cross(inputs, hashed, num_buckets, hash_key, name, scope):
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("Inputs must be a list")
    with name_scope(name, scope):
        sp = _cross([_as_sparse(x) for x in inputs], hashed, num_buckets, hash_key, b"_X_", None,
                    "SparseCross" if hashed else "SparseCrossV2")
        return RaggedTensor(sp.values, segment_ids_to_row_splits(sp.indices[:, 0], num_segments=sp.dense_shape[0]))


def cross(inputs, name=None):
    """Per row, every combination of one value from each input (RaggedTensor, SparseTensor or dense [batch, k]),
    joined by "_X_", as a RaggedTensor of strings."""
    return _ragged_cross(inputs, False, 0, None, name, "RaggedCross")


def cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """The crosses as TF's FingerprintCat64 hashes modulo `num_buckets` (0: none), as a RaggedTensor of int64."""
    return _ragged_cross(inputs, True, num_buckets, hash_key, name, "RaggedCross")


def stack_dynamic_partitions(data, partitions, num_partitions, name=None):
    """A RaggedTensor whose row p holds the rows of `data` whose partition is p, in their order."""
    with name_scope(name, "SegmentStack"):
        if isinstance(data, RaggedTensor):
            raise _one_ragged_dim("tf.ragged.stack_dynamic_partitions of a RaggedTensor")
        data = convert_to_tensor(data, name="data")
        partitions = convert_to_tensor(partitions, dtypes.int32, name="partitions")
        num = convert_to_tensor(num_partitions, partitions.dtype, name="num_partitions")
        partitions = with_dependencies([assert_less(partitions, num), assert_non_negative(partitions)], partitions)
        order = argsort(partitions, stable=True)
        splits = segment_ids_to_row_splits(gather(partitions, order), num_segments=num, out_type=dtypes.int64)
        return RaggedTensor(gather(data, order), splits)

"""`tf.dynamic_stitch` and `tf.unsorted_segment_sum`: interleave tensors by index, and add rows up by segment id.
TensorFlow's gradients write both into training graphs (a mean's gradient stitches its reduced shape, an
embedding's sparse gradient sums repeated rows per id before the update), and k-means sums the points of each
cluster. Negative segment ids are dropped and ids >= num_segments are an InvalidArgumentError, as in TF; the sum's
gradient gathers the output's gradient back to each row (zero for dropped rows), so it differentiates to any order."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import maximum
from .array_ops import concat, gather, get_static_value, ones, rank, reshape, shape
from .comparison_ops import greater_equal, logical_and
from .core import apply_op, convert_to_tensor, ones_like, zeros_like
from .math_common import _node
from .row_sums import add_rows
from .select_ops import where_v2

__all__ = ["dynamic_stitch", "unsorted_segment_sum"]


class DynamicStitch(OpDef):
    """merged[indices[m][i, ...]] = data[m][i, ...]: inputs (indices_0..n-1, data_0..n-1), later ones winning."""

    type = "DynamicStitch"

    def infer(op):
        n = op.attrs["N"]
        idx, data = static_shape(op.inputs[0]), static_shape(op.inputs[n])
        rest = None if idx is None or data is None else tuple(data[len(idx):])
        return [(None if rest is None else (None, *rest), op.inputs[n].dtype.base_dtype)]

    def kernel(op, ctx):
        n, xp, to_host = op.attrs["N"], ctx.xp, ctx.to_host
        dt = op.outputs[0].dtype.np

        def stitch(*args):
            indices = [np.asarray(to_host(i)) for i in args[:n]]
            data = [xp.asarray(d) for d in args[n:]]
            size = 1 + max((int(i.max()) for i in indices if i.size), default=-1)
            rest = data[0].shape[indices[0].ndim:]
            out = xp.zeros((size, *rest), dt)
            for i, d in zip(indices, data):
                if d.shape[:i.ndim] != i.shape:
                    raise InvalidArgumentError(op.node_def, op, f"data.shape = {list(d.shape)} does not start with "
                                                                f"indices.shape = {list(i.shape)}{_node(op)}")
                out[i.reshape(-1)] = d.reshape(-1, *rest)
            return out
        return stitch

    def gradient(op, g):
        n = op.attrs["N"]
        return [None] * n + [gather(g, op.inputs[i]) for i in range(n)]


def dynamic_stitch(indices, data, name=None):
    """TF's `tf.dynamic_stitch(indices, data)`: one tensor whose rows `indices[m]` come from `data[m]`."""
    if len(indices) != len(data):
        raise ValueError(f"List argument 'data' to 'DynamicStitch' Op with length {len(data)} must match length "
                         f"{len(indices)} of argument 'indices'.")
    with name_scope(name, "DynamicStitch", [*indices, *data]) as scope:
        idx = [convert_to_tensor(i) for i in indices]
        vals = [convert_to_tensor(d) for d in data]
        return apply_op(DynamicStitch, [*idx, *vals], {"N": len(idx)}, scope)


class UnsortedSegmentSum(OpDef):
    """out[s] = sum of data[i] over the rows i (of segment_ids' shape) with segment_ids[i] == s."""

    type = "UnsortedSegmentSum"
    allocates = True

    def infer(op):
        data, ids, num = op.inputs
        for t, what in ((ids, "segment_ids"), (num, "num_segments")):
            if not t.dtype.base_dtype.is_integer:
                raise TypeError(f"Value passed to parameter '{what}' has DataType {t.dtype.base_dtype.name} not in "
                                "list of allowed values: int32, int64")
        ds, ids_s = static_shape(data), static_shape(ids)
        if ds is not None and ids_s is not None:
            if len(ids_s) > len(ds) or any(a is not None and b is not None and a != b for a, b in zip(ds, ids_s)):
                raise ValueError(f"Dimensions must be equal, but are {list(ds)} and {list(ids_s)} for "
                                 f"'{op.name}' (op: '{op.type}') with input shapes: {data.shape}, {ids.shape}, "
                                 f"{num.shape}.")
        n = get_static_value(num)
        head = (int(n),) if n is not None else (None,)
        return [(None if ds is None or ids_s is None else head + tuple(ds[len(ids_s):]), data.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def segment_sum(data, ids, num):
            n, flat, rows = unsorted_rows(op, ctx, data, ids, num)
            out = xp.zeros((n,) + rows.shape[1:], data.dtype)
            add_rows(xp, out, ctx.to_device(flat), rows)
            return out
        return segment_sum

    def gradient(op, dy):
        return [gather_drop_negatives(dy, op.inputs[1])[0], None, None]


def unsorted_rows(op, ctx, data, ids, num):
    """(num_segments, host ids, rows of data) of an unsorted segment op, rows with negative ids left out, after
    TF's check that no id reaches num_segments."""
    n, host_ids = int(ctx.to_host(num)), np.asarray(ctx.to_host(ids))
    bad = host_ids >= n
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        pos = ",".join(str(j) for j in i)
        raise op_error(InvalidArgumentError, op, f"segment_ids[{pos}] = {int(host_ids[i])} is out of range [0, {n})")
    rows = data.reshape((-1,) + data.shape[host_ids.ndim:])
    flat = host_ids.reshape(-1)
    keep = flat >= 0
    if not keep.all():
        rows, flat = rows[ctx.to_device(keep)], flat[keep]
    return n, flat, rows


def gather_drop_negatives(params, ids):
    """(params gathered at ids, with zero rows where an id is negative; the mask of kept rows, broadcast to the
    result's shape): TF's `_GatherDropNegatives`, what the unsorted segment ops' gradients read the output's
    gradient through."""
    zero = convert_to_tensor(0, dtype=ids.dtype.base_dtype)
    rows = gather(params, maximum(ids, zero))
    keep = greater_equal(ids, zero)
    ranks = (rows.shape.ndims, ids.shape.ndims)
    more = ones([ranks[0] - ranks[1]], dtypes.int32) if None not in ranks else ones(
        reshape(rank(rows) - rank(ids), [1]), dtypes.int32)  # static where known, so shapes stay known
    keep = reshape(keep, concat([shape(ids), more], 0))
    keep = logical_and(keep, ones_like(rows, dtype=dtypes.bool_))
    return where_v2(keep, rows, zeros_like(rows)), keep


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """A tensor of `num_segments` rows: row s sums the rows of `data` whose segment id is s."""
    with name_scope(name, "UnsortedSegmentSum", [data, segment_ids, num_segments]) as scope:
        d = convert_to_tensor(data, name="data")
        i = convert_to_tensor(segment_ids, name="segment_ids")
        n = convert_to_tensor(num_segments, name="num_segments")
        return apply_op(UnsortedSegmentSum, [d, i, n], None, scope)

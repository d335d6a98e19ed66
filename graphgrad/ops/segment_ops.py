"""`tf.dynamic_stitch` and `tf.unsorted_segment_sum`: interleave tensors by index, and sum rows into segments.
TensorFlow's gradients write both into training graphs (a mean's gradient stitches its reduced shape, an
embedding's sparse gradient sums repeated rows per id before the update), so imported training graphs need them.
"""
from __future__ import annotations

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .math_common import _node

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
        from .array_ops import gather

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
    """output[j, ...] = sum of data[i, ...] over the i whose segment_ids[i] == j; inputs (data, segment_ids,
    num_segments); ids out of [0, num_segments) are dropped (negative ones, as in TF) or an error."""

    type = "UnsortedSegmentSum"

    def infer(op):
        data, ids = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        from .array_ops import get_static_value

        k = get_static_value(op.inputs[2])
        rest = None if data is None or ids is None else tuple(data[len(ids):])
        return [(None if rest is None else (None if k is None else int(k), *rest), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host

        def segment_sum(data, ids, num):
            ids, k = np.asarray(to_host(ids)), int(np.asarray(to_host(num)))
            flat = ids.reshape(-1)
            if flat.size and flat.max() >= k:
                raise InvalidArgumentError(op.node_def, op, f"segment_ids[{int(np.argmax(flat >= k))}] = "
                                                            f"{int(flat.max())} is out of range [0, {k}){_node(op)}")
            rest = data.shape[ids.ndim:]
            out = xp.zeros((k, *rest), data.dtype)
            keep = flat >= 0
            xp.add.at(out, xp.asarray(flat[keep]), data.reshape(flat.size, *rest)[keep])
            return out
        return segment_sum

    def gradient(op, g):
        from .array_ops import gather

        return [gather(g, op.inputs[1]), None, None]


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """TF's `tf.math.unsorted_segment_sum`: the sum of `data`'s rows per segment id, for `num_segments` ids."""
    with name_scope(name, "UnsortedSegmentSum", [data, segment_ids, num_segments]) as scope:
        return apply_op(UnsortedSegmentSum, [convert_to_tensor(data), convert_to_tensor(segment_ids),
                                             convert_to_tensor(num_segments)], None, scope)

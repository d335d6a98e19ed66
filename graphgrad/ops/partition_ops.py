"""Partitions and index arithmetic: `tf.dynamic_partition` (rows split by a partition id; its gradient stitches the
pieces' gradients back with `dynamic_stitch`, as TF builds it), `tf.invert_permutation`, `tf.setdiff1d` (TF 1's
`tf.listdiff`), `tf.unravel_index` and `tf.batch_gather` (a gather per batch row, from graph ops as TF builds it,
so it differentiates through `gather`). Kernels check their inputs on the host and fail with TF's messages."""
from __future__ import annotations

import collections

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, static_shape
from . import array_ops
from .array_ops import concat, gather, reshape, shape, stack
from .cast_ops import cast
from .core import apply_op, convert_to_tensor
from .reduction_ops import reduce_prod
from .segment_ops import dynamic_stitch

__all__ = ["dynamic_partition", "invert_permutation", "setdiff1d", "listdiff", "unravel_index", "batch_gather"]


def _check_int(t, what):
    if t.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter '{what}' has DataType {t.dtype.base_dtype.name} not in list of "
                        "allowed values: int32, int64")


def _check_rank(t, rank):
    s = static_shape(t)
    if s is not None and len(s) != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {len(s)}")  # create_op adds the op and shapes


def _dims(shape_):
    return "[" + ",".join(str(d) for d in shape_) + "]"


class DynamicPartition(OpDef):
    """outputs[k] = the rows data[i] (i over partitions' shape) with partitions[i] == k, in order."""

    type = "DynamicPartition"

    def infer(op):
        data, parts = op.inputs
        ds, ps = static_shape(data), static_shape(parts)
        rows = None if ds is None or ps is None else (None, *ds[len(ps):])
        return [(rows, data.dtype.base_dtype)] * op.attrs["num_partitions"]

    def kernel(op, ctx):
        n, to_dev = op.attrs["num_partitions"], ctx.to_device

        def partition(data, partitions):
            p = np.asarray(ctx.to_host(partitions))
            if data.shape[:p.ndim] != p.shape:
                raise op_error(InvalidArgumentError, op, f"data.shape must start with partitions.shape, got "
                                                         f"data.shape = {_dims(data.shape)}, partitions.shape = "
                                                         f"{_dims(p.shape)}")
            bad = np.argwhere((p < 0) | (p >= n))
            if len(bad):
                at = tuple(int(i) for i in bad[0])
                raise op_error(InvalidArgumentError, op, f"partitions{_dims(at)} = {int(p[at])} is not in [0, {n})")
            flat, rows = p.reshape(-1), data.reshape((-1,) + data.shape[p.ndim:])
            return tuple(rows[to_dev(np.flatnonzero(flat == k))] for k in range(n))
        return partition

    def gradient(op, *grads):
        """TF's _DynamicPartitionGrads: partition the rows' positions the same way, stitch the gradients back."""
        data, parts = op.inputs
        prefix = shape(parts)
        positions = reshape(array_ops.range(reduce_prod(prefix)), prefix)
        pieces = dynamic_partition(positions, parts, op.attrs["num_partitions"])
        return [reshape(dynamic_stitch(pieces, list(grads)), shape(data)), None]


def dynamic_partition(data, partitions, num_partitions, name=None):
    """`num_partitions` tensors: the k-th holds the rows of `data` whose entry in `partitions` is k."""
    with name_scope(name, "DynamicPartition", [data, partitions]) as scope:
        d = convert_to_tensor(data, name="data")
        given = isinstance(partitions, Tensor)  # NumPy and Python ids become int32, as TF converts them
        p = convert_to_tensor(partitions, None if given else dtypes.int32, "partitions")
        if p.dtype.base_dtype != dtypes.int32:
            raise TypeError(f"Input 'partitions' of 'DynamicPartition' Op has type {p.dtype.base_dtype.name} that "
                            "does not match expected type of int32.")
        return list(apply_op(DynamicPartition, [d, p], {"num_partitions": int(num_partitions)}, scope))


class InvertPermutation(OpDef):
    """y[x[i]] = i for a permutation x of 0..n-1."""

    type = "InvertPermutation"

    def infer(op):
        x = op.inputs[0]
        _check_int(x, "x")
        _check_rank(x, 1)
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        def invert(x):
            h = np.asarray(ctx.to_host(x))
            n = len(h)
            out = np.full(n, -1, h.dtype)
            for i, v in enumerate(h.tolist()):
                if not 0 <= v < n:
                    raise op_error(InvalidArgumentError, op, f"{v} is not between 0 and {n}")
                if out[v] >= 0:
                    raise op_error(InvalidArgumentError, op, f"{v} is duplicated in the input.")
                out[v] = i
            return ctx.to_device(out)
        return invert


def invert_permutation(x, name=None):
    """The inverse permutation of the 1-D int tensor `x`: y[x[i]] = i."""
    with name_scope(name, "InvertPermutation", [x]) as scope:
        return apply_op(InvertPermutation, [convert_to_tensor(x, name="x")], None, scope)


ListDiffResult = collections.namedtuple("ListDiff", ["out", "idx"])


class ListDiff(OpDef):
    """(out, idx): the entries of x not in y, in x's order, and their positions in x."""

    type = "ListDiff"

    def infer(op):
        x, y = op.inputs
        _check_rank(x, 1)
        _check_rank(y, 1)
        return [((None,), x.dtype.base_dtype), ((None,), op.attrs["out_idx"])]

    def kernel(op, ctx):
        it = op.attrs["out_idx"].np

        def listdiff(x, y):
            hx, hy = np.asarray(ctx.to_host(x)), np.asarray(ctx.to_host(y))
            idx = np.flatnonzero(~np.isin(hx, hy))
            return ctx.to_device(hx[idx]), ctx.to_device(idx.astype(it))
        return listdiff


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None):
    """`ListDiff(out, idx)`: the values of the 1-D `x` that are not in `y` (in x's order, repeats kept) and their
    positions in x."""
    with name_scope(name, "ListDiff", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        out_idx = dtypes.as_dtype(index_dtype).base_dtype
        return ListDiffResult(*apply_op(ListDiff, [x, y], {"out_idx": out_idx}, scope))


def listdiff(x, y, out_idx=dtypes.int32, name=None):
    """TF 1's name of `setdiff1d`."""
    return setdiff1d(x, y, out_idx, name)


class UnravelIndex(OpDef):
    """The coordinates of flat `indices` in an array of shape `dims`: [len(dims)] + indices' shape."""

    type = "UnravelIndex"

    def infer(op):
        idx, dims = op.inputs
        _check_int(idx, "indices")
        s, d = static_shape(idx), static_shape(dims)
        n = None if d is None else d[0]
        return [(None if s is None else (n, *s), idx.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def unravel(indices, dims):
            d = np.asarray(ctx.to_host(dims)).reshape(-1)
            if indices.ndim > 1:
                raise op_error(InvalidArgumentError, op, f'The indices can only be scalar or vector, got '
                                                         f'"{_dims(indices.shape)}"')
            zero = np.flatnonzero(d == 0)
            if len(zero):
                raise op_error(InvalidArgumentError, op, f"Input dims cannot contain a dim of zero, but dims "
                                                         f"contains zero at index {zero[0]}")
            if indices.size and int(indices.max()) >= int(np.prod(d)):
                raise op_error(InvalidArgumentError, op, "index is out of bound as with dims")
            out, q = [], indices
            for size in d[::-1].tolist():  # C's / and %, as TF's kernel: a negative index is not checked
                r = xp.fmod(q, size)
                out.append(r)
                q = (q - r) // size
            return xp.stack(out[::-1]) if out else xp.zeros((0, *indices.shape), indices.dtype)
        return unravel


def unravel_index(indices, dims, name=None):
    """The coordinates that the flat (row-major) `indices` have in an array of shape `dims`."""
    with name_scope(name, "UnravelIndex", [indices, dims]) as scope:
        i = convert_to_tensor(indices, name="indices")
        d = convert_to_tensor(dims, name="dims", dtype=i.dtype.base_dtype)
        return apply_op(UnravelIndex, [i, d], None, scope)


def batch_gather(params, indices, name=None):
    """out[b..., j] = params[b..., indices[b..., j]] for the leading (batch) dimensions that indices shares with
    params; built as TF 1's `batch_gather` builds it: offsets added to the indices, one gather of the flat rows."""
    with name_scope(name, "BatchGather", [params, indices]):
        indices = convert_to_tensor(indices, name="indices")
        params = convert_to_tensor(params, name="params")
        if indices.shape.ndims is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        nb = indices.shape.ndims - 1
        dt = indices.dtype.base_dtype
        params_shape, dims = shape(params), cast(shape(params), dt)
        zero, one = convert_to_tensor(0, dtype=dt), convert_to_tensor(1, dtype=dt)
        batch_indices, stride = indices, one
        for dim in range(nb, 0, -1):
            stride = stride * dims[dim]
            offsets = array_ops.range(zero, dims[dim - 1], one) * stride
            batch_indices += reshape(offsets, stack([1] * (dim - 1) + [dims[dim - 1]] + [1] * (nb + 1 - dim)))
        outer = params_shape[nb + 1:]
        flat_params = reshape(params, concat([reshape(reduce_prod(params_shape[:nb + 1], [0]), [1]), outer], 0))
        result = reshape(gather(flat_params, reshape(batch_indices, [-1])), concat([shape(indices), outer], 0))
        batch = indices.shape[:nb].merge_with(params.shape[:nb])
        result.set_shape(batch.concatenate(indices.shape[nb:]).concatenate(params.shape[nb + 1:]))
        return result


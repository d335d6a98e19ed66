"""Reductions over a `tf.SparseTensor`'s entries, as TF1's ops of the same names: `sparse_reduce_sum` /
`sparse_reduce_max` (dense results, and their `_sparse` forms), `sparse_softmax` over the last dimension, and the
elementwise `sparse_maximum` / `sparse_minimum` of two SparseTensors.

Implicit zeros are left out of a reduction (an empty group's result is 0) but count in the extrema, as in TF.
Kernels group the entries on the host; the sum keeps its values on `ctx.xp`. The sum's and softmax's value
gradients are TF's; the maxima have none.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef
from .core import apply_op
from .row_sums import add_rows
from .sparse_math_ops import SparseDenseCwiseAdd, _check_same_shape, _host_int, _merge, _rank_of, _static
from .sparse_ops import SparseTensor, sparse_tensor

__all__ = ["sparse_reduce_sum", "sparse_reduce_sum_sparse", "sparse_reduce_max", "sparse_reduce_max_sparse",
           "sparse_softmax", "sparse_maximum", "sparse_minimum"]


# --- reductions -----------------------------------------------------------------------------------------------

def _reduced(op, shape, axes):
    """(kept: bool per dimension, output dims with keep_dims) of reducing a dense shape over `axes`."""
    rank = len(shape)
    kept = np.ones(rank, bool)
    for a in range(rank) if axes is None else axes:
        if not -rank <= a < rank:
            raise op_error(InvalidArgumentError, op, f"Invalid reduction dimension {a}, for input with {rank} "
                           "dimensions.")
        kept[a % rank] = False
    return kept, np.where(kept, shape, 1)


class _SparseReduce(OpDef):
    """Reduce a SparseTensor over `reduction_axes` (an attribute; None: all), implicit zeros left out: the
    dense result, zero where no entry fell (keep_dims keeps reduced dimensions as 1s)."""

    def infer(op):
        axes, keep = op.attrs["reduction_axes"], op.attrs["keep_dims"]
        value = _static(op.inputs[2])
        dt = op.inputs[1].dtype.base_dtype
        if value is None:
            return [(None, dt)]
        rank = len(value)
        red = set(range(rank)) if axes is None else {a % rank for a in axes}
        dims = tuple(1 if d in red else int(value[d]) for d in range(rank) if keep or d not in red)
        return [(dims, dt)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device
        axes, keep, is_max = op.attrs["reduction_axes"], op.attrs["keep_dims"], op.op_def.type == "SparseReduceMax"

        def reduce(indices, values, shape):
            shp = _host_int(to_host, shape)
            kept, dims = _reduced(op, shp, axes)
            idx = _host_int(to_host, indices).reshape(-1, len(shp))
            flat = np.ravel_multi_index(tuple((idx * kept).T), dims) if len(idx) else np.zeros(0, np.int64)
            n = int(np.prod(dims))
            if is_max:
                host = np.asarray(to_host(values))
                out = np.full(n, _lowest(host.dtype), host.dtype)
                np.maximum.at(out, flat, host)
                out[out == _lowest(host.dtype)] = 0
                out = to_device(out)
            else:
                out = xp.zeros(n, values.dtype)
                add_rows(xp, out, to_device(flat), values)
            return out.reshape(tuple(int(d) for d in (dims if keep else dims[kept])))
        return reduce


def _lowest(dt):
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


class SparseReduceSum(_SparseReduce):
    type = "SparseReduceSum"

    def gradient(op, dy):
        """The output gradient at each entry's position with its reduced coordinates zeroed (TF's rule)."""
        from .array_ops import reshape
        from .nd_ops import gather_nd

        indices, _, shape = op.inputs
        rank = _rank_of(shape)
        axes = op.attrs["reduction_axes"]
        mask = np.ones(rank, np.int64)
        mask[[a % rank for a in (range(rank) if axes is None else axes)]] = 0
        kept_shape = shape * mask + (1 - mask)
        return [None, gather_nd(reshape(dy, kept_shape), indices * mask), None]


class SparseReduceMax(_SparseReduce):
    type = "SparseReduceMax"  # no gradient in TF


class _SparseReduceSparse(OpDef):
    """A reduction's SparseTensor form: one entry per output position some input entry fell into."""

    def infer(op):
        rank = _rank_of(op.inputs[2])
        axes, keep = op.attrs["reduction_axes"], op.attrs["keep_dims"]
        out_rank = rank if keep or rank is None else (0 if axes is None else rank - len({a % rank for a in axes}))
        return [((None, out_rank), dtypes.int64), ((None,), op.inputs[1].dtype.base_dtype),
                ((out_rank,), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device
        axes, keep, is_max = op.attrs["reduction_axes"], op.attrs["keep_dims"], "Max" in op.op_def.type

        def reduce(indices, values, shape):
            shp = _host_int(to_host, shape)
            kept, dims = _reduced(op, shp, axes)
            idx = _host_int(to_host, indices).reshape(-1, len(shp)) * kept
            host = np.asarray(to_host(values))
            keys, inverse = np.unique(idx, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            out = np.full(len(keys), _lowest(host.dtype), host.dtype) if is_max else np.zeros(len(keys), host.dtype)
            (np.maximum if is_max else np.add).at(out, inverse, host)
            cols = slice(None) if keep else kept
            return (to_device(keys[:, cols].reshape(len(keys), -1)), to_device(out),
                    to_device(dims if keep else dims[kept]))
        return reduce


class SparseReduceSumSparse(_SparseReduceSparse):
    type = "SparseReduceSumSparse"
    gradient = None  # TF: not implemented


class SparseReduceMaxSparse(_SparseReduceSparse):
    type = "SparseReduceMaxSparse"


def _axes(sp, axis, reduction_axes):
    from .array_ops import get_static_value

    axis = reduction_axes if axis is None else axis
    if axis is None:
        return None
    value = get_static_value(axis)
    if value is None:
        raise ValueError("graphgrad's sparse reductions need the reduction axes known while building")
    return tuple(int(a) for a in np.atleast_1d(value))


def _reduce(op_def, sp, axis, keepdims, reduction_axes, keep_dims, name):
    sp = sparse_tensor(sp)
    keep = bool(keep_dims if keepdims is None else keepdims)
    attrs = {"reduction_axes": _axes(sp, axis, reduction_axes), "keep_dims": keep}
    with name_scope(name, op_def.type, [sp]) as scope:
        return apply_op(op_def, [sp.indices, sp.values, sp.dense_shape], attrs, name=scope)


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None, name=None):
    """`tf.sparse_reduce_sum` / `tf.sparse.reduce_sum`: the dense sum over `axis` (all axes by default)."""
    return _reduce(SparseReduceSum, sp_input, axis, keepdims, reduction_axes, keep_dims, name)


def sparse_reduce_max(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None, name=None):
    """`tf.sparse_reduce_max`: the dense maximum over `axis` of the entries present (0 where none is)."""
    return _reduce(SparseReduceMax, sp_input, axis, keepdims, reduction_axes, keep_dims, name)


def sparse_reduce_sum_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None, name=None):
    """`tf.sparse_reduce_sum_sparse`: the sum over `axis` as a SparseTensor."""
    return SparseTensor(*_reduce(SparseReduceSumSparse, sp_input, axis, keepdims, reduction_axes, keep_dims,
                                 name))


def sparse_reduce_max_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None, name=None):
    """`tf.sparse_reduce_max_sparse`: the maximum over `axis` as a SparseTensor."""
    return SparseTensor(*_reduce(SparseReduceMaxSparse, sp_input, axis, keepdims, reduction_axes, keep_dims,
                                 name))


# --- softmax, maximum, minimum --------------------------------------------------------------------------------

def _groups(idx):
    """The group of each entry when entries sharing all but the last coordinate form a group."""
    if not len(idx):
        return np.zeros(0, np.int64), 0
    _, inverse = np.unique(idx[:, :-1], axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return inverse, int(inverse.max()) + 1


class SparseSoftmax(OpDef):
    """Softmax over the last dimension of a SparseTensor (rank >= 2), over the entries present only."""

    type = "SparseSoftmax"
    allocates = True

    def infer(op):
        return [((op.inputs[1].shape[0].value,), op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device

        def softmax(indices, values, shape):
            if len(_host_int(to_host, shape)) < 2:
                raise op_error(InvalidArgumentError, op, "Input should have rank >= 2, but received shape: "
                               f"{_host_int(to_host, shape).tolist()}")
            group, n = _groups(_host_int(to_host, indices))
            v = np.asarray(to_host(values))
            top = np.full(n, -np.inf, v.dtype)
            np.maximum.at(top, group, v)
            e = np.exp(v - top[group])
            total = np.zeros(n, v.dtype)
            np.add.at(total, group, e)
            return to_device((e / total[group]).astype(v.dtype, copy=False))
        return softmax

    def gradient(op, dv):
        """TF's: (dv - sum over the row of dv * softmax) * softmax."""
        indices, _, shape = op.inputs
        out = op.outputs[0]
        total = apply_op(SparseReduceSum, [indices, out * dv, shape], {"reduction_axes": (-1,), "keep_dims": True})
        return [None, apply_op(SparseDenseCwiseAdd, [indices, dv, shape, -total]) * out, None]


def sparse_softmax(sp_input, name=None):
    """`tf.sparse_softmax` / `tf.sparse.softmax`: a SparseTensor of the same indices."""
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseSoftmax", [sp]) as scope:
        out = apply_op(SparseSoftmax, [sp.indices, sp.values, sp.dense_shape], name=scope)
        return SparseTensor(sp.indices, out, sp.dense_shape)


class _SparseSparseExtremum(OpDef):
    """The elementwise maximum (or minimum) of two SparseTensors of one shape, over the union of their indices
    (an index missing on one side counts as 0 there)."""

    fn = None
    gradient = None  # TF: not implemented

    def infer(op):
        return [((None, _rank_of(op.inputs[2])), dtypes.int64), ((None,), op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        fn, to_host, to_device = op.op_def.fn, ctx.to_host, ctx.to_device

        def extremum(a_indices, a_values, a_shape, b_indices, b_values, b_shape):
            _check_same_shape(op, _host_int(to_host, a_shape).tolist(), _host_int(to_host, b_shape).tolist())
            union, pos_a, pos_b = _merge(_host_int(to_host, a_indices), _host_int(to_host, b_indices))
            av, bv = np.asarray(to_host(a_values)), np.asarray(to_host(b_values))
            a, b = np.zeros(len(union), av.dtype), np.zeros(len(union), av.dtype)
            a[pos_a], b[pos_b] = av, bv
            return to_device(union.reshape(len(union), -1)), to_device(fn(a, b))
        return extremum


class SparseSparseMaximum(_SparseSparseExtremum):
    type, fn = "SparseSparseMaximum", np.maximum


class SparseSparseMinimum(_SparseSparseExtremum):
    type, fn = "SparseSparseMinimum", np.minimum


def _extremum(op_def, sp_a, sp_b, name):
    a, b = sparse_tensor(sp_a), sparse_tensor(sp_b)
    with name_scope(name, op_def.type, [a, b]) as scope:
        indices, values = apply_op(op_def, [a.indices, a.values, a.dense_shape, b.indices, b.values,
                                            b.dense_shape], name=scope)
        return SparseTensor(indices, values, a.dense_shape)


def sparse_maximum(sp_a, sp_b, name=None):
    """`tf.sparse_maximum` / `tf.sparse.maximum`: elementwise, implicit zeros included."""
    return _extremum(SparseSparseMaximum, sp_a, sp_b, name)


def sparse_minimum(sp_a, sp_b, name=None):
    """`tf.sparse_minimum` / `tf.sparse.minimum`: elementwise, implicit zeros included."""
    return _extremum(SparseSparseMinimum, sp_a, sp_b, name)

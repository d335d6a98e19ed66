"""`tf.sets`: intersection, union and difference of the sets held in the last dimension of two tensors (dense or
`tf.SparseTensor`), as SparseTensors of each row's sorted result, and `set_size` (TF's DenseToDenseSetOperation,
DenseToSparseSetOperation, SparseToSparseSetOperation and SetSize ops; not differentiable, as in TF).

Each row of a dense input is the set of its values (duplicates count once); a SparseTensor's row is the set of
the values present in it. The result's dense shape is the inputs' leading dimensions and the largest row result.
`validate_indices` is accepted; the indices are not checked for order here.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .sparse_ops import SparseTensor

_KINDS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.string)
_OPERATIONS = {"a-b": np.setdiff1d, "b-a": lambda a, b: np.setdiff1d(b, a), "intersection": np.intersect1d,
               "union": np.union1d}


def _rows_dense(x):
    """{row index tuple: values} of a dense array's last dimension, and its leading shape."""
    lead = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
    return {idx: flat[i] for i, idx in enumerate(np.ndindex(*lead))}, tuple(lead)


def _rows_sparse(indices, values, shape):
    rows = {}
    for idx, v in zip(map(tuple, np.asarray(indices)[:, :-1].tolist()), np.asarray(values)):
        rows.setdefault(idx, []).append(v)
    return rows, tuple(int(d) for d in np.asarray(shape)[:-1])


def _unique(values, dtype):
    return np.unique(np.asarray(values, dtype=dtype)) if len(values) else np.empty(0, dtype)


def _as_sparse(results, lead, dtype):
    """(indices, values, dense_shape) of a SparseTensor holding each row's sorted result."""
    indices, values, width = [], [], 0
    for idx in np.ndindex(*lead):
        row = results.get(idx, np.empty(0, dtype))
        width = max(width, len(row))
        indices += [(*idx, j) for j in range(len(row))]
        values += list(row)
    out = np.empty(len(values), dtype)
    out[:] = values
    return (np.asarray(indices, np.int64).reshape(-1, len(lead) + 1), out,
            np.asarray((*lead, width), np.int64))


def _check_lead(a, b):
    if a != b:
        raise ValueError(f"Shapes {list(a)} and {list(b)} must match in all but the last dimension")


class _SetOperation(OpDef):
    """Inputs: set 1 (dense, or indices/values/shape), set 2 likewise, as `layout` says."""

    gradient = not_differentiable
    layout = ("dense", "dense")

    def infer(op):
        dt, rank = op.attrs["T"], op.attrs["rank"]
        return [((None, rank), dtypes.int64), ((None,), dt), ((rank,), dtypes.int64)]

    def kernel(op, ctx):
        fn, dt, to_host = _OPERATIONS[op.attrs["set_operation"]], op.attrs["T"].np, ctx.to_host
        layout = op.op_def.layout

        def run(*args):
            args = [np.asarray(to_host(a)) for a in args]
            sides = []
            for kind in layout:
                if kind == "dense":
                    sides.append(_rows_dense(args.pop(0)))
                else:
                    sides.append(_rows_sparse(args.pop(0), args.pop(0), args.pop(0)))
            (rows_a, lead_a), (rows_b, lead_b) = sides
            _check_lead(lead_a, lead_b)
            results = {idx: fn(_unique(rows_a.get(idx, []), dt), _unique(rows_b.get(idx, []), dt))
                       for idx in np.ndindex(*lead_a)}
            return _as_sparse(results, lead_a, dt)
        return run


class DenseToDenseSetOperation(_SetOperation):
    type, layout = "DenseToDenseSetOperation", ("dense", "dense")


class DenseToSparseSetOperation(_SetOperation):
    type, layout = "DenseToSparseSetOperation", ("dense", "sparse")


class SparseToSparseSetOperation(_SetOperation):
    type, layout = "SparseToSparseSetOperation", ("sparse", "sparse")


class SetSize(OpDef):
    """The number of distinct values in each row of a SparseTensor (int32, the leading dimensions' shape)."""

    type = "SetSize"
    gradient = not_differentiable

    def infer(op):
        rank = static_shape(op.inputs[2])
        return [(None if not rank or rank[0] is None else (None,) * (rank[0] - 1), dtypes.int32)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device

        def size(indices, values, shape):
            rows, lead = _rows_sparse(to_host(indices), to_host(values), to_host(shape))
            out = np.zeros(lead, np.int32)
            for idx, vals in rows.items():
                out[idx] = len(set(vals))
            return to_dev(out)
        return size


def _operand(x, name):
    if isinstance(x, SparseTensor):
        return x
    return convert_to_tensor(x, name=name)


def _rank_of(x):
    if isinstance(x, SparseTensor):
        s = static_shape(x.dense_shape) if isinstance(x.dense_shape, Tensor) else None
        return None if not s else s[0]
    s = static_shape(x)
    return None if s is None else len(s)


def _set_operation(a, b, operation, name):
    with name_scope(name, "set_operation", [a, b]) as scope:
        a, b = _operand(a, "a"), _operand(b, "b")
        flipped = isinstance(a, SparseTensor) and not isinstance(b, SparseTensor)
        if flipped:  # TF's ops take the dense set first
            a, b = b, a
            operation = {"a-b": "b-a", "b-a": "a-b"}.get(operation, operation)
        dt_a, dt_b = a.dtype.base_dtype, b.dtype.base_dtype
        for which, dt in (("a", dt_a), ("b", dt_b)):
            if dt not in _KINDS:
                raise TypeError(f"'{which}' has invalid dtype `{dt}` not in supported dtypes: "
                                f"`{{{', '.join(repr(k) for k in _KINDS)}}}`.")
        if dt_a != dt_b:
            raise TypeError(f"Types don't match, {dt_a} vs {dt_b}.")
        rank = _rank_of(a) or _rank_of(b)
        if rank is not None and rank < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {rank}")
        if not isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
            sa, sb = static_shape(a), static_shape(b)
            if sa is not None and sb is not None:
                for x, y in zip(sa[:-1], sb[:-1]):
                    if x is not None and y is not None and x != y:
                        raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
        parts = [t for side in (a, b) for t in ((side,) if not isinstance(side, SparseTensor) else side)]
        op_def = (SparseToSparseSetOperation if isinstance(a, SparseTensor) else
                  DenseToSparseSetOperation if isinstance(b, SparseTensor) else DenseToDenseSetOperation)
        attrs = {"set_operation": operation, "T": dt_a, "rank": rank, "validate_indices": True}
        indices, values, shape = apply_op(op_def, parts, attrs, scope)
        return SparseTensor(indices, values, shape)


def set_intersection(a, b, validate_indices=True):
    """The values in both a's and b's row, for each row of the last dimension (a SparseTensor)."""
    return _set_operation(a, b, "intersection", None)


def set_union(a, b, validate_indices=True):
    """The values in a's or b's row, for each row of the last dimension (a SparseTensor)."""
    return _set_operation(a, b, "union", None)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """The values in a's row but not b's (or b's but not a's, aminusb=False), for each row (a SparseTensor)."""
    return _set_operation(a, b, "a-b" if aminusb else "b-a", None)


def set_size(a, validate_indices=True):
    """The number of distinct values in each row of the SparseTensor `a`."""
    if not isinstance(a, SparseTensor):
        raise TypeError(f"Expected `SparseTensor`, got {a}.")
    if a.values.dtype.base_dtype not in _KINDS:
        raise TypeError(f"Invalid dtype {a.values.dtype.base_dtype}.")
    return apply_op(SetSize, list(a), {"validate_indices": bool(validate_indices)}, "SetSize")


intersection, union, difference, size = set_intersection, set_union, set_difference, set_size

__all__ = ["set_intersection", "set_union", "set_difference", "set_size", "intersection", "union", "difference",
           "size"]

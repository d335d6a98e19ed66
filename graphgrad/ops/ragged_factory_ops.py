"""Making ragged tensors: `tf.ragged.constant`, `constant_value`, `placeholder` and `range` (op RaggedRange).

graphgrad's RaggedTensor has one ragged dimension (TF's ragged_rank 1: `values` and one `row_splits`), with any
uniform inner dimensions in `values`. A nested list that would need ragged_rank 2 or more (TF's default for a list
nested three deep) is a NotImplementedError that says so; `ragged_rank=1` makes such a list's inner lists uniform
dimensions of `values`, as in TF.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from ..framework.tensor_shape import TensorShape
from .cast_ops import cast
from .core import apply_op, convert_to_tensor
from .core import constant as _constant
from .core import placeholder as _placeholder
from .ragged_ops import RaggedTensor, RaggedTensorValue

__all__ = ["constant", "constant_value", "placeholder", "range"]


def _depth(x):
    """The nesting depth of the scalars of `x` (lists and tuples are nesting), or None if it has no scalars."""
    if not isinstance(x, (list, tuple)):
        return 0
    depths = {d for d in (_depth(v) for v in x) if d is not None}
    if len(depths) > 1:
        raise ValueError("all scalar values must have the same nesting depth")
    return depths.pop() + 1 if depths else None


def _max_list_depth(x):
    return 1 + max((_max_list_depth(v) for v in x), default=0) if isinstance(x, (list, tuple)) else 0


def _scalars(x):
    return [s for v in x for s in _scalars(v)] if isinstance(x, (list, tuple)) else [x]


def _encoded(x):
    if isinstance(x, (list, tuple)):
        return [_encoded(v) for v in x]
    return x.encode() if isinstance(x, str) else x


def _leaf_dtype(pylist, dtype, graph):
    """TF's dtype for the scalars: as given, else bytes, bool, int (int32 in a graph constant, NumPy's int64 for
    constant_value) or float (float32 / float64), float32 for a list without scalars."""
    if dtype is not None:
        return dtypes.as_dtype(dtype).base_dtype
    flat = _scalars(pylist)
    if flat and all(isinstance(v, (bytes, str)) for v in flat):
        return dtypes.string
    kind = np.asarray(flat or [0.0]).dtype.kind
    if kind == "b":
        return dtypes.bool_
    if kind in "iu":
        return dtypes.int32 if graph else dtypes.int64
    return dtypes.float32 if graph else dtypes.float64


def _ragged_parts(pylist, dtype, ragged_rank, inner_shape, graph):
    """(dense ndarray, None) for ragged_rank 0, else (values, row_splits) ndarrays of a one-ragged-dimension
    value, with TF's checks of depths and inner shapes."""
    depth = _depth(pylist)
    if depth is None:
        depth = _max_list_depth(pylist) + (len(inner_shape) if inner_shape else 0)
    if ragged_rank is None:
        ragged_rank = max(0, depth - 1 - (len(inner_shape) if inner_shape else 0))
    if ragged_rank < 0:
        raise ValueError(f"Invalid ragged_rank={ragged_rank}: must be nonnegative")
    if ragged_rank > 0 and ragged_rank >= depth:
        raise ValueError(f"pylist has scalar values depth {depth}, but ragged_rank={ragged_rank} requires scalar "
                         f"value depth greater than {ragged_rank}")
    if ragged_rank > 1:
        raise NotImplementedError(f"graphgrad's RaggedTensor has one ragged dimension (ragged_rank=1); "
                                  f"ragged_rank={ragged_rank} is not supported")
    dt = _leaf_dtype(pylist, dtype, graph)
    np_dt = object if dt == dtypes.string else dt.np
    if np_dt is object:
        pylist = _encoded(pylist)
    if ragged_rank == 0:
        return np.array(pylist, dtype=np_dt), None
    rows = list(pylist)
    items = [v for r in rows for v in r]
    inner = (tuple(inner_shape) if inner_shape is not None
             else np.shape(items[0]) if items else (0,) * (depth - 2))
    if any(np.shape(v) != inner for v in items):
        raise ValueError("inner values have inconsistent shape")
    values = np.empty((len(items),) + inner, dtype=np_dt)
    for i, v in enumerate(items):
        values[i] = v
    splits = np.zeros(len(rows) + 1, np.int64)
    splits[1:] = np.cumsum([len(r) for r in rows])
    return values, splits


def constant_value(pylist, dtype=None, ragged_rank=None, inner_shape=None, row_splits_dtype="int64"):
    """A `tf.RaggedTensorValue` of NumPy arrays (an ndarray when ragged_rank is 0)."""
    values, splits = _ragged_parts(pylist, dtype, ragged_rank, inner_shape, graph=False)
    if splits is None:
        return values
    return RaggedTensorValue(values, splits.astype(dtypes.as_dtype(row_splits_dtype).np))


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None, row_splits_dtype=dtypes.int64):
    """A RaggedTensor of constants `RaggedConstant/values` and `RaggedConstant/Const` (the row splits); a plain
    constant when ragged_rank is 0."""
    with name_scope(name, "RaggedConstant"):
        values, splits = _ragged_parts(pylist, dtype, ragged_rank, inner_shape, graph=True)
        dt = _leaf_dtype(pylist, dtype, True)
        if splits is None:
            return _constant(values, dt)
        split_dt = dtypes.as_dtype(row_splits_dtype).base_dtype
        return RaggedTensor(_constant(values, dt, name="values"), _constant(splits.astype(split_dt.np), split_dt))


def placeholder(dtype, ragged_rank, value_shape=None, name=None):
    """Placeholders `RaggedPlaceholder/flat_values` ([?] + value_shape) and `RaggedPlaceholder/row_splits_0`,
    fed together with a RaggedTensorValue (or a (values, row_splits) tuple)."""
    if ragged_rank != 1:
        raise NotImplementedError(f"graphgrad's RaggedTensor has one ragged dimension (ragged_rank=1); "
                                  f"ragged_rank={ragged_rank} is not supported")
    value_shape = TensorShape(value_shape if value_shape is not None else [])
    with name_scope(name, "RaggedPlaceholder"):
        values = _placeholder(dtype, TensorShape([None]).concatenate(value_shape), name="flat_values")
        return RaggedTensor(values, _placeholder(dtypes.int64, [None], name="row_splits_0"))


class RaggedRange(OpDef):
    """RaggedRange(starts, limits, deltas) -> (rt_nested_splits, rt_dense_values): row i is
    range(starts[i], limits[i], deltas[i]); scalars broadcast to the other inputs' length."""

    type = "RaggedRange"
    gradient = not_differentiable

    def infer(op):
        sizes = set()
        for t in op.inputs:
            s = static_shape(t)
            if s is not None and len(s) > 1:
                raise ValueError(f"Shape must be at most rank 1 but is rank {len(s)}")
            sizes.add(None if s is None else s[0] if s else 1)
        vector_sizes = {n for n in sizes if n != 1}
        n = None if None in sizes else (vector_sizes.pop() if len(vector_sizes) == 1 else 1 if not vector_sizes
                                        else None)
        return [((None if n is None else n + 1,), op.attrs["Tsplits"]), ((None,), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_dev, split_dt = ctx.to_host, ctx.to_device, op.attrs["Tsplits"].np

        def ragged_range(starts, limits, deltas):
            starts, limits, deltas = (np.asarray(to_host(x)) for x in (starts, limits, deltas))
            sizes = {x.shape[0] for x in (starts, limits, deltas) if x.ndim}
            if len(sizes) > 1:
                raise InvalidArgumentError(op.node_def, op, "starts, limits, and deltas must have the same shape")
            starts, limits, deltas = np.broadcast_arrays(starts, limits, deltas)
            if (deltas == 0).any():
                raise InvalidArgumentError(op.node_def, op, "Requires delta != 0")
            rows = [np.arange(s, lim, d, dtype=starts.dtype) for s, lim, d in
                    zip(starts.reshape(-1).tolist(), limits.reshape(-1).tolist(), deltas.reshape(-1).tolist())]
            splits = np.zeros(len(rows) + 1, split_dt)
            splits[1:] = np.cumsum([len(r) for r in rows])
            values = np.concatenate(rows) if rows else np.zeros(0, starts.dtype)
            return [to_dev(splits), to_dev(values.astype(starts.dtype))]
        return ragged_range


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=dtypes.int64):  # noqa: A001
    """A RaggedTensor whose row i is range(starts[i], limits[i], deltas[i]) (TF's `tf.ragged.range`); with one
    argument the rows count from 0 to `starts`. Without `dtype` the widest of the three types wins."""
    if limits is None:
        starts, limits = 0, starts
    with name_scope(name, "RaggedRange") as scope:
        args = [convert_to_tensor(v, dtype, name=n)
                for v, n in ((starts, "starts"), (limits, "limits"), (deltas, "deltas"))]
        if dtype is None:
            widest = max((a.dtype.base_dtype for a in args), key=lambda d: _RANGE_ORDER.index(d)
                         if d in _RANGE_ORDER else -1)
            args = [a if a.dtype.base_dtype == widest else cast(a, widest) for a in args]
        splits, values = apply_op(RaggedRange, args, {"Tsplits": dtypes.as_dtype(row_splits_dtype).base_dtype},
                                  scope)
        return RaggedTensor(values, splits)

"""`tf.unique` / `tf.unique_with_counts`: the distinct elements of a 1-D tensor in the order they first appear,
each element's position among them, and (with counts) how often each appears. As in TF no gradient is defined:
differentiating through one is a LookupError (`tf.gather(x, ...)` is how a model differentiates a selection)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .row_sums import stable_order

__all__ = ["unique", "unique_with_counts"]


class Unique(OpDef):
    """(y, idx[, count]) of x [n]: y the distinct values in first-appearance order, x == y[idx]."""

    type = "Unique"

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is not None and len(s) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(s)} for '{op.name}' (op: '{op.type}') with "
                             f"input shapes: {op.inputs[0].shape}.")
        out = [((None,), op.inputs[0].dtype.base_dtype), (s, op.attrs["out_idx"])]
        return out + [((None,), op.attrs["out_idx"])] if op.attrs["counts"] else out

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device
        it, counts = op.attrs["out_idx"].np, op.attrs["counts"]

        def unique(x):
            h = np.asarray(to_host(x))
            if h.ndim != 1:
                raise InvalidArgumentError(op.node_def, op, f"unique expects a 1D vector. (got shape {list(h.shape)})")
            values, idx, count = _first_appearance(h)
            out = [to_dev(values), to_dev(idx.astype(it))]
            return tuple(out + [to_dev(count.astype(it))]) if counts else tuple(out)
        return unique


def _first_appearance(h):
    """(distinct values of the 1-D host array h in first-appearance order, h's positions among them, counts): one
    stable sort of h (fast for integer ids, an optimizer's IndexedSlices rows) and one of the first positions."""
    if h.dtype.kind not in "iu":  # np.unique's order: NaNs and signed zeros as before
        values, first, inverse, count = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
        order = np.argsort(first, kind="stable")  # sorted -> first-appearance order
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return values[order], rank[inverse.reshape(-1)], count[order]
    order = stable_order(h)
    ids = h[order]
    new = np.concatenate([[True], ids[1:] != ids[:-1]])[:h.size]
    starts = np.flatnonzero(new)
    by_first = stable_order(order[starts])  # the groups in the order their first elements appear
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(by_first.size)
    idx = np.empty(h.size, np.int64)
    idx[order] = rank[np.cumsum(new) - 1]
    return ids[starts][by_first], idx, np.diff(np.append(starts, h.size))[by_first]


class UniqueWithCounts(Unique):
    type = "UniqueWithCounts"


def _unique(x, out_idx, counts, name, default):
    with name_scope(name, default, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        out_idx = dtypes.as_dtype(out_idx).base_dtype
        if out_idx not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"out_idx must be int32 or int64, got {out_idx.name}")
        op_def = UniqueWithCounts if counts else Unique
        return tuple(apply_op(op_def, [x], {"out_idx": out_idx, "counts": counts}, scope))


def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct values of the 1-D `x` in the order they first appear, and x's positions in y."""
    return _unique(x, out_idx, False, name, "Unique")


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """(y, idx, count): as `unique`, and how many times each value of y appears in x."""
    return _unique(x, out_idx, True, name, "UniqueWithCounts")

"""TF1's scatter ops on variables: rows of the variable changed in place at `indices` (`tf.scatter_update`,
`scatter_add`, `scatter_sub`, `scatter_mul`, `scatter_div`, `scatter_min`, `scatter_max`; duplicate indices are
applied one after the other, as mini-batch k-means adds each cluster's update to its centre), their N-d versions
that address slices by index tuples (`tf.scatter_nd_update`, `scatter_nd_add`, `scatter_nd_sub`) and
`tf.batch_scatter_update` built on them as TF builds it. Like TF1's ref ops they return the variable's value
after the update and have no gradient; `use_locking` is accepted (a run that writes holds the session's lock).
The functional versions, with gradients, are in tensor_scatter_ops.py."""
from __future__ import annotations

import numpy as np

from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .row_sums import scatter_rows
from .state_ops import MutatingOp, _ref_of

__all__ = ["scatter_add", "scatter_sub", "scatter_update", "scatter_mul", "scatter_div", "scatter_min",
           "scatter_max", "scatter_nd_update", "scatter_nd_add", "scatter_nd_sub", "batch_scatter_update"]


def check_scatter_types(op, target, indices, updates, target_name="ref"):
    if not indices.dtype.base_dtype.is_integer:
        raise TypeError(f"Value passed to parameter 'indices' has DataType {indices.dtype.base_dtype.name} not "
                        "in list of allowed values: int32, int64")
    if updates.dtype.base_dtype != target.dtype.base_dtype:
        raise TypeError(f"Input 'updates' of '{op.type}' Op has type {updates.dtype.base_dtype.name} that does "
                        f"not match type {target.dtype.base_dtype.name} of argument '{target_name}'.")


def check_nd_updates_shape(ts, ins, us):
    """TF's build-time check that updates.shape == indices.shape[:-1] + target.shape[indices.shape[-1]:]."""
    if None in (ts, ins, us) or ins[-1] is None:
        return
    outer, k = len(ins) - 1, ins[-1]
    for i in range(min(outer, len(us))):
        if ins[i] is not None and us[i] is not None and ins[i] != us[i]:
            raise ValueError(f"Dimensions [0,{outer}) of indices[shape={list(ins)}] = {list(ins[:outer])} must "
                             f"match dimensions [0,{outer}) of updates[shape={list(us)}] = {list(us[:outer])}: "
                             f"Dimension {i} in both shapes must be equal, but are {ins[i]} and {us[i]}.")
    want = tuple(ins[:outer]) + tuple(ts[k:])
    if len(us) != len(want) or any(a is not None and b is not None and a != b for a, b in zip(us, want)):
        raise ValueError(f"Dimensions [{outer},{len(us)}) of input[shape={list(ts)}] must match dimensions "
                         f"[{outer},{len(us)}) of updates[shape={list(us)}]")


def nd_row_ids(op, host_indices, shape):
    """Flat row ids over shape[:k] of the index tuples `host_indices` [..., k], or TF's InvalidArgumentError for the
    first tuple outside `shape`."""
    k = host_indices.shape[-1]
    flat = host_indices.reshape(-1, k)
    bad = np.any((flat < 0) | (flat >= np.asarray(shape[:k])), axis=1) if k else np.zeros(len(flat), bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise op_error(InvalidArgumentError, op, f"indices[{i}] = [{', '.join(map(str, flat[i]))}] does not index "
                       f"into shape [{','.join(map(str, shape))}]")
    return np.ravel_multi_index(tuple(flat.T), shape[:k]) if k else np.zeros(len(flat), np.int64)


class ScatterAdd(MutatingOp):
    """ref[indices[...]] += updates[...]; updates has shape indices.shape + ref.shape[1:]."""

    type, kind = "ScatterAdd", "add"
    gradient = not_differentiable

    def can_fail(op):
        return True  # an index out of range is found only while running

    checks_before_writing = True  # the indices and the updates' shape are checked before any row is written

    def infer(op):
        ref, indices, updates = op.inputs
        check_scatter_types(op, ref, indices, updates)
        op.op_def.check_shapes(op, static_shape(ref), static_shape(indices), static_shape(updates))
        return MutatingOp.infer(op)

    def check_shapes(op, rs, ins, us):
        if None not in (rs, ins, us):
            want = tuple(ins) + tuple(rs[1:])
            if len(us) != len(want) or any(a is not None and b is not None and a != b for a, b in zip(us, want)):
                raise ValueError(f"Shapes must be equal rank, but are {op.inputs[2].shape} and "
                                 f"{list(want)} for '{op.name}' (op: '{op.type}')")

    def row_ids(op, host, shape):
        """Host ids of the rows of `cur` (viewed by `rows_view`) that the indices address."""
        bad = (host < 0) | (host >= shape[0])
        if bad.any():
            raise op_error(InvalidArgumentError, op, f"indices[{int(np.argwhere(bad)[0][0])}] = "
                           f"{int(host[bad][0])} is not in [0, {shape[0]})")
        return host.reshape(-1)

    def index_depth(op, indices):
        return 1

    def kernel(op, ctx):
        store, var, to_host, op_def = ctx.variables, op.inputs[0].op, ctx.to_host, op.op_def

        def scatter(indices, updates):
            cur = store[var]
            ids = op_def.row_ids(op, np.asarray(to_host(indices)), cur.shape)
            k = op_def.index_depth(op, indices)
            rows = cur.reshape((-1,) + cur.shape[k:])
            vals = updates.reshape((-1,) + cur.shape[k:])
            if vals.shape[0] != len(ids):  # before any row is written (checks_before_writing)
                raise op_error(InvalidArgumentError, op, f"updates has {vals.shape[0]} rows for {len(ids)} "
                               "indices")
            scatter_rows(ctx, op_def.kind, rows, ids, vals)
            return cur
        return scatter


class ScatterSub(ScatterAdd):
    """ref[indices[...]] -= updates[...]."""

    type, kind = "ScatterSub", "sub"


class ScatterUpdate(ScatterAdd):
    """ref[indices[...]] = updates[...] (with duplicate indices, the last update wins)."""

    type, kind = "ScatterUpdate", "update"


class ScatterMul(ScatterAdd):
    type, kind = "ScatterMul", "mul"


class ScatterDiv(ScatterAdd):
    type, kind = "ScatterDiv", "div"


class ScatterMin(ScatterAdd):
    type, kind = "ScatterMin", "min"


class ScatterMax(ScatterAdd):
    type, kind = "ScatterMax", "max"


class ScatterNdUpdate(ScatterAdd):
    """ref[indices[..., :k]] = updates[...]: index tuples of depth k address slices ref.shape[k:]."""

    type, kind = "ScatterNdUpdate", "update"

    def check_shapes(op, rs, ins, us):
        check_nd_updates_shape(rs, ins, us)

    def row_ids(op, host, shape):
        return nd_row_ids(op, host, shape)

    def index_depth(op, indices):
        return indices.shape[-1]


class ScatterNdAdd(ScatterNdUpdate):
    type, kind = "ScatterNdAdd", "add"


class ScatterNdSub(ScatterNdUpdate):
    type, kind = "ScatterNdSub", "sub"


def _scatter(op_def, ref, indices, updates, name):
    ref = _ref_of(ref)
    with name_scope(name, op_def.type, [ref, indices, updates]) as scope:
        i = convert_to_tensor(indices, name="indices")
        u = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
        return apply_op(op_def, [ref, i, u], None, scope)


def _public(name, op_def, use_locking, doc):
    """TF1's public function for a scatter op: (ref, indices, updates, use_locking, name) -> the new value."""
    def scatter(ref, indices, updates, use_locking=use_locking, name=None):
        return _scatter(op_def, ref, indices, updates, name)
    scatter.__name__ = scatter.__qualname__ = name
    scatter.__doc__ = doc
    return scatter


_ROWS, _SLICES = "the rows `indices` of the variable `ref`", "the slices of `ref` that the index tuples address"
scatter_add = _public("scatter_add", ScatterAdd, False, f"Add `updates` into {_ROWS}; returns its new value.")
scatter_sub = _public("scatter_sub", ScatterSub, False, f"Subtract `updates` from {_ROWS}; returns its new value.")
scatter_update = _public("scatter_update", ScatterUpdate, True, f"Overwrite {_ROWS} with `updates`.")
scatter_mul = _public("scatter_mul", ScatterMul, False, f"Multiply {_ROWS} by `updates`.")
scatter_div = _public("scatter_div", ScatterDiv, False, f"Divide {_ROWS} by `updates`.")
scatter_min = _public("scatter_min", ScatterMin, False, f"The minimum of {_ROWS} and `updates`.")
scatter_max = _public("scatter_max", ScatterMax, False, f"The maximum of {_ROWS} and `updates`.")
scatter_nd_update = _public("scatter_nd_update", ScatterNdUpdate, True, f"Overwrite {_SLICES} with `updates`.")
scatter_nd_add = _public("scatter_nd_add", ScatterNdAdd, False, f"Add `updates` into {_SLICES}.")
scatter_nd_sub = _public("scatter_nd_sub", ScatterNdSub, False, f"Subtract `updates` from {_SLICES}.")


def batch_scatter_update(ref, indices, updates, use_locking=True, name=None):
    """ref[b..., indices[b..., j]] = updates[b..., j] over the batch dims `indices` shares with `ref`, as TF builds
    it: index tuples (batch coordinates..., index) for scatter_nd_update. `indices` needs a known shape here (the
    batch coordinates become one constant)."""
    from .array_ops import concat, expand_dims
    from .core import constant

    with name_scope(name):
        indices = convert_to_tensor(indices, name="indices")
        ishape = static_shape(indices)
        if ishape is None or None in ishape:
            raise ValueError("batch_scatter_update needs indices of known shape, got "
                             f"{indices.shape}")
        nd = expand_dims(indices, axis=-1)
        if len(ishape) > 1:
            grids = np.stack(np.meshgrid(*[np.arange(n) for n in ishape], indexing="ij")[:-1], axis=-1)
            nd = concat([constant(grids.astype(indices.dtype.base_dtype.np)), nd], axis=-1)
        return scatter_nd_update(ref, nd, updates, use_locking=use_locking)

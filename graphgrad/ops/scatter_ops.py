"""`tf.scatter_add` / `scatter_sub` / `scatter_update`: rows of a variable changed in place at `indices`
(duplicate indices add up, as mini-batch k-means adds each cluster's update to its centre). Like TF1's ref ops
they return the variable's value after the update and have no gradient."""
from __future__ import annotations

import numpy as np

from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .row_sums import add_rows
from .state_ops import MutatingOp, _ref_of

__all__ = ["scatter_add", "scatter_sub", "scatter_update"]


class ScatterAdd(MutatingOp):
    """ref[indices[...]] += updates[...]; updates has shape indices.shape + ref.shape[1:]."""

    type = "ScatterAdd"
    gradient = not_differentiable

    def can_fail(op):
        return True  # an index out of range is found only while running

    checks_before_writing = True  # the indices and the updates' shape are checked before any row is written

    def infer(op):
        ref, indices, updates = op.inputs
        if not indices.dtype.base_dtype.is_integer:
            raise TypeError(f"Value passed to parameter 'indices' has DataType {indices.dtype.base_dtype.name} not "
                            "in list of allowed values: int32, int64")
        if updates.dtype.base_dtype != ref.dtype.base_dtype:
            raise TypeError(f"Input 'updates' of '{op.type}' Op has type {updates.dtype.base_dtype.name} that does "
                            f"not match type {ref.dtype.base_dtype.name} of argument 'ref'.")
        rs, ins, us = static_shape(ref), static_shape(indices), static_shape(updates)
        if None not in (rs, ins, us):
            want = tuple(ins) + tuple(rs[1:])
            if len(us) != len(want) or any(a is not None and b is not None and a != b for a, b in zip(us, want)):
                raise ValueError(f"Shapes must be equal rank, but are {updates.shape} and "
                                 f"{list(want)} for '{op.name}' (op: '{op.type}')")
        return MutatingOp.infer(op)

    def kernel(op, ctx):
        store, var, to_host, kind = ctx.variables, op.inputs[0].op, ctx.to_host, op.op_def.type
        xp = ctx.xp

        def scatter(indices, updates):
            cur = store[var]
            host = np.asarray(to_host(indices))
            bad = (host < 0) | (host >= cur.shape[0])
            if bad.any():
                i = int(host[bad][0])
                raise op_error(InvalidArgumentError, op, f"indices[{int(np.argwhere(bad)[0][0])}] = {i} is not in "
                               f"[0, {cur.shape[0]})")
            rows, vals = indices.reshape(-1), updates.reshape((-1,) + cur.shape[1:])
            if vals.shape[0] != rows.shape[0]:  # before any row is written (checks_before_writing)
                raise op_error(InvalidArgumentError, op, f"updates has {vals.shape[0]} rows for {rows.shape[0]} "
                               "indices")
            if kind == "ScatterAdd":
                add_rows(xp, cur, rows, vals)
            elif kind == "ScatterSub":
                add_rows(xp, cur, rows, -vals)
            else:
                cur[rows] = vals
            return cur
        return scatter


class ScatterSub(ScatterAdd):
    """ref[indices[...]] -= updates[...]."""

    type = "ScatterSub"


class ScatterUpdate(ScatterAdd):
    """ref[indices[...]] = updates[...] (with duplicate indices, the last update wins)."""

    type = "ScatterUpdate"


def _scatter(op_def, ref, indices, updates, name):
    ref = _ref_of(ref)
    with name_scope(name, op_def.type, [ref, indices, updates]) as scope:
        i = convert_to_tensor(indices, name="indices")
        u = convert_to_tensor(updates, dtype=ref.dtype.base_dtype, name="updates")
        return apply_op(op_def, [ref, i, u], None, scope)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """Add `updates` into the rows `indices` of the variable `ref`; returns its new value."""
    return _scatter(ScatterAdd, ref, indices, updates, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """Subtract `updates` from the rows `indices` of the variable `ref`; returns its new value."""
    return _scatter(ScatterSub, ref, indices, updates, name)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """Overwrite the rows `indices` of the variable `ref` with `updates`; returns its new value."""
    return _scatter(ScatterUpdate, ref, indices, updates, name)

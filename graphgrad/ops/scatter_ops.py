"""`tf.scatter_add` / `scatter_sub` / `scatter_update`: rows of a variable changed in place by index. TF1's
optimizers write them into training graphs for an embedding's sparse gradient (gradient descent subtracts the
scaled rows, Adam adds to its slots' rows), so imported training graphs need them; repeated indices add up."""
from __future__ import annotations

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .math_common import _node
from .state_ops import MutatingOp, _ref_of

__all__ = ["scatter_add", "scatter_sub", "scatter_update"]


class ScatterAdd(MutatingOp):
    """ref[indices[i], ...] += updates[i, ...] in place; the output is the updated variable."""

    type = "ScatterAdd"
    how = "add"

    def infer(op):
        ref, idx, upd = (static_shape(t) for t in op.inputs)
        if ref is not None and idx is not None and upd is not None and len(upd) != len(idx) + len(ref) - 1:
            raise ValueError(f"Shapes must be equal rank, but are {len(upd)} and {len(idx) + len(ref) - 1} for "
                             f"'{op.name}' (op: '{op.type}')")
        return MutatingOp.infer(op)

    def can_fail(op):
        return True  # an index outside the variable

    def kernel(op, ctx):
        store, var, xp, to_host, how = ctx.variables, op.inputs[0].op, ctx.xp, ctx.to_host, op.op_def.how

        def scatter(indices, updates):
            cur = store[var]
            i = np.asarray(to_host(indices)).reshape(-1)
            if i.size and (i.min() < 0 or i.max() >= cur.shape[0]):
                bad = int(i[(i < 0) | (i >= cur.shape[0])][0])
                raise InvalidArgumentError(op.node_def, op, f"indices[{int(np.argmax(i == bad))}] = {bad} is not in "
                                                            f"[0, {cur.shape[0]}){_node(op)}")
            rows = xp.asarray(updates, cur.dtype).reshape(i.size, *cur.shape[1:])
            if how == "update":
                cur[i] = rows
            else:
                xp.add.at(cur, xp.asarray(i), -rows if how == "sub" else rows)
            return cur
        return scatter

    gradient = not_differentiable


class ScatterSub(ScatterAdd):
    type = "ScatterSub"
    how = "sub"


class ScatterUpdate(ScatterAdd):
    type = "ScatterUpdate"
    how = "update"


def _scatter(op_def, ref, indices, updates, name):
    ref = _ref_of(ref)
    with name_scope(name, op_def.type, [ref, indices, updates]) as scope:
        return apply_op(op_def, [ref, convert_to_tensor(indices),
                                 convert_to_tensor(updates, dtype=ref.dtype.base_dtype)], None, scope)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    return _scatter(ScatterAdd, ref, indices, updates, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    return _scatter(ScatterSub, ref, indices, updates, name)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    return _scatter(ScatterUpdate, ref, indices, updates, name)

"""`tf.tensor_scatter_nd_update` / `_add` / `_sub` / `_min` / `_max` (TF1 also names the first three
`tensor_scatter_update` / `_add` / `_sub`): a copy of `tensor` with the slices that the index tuples (last axis of
`indices`) address replaced by, or combined with, `updates` (op types TensorScatterUpdate, TensorScatterAdd, ...).
Unlike the variable scatters of scatter_ops.py they are functional and differentiable; the gradients are TF's,
built from GatherNd and the ops themselves: an updated slice takes no gradient into `tensor`, ties of min/max
share it equally between `tensor` and the updates that reached the extreme."""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import add, multiply, negative, realdiv
from .array_ops import shape
from .cast_ops import cast
from .comparison_ops import equal
from .core import apply_op, convert_to_tensor, zeros_like
from .nd_ops import gather_nd, scatter_nd
from .row_sums import scatter_rows
from .scatter_ops import check_nd_updates_shape, check_scatter_types, nd_row_ids


class TensorScatterUpdate(OpDef):
    """tensor with tensor[indices[i]] = updates[i]; gradients: dz with the updated slices zeroed, gather_nd(dz)."""

    type, kind = "TensorScatterUpdate", "update"
    allocates = True

    def can_fail(op):
        return True  # an index outside `tensor` is found only while running

    def infer(op):
        tensor, indices, updates = op.inputs
        check_scatter_types(op, tensor, indices, updates, "tensor")
        check_nd_updates_shape(static_shape(tensor), static_shape(indices), static_shape(updates))
        return [(static_shape(tensor), tensor.dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, kind = ctx.to_host, op.op_def.kind

        def tensor_scatter(tensor, indices, updates):
            ids = nd_row_ids(op, np.asarray(to_host(indices)), tensor.shape)
            k = indices.shape[-1]
            out = tensor.copy()
            scatter_rows(ctx, kind, out.reshape((-1,) + tensor.shape[k:]), ids,
                         updates.reshape((-1,) + tensor.shape[k:]))
            return out
        return tensor_scatter

    def gradient(op, dz):
        _, indices, updates = op.inputs
        return [tensor_scatter_nd_update(dz, indices, zeros_like(updates)), None, gather_nd(dz, indices)]


class TensorScatterAdd(TensorScatterUpdate):
    type, kind = "TensorScatterAdd", "add"

    def gradient(op, dz):
        return [dz, None, gather_nd(dz, op.inputs[1])]


class TensorScatterSub(TensorScatterUpdate):
    type, kind = "TensorScatterSub", "sub"

    def gradient(op, dz):
        return [dz, None, negative(gather_nd(dz, op.inputs[1]))]


class TensorScatterMin(TensorScatterUpdate):
    """tensor with tensor[indices[i]] = min(tensor[indices[i]], updates[i]); ties share the gradient."""

    type, kind = "TensorScatterMin", "min"

    def gradient(op, dz):
        x, indices, y = op.inputs
        out = op.outputs[0]
        x_hit = cast(equal(x, out), dz.dtype.base_dtype)
        y_hit = cast(equal(y, gather_nd(out, indices)), dz.dtype.base_dtype)
        count = add(x_hit, scatter_nd(indices, y_hit, shape(x, out_type=indices.dtype.base_dtype)))
        return [realdiv(multiply(dz, x_hit), count), None, multiply(gather_nd(realdiv(dz, count), indices), y_hit)]


class TensorScatterMax(TensorScatterMin):
    type, kind = "TensorScatterMax", "max"


def _tensor_scatter(op_def, tensor, indices, updates, name):
    with name_scope(name, op_def.type, [tensor, indices, updates]) as scope:
        t = convert_to_tensor(tensor, name="tensor")
        i = convert_to_tensor(indices, name="indices")
        u = convert_to_tensor(updates, dtype=t.dtype.base_dtype, name="updates")
        return apply_op(op_def, [t, i, u], None, scope)


def _public(name, op_def, doc):
    def tensor_scatter(tensor, indices, updates, name=None):
        return _tensor_scatter(op_def, tensor, indices, updates, name)
    tensor_scatter.__name__ = tensor_scatter.__qualname__ = name
    tensor_scatter.__doc__ = f"A copy of `tensor` {doc}."
    return tensor_scatter


tensor_scatter_nd_update = _public("tensor_scatter_nd_update", TensorScatterUpdate,
                                   "with the addressed slices replaced by `updates`")
tensor_scatter_nd_add = _public("tensor_scatter_nd_add", TensorScatterAdd,
                                "with `updates` added into the addressed slices (repeated indices add up)")
tensor_scatter_nd_sub = _public("tensor_scatter_nd_sub", TensorScatterSub,
                                "with `updates` subtracted from the addressed slices")
tensor_scatter_nd_min = _public("tensor_scatter_nd_min", TensorScatterMin,
                                "whose addressed slices become their minimum with `updates`")
tensor_scatter_nd_max = _public("tensor_scatter_nd_max", TensorScatterMax,
                                "whose addressed slices become their maximum with `updates`")
tensor_scatter_update = tensor_scatter_nd_update
tensor_scatter_add = tensor_scatter_nd_add
tensor_scatter_sub = tensor_scatter_nd_sub

__all__ = ["tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_min",
           "tensor_scatter_nd_max", "tensor_scatter_update", "tensor_scatter_add", "tensor_scatter_sub"]

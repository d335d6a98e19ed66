"""Ops whose axes, offsets or sizes are tensors known only when run, as TensorFlow's gradient code writes them
into training graphs where a shape was not known while building: `BroadcastGradientArgs` (which axes each
operand of a broadcasting op sums its gradient over), `ConcatOffset` (where each input of a concat starts),
`Slice` with tensor bounds and reductions over tensor axes. graphgrad's own gradients never need them (its ops
keep axes as attributes and `SumToShape` / `Unreduce` read shapes when run); tf.import_graph_def builds them for
TensorFlow's nodes (graph_io/tf_ops.py).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op
from .math_common import _node

_REDUCTIONS = {"Sum": "sum", "Prod": "prod", "Mean": "mean", "Max": "max", "Min": "min"}


def _ints(ctx, v):
    return [int(i) for i in np.asarray(ctx.to_host(v)).reshape(-1)]


def broadcast_gradient_args(s0, s1):
    """TF's BCast reduction indices of two shapes: the axes (of the broadcast result) each operand's gradient is
    summed over, axes of size 1 in both included, as TensorFlow lists them."""
    n = max(len(s0), len(s1))
    a, b = [1] * (n - len(s0)) + list(s0), [1] * (n - len(s1)) + list(s1)
    r0, r1 = [], []
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y == 1:
            r0.append(i)
            r1.append(i)
        elif x == 1:
            r0.append(i)
        elif y == 1:
            r1.append(i)
        elif x != y:
            raise ValueError(f"Incompatible shapes: {list(s0)} vs. {list(s1)}")
    return r0, r1


class BroadcastGradientArgs(OpDef):
    """(r0, r1) of two shape vectors s0, s1: the axes over which each operand's gradient sums."""

    type = "BroadcastGradientArgs"

    def infer(op):
        dt = op.inputs[0].dtype.base_dtype
        return [((None,), dt), ((None,), dt)]

    def kernel(op, ctx):
        dt = op.outputs[0].dtype.np

        def args(s0, s1):
            try:
                r0, r1 = broadcast_gradient_args(_ints(ctx, s0), _ints(ctx, s1))
            except ValueError as e:
                raise InvalidArgumentError(op.node_def, op, f"{e}{_node(op)}") from None
            return ctx.to_device(np.array(r0, dt)), ctx.to_device(np.array(r1, dt))
        return args

    gradient = not_differentiable


class ConcatOffset(OpDef):
    """The offset of each concat input along the concat axis: inputs (axis, shape_0, ..., shape_n-1), one
    output per shape, zeros but for the axis (the gradient of a concat is a Slice of it at each offset)."""

    type = "ConcatOffset"

    def infer(op):
        return [(static_shape(x), dtypes.int32) for x in op.inputs[1:]]

    def kernel(op, ctx):
        def offsets(axis, *shapes):
            shapes = [_ints(ctx, s) for s in shapes]
            ax, at, out = int(np.asarray(ctx.to_host(axis))), 0, []
            ax = ax % len(shapes[0])
            for s in shapes:
                o = np.zeros(len(s), np.int32)
                o[ax] = at
                at += s[ax]
                out.append(ctx.to_device(o))
            return out[0] if len(out) == 1 else tuple(out)
        return offsets

    gradient = not_differentiable


class TensorSlice(OpDef):
    """TF's `Slice` whose `begin` and `size` are tensors (-1 in size: to the end); a block that does not fit the
    input is InvalidArgumentError, as in TF."""

    type = "TensorSlice"

    def infer(op):
        s, n = static_shape(op.inputs[0]), static_shape(op.inputs[2])
        rank = len(s) if s is not None else (n[0] if n is not None else None)
        return [(None if rank is None else (None,) * rank, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        def tensor_slice(x, begin, size):
            b, n = _ints(ctx, begin), _ints(ctx, size)
            if len(b) != x.ndim or len(n) != x.ndim:
                raise InvalidArgumentError(op.node_def, op, f"Expected begin and size arguments to be 1-D tensors "
                                                            f"of size {x.ndim}{_node(op)}")
            n = [d - i if s == -1 else s for d, i, s in zip(x.shape, b, n)]
            if any(i < 0 or s < 0 or i + s > d for d, i, s in zip(x.shape, b, n)):
                raise InvalidArgumentError(op.node_def, op, f"Expected begin {b} and size {n} to fit in shape "
                                                            f"{list(x.shape)}{_node(op)}")
            return x[tuple(slice(i, i + s) for i, s in zip(b, n))]
        return tensor_slice

    def gradient(op, g):
        return [apply_op(TensorSliceGrad, [op.inputs[0], op.inputs[1], g], {}), None, None]


class TensorSliceGrad(OpDef):
    """The gradient of TensorSlice: zeros shaped like x with g placed at `begin`."""

    type = "TensorSliceGrad"
    shape_only_inputs = (0,)

    def infer(op):
        return [(static_shape(op.inputs[0]), op.inputs[2].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def slice_grad(x, begin, g):
            out = xp.zeros(x.shape, g.dtype)
            out[tuple(slice(i, i + s) for i, s in zip(_ints(ctx, begin), g.shape))] = g
            return out
        return slice_grad

    def gradient(op, g):
        return [None, None, apply_op(TensorSlice, [g, op.inputs[1], _shape_of(op.inputs[2])], {})]


def _shape_of(x):
    from .array_ops import Shape

    return apply_op(Shape, [x], {"out_type": dtypes.int32})


class TensorAxesReduction(OpDef):
    """TF's Sum / Prod / Mean / Max / Min (`reduction`) over axes given as a tensor (second input)."""

    type = "TensorAxesReduction"

    def infer(op):
        s = static_shape(op.inputs[0])
        rank = None if s is None else (len(s) if op.attrs["keep_dims"] else None)
        return [(None if rank is None else (None,) * rank, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        f, keep = getattr(ctx.xp, _REDUCTIONS[op.attrs["reduction"]]), op.attrs["keep_dims"]
        dt = op.outputs[0].dtype.np

        def reduce(x, axes):
            axis = tuple(sorted({a % x.ndim for a in _ints(ctx, axes)})) if x.ndim else ()
            return ctx.xp.asarray(f(x, axis=axis, keepdims=keep)).astype(dt, copy=False)
        return reduce

    def gradient(op, g):
        kind = op.attrs["reduction"]
        if kind not in ("Sum", "Mean"):
            raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type}, {kind})")
        x, axes = op.inputs
        return [apply_op(TensorAxesUnreduce, [g, x, axes], {"mean": kind == "Mean",
                                                           "keep_dims": op.attrs["keep_dims"]}), None]


class TensorAxesUnreduce(OpDef):
    """The gradient of a sum (or mean) over tensor axes: g broadcast back to x's shape (divided by the count)."""

    type = "TensorAxesUnreduce"
    shape_only_inputs = (1,)

    def infer(op):
        return [(static_shape(op.inputs[1]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, mean, keep = ctx.xp, op.attrs["mean"], op.attrs["keep_dims"]

        def unreduce(g, x, axes):
            axis = sorted({a % x.ndim for a in _ints(ctx, axes)}) if x.ndim else []
            if not keep:
                g = xp.reshape(g, [1 if i in axis else d for i, d in enumerate(x.shape)])
            out = xp.broadcast_to(g, x.shape)
            if mean:
                out = out / max(int(np.prod([x.shape[i] for i in axis])), 1)
            return xp.array(out, dtype=g.dtype)
        return unreduce

    def gradient(op, g):
        reduction = "Mean" if op.attrs["mean"] else "Sum"
        return [apply_op(TensorAxesReduction, [g, op.inputs[2]], {"reduction": reduction,
                                                                  "keep_dims": op.attrs["keep_dims"]}), None, None]


def tensor_axes_reduction(reduction, x, axes, keep_dims=False, name=None):
    """`reduction` ("Sum", "Prod", "Mean", "Max", "Min") of x over the axes a 1-D int tensor holds when run."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {sorted(_REDUCTIONS)}, got {reduction!r}")
    return apply_op(TensorAxesReduction, [x, axes], {"reduction": reduction, "keep_dims": bool(keep_dims)},
                    name or reduction)


def tensor_slice(x, begin, size, name=None):
    """TF's Slice with `begin` and `size` known only when run."""
    return apply_op(TensorSlice, [x, begin, size], {}, name or "Slice")


def broadcast_gradient_args_op(s0, s1, name=None):
    g = s0.graph
    return list(g.create_op(BroadcastGradientArgs, [s0, s1], {}, name or "BroadcastGradientArgs").outputs)


def concat_offset(axis, shapes, name=None):
    g = axis.graph
    return list(g.create_op(ConcatOffset, [axis, *shapes], {"N": len(shapes)}, name or "ConcatOffset").outputs)

"""`tf.linspace` / `tf.lin_space` (op type LinSpace) and `tf.repeat`.

LinSpace computes what TF 2's `linspace_nd` composes: `start`, then start + i·(stop - start)/(num - 1), then
`stop` exactly, along a new `axis` (start and stop broadcast together, so they may be batches); num is an int
tensor read on the host. Its gradient sends dz·(1 - t) to start and dz·t to stop, with t = linspace(0, 1, num),
so it is differentiable again. `repeat` gathers (gather_nd, whose gradient is dense as TF's) the positions
searchsorted(cumsum(repeats), range(total)) along `axis` (the flattened input when axis is None); as TF's, its
static length along `axis` is known where TF's shape inference knows it.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shapes, require, static_shape
from .arithmetic_ops import multiply, subtract
from .array_ops import _norm_axis, broadcast_to, expand_dims, get_static_value, range, reshape, shape, transpose
from .bucket_ops import UpperBound
from .cast_ops import cast
from .core import apply_op, convert_to_tensor, sum_to
from .math_common import _scalar
from .nd_ops import gather_nd
from .reduction_ops import reduce_sum
from .scan_ops import cumsum


class LinSpace(OpDef):
    """num evenly spaced values from start to stop (both included) along `axis`."""

    type = "LinSpace"
    allocates = True

    def infer(op):
        start, stop, num = op.inputs
        dt = require(op, start, floating=True)
        if stop.dtype.base_dtype != dt:
            raise TypeError(f"Input 'stop' of 'LinSpace' Op has type {stop.dtype.base_dtype.name} that does not "
                            f"match type {dt.name} of argument 'start'.")
        if not num.dtype.base_dtype.is_integer:
            raise TypeError(f"Value passed to parameter 'num' has DataType {num.dtype.base_dtype.name} not in list "
                            "of allowed values: int32, int64")
        base = broadcast_shapes(op, static_shape(start), static_shape(stop))
        if base is None:
            return [(None, dt)]
        n = get_static_value(num)
        axis = _norm_axis(op.attrs["axis"], len(base) + 1)
        return [(tuple(base[:axis]) + (None if n is None else max(int(n), 0),) + tuple(base[axis:]), dt)]

    def kernel(op, ctx):
        xp, to_host, axis = ctx.xp, ctx.to_host, op.attrs["axis"]
        dt = op.outputs[0].dtype.np

        def linspace(start, stop, num):
            n = int(to_host(num))
            s, e = xp.broadcast_arrays(xp.asarray(start, dt), xp.asarray(stop, dt))
            ax = axis % (s.ndim + 1)
            s, e = xp.expand_dims(s, ax), xp.expand_dims(e, ax)
            steps = [1] * s.ndim
            steps[ax] = -1
            middle = s + xp.arange(1, max(n - 1, 1), dtype=dt).reshape(steps) * ((e - s) / max(n - 1, 1))
            out = xp.concatenate([s, middle, e], axis=ax)
            return out[(slice(None),) * ax + (slice(0, max(n, 0)),)]
        return linspace

    def gradient(op, dz):
        start, stop, num = op.inputs
        rank = dz.shape.ndims
        axis = op.attrs["axis"] % rank
        unit = apply_op(LinSpace, [_scalar(0, dz), _scalar(1, dz), num], {"axis": 0})
        t = reshape(unit, [1] * axis + [-1] + [1] * (rank - axis - 1))
        d_stop = reduce_sum(multiply(dz, t), axis)
        d_start = subtract(reduce_sum(dz, axis), d_stop)
        return [sum_to(d_start, start), sum_to(d_stop, stop), None]


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`, both included; start and stop may be tensors of one
    shape (or broadcastable), the values then running along `axis`."""
    with name_scope(name, "linspace", [start, stop]) as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, name="stop", dtype=start.dtype.base_dtype)
        num = convert_to_tensor(num, name="num")
        return apply_op(LinSpace, [start, stop, num], {"axis": int(axis)}, scope)


lin_space = linspace


def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TensorFlow's name
    """Each element (slice along `axis`) of `input` repeated `repeats` times (a scalar or one count per element);
    with axis None, of the flattened input."""
    with name_scope(name, "Repeat"):
        x = convert_to_tensor(input, name="input")
        if axis is None:
            x, axis = reshape(x, [-1]), 0
        repeats = convert_to_tensor(repeats, name="repeats")
        if not repeats.dtype.base_dtype.is_integer:
            raise TypeError(f"repeats must be integers, got {repeats.dtype.base_dtype.name}")
        rank = x.shape.ndims
        if rank is None:
            raise ValueError("repeat needs an input of known rank")
        axis = _norm_axis(int(axis), rank)
        counts = broadcast_to(cast(repeats, "int32"), reshape(shape(x)[axis], [1]))
        # searchsorted(ends, range(total), side="right") as one row, which stays valid for a total of 0
        row = apply_op(UpperBound, [expand_dims(cumsum(counts), 0), expand_dims(range(reduce_sum(counts)), 0)],
                       {"out_type": dtypes.int32}, "UpperBound")
        positions = reshape(row, [-1])
        front = [axis] + [i for i in builtins.range(rank) if i != axis]
        moved = transpose(x, front) if axis else x
        out = gather_nd(moved, expand_dims(positions, -1))  # a dense gradient, as TF's
        if axis:
            out = transpose(out, [front.index(i) for i in builtins.range(rank)])
        out.set_shape(_repeated_shape(static_shape(x), axis, get_static_value(repeats)))
        return out


def _repeated_shape(s, axis, repeats):
    """The static shape of repeat's result, as TF's shape inference finds it: the axis's length is known for
    constant `repeats` (and a known length), except along axis 0 with one count per element (TF's boolean_mask)."""
    n = s[axis]
    if repeats is None or n is None or (repeats.ndim and axis == 0):
        total = None
    else:
        total = int(repeats) * n if not repeats.ndim else int(np.broadcast_to(repeats, (n,)).sum())
    return list(s[:axis]) + [total] + list(s[axis + 1:])


__all__ = ["linspace", "lin_space", "repeat"]

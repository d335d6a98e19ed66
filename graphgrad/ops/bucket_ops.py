"""Bucketing: `tf.searchsorted` (TF's LowerBound / UpperBound ops on the last axis, the leading axes flattened into
rows as TF's wrapper does), `tf.histogram_fixed_width` (the HistogramFixedWidth op, TF's arithmetic: a value's bin
is ((max(v, lo) - lo) / step) in double, clamped to the last bin) and `tf.histogram_fixed_width_bins` (from graph
ops, as TF builds it). None of them has a gradient in TF."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import multiply, subtract, truediv
from .array_ops import get_static_value, reshape, shape
from .cast_ops import cast
from .clip_ops import clip_by_value
from .core import apply_op, convert_to_tensor
from .unary_ops import floor

__all__ = ["searchsorted", "histogram_fixed_width", "histogram_fixed_width_bins"]


class LowerBound(OpDef):
    """out[i, j] = the first k with sorted_inputs[i, k] >= values[i, j] (UpperBound: > values[i, j])."""

    type = "LowerBound"
    side = "left"

    def infer(op):
        seq, vals = op.inputs
        return [(static_shape(vals), op.attrs["out_type"])]

    def kernel(op, ctx):
        xp, side, dt = ctx.xp, op.op_def.side, op.attrs["out_type"].np

        def bound(seq, vals):
            if seq.shape[0] != vals.shape[0]:
                raise op_error(InvalidArgumentError, op, "Leading dim_size of both tensors must match.")
            if seq.shape[1] == 0 or len(seq) == 0:
                return xp.zeros(vals.shape, dt)
            return xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(seq, vals)]).astype(dt)
        return bound


class UpperBound(LowerBound):
    type, side = "UpperBound", "right"


def _rows(t):
    """t as a matrix of its last axis (static where t's shape is known: a 0-length axis cannot reshape by -1)."""
    s = static_shape(t)
    if s is not None and None not in s and s:
        return reshape(t, [int(np.prod(s[:-1])), s[-1]])
    return reshape(t, [-1, shape(t)[-1]])


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each value, where it would go in the sorted last axis of `sorted_sequence` (the same leading axes as
    `values`): before equal entries (side="left") or after them ("right")."""
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: `side` = '{side}'.")
    seq, vals = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    op_def = LowerBound if side == "left" else UpperBound
    out = apply_op(op_def, [_rows(seq), _rows(vals)], {"out_type": dtypes.as_dtype(out_type).base_dtype},
                   name or op_def.type)
    s = static_shape(vals)
    return reshape(out, list(s) if s is not None and None not in s else shape(vals))


class HistogramFixedWidth(OpDef):
    """Counts of `values` in `nbins` equal bins over [value_range[0], value_range[1]]; values outside go to the
    first or last bin."""

    type = "HistogramFixedWidth"

    def infer(op):
        n = get_static_value(op.inputs[2])
        if n is not None and int(n) <= 0:
            raise ValueError(f"Requires nbins > 0: {int(n)} for '{op.name}' (op: '{op.type}')")
        return [((None if n is None else int(n),), op.attrs["dtype"])]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.attrs["dtype"].np

        def histogram(values, value_range, nbins):
            lo, hi = np.asarray(ctx.to_host(value_range)).reshape(-1)[:2]
            n = int(ctx.to_host(nbins))
            if n <= 0:
                raise op_error(InvalidArgumentError, op, f"nbins should be a positive number, but got '{n}'")
            if not lo < hi:
                raise op_error(InvalidArgumentError, op, "value_range should satisfy value_range[0] < "
                                                         f"value_range[1], but got '[{lo:g},{hi:g}]'")
            if values.dtype.kind == "f" and bool(xp.isnan(values).any()):
                raise op_error(InvalidArgumentError, op, "Histogram values must not contain NaN")
            step = float(hi - lo) / n  # in the values' dtype, then double, as TF's kernel
            v = (xp.maximum(values.reshape(-1), value_range[0]) - value_range[0]).astype(np.float64)
            bins = xp.minimum(v / step, float(n - 1)).astype(np.int32)
            return xp.bincount(bins, minlength=n).astype(dt)
        return histogram


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """A histogram of `values` with `nbins` equal bins spanning `value_range`; values below it count in the first
    bin, values above in the last."""
    with name_scope(name, "histogram_fixed_width", [values, value_range, nbins]) as scope:
        v = convert_to_tensor(values, name="values")
        r = convert_to_tensor(value_range, name="value_range", dtype=v.dtype.base_dtype)
        n = convert_to_tensor(nbins, name="nbins", dtype=dtypes.int32)
        return apply_op(HistogramFixedWidth, [v, r, n], {"dtype": dtypes.as_dtype(dtype).base_dtype}, scope)


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin of each value (`values`' shape) in the histogram `histogram_fixed_width` would count it in."""
    with name_scope(name, "histogram_fixed_width_bins", [values, value_range]):
        values = convert_to_tensor(values, name="values")
        shape_ = shape(values)
        values = reshape(values, [-1])
        value_range = convert_to_tensor(value_range, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        nbins_float = cast(nbins, values.dtype.base_dtype)
        scaled = truediv(subtract(values, value_range[0]), subtract(value_range[1], value_range[0]),
                         name="scaled_values")
        indices = floor(multiply(nbins_float, scaled), name="indices")
        indices = cast(clip_by_value(indices, 0, nbins_float - 1), dtypes.int32)
        return reshape(indices, shape_)

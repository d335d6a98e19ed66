"""Scans: running results along one axis (cumsum, exclusive and/or reversed); the gradient of a cumsum is the
reversed cumsum of the incoming gradient.
"""
from __future__ import annotations

import numpy as np

from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .math_common import NUMERIC, _check_kind, _const_value
from .reduction_ops import _normalize_axes


class Cumsum(OpDef):
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` runs from the end."""

    type = "Cumsum"

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, NUMERIC)
        shape = static_shape(x)
        if shape is not None:
            _normalize_axes((op.attrs["axis"],), len(shape), "axis")
        return [(shape, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        axis, excl, rev = op.attrs["axis"], op.attrs["exclusive"], op.attrs["reverse"]
        dt = op.outputs[0].dtype.np
        cumsum_ = xp.cumsum

        def cumsum_kernel(x):
            ax = axis % x.ndim
            idx = (slice(None),) * ax
            if rev:
                x = x[idx + (slice(None, None, -1),)]
            if excl:
                out = xp.zeros(x.shape, dt)
                cumsum_(x[idx + (slice(None, -1),)], axis=ax, dtype=dt, out=out[idx + (slice(1, None),)])
            else:
                out = cumsum_(x, axis=ax, dtype=dt)
            return out[idx + (slice(None, None, -1),)] if rev else out
        return cumsum_kernel

    def gradient(op, dz):
        a = op.attrs
        return [cumsum(dz, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = convert_to_tensor(x, name="x")
    axis = int(np.asarray(_const_value(axis, "axis")))
    return apply_op(Cumsum, [x], {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)},
                    name or "Cumsum")


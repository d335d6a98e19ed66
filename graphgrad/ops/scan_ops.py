"""Scans: running sums and products along one axis (cumsum, cumprod; exclusive and/or reversed). The gradient of a
cumsum is the reversed cumsum of the incoming gradient; a cumprod's is TF's, cumsum(cumprod(x) * dz, reversed) / x
(so, as in TensorFlow, not finite where x is 0).
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
    scan, start = "cumsum", 0  # the array module's function, and an exclusive scan's first value

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
        scan_, start = getattr(xp, op.op_def.scan), op.op_def.start

        def scan_kernel(x):
            ax = axis % x.ndim
            idx = (slice(None),) * ax
            if rev:
                x = x[idx + (slice(None, None, -1),)]
            if excl:
                out = xp.full(x.shape, start, dt)
                scan_(x[idx + (slice(None, -1),)], axis=ax, dtype=dt, out=out[idx + (slice(1, None),)])
            else:
                out = scan_(x, axis=ax, dtype=dt)
            return out[idx + (slice(None, None, -1),)] if rev else out
        return scan_kernel

    def gradient(op, dz):
        a = op.attrs
        return [cumsum(dz, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


class Cumprod(Cumsum):
    """Cumulative product along `axis`; `exclusive` starts from 1, `reverse` runs from the end."""

    type = "Cumprod"
    scan, start = "cumprod", 1

    def gradient(op, dz):
        from .arithmetic_ops import divide, multiply

        a, x = op.attrs, op.inputs[0]
        prod = cumprod(x, a["axis"], exclusive=a["exclusive"], reverse=a["reverse"])
        return [divide(cumsum(multiply(prod, dz), a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"]), x)]


def _scan(op_def, x, axis, exclusive, reverse, name):
    x = convert_to_tensor(x, name="x")
    axis = int(np.asarray(_const_value(axis, "axis")))
    return apply_op(op_def, [x], {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)},
                    name or op_def.type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """TF's `tf.cumsum`: running sums along `axis`."""
    return _scan(Cumsum, x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """TF's `tf.cumprod` / `tf.math.cumprod`: running products along `axis` (exclusive: from 1)."""
    return _scan(Cumprod, x, axis, exclusive, reverse, name)


"""Scans: running sums, products and log-sum-exps along one axis (cumsum, cumprod, cumulative_logsumexp; exclusive
and/or reversed). The gradient of a cumsum is the reversed cumsum of the incoming gradient; a cumprod's is TF's,
cumsum(cumprod(x) * dz, reversed) / x (so, as in TensorFlow, not finite where x is 0); a cumulative_logsumexp's is
TF's too: the reversed scan of log(±dz) − output, split by the sign of dz so that logs are defined.
"""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .math_common import FLOAT, NUMERIC, _check_kind, _const_value, _scalar
from .reduction_ops import _normalize_axes


class Cumsum(OpDef):
    """Cumulative sum along `axis`; `exclusive` starts from 0, `reverse` runs from the end."""

    type = "Cumsum"
    scan, start = "cumsum", 0  # the array module's function, and an exclusive scan's first value
    kinds = NUMERIC

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, op.op_def.kinds)
        shape = static_shape(x)
        if shape is not None:
            _normalize_axes((op.attrs["axis"],), len(shape), "axis")
        return [(shape, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        axis, excl, rev = op.attrs["axis"], op.attrs["exclusive"], op.attrs["reverse"]
        dt = op.outputs[0].dtype.np
        scan_, start = op.op_def.scan_function(op, xp), op.op_def.start

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

    def scan_function(op, xp):
        """`f(x, axis, dtype, out=None)`: the inclusive scan on the array module."""
        return getattr(xp, op.op_def.scan)

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


class CumulativeLogsumexp(Cumsum):
    """log(cumsum(exp(x))) along `axis`, computed by running logaddexp (no overflow); exclusive starts from -inf."""

    type, kinds = "CumulativeLogsumexp", FLOAT
    start = -np.inf

    def scan_function(op, xp):
        accumulate = getattr(xp.logaddexp, "accumulate", None)
        if accumulate is not None and xp is np:
            return lambda x, axis, dtype, out=None: accumulate(x, axis=axis, dtype=dtype, out=out)

        def running(x, axis, dtype, out=None):  # one logaddexp per position (CuPy's ufuncs do not accumulate)
            out = xp.empty(x.shape, dtype) if out is None else out
            src, dst = xp.moveaxis(x, axis, 0), xp.moveaxis(out, axis, 0)
            for i in range(src.shape[0]):
                dst[i] = src[i] if i == 0 else xp.logaddexp(dst[i - 1], src[i])
            return out
        return running

    def gradient(op, dz):
        from .arithmetic_ops import add, negative, subtract
        from .comparison_ops import greater
        from .select_ops import where_v2
        from .unary_ops import exp, log

        a, x, out = op.attrs, op.inputs[0], op.outputs[0]
        lowest = _scalar(float(np.finfo(dz.dtype.base_dtype.np).min), dz)
        zero = _scalar(0, dz)

        def part(positive):
            signed = dz if positive else negative(dz)
            kept = greater(signed, zero)
            log_dz = where_v2(kept, log(where_v2(kept, signed, _scalar(1, dz))), lowest)
            scanned = cumulative_logsumexp(subtract(log_dz, out), a["axis"], a["exclusive"], not a["reverse"])
            return exp(add(scanned, x))
        return [subtract(part(True), part(False))]


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


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """TF's `tf.math.cumulative_logsumexp`: running log(sum(exp(x))) along `axis`, without overflow."""
    with name_scope(name, "CumulativeLogsumexp", [x]) as scope:
        return _scan(CumulativeLogsumexp, x, axis, exclusive, reverse, scope)


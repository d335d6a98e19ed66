"""Casts between dtypes (`tf.cast`, `to_float`, ...): the Cast op, a no-op when the dtype already matches,
differentiable between floating dtypes only.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.op_def import OpDef, same_shape, static_shape
from .core import apply_op, convert_to_tensor


class Cast(OpDef):
    type = "Cast"
    shape_rule = same_shape

    def infer(op):
        return [(op.op_def.shape_rule(op, static_shape(op.inputs[0])), op.attrs["DstT"])]

    def simplify(op, facts):
        """A cast to the dtype its input already has is the input (the kernel copies it)."""
        x = facts.args(op)[0]
        return (x, False) if x.dtype.base_dtype == op.attrs["DstT"].base_dtype else None

    def kernel(op, ctx):
        dt = op.attrs["DstT"].np
        if op.inputs[0].dtype.base_dtype.is_complex and not op.attrs["DstT"].is_complex:
            return lambda x: x.real.astype(dt)  # TF keeps the real part (NumPy would warn first)
        return lambda x: x.astype(dt)

    def gradient(op, dy):
        src, dst = op.inputs[0].dtype.base_dtype, op.attrs["DstT"]
        if (src.is_floating or src.is_complex) and (dst.is_floating or dst.is_complex):
            return [cast(dy, src)]
        return [None]


def cast(x, dtype, name=None):
    """Convert `x` to `dtype` (floats to ints truncate toward zero); no op when it already has that dtype."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype).base_dtype
    if x.dtype.base_dtype == dtype:
        return x
    dtype.np  # noqa: B018  (bfloat16, quantized: graphgrad's TypeError saying why it cannot compute in them)
    return apply_op(Cast, [x], {"DstT": dtype, "SrcT": x.dtype.base_dtype}, name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name)


"""Casts between dtypes (`tf.cast`, `to_float`, ...): the Cast op, a no-op when the dtype already matches,
differentiable between floating dtypes only; and `tf.bitcast` (Bitcast), which reinterprets the bytes.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable, same_shape, static_shape
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


class Bitcast(OpDef):
    """The same bytes read as another dtype: equal sizes keep the shape, a wider input gains a last dimension of
    the size ratio, a narrower one loses its last dimension (which must be that ratio). Not differentiable."""

    type = "Bitcast"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        src, dst = x.dtype.base_dtype, op.attrs["type"]
        a, b = (0 if d.np is object or d.np is np.bool_ else np.dtype(d.np).itemsize for d in (src, dst))
        if not a or not b:
            raise TypeError(f"Cannot bitcast from {src.name} to {dst.name}")
        s = static_shape(x)
        if s is None or a == b:
            return [(s, dst)]
        if a > b:
            return [(tuple(s) + (a // b,), dst)]
        if not s or (s[-1] is not None and s[-1] != b // a):
            raise ValueError(f"Cannot bitcast from {src.name} to {dst.name}: shape {list(s)}")
        return [(tuple(s[:-1]), dst)]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.attrs["type"].np

        def bitcast(x):
            x = xp.ascontiguousarray(x)
            a, b = x.dtype.itemsize, np.dtype(dt).itemsize
            shape = x.shape + (a // b,) if a > b else (x.shape[:-1] if a < b else x.shape)
            return x.reshape(-1).view(dt).reshape(shape)
        return bitcast


def bitcast(input, type, name=None):  # noqa: A002 - TensorFlow's names
    """`input`'s bytes as `type` (TF's Bitcast; the shape changes when the item sizes differ)."""
    x = convert_to_tensor(input, name="input")
    return apply_op(Bitcast, [x], {"type": dtypes.as_dtype(type).base_dtype, "T": x.dtype.base_dtype},
                    name or "Bitcast")


def to_bfloat16(x, name="ToBFloat16"):
    """TF1's cast to bfloat16: graphgrad has no bfloat16 arrays, so this is cast's TypeError saying why."""
    return cast(x, dtypes.bfloat16, name)


def to_complex64(x, name="ToComplex64"):
    return cast(x, dtypes.complex64, name)


def to_complex128(x, name="ToComplex128"):
    return cast(x, dtypes.complex128, name)

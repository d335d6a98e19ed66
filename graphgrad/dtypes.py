"""`tf.dtypes`: the element types (graphgrad/framework/dtypes.py) with `as_dtype`, `cast`, `saturate_cast`,
`complex` and `as_string`. bfloat16, the quantized types and resource have names but no arrays: computing in them
is a TypeError that says why."""
from __future__ import annotations

import numpy as np

from .framework.dtypes import (  # noqa: F401
    QUANTIZED_DTYPES,
    DType,
    as_dtype,
    bfloat16,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    qint8,
    qint16,
    qint32,
    quint8,
    quint16,
    resource,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
    variant,
)
from .framework.dtypes import bool_ as bool  # noqa: A004,F401
from .framework.graph import name_scope
from .ops.arithmetic_ops import maximum, minimum
from .ops.cast_ops import cast
from .ops.complex_ops import complex  # noqa: A004
from .ops.core import convert_to_tensor
from .ops.string_ops import as_string  # noqa: F401


def _limit(src, dst, which):
    """dst's min or max as a value of src, nudged toward 0 where rounding to src would leave dst's range (float32
    cannot hold int32's max: 2**31 - 1 rounds up to 2**31), as TF 2.x nudges it."""
    npt = src.as_numpy_dtype
    bound = (max if which == "min" else min)(float(getattr(src, which)), float(getattr(dst, which)))
    v = npt(bound)
    promoted = np.promote_types(npt, dst.as_numpy_dtype)
    held, limit = np.array([v, getattr(dst, which)], dtype=promoted)
    if (held < limit) if which == "min" else (held > limit):
        v = np.nextafter(v, npt(0), dtype=npt)
    return v


def saturate_cast(value, dtype, name=None):
    """`value` cast to `dtype` with values outside its range clamped to its limits first, as TF's saturate_cast."""
    with name_scope(name, "saturate_cast", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        dtype = as_dtype(dtype).base_dtype
        src = value.dtype.base_dtype
        if src.min < dtype.min:
            value = maximum(value, convert_to_tensor(_limit(src, dtype, "min"), dtype=src, name="min"))
        if src.max > dtype.max:
            value = minimum(value, convert_to_tensor(_limit(src, dtype, "max"), dtype=src, name="max"))
        return cast(value, dtype, name=scope)


__all__ = ["DType", "as_dtype", "cast", "saturate_cast", "complex", "complex64", "complex128", "bool", "double",
           "float16", "float32", "float64", "half", "int8", "int16", "int32", "int64", "string", "uint8", "uint16",
           "uint32", "uint64", "variant", "bfloat16", "qint8", "quint8", "qint16", "quint16", "qint32", "resource",
           "QUANTIZED_DTYPES"]

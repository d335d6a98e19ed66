"""Matmul precision of a session: float32 products computed with TF32, bfloat16 or float16 inputs.

Mixed precision the way GPUs do it: variables, activations and gradients stay float32 (the master weights),
and only the matrix products of float32 operands run on narrower inputs, accumulating in float32.

    float32         full float32 products (the default)
    tensorfloat32   inputs rounded to TF32 (10-bit mantissa, float32 range); float32 result
    bfloat16        inputs and result rounded to bfloat16 (7-bit mantissa, float32 range)
    float16         inputs and result rounded to float16 (10-bit mantissa, largest value 65504)

On a GPU the backend runs the product on tensor cores (runtime/backends.py, `Backend.matmul`); on the CPU the
same rounding is emulated around a float32 product, which is slower than float32 and exists to show what a
model's accuracy does at that precision before it runs on a GPU. Products of other dtypes are unaffected.
"""
from __future__ import annotations

import numpy as np

from . import blas

ENV_VAR = "GRAPHGRAD_MATMUL_PRECISION"
PRECISIONS = ("float32", "tensorfloat32", "bfloat16", "float16")
_ALIASES = {"highest": "float32", "fp32": "float32", "tf32": "tensorfloat32", "bf16": "bfloat16",
            "fp16": "float16", "half": "float16"}
#: Low bits of a float32 dropped by rounding to each format's mantissa (23 - mantissa bits).
_DROPPED_BITS = {"tensorfloat32": 13, "bfloat16": 16}


def canonical(precision) -> str:
    """The precision's canonical name; ValueError naming the valid ones otherwise."""
    name = "float32" if precision is None else str(precision).lower()
    name = _ALIASES.get(name, name)
    if name not in PRECISIONS:
        raise ValueError(f"matmul_precision must be one of {', '.join(PRECISIONS)} (or tf32, bf16, fp16), "
                         f"got {precision!r}")
    return name


def round_mantissa(xp, x, dropped_bits):
    """`x` (float32) rounded to nearest-even on its top `23 - dropped_bits` mantissa bits, as float32. NaN
    stays NaN; values past the format's largest finite number become inf, as the hardware's conversion does."""
    u = xp.ascontiguousarray(x).view(xp.uint32)
    half = xp.uint32((1 << (dropped_bits - 1)) - 1)
    lsb = (u >> xp.uint32(dropped_bits)) & xp.uint32(1)
    r = (u + half + lsb) & xp.uint32((0xFFFFFFFF >> dropped_bits) << dropped_bits)
    out = r.view(xp.float32)
    nan = xp.isnan(x)
    return xp.where(nan, x, out) if nan.any() else out


def emulated_matmul(xp, precision):
    """`(a, b, out=None) -> a @ b` for float32 operands with `precision`'s rounding, computed in float32."""
    # NumPy's products go through runtime/blas.py, which splits them over the cores once runtime/gemm_pool.py runs
    mm = blas.matmul if xp is np else xp.matmul
    if precision == "float32":
        return mm
    if precision == "float16":
        f16, f32 = xp.float16, xp.float32

        def lowp(x):
            return x.astype(f16).astype(f32)
    else:
        bits = _DROPPED_BITS[precision]

        def lowp(x):
            return round_mantissa(xp, x, bits)
    round_result = precision != "tensorfloat32"  # TF32 products return float32; bf16/fp16 return their format

    def matmul(a, b, out=None):
        c = mm(lowp(a), lowp(b))
        if round_result:
            c = lowp(c)
        if out is None:
            return c
        xp.copyto(out, c)
        return out
    return matmul

"""`tf.signal.kaiser_window`, `kaiser_bessel_derived_window` and `vorbis_window`: TF's formulas, evaluated while
building (the length is a constant, as graphgrad's shapes are) in the window's dtype, so the values are TF's to
float rounding."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops.core import constant
from .framing import static_int


def _params(window_length, dtype):
    dtype = dtypes.as_dtype(dtype).base_dtype
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {dtype}")
    return static_int(window_length, "window_length"), np.dtype(dtype.np)


def _kaiser(n, beta, dt):
    if n == 1:
        return np.ones(1, dt)
    half = (np.float32(n) - np.float32(1)) / np.float32(2)
    arg = np.arange(-half, half + np.float32(0.1), dtype=np.float32).astype(dt)
    beta, half = dt.type(beta), dt.type(half)
    num = beta * np.sqrt(np.maximum(dt.type(1) - np.square(arg / half), dt.type(0)))
    # exp(num - beta) · i0e(num) / i0e(beta) = i0(num) / i0(beta), computed as TF does to avoid overflow
    i0e = (np.i0(num.astype(np.float64)) * np.exp(-np.abs(num.astype(np.float64)))).astype(dt)
    i0e_beta = dt.type(np.i0(float(beta)) * np.exp(-abs(float(beta))))
    return (np.exp(num - beta) * (i0e / i0e_beta)).astype(dt)


def kaiser_window(window_length, beta=12.0, dtype=dtypes.float32, name=None):
    """The Kaiser window: I0(β·sqrt(1 − (2n/(N − 1) − 1)²)) / I0(β)."""
    with name_scope(name, "kaiser_window"):
        n, dt = _params(window_length, dtype)
        return constant(_kaiser(n, beta, dt), name="window")


def kaiser_bessel_derived_window(window_length, beta=12.0, dtype=dtypes.float32, name=None):
    """The Kaiser-Bessel-derived window (for the MDCT): the square roots of the normalized cumulative sums of a
    Kaiser window of length N/2 + 1, mirrored."""
    with name_scope(name, "kaiser_bessel_derived_window"):
        n, dt = _params(window_length, dtype)
        csum = np.cumsum(_kaiser(n // 2 + 1, beta, dt), dtype=dt)
        half = np.sqrt(csum[:-1] / csum[-1])
        return constant(np.concatenate([half, half[::-1]]).astype(dt), name="window")


def vorbis_window(window_length, dtype=dtypes.float32, name=None):
    """The Vorbis power-complementary window: sin(π/2 · sin²(π(n + 0.5)/N))."""
    with name_scope(name, "vorbis_window"):
        n, dt = _params(window_length, dtype)
        arg = np.arange(n).astype(dt)
        f = dt.type
        inner = np.sin(f(np.pi) / f(n) * (arg + f(0.5)))
        return constant(np.sin(f(np.pi / 2.0) * np.power(inner, f(2.0))).astype(dt), name="window")

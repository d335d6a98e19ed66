"""N-dimensional Fourier transforms over chosen axes (TF's FFTND, IFFTND, RFFTND, IRFFTND) and `fftshift` /
`ifftshift`. TensorFlow registers the N-d transforms only for GPUs (its CPU build has no kernel for them) and no
gradient for them; graphgrad runs them anywhere with NumPy's (or CuPy's) `fftn(x, s=fft_length, axes=axes)`
semantics: the input is cropped or zero-padded along `axes` to `fft_length`."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import multiply
from .array_ops import _norm_axis, _static_ints
from .core import apply_op, convert_to_tensor
from .manip_ops import roll

_COMPLEX = {np.dtype(np.float32): dtypes.complex64, np.dtype(np.float64): dtypes.complex128}


class _FFTND(OpDef):
    """Transform over `axes` with lengths `fft_length` (attributes); `kind` is fftn, ifftn, rfftn or irfftn."""

    kind = "fftn"

    def infer(op):
        x, n, axes = op.inputs[0], op.attrs["fft_length"], op.attrs["axes"]
        s = static_shape(x)
        kind, dt = op.op_def.kind, x.dtype.base_dtype
        if kind == "rfftn":
            if dt.np not in _COMPLEX:
                raise TypeError(f"RFFTND requires float32 or float64 inputs, got {dt.name}")
            dt = _COMPLEX[dt.np]
        elif not dt.is_complex:
            raise TypeError(f"{op.type} requires complex64 or complex128 inputs, got {dt.name}")
        elif kind == "irfftn":
            dt = dt.real_dtype
        if s is None:
            return [(None, dt)]
        out = list(s)
        for a, m in zip(axes, n):
            out[a] = m
        if kind == "rfftn" and axes:
            out[axes[-1]] = n[-1] // 2 + 1
        return [(tuple(out), dt)]

    def kernel(op, ctx):
        f = getattr(ctx.xp.fft, op.op_def.kind)
        n, axes, dt = tuple(op.attrs["fft_length"]), tuple(op.attrs["axes"]), op.outputs[0].dtype.np
        return lambda x: f(x, s=n, axes=axes).astype(dt, copy=False)


FFTND = type("FFTND", (_FFTND,), {"type": "FFTND", "kind": "fftn", "__module__": __name__})
IFFTND = type("IFFTND", (_FFTND,), {"type": "IFFTND", "kind": "ifftn", "__module__": __name__})
RFFTND = type("RFFTND", (_FFTND,), {"type": "RFFTND", "kind": "rfftn", "__module__": __name__})
IRFFTND = type("IRFFTND", (_FFTND,), {"type": "IRFFTND", "kind": "irfftn", "__module__": __name__})


def _transform(op_def, default_name, inverse, input_tensor, fft_length, axes, norm, name):
    with name_scope(name, default_name, [input_tensor, fft_length, axes]) as scope:
        preferred = dtypes.float32 if op_def is RFFTND else dtypes.complex64
        x = convert_to_tensor(input_tensor, name="input_tensor", preferred_dtype=preferred)
        s = static_shape(x)
        if s is None:
            raise ValueError(f"the input's rank must be known while building, got {x.shape}")
        axes = list(range(len(s))) if axes is None else [_norm_axis(a, len(s)) for a in _static_ints(axes, "axes")]
        if fft_length is None:
            if any(s[a] is None for a in axes):
                raise ValueError(f"fft_length is needed when the transformed dimensions are unknown, got {x.shape}")
            fft_length = [s[a] for a in axes]
            if op_def is IRFFTND and axes:
                fft_length[-1] = max(0, 2 * (fft_length[-1] - 1))
        n = [int(v) for v in _static_ints(fft_length, "fft_length")]
        if len(n) != len(axes):
            raise ValueError(f"fft_length ({n}) and axes ({axes}) must have the same length")
        if norm not in (None, "backward", "forward", "ortho"):
            raise ValueError(f"Unknown normalization {norm!r}: expected 'backward', 'forward' or 'ortho'")
        if norm in ("forward", "ortho"):
            size = float(np.prod(n))
            scale = np.sqrt(size) if norm == "ortho" else size
            x = multiply(x, np.asarray(scale if inverse else 1 / scale, x.dtype.base_dtype.real_dtype.np
                                       if x.dtype.base_dtype.is_complex else x.dtype.base_dtype.np))
        return apply_op(op_def, [x], {"fft_length": tuple(n), "axes": tuple(axes)}, scope)


def fftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The discrete Fourier transform over `axes` (default all) of a complex tensor, lengths `fft_length`."""
    return _transform(FFTND, "fftnd", False, input_tensor, fft_length, axes, norm, name)


def ifftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The inverse of `fftnd`."""
    return _transform(IFFTND, "ifftnd", True, input_tensor, fft_length, axes, norm, name)


def rfftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The half spectrum (last axis fft_length[-1] // 2 + 1 long) of a real tensor over `axes`."""
    return _transform(RFFTND, "rfftnd", False, input_tensor, fft_length, axes, norm, name)


def irfftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The real tensor whose half spectrum over `axes` the input is (default last length 2·(m − 1))."""
    return _transform(IRFFTND, "irfftnd", True, input_tensor, fft_length, axes, norm, name)


def _raw(op_def, inverse, input, fft_length, axes, name, out=None):  # noqa: A002
    """TF 1's top-level `tf.fftnd`, ... : the raw ops, whose fft_length and axes are required and whose output
    type (Tcomplex / Treal) must be the one the input gives."""
    y = _transform(op_def, op_def.type, inverse, input, fft_length, axes, None, name)
    if out is not None and y.dtype.base_dtype != dtypes.as_dtype(out):
        raise TypeError(f"{op_def.type} of a {y.op.inputs[0].dtype.base_dtype.name} input gives "
                        f"{y.dtype.base_dtype.name}, not {dtypes.as_dtype(out).name}")
    return y


def raw_fftnd(input, fft_length, axes, name=None):  # noqa: A002
    return _raw(FFTND, False, input, fft_length, axes, name)


def raw_ifftnd(input, fft_length, axes, name=None):  # noqa: A002
    return _raw(IFFTND, True, input, fft_length, axes, name)


def raw_rfftnd(input, fft_length, axes, Tcomplex=dtypes.complex64, name=None):  # noqa: A002,N803
    return _raw(RFFTND, False, input, fft_length, axes, name, Tcomplex)


def raw_irfftnd(input, fft_length, axes, Treal=dtypes.float32, name=None):  # noqa: A002,N803
    return _raw(IRFFTND, True, input, fft_length, axes, name, Treal)


def _shift(x, axes, sign, name, default_name):
    with name_scope(name, default_name) as scope:
        x = convert_to_tensor(x)
        s = static_shape(x)
        if s is None:
            raise ValueError(f"the input's rank must be known while building, got {x.shape}")
        axes = list(range(len(s))) if axes is None else [_norm_axis(a, len(s)) for a in _static_ints(axes, "axes")]
        if any(s[a] is None for a in axes):
            raise ValueError(f"the shifted dimensions must be known while building, got {x.shape}")
        return roll(x, [sign * (s[a] // 2) for a in axes], axes, name=scope)


def fftshift(x, axes=None, name=None):
    """Move the zero-frequency term to the centre: roll each of `axes` (default all) by half its size."""
    return _shift(x, axes, 1, name, "fftshift")


def ifftshift(x, axes=None, name=None):
    """The inverse of `fftshift`: roll by minus half of each size."""
    return _shift(x, axes, -1, name, "ifftshift")

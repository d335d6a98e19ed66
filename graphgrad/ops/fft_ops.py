"""Discrete Fourier transforms over the innermost 1, 2 or 3 axes: TF's FFT/IFFT, FFT2D/IFFT2D, FFT3D/IFFT3D
(complex to complex) and RFFT/IRFFT (real to the half spectrum and back), with TF's gradients.

NumPy's pocketfft computes in double precision; complex64 and float32 results are rounded back. The transform
lengths of the real transforms (`fft_length`) are attributes, known while building, like graphgrad's other shape
arguments; the input is cropped or zero-padded to them, as TF does.

Gradients (for a real loss, TF's convention ∂L/∂Re + i·∂L/∂Im): the FFT's is n·IFFT(dz), the IFFT's FFT(dz)/n;
RFFT's is the real part of n·IFFT of dz zero-padded back to the full spectrum, computed as an IRFFT; IRFFT's is
RFFT(dz)/n with the bins that stand for two conjugate ones doubled, as TF's mask doubles them.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import multiply
from .array_ops import pad, shape, slice
from .cast_ops import cast
from .core import apply_op, convert_to_tensor
from .math_common import _check_kind
from .reduction_ops import reduce_prod

_COMPLEX = {np.dtype(np.float32): dtypes.complex64, np.dtype(np.float64): dtypes.complex128}


def _check_rank(op, x, rank):
    s = static_shape(x)
    if s is not None and len(s) < rank:
        raise ValueError(f"Shape must be at least rank {rank} but is rank {len(s)}")
    return s


class _FFT(OpDef):
    """Complex to complex over the last `rank` axes (`inverse`: the inverse transform)."""

    rank, inverse = 1, False

    def infer(op):
        x = op.inputs[0]
        _check_kind(op, x.dtype.base_dtype, "c", "input")
        return [(_check_rank(op, x, op.op_def.rank), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, rank = ctx.xp, op.op_def.rank
        f = xp.fft.ifftn if op.op_def.inverse else xp.fft.fftn
        axes = tuple(range(-rank, 0))
        return lambda x: f(x, axes=axes).astype(x.dtype, copy=False)

    def gradient(op, dz):
        size = cast(reduce_prod(shape(dz)[-op.op_def.rank:]), dz.dtype.base_dtype)
        if op.op_def.inverse:
            from .arithmetic_ops import realdiv

            return [realdiv(_transform(dz, op.op_def.rank, False), size)]
        return [multiply(_transform(dz, op.op_def.rank, True), size)]


def _op_family(base, name):
    """The six op types of a family (ranks 1-3, forward and inverse), named as TF names them."""
    return {(rank, inverse): type(f"{'I' if inverse else ''}{name}{'' if rank == 1 else f'{rank}D'}", (base,),
                                  {"type": f"{'I' if inverse else ''}{name}{'' if rank == 1 else f'{rank}D'}",
                                   "rank": rank, "inverse": inverse})
            for rank in (1, 2, 3) for inverse in (False, True)}


_COMPLEX_OPS = _op_family(_FFT, "FFT")
FFT, IFFT, FFT2D, IFFT2D, FFT3D, IFFT3D = _COMPLEX_OPS.values()


def _transform(x, rank, inverse, name=None):
    return apply_op(_COMPLEX_OPS[rank, inverse], [x], None, name or _COMPLEX_OPS[rank, inverse].type)


def _fit(t, target, rank):
    """`t` cropped or zero-padded on its last `rank` axes to the sizes `target`."""
    s = list(static_shape(t))
    lead = len(s) - rank
    if any(d is None for d in s[lead:]):
        raise ValueError(f"the transformed dimensions must be known while building, got {t.shape}")
    if s[lead:] == list(target):
        return t
    grow = [[0, 0]] * lead + [[0, max(0, n - d)] for d, n in zip(s[lead:], target)]
    if any(g[1] for g in grow):
        t = pad(t, grow)
    if any(d > n for d, n in zip(s[lead:], target)):
        t = slice(t, [0] * len(s), [-1] * lead + list(target))
    return t


class _RealFFT(OpDef):
    """Real to half spectrum (`inverse`: back) over the last `rank` axes, lengths `fft_length` (an attribute)."""

    rank, inverse = 1, False

    def infer(op):
        x, n = op.inputs[0], op.attrs["fft_length"]
        s = _check_rank(op, x, op.op_def.rank)
        if op.op_def.inverse:
            dt = _check_kind(op, x.dtype.base_dtype, "c", "input").real_dtype
            out = list(n)
        else:
            dt = _check_kind(op, x.dtype.base_dtype, "f", "input")
            if dt.np not in _COMPLEX:
                raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name} not in list of allowed "
                                "values: float32, float64")
            dt = _COMPLEX[dt.np]
            out = list(n[:-1]) + [n[-1] // 2 + 1]
        return [(None if s is None else tuple(s[:-op.op_def.rank]) + tuple(out), dt)]

    def kernel(op, ctx):
        xp, n, dt = ctx.xp, tuple(op.attrs["fft_length"]), op.outputs[0].dtype.np
        axes = tuple(range(-len(n), 0))
        f = xp.fft.irfftn if op.op_def.inverse else xp.fft.rfftn
        return lambda x: f(x, s=n, axes=axes).astype(dt, copy=False)

    def gradient(op, dz):
        x, n, rank = op.inputs[0], list(op.attrs["fft_length"]), op.op_def.rank
        size = float(np.prod(n))
        if op.op_def.inverse:
            half = n[-1] // 2 + 1
            mask = np.full(half, 2.0)
            mask[0] = 1.0
            if n[-1] % 2 == 0:
                mask[-1] = 1.0
            spectrum = _real_transform(dz, n, False)
            scaled = multiply(spectrum, (mask / size).astype(spectrum.dtype.base_dtype.np))
            return [_fit(scaled, list(static_shape(x)[-rank:]), rank)]
        # Re(n·IFFT(dz zero-padded to the whole spectrum)) is an IRFFT of dz with the bins it would double
        # (all but 0 and, for even lengths, n/2) halved instead: no padding, no complex inverse.
        half = n[-1] // 2 + 1
        mask = np.full(half, 0.5 * size)
        mask[0] = size
        if n[-1] % 2 == 0:
            mask[-1] = size
        weighted = multiply(dz, mask.astype(dz.dtype.base_dtype.real_dtype.np))
        back = _real_transform(weighted, n, True)
        return [_fit(back, list(static_shape(x)[-rank:]), rank)]


_REAL_OPS = _op_family(_RealFFT, "RFFT")
RFFT, IRFFT, RFFT2D, IRFFT2D, RFFT3D, IRFFT3D = _REAL_OPS.values()


def _real_transform(x, fft_length, inverse, name=None):
    op_def = _REAL_OPS[len(fft_length), inverse]
    return apply_op(op_def, [x], {"fft_length": tuple(int(v) for v in fft_length)}, name or op_def.type)


def _fft_length(x, fft_length, rank, inverse):
    """The lengths given, or TF's defaults: the input's last `rank` sizes (for the inverse, 2·(last − 1))."""
    if fft_length is not None:
        from .array_ops import _static_ints

        n = list(_static_ints(fft_length, "fft_length"))
        if len(n) != rank:
            raise ValueError(f"fft_length must have {rank} elements, got {n}")
        return n
    s = static_shape(x)
    if s is None or len(s) < rank or any(d is None for d in s[-rank:]):
        raise ValueError(f"fft_length is needed when the transformed dimensions are unknown, got {x.shape}")
    n = list(s[-rank:])
    if inverse:
        n[-1] = 2 * (n[-1] - 1)
    return n


def _complex_public(rank, inverse):
    op_def = _COMPLEX_OPS[rank, inverse]

    def transform(input, name=None):  # noqa: A002 - TensorFlow's name
        with name_scope(name, op_def.type, [input]) as scope:
            x = convert_to_tensor(input, name="input")
        return apply_op(op_def, [x], None, scope)
    transform.__name__ = transform.__qualname__ = op_def.type.lower()
    transform.__doc__ = f"TF's {op_def.type}: the {'inverse ' if inverse else ''}discrete Fourier transform over " \
                        f"the innermost {rank} dimension{'s' if rank > 1 else ''} of a complex tensor."
    return transform


def _real_public(rank, inverse):
    op_def = _REAL_OPS[rank, inverse]

    def transform(input_tensor, fft_length=None, name=None):
        with name_scope(name, op_def.type, [input_tensor]) as scope:
            x = convert_to_tensor(input_tensor, name="input_tensor")
            if not inverse and x.dtype.base_dtype.np not in _COMPLEX:
                raise ValueError(f"{op_def.type} requires tf.float32 or tf.float64 inputs, got: {x}")
            n = _fft_length(x, fft_length, rank, inverse)
        return _real_transform(x, n, inverse, scope)
    transform.__name__ = transform.__qualname__ = op_def.type.lower()
    transform.__doc__ = (f"TF's {op_def.type}: " + ("the real signal whose half spectrum (innermost axis "
                         "fft_length[-1] // 2 + 1 long) the input is" if inverse else "the half spectrum of a real "
                         "signal (innermost axis fft_length[-1] // 2 + 1 long)") +
                         f", over the innermost {rank} dimension{'s' if rank > 1 else ''}.")
    return transform


fft, ifft = _complex_public(1, False), _complex_public(1, True)
fft2d, ifft2d = _complex_public(2, False), _complex_public(2, True)
fft3d, ifft3d = _complex_public(3, False), _complex_public(3, True)
rfft, irfft = _real_public(1, False), _real_public(1, True)
rfft2d, irfft2d = _real_public(2, False), _real_public(2, True)
rfft3d, irfft3d = _real_public(3, False), _real_public(3, True)

__all__ = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d", "irfft2d", "rfft3d",
           "irfft3d"]

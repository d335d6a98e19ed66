"""Windows (`hann_window`, `hamming_window`), the short-time Fourier transform `stft`, its inverse `inverse_stft`
and `inverse_stft_window_fn`, as TF 1.x's tf.signal builds them (frame, window, rfft; irfft, window,
overlap_and_add)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops.arithmetic_ops import multiply, realdiv
from ..ops.array_ops import pad, reshape, tile
from ..ops.array_ops import slice as slice_
from ..ops.comparison_ops import equal
from ..ops.core import constant, convert_to_tensor, zeros_like
from ..ops.fft_ops import irfft, rfft
from ..ops.reduction_ops import reduce_sum
from ..ops.select_ops import where
from ..ops.unary_ops import square
from .framing import frame, overlap_and_add, static_int


def _raised_cosine(name, default, window_length, periodic, dtype, a, b):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {dtype}")
    with name_scope(name, default, [window_length, periodic]):
        n = static_int(window_length, "window_length")
        if n == 1:
            return constant(np.ones(1, dtype.np))
        even = 1 - n % 2
        denom = dtype.np.type(n + int(bool(periodic)) * even - 1)
        count = np.arange(n, dtype=dtype.np)
        cos_arg = dtype.np.type(2 * np.pi) * count / denom
        return constant((a - b * np.cos(cos_arg)).astype(dtype.np), name="window")


def hann_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.5 − 0.5·cos(2πn / N), N = window_length (periodic, for spectral analysis) or window_length − 1."""
    return _raised_cosine(name, "hann_window", window_length, periodic, dtype, 0.5, 0.5)


def hamming_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.54 − 0.46·cos(2πn / N), N as for hann_window."""
    return _raised_cosine(name, "hamming_window", window_length, periodic, dtype, 0.54, 0.46)


def _enclosing_power_of_two(value):
    return int(2 ** np.ceil(np.log2(value)))


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window, pad_end=False, name=None):
    """[..., samples] float signals → [..., frames, fft_length // 2 + 1] complex spectra of windowed frames
    (fft_length defaults to the smallest power of 2 holding a frame)."""
    with name_scope(name, "stft", [signals, frame_length, frame_step]):
        signals = convert_to_tensor(signals, name="signals")
        length = static_int(frame_length, "frame_length")
        n = _enclosing_power_of_two(length) if fft_length is None else static_int(fft_length, "fft_length")
        framed = frame(signals, length, frame_step, pad_end=pad_end)
        if window_fn is not None:
            framed = multiply(framed, window_fn(length, dtype=framed.dtype.base_dtype))
        return rfft(framed, [n])


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A window_fn for inverse_stft that undoes `forward_window_fn`'s overlapping windows (perfect
    reconstruction where the squared windows' overlaps sum to non-zero)."""
    def inverse_stft_window_fn_inner(frame_length, dtype):
        with name_scope(name, "inverse_stft_window_fn", []):
            step, length = static_int(frame_step, "frame_step"), static_int(frame_length, "frame_length")
            forward = forward_window_fn(length, dtype=dtype)
            denom = square(forward)
            overlaps = -(-length // step)
            denom = pad(denom, [[0, overlaps * step - length]])
            denom = reduce_sum(reshape(denom, [overlaps, step]), 0, keepdims=True)
            denom = slice_(reshape(tile(denom, [overlaps, 1]), [overlaps * step]), [0], [length])
            return where(equal(denom, 0.0), zeros_like(forward), realdiv(forward, denom))
    return inverse_stft_window_fn_inner


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window, name=None):
    """Signals back from their STFT: irfft each frame, crop or pad it to frame_length, window it, overlap-add
    (use `inverse_stft_window_fn(frame_step)` as window_fn to invert stft's windowing)."""
    with name_scope(name, "inverse_stft", [stfts]):
        stfts = convert_to_tensor(stfts, name="stfts")
        length = static_int(frame_length, "frame_length")
        n = _enclosing_power_of_two(length) if fft_length is None else static_int(fft_length, "fft_length")
        frames = irfft(stfts, [n])
        rank = frames.shape.ndims
        if n > length:
            frames = slice_(frames, [0] * rank, [-1] * (rank - 1) + [length])
        elif n < length:
            frames = pad(frames, [[0, 0]] * (rank - 1) + [[0, length - n]])
        if window_fn is not None:
            frames = multiply(frames, window_fn(length, dtype=stfts.dtype.base_dtype.real_dtype))
        return overlap_and_add(frames, frame_step)

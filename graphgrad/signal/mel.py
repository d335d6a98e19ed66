"""The mel filterbank (`linear_to_mel_weight_matrix`), discrete cosine transforms (`dct`, `idct`: types I-IV as
a matrix product, so their gradients are matrix products too) and `mfccs_from_log_mel_spectrograms`, with TF
1.x's defaults, checks and scaling."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops.arithmetic_ops import multiply
from ..ops.array_ops import pad
from ..ops.array_ops import slice as slice_
from ..ops.core import constant, convert_to_tensor
from ..ops.matmul_ops import tensordot

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(f, np_dtype):
    return np_dtype.type(_MEL_HIGH_FREQUENCY_Q) * np.log(np_dtype.type(1.0) + f / np_dtype.type(
        _MEL_BREAK_FREQUENCY_HERTZ))


def _linspace(start, stop, num, np_dtype):
    """TF's LinSpace kernel in the dtype: start + i·step, the last value exactly `stop`."""
    start, stop = np_dtype.type(start), np_dtype.type(stop)
    if num == 1:
        return np.array([start], np_dtype)
    step = (stop - start) / np_dtype.type(num - 1)
    out = start + step * np.arange(num, dtype=np_dtype)
    out[-1] = stop
    return out


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype=dtypes.float32, name=None):
    """[num_spectrogram_bins, num_mel_bins] triangular filters, evenly spaced on the mel scale between the edges
    (a constant: multiply a magnitude spectrogram by it to get a mel spectrogram)."""
    dtype = dtypes.as_dtype(dtype)
    if num_mel_bins <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower_edge_hertz < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower_edge_hertz}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(f"lower_edge_hertz {lower_edge_hertz:.1f} >= upper_edge_hertz {upper_edge_hertz:.1f}")
    if sample_rate <= 0.0:
        raise ValueError(f"sample_rate must be positive. Got: {sample_rate}")
    if upper_edge_hertz > sample_rate / 2:
        raise ValueError("upper_edge_hertz must not be larger than the Nyquist frequency (sample_rate / 2). "
                         f"Got {upper_edge_hertz} for sample_rate: {sample_rate}")
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Got: {dtype}")
    with name_scope(name, "linear_to_mel_weight_matrix") as scope:
        t = dtype.np
        nyquist = t.type(sample_rate) / t.type(2.0)
        linear = _linspace(0.0, nyquist, num_spectrogram_bins, t)[1:]
        bins_mel = _hertz_to_mel(linear, t)[:, None]
        edges = _linspace(_hertz_to_mel(t.type(lower_edge_hertz), t), _hertz_to_mel(t.type(upper_edge_hertz), t),
                          num_mel_bins + 2, t)
        lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
        weights = np.maximum(t.type(0), np.minimum(lower_slopes, upper_slopes))
        return constant(np.pad(weights, [[1, 0], [0, 0]]).astype(t), name=scope.rstrip("/"))


def _dct_matrix(n, dct_type, norm):
    """M with dct(x) = x @ M for length-n x (scipy.fftpack's definitions, which TF's follow)."""
    i = np.arange(n)[:, None].astype(np.float64)  # input index
    k = np.arange(n)[None, :].astype(np.float64)  # output index
    if dct_type == 1:
        m = 2.0 * np.cos(np.pi * i * k / (n - 1))
        m[0, :], m[-1, :] = 1.0, (-1.0) ** np.arange(n)
        return m
    if dct_type == 2:
        m = 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))
        if norm == "ortho":
            m[:, 0] *= np.sqrt(1.0 / (4 * n))
            m[:, 1:] *= np.sqrt(1.0 / (2 * n))
        return m
    if dct_type == 3:
        m = 2.0 * np.cos(np.pi * i * (2 * k + 1) / (2 * n))
        m[0, :] = 1.0
        if norm == "ortho":
            m[0, :] /= np.sqrt(n)
            m[1:, :] *= np.sqrt(1.0 / (2 * n))
        return m
    m = 2.0 * np.cos(np.pi * (2 * k + 1) * (2 * i + 1) / (4 * n))
    return m * np.sqrt(1.0 / (2 * n)) if norm == "ortho" else m


def _check_dct(x, dct_type, n, axis, norm):
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError("n should be a positive integer or None")
    if dct_type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if dct_type == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        if x.shape[-1].value is not None and x.shape[-1].value < 2:
            raise ValueError("Type-I DCT requires the dimension to be greater than one.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TensorFlow's names
    """The discrete cosine transform of type I-IV over the last axis (cropped or zero-padded to n)."""
    with name_scope(name, "dct", [input]):
        x = convert_to_tensor(input, name="input")
        _check_dct(x, type, n, axis, norm)
        length = x.shape[-1].value
        if length is None:
            raise ValueError(f"the last dimension must be known while building, got {x.shape}")
        if n is not None and n != length:
            rank = x.shape.ndims
            x = (slice_(x, [0] * rank, [-1] * (rank - 1) + [n]) if n < length
                 else pad(x, [[0, 0]] * (rank - 1) + [[0, n - length]]))
            length = n
        m = constant(_dct_matrix(length, type, norm).astype(x.dtype.base_dtype.np), name="dct_matrix")
        return tensordot(x, m, 1)


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002
    """The inverse DCT: the DCT of type 3 for type 2 and the reverse, types 1 and 4 their own (scaled by 2N
    without norm='ortho', as TF's)."""
    _check_dct(convert_to_tensor(input), type, n, axis, norm)
    return dct(input, type={1: 1, 2: 3, 3: 2, 4: 4}[type], n=n, axis=axis, norm=norm, name=name or "idct")


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """MFCCs: the orthonormally scaled DCT-II of log-mel spectrograms, all coefficients (keep the first few)."""
    with name_scope(name, "mfccs_from_log_mel_spectrograms", [log_mel_spectrograms]):
        x = convert_to_tensor(log_mel_spectrograms)
        bins = x.shape[-1].value if x.shape.ndims else None
        if bins == 0:
            raise ValueError(f"num_mel_bins must be positive. Got: {x}")
        if bins is None:
            raise ValueError(f"the number of mel bins must be known while building, got {x.shape}")
        return multiply(dct(x, type=2), (1.0 / np.sqrt(bins * 2.0)).astype(x.dtype.base_dtype.np))


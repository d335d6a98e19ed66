"""`tf.signal` (and TF 1.x's `tf.spectral`, its Fourier transforms and DCTs): Fourier transforms of complex and
real tensors (graphgrad/ops/fft_ops.py), framing and overlap-add, windows, the short-time Fourier transform and its
inverse, the mel filterbank, DCTs and MFCCs, N-d transforms and shifts, windows for the MDCT and the MDCT
(docs/signal.md)."""
from ..ops.fft_nd_ops import fftnd, fftshift, ifftnd, ifftshift, irfftnd, rfftnd
from ..ops.fft_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d, irfft, irfft2d, irfft3d, rfft, rfft2d, rfft3d
from .framing import frame, overlap_and_add
from .mdct import inverse_mdct, mdct
from .mel import dct, idct, linear_to_mel_weight_matrix, mfccs_from_log_mel_spectrograms
from .spectral import hamming_window, hann_window, inverse_stft, inverse_stft_window_fn, stft
from .windows import kaiser_bessel_derived_window, kaiser_window, vorbis_window

__all__ = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d", "irfft2d", "rfft3d",
           "irfft3d", "frame", "overlap_and_add", "hann_window", "hamming_window", "stft", "inverse_stft",
           "inverse_stft_window_fn", "linear_to_mel_weight_matrix", "dct", "idct", "mfccs_from_log_mel_spectrograms",
           "fftnd", "ifftnd", "rfftnd", "irfftnd", "fftshift", "ifftshift", "mdct", "inverse_mdct", "kaiser_window",
           "kaiser_bessel_derived_window", "vorbis_window"]

"""`tf.spectral`: TF 1.x's older home of the Fourier transforms and DCTs that `tf.signal` also has."""
from .signal import (  # noqa: F401
    dct,
    fft,
    fft2d,
    fft3d,
    idct,
    ifft,
    ifft2d,
    ifft3d,
    irfft,
    irfft2d,
    irfft3d,
    rfft,
    rfft2d,
    rfft3d,
)

__all__ = ["dct", "fft", "fft2d", "fft3d", "idct", "ifft", "ifft2d", "ifft3d", "irfft", "irfft2d", "irfft3d", "rfft",
           "rfft2d", "rfft3d"]

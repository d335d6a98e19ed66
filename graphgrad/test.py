"""`tf.test`: whether graphgrad can run on a GPU here (CuPy installed and a CUDA device visible).

    if tf.test.is_gpu_available():
        sess = tf.Session(device="/gpu:0")
"""
from __future__ import annotations

__all__ = ["is_gpu_available", "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support"]


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """True when a session can run on the GPU: CuPy imports and sees a CUDA device (with at least
    `min_cuda_compute_capability`, a (major, minor) tuple, when given). Never raises."""
    from .runtime.backends import get_backend

    try:
        backend = get_backend("gpu")
    except (RuntimeError, ValueError):
        return False
    if min_cuda_compute_capability is None:
        return True
    try:
        cc = backend.xp.cuda.Device(backend.index).compute_capability  # e.g. "90"
        have = (int(cc[:-1]), int(cc[-1]))
    except Exception:
        return False
    return have >= tuple(min_cuda_compute_capability)


def gpu_device_name():
    """'/device:GPU:0' when a GPU is available, else '' (TensorFlow's convention)."""
    return "/device:GPU:0" if is_gpu_available() else ""


def is_built_with_cuda():
    """Whether graphgrad's GPU backend (CuPy) is installed, whether or not a device is visible."""
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


is_built_with_gpu_support = is_built_with_cuda

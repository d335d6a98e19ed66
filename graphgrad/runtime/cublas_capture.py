"""Matrix products that a CUDA-graph capture can record.

CuPy refuses every cuBLAS call while a stream captures (its wrapper raises "calling cuBLAS API during stream capture
is currently unsupported"), although cuBLAS itself supports capture (cuBLAS docs, "CUDA Graphs Support") once the
caller gives the handle a workspace. A plan whose products cannot be captured is never replayed, and a small model's
step then stays bound by kernel launches (bench/gpu.py, G1). So on the capture stream (runtime/backends.py,
`_CupyGraphs`) float32 2-D products call `cublasGemmEx` directly, through ctypes, on a handle of this module that is
bound to that stream and owns its workspace; the library is the libcublas that CuPy has already loaded. The last
warm-up run before a capture takes the same path, so that cuBLAS picks and loads its kernels outside the capture.

Anything else (batched or float64 products, strides BLAS cannot describe) returns None and goes to CuPy, which
then refuses inside a capture: the plan runs normally from then on (runtime/graph_replay.py says why).
"""
from __future__ import annotations

import ctypes
import ctypes.util

_OP_N, _OP_T = 0, 1
_CUDA_R_32F, _CUDA_R_16F, _CUDA_R_16BF = 0, 2, 14
_COMPUTE = {"float32": 68, "tensorfloat32": 77, "bfloat16": 68, "float16": 68}  # CUBLAS_COMPUTE_32F(_FAST_TF32)
_GEMM_DEFAULT = -1
WORKSPACE_BYTES = 32 << 20  # cuBLAS asks for at least 4 MiB (32 MiB on Hopper) for its own algorithms


class CublasError(RuntimeError):
    pass


def _mapped_library(prefix):
    """The path of a shared library this process has already mapped (`libcublas.so...`), or None."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rstrip("\n").rsplit(" ", 1)[-1]
                if path.rsplit("/", 1)[-1].startswith(prefix):
                    return path
    except OSError:
        pass
    return None


def load_cublas(cupy):
    """libcublas as CuPy loaded it (CuPy's own handle is created first, which loads it), with argument types."""
    cupy.cuda.device.get_cublas_handle()
    path = _mapped_library("libcublas.so") or ctypes.util.find_library("cublas")
    if path is None:
        raise CublasError("libcublas is not loaded in this process")
    lib = ctypes.CDLL(path)
    p, i = ctypes.c_void_p, ctypes.c_int
    lib.cublasCreate_v2.argtypes = [ctypes.POINTER(p)]
    lib.cublasSetStream_v2.argtypes = [p, p]
    lib.cublasSetWorkspace_v2.argtypes = [p, p, ctypes.c_size_t]
    lib.cublasGemmEx.argtypes = [p, i, i, i, i, i, p, p, i, i, p, i, i, p, p, i, i, i, i]
    for fn in (lib.cublasCreate_v2, lib.cublasSetStream_v2, lib.cublasSetWorkspace_v2, lib.cublasGemmEx):
        fn.restype = i
    return lib


def _check(status, what):
    if status != 0:
        raise CublasError(f"{what} failed with cuBLAS status {status}")


def _layout(x, itemsize):
    """(op, ld) for the 2-D array `x` read by column-major BLAS as the transpose of what it is, or None."""
    rows, cols = x.shape
    s0, s1 = x.strides
    if (s1 == itemsize or cols == 1) and s0 % itemsize == 0 and s0 >= max(1, cols) * itemsize:
        return _OP_N, s0 // itemsize   # row-major: BLAS sees xᵀ as is
    if (s0 == itemsize or rows == 1) and s1 % itemsize == 0 and s1 >= max(1, rows) * itemsize:
        return _OP_T, s1 // itemsize   # column-major: BLAS sees x, and transposes it
    return None


class CaptureGemm:
    """`matmul(stream, a, b, out, precision)`: a @ b on `stream` through this module's cuBLAS handle for that
    stream, or None where it does not apply. `prepare(stream)` makes the handle (outside any capture)."""

    def __init__(self, cupy):
        self._cupy = cupy
        self._lib = load_cublas(cupy)
        self._handles = {}   # stream pointer -> (handle, workspace kept alive)
        self._low = {"float16": cupy.float16, "bfloat16": getattr(cupy, "bfloat16", None)}

    def prepare(self, stream):
        if stream.ptr in self._handles:
            return
        lib, handle = self._lib, ctypes.c_void_p()
        _check(lib.cublasCreate_v2(ctypes.byref(handle)), "cublasCreate")
        workspace = self._cupy.empty(WORKSPACE_BYTES, self._cupy.uint8)
        _check(lib.cublasSetStream_v2(handle, ctypes.c_void_p(stream.ptr)), "cublasSetStream")
        _check(lib.cublasSetWorkspace_v2(handle, ctypes.c_void_p(workspace.data.ptr), WORKSPACE_BYTES),
               "cublasSetWorkspace")
        self._handles[stream.ptr] = (handle, workspace)

    def matmul(self, stream, a, b, out=None, precision="float32"):
        cp = self._cupy
        f32 = cp.float32
        if a.ndim != 2 or b.ndim != 2 or a.dtype != f32 or b.dtype != f32 or stream.ptr not in self._handles:
            return None
        (m, k), (k2, n) = a.shape, b.shape
        if k != k2:
            return None  # CuPy raises its own error, which the plan words as TensorFlow does
        if out is not None and (out.shape != (m, n) or out.dtype != f32 or not out.flags.c_contiguous):
            return None
        if m == 0 or n == 0 or k == 0:
            return None
        low = self._low.get(precision)
        if precision in self._low:
            if low is None:
                return None
            a, b, dtype, size = a.astype(low), b.astype(low), (_CUDA_R_16F if precision == "float16"
                                                                else _CUDA_R_16BF), 2
            c = cp.empty((m, n), low)
        else:
            dtype, size = _CUDA_R_32F, 4
            c = out if out is not None else cp.empty((m, n), f32)
        la, lb = _layout(a, size), _layout(b, size)
        if la is None:
            a, la = cp.ascontiguousarray(a), (_OP_N, k)
        if lb is None:
            b, lb = cp.ascontiguousarray(b), (_OP_N, n)
        one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)
        # row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: B goes first
        _check(self._lib.cublasGemmEx(
            self._handles[stream.ptr][0], lb[0], la[0], n, m, k, ctypes.byref(one), b.data.ptr, dtype, lb[1],
            a.data.ptr, dtype, la[1], ctypes.byref(zero), c.data.ptr, dtype, n, _COMPUTE[precision],
            _GEMM_DEFAULT), "cublasGemmEx")
        if c.dtype == f32:
            return c
        if out is None:
            return c.astype(f32)
        out[...] = c
        return out

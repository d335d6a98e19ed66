"""runtime/cublas_capture.py without a GPU: its cublasGemmEx call checked against a column-major GEMM in NumPy.

The capture path hands cuBLAS raw pointers, operations and leading dimensions for row-major arrays of any layout
BLAS can describe (contiguous, transposed views, row-padded slices). Here a stand-in for libcublas reads and writes
those pointers exactly as column-major BLAS does, so a wrong operation, dimension or leading dimension shows as a
wrong product, before any GPU runs it.
"""
import ctypes
import types

import numpy as np
import pytest

from graphgrad.runtime import cublas_capture
from graphgrad.runtime.cublas_capture import _OP_N, CaptureGemm


class PtrArray(np.ndarray):
    """A NumPy array with CuPy's `data.ptr` (the address of its first element)."""

    @property
    def data(self):
        return types.SimpleNamespace(ptr=self.ctypes.data)


def _device(a):
    return np.ascontiguousarray(a, np.float32).view(PtrArray)


def _matrix(ptr, rows, cols, ld):
    """The column-major rows x cols matrix at `ptr` with leading dimension `ld`, as a writable NumPy view."""
    size = ld * (cols - 1) + rows
    flat = np.ctypeslib.as_array((ctypes.c_float * size).from_address(ptr))
    return np.lib.stride_tricks.as_strided(flat, (rows, cols), (4, 4 * ld))


class _ColumnMajorBlas:
    """cublasGemmEx on host memory: C = alpha op(A) op(B) + beta C, column-major, float32 only."""

    def __init__(self):
        self.calls = []

    def cublasGemmEx(self, handle, opa, opb, m, n, k, alpha, a, atype, lda, b, btype, ldb, beta, c, ctype, ldc,
                     compute, algo):
        assert atype == btype == ctype == cublas_capture._CUDA_R_32F and compute == 68 and algo == -1
        self.calls.append((opa, opb, m, n, k, lda, ldb, ldc))
        amat = _matrix(a, *((m, k) if opa == _OP_N else (k, m)), lda)
        bmat = _matrix(b, *((k, n) if opb == _OP_N else (n, k)), ldb)
        amat = amat if opa == _OP_N else amat.T
        bmat = bmat if opb == _OP_N else bmat.T
        _matrix(c, m, n, ldc)[...] = amat @ bmat  # alpha 1, beta 0: the capture path's only use
        return 0


def _gemm():
    cupy = types.SimpleNamespace(float32=np.float32, float16=np.float16, uint8=np.uint8,
                                 empty=lambda shape, dtype: np.empty(shape, dtype).view(PtrArray),
                                 ascontiguousarray=lambda a: np.ascontiguousarray(a).view(PtrArray))
    gemm = CaptureGemm.__new__(CaptureGemm)
    gemm._cupy, gemm._lib, gemm._low = cupy, _ColumnMajorBlas(), {"float16": np.float16, "bfloat16": None}
    stream = types.SimpleNamespace(ptr=7)
    gemm._handles = {stream.ptr: ("handle", None)}
    return gemm, stream


LAYOUTS = {
    "row-major": lambda x: _device(x),
    "transposed view": lambda x: _device(x.T).T,                 # F-contiguous: BLAS transposes it
    "row-padded slice": lambda x: _device(np.pad(x, ((0, 0), (0, 3))))[:, :x.shape[1]],  # ld > columns
    "every other row": lambda x: _device(np.repeat(x, 2, axis=0))[::2],  # ld = 2 x columns
}


@pytest.mark.parametrize("la", list(LAYOUTS))
@pytest.mark.parametrize("lb", list(LAYOUTS))
@pytest.mark.parametrize("m, k, n", [(5, 3, 4), (1, 6, 2), (4, 1, 3), (3, 5, 1)])
def test_products_of_every_layout_match_numpy(la, lb, m, k, n):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    gemm, stream = _gemm()
    got = gemm.matmul(stream, LAYOUTS[la](a), LAYOUTS[lb](b))
    np.testing.assert_allclose(np.asarray(got), a @ b, rtol=1e-5, atol=1e-6)
    assert got.shape == (m, n) and got.flags.c_contiguous


def test_out_buffer_and_what_falls_back_to_cupy():
    rng = np.random.default_rng(0)
    a, b = _device(rng.standard_normal((4, 3))), _device(rng.standard_normal((3, 2)))
    gemm, stream = _gemm()
    out = _device(np.zeros((4, 2)))
    assert gemm.matmul(stream, a, b, out=out) is out
    np.testing.assert_allclose(np.asarray(out), np.asarray(a) @ np.asarray(b), rtol=1e-5)
    calls = len(gemm._lib.calls)
    batched = _device(rng.standard_normal((2, 4, 3)))
    assert gemm.matmul(stream, batched, b) is None                       # batched: CuPy's
    assert gemm.matmul(stream, a.astype(np.float64).view(PtrArray), b) is None  # float64: CuPy's
    assert gemm.matmul(stream, a, a) is None                             # 3 != 4: CuPy's error
    assert gemm.matmul(types.SimpleNamespace(ptr=8), a, b) is None       # a stream without a handle
    assert gemm.matmul(stream, a, b, precision="bfloat16") is None       # no bfloat16 in this CuPy
    assert gemm.matmul(stream, a, b, out=_device(np.zeros((2, 4)))) is None  # an out= of another shape
    assert len(gemm._lib.calls) == calls

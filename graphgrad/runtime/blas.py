"""NumPy's own BLAS `gemm`, called with its `alpha` and `beta`: `C <- alpha·op(A)·op(B) + beta·C` in C's buffer.

NumPy's `matmul` always writes a fresh product, so a gradient-descent step on a weight matrix costs the product,
then a pass scaling it and a pass subtracting it (and the product's memory). BLAS itself can add the scaled
product straight into the weights. This module binds `cblas_sgemm`/`cblas_dgemm` of the very library NumPy
loaded (the OpenBLAS in NumPy's wheel, `numpy.libs`), through ctypes, so the call shares NumPy's thread pool: a
second BLAS (SciPy's) brings a second pool whose spinning threads fight the first one on a small machine.

`gemm(a, ta, b, tb, c, alpha, beta)` returns False (and does nothing) where it cannot help: no such library
(NumPy built on another BLAS), operands of other dtypes, `c` not a C-contiguous matrix of the product's shape.
The caller then computes the same thing with NumPy.
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (prefix, suffix, integer type) of the CBLAS names in the OpenBLAS builds NumPy's wheels ship
_NAMINGS = (("scipy_", "64_", ctypes.c_int64), ("scipy_", "", ctypes.c_int), ("", "64_", ctypes.c_int64),
            ("", "", ctypes.c_int))


def _load():
    """({dtype: the cblas ?gemm function} of NumPy's BLAS, or {} when it cannot be found; its integers' bytes;
    its `openblas_get_num_threads` or None)."""
    if os.environ.get("GRAPHGRAD_BLAS_GEMM", "1").strip().lower() in ("0", "false", "no", "off"):
        return {}, 8, None, None
    root = os.path.dirname(np.__file__)
    libs = sorted(glob.glob(os.path.join(root + ".libs", "*openblas*"))
                  + glob.glob(os.path.join(root, ".dylibs", "*openblas*")))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix, blasint in _NAMINGS:
            found = {}
            for dtype, letter, scalar in ((np.float32, "s", ctypes.c_float), (np.float64, "d", ctypes.c_double)):
                f = getattr(lib, f"{prefix}cblas_{letter}gemm{suffix}", None)
                if f is None:
                    break
                f.restype = None
                f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, blasint, blasint, blasint, scalar,
                              ctypes.c_void_p, blasint, ctypes.c_void_p, blasint, scalar, ctypes.c_void_p, blasint]
                found[np.dtype(dtype)] = f
            if len(found) == 2:
                n_threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                if n_threads is not None:
                    n_threads.restype, n_threads.argtypes = ctypes.c_int, []
                return found, ctypes.sizeof(blasint), n_threads, (lib, prefix, suffix, blasint)
    return {}, 8, None, None


_GEMM, _INT_BYTES, _THREADS, _LIB = _load()
_POOL = None  # runtime/gemm_pool.py's split product, once its workers run


def set_pool(split):
    """Route products through `split(a, b, c, alpha, beta) -> bool` (runtime/gemm_pool.py), or not (None)."""
    global _POOL
    _POOL = split


def raw_functions():
    """NumPy's BLAS for code compiled by Numba (runtime/gemm_pool_kernels.py): the addresses of its cblas_sgemm and
    cblas_dgemm, and its openblas_get_num_threads / openblas_set_num_threads as ctypes functions; None when the
    library, a name, or 64-bit integers (the kernels' calling convention) are missing."""
    if _LIB is None or _INT_BYTES != 8:
        return None
    lib, prefix, suffix, _ = _LIB
    try:
        found = [lib[f"{prefix}{name}{suffix}"] for name in ("cblas_sgemm", "cblas_dgemm",
                                                             "openblas_get_num_threads", "openblas_set_num_threads")]
    except AttributeError:
        return None
    sgemm, dgemm, get, put = found  # lib[...] gives function objects of their own (getattr's are _load's)
    get.restype, get.argtypes = ctypes.c_int, []
    put.restype, put.argtypes = None, [ctypes.c_int]
    address = ctypes.cast
    return address(sgemm, ctypes.c_void_p).value, address(dgemm, ctypes.c_void_p).value, get, put


_LIMIT = 2 ** (8 * _INT_BYTES - 1) - 1  # the largest dimension BLAS's integers hold


def available() -> bool:
    return bool(_GEMM)


def threads() -> int | None:
    """How many threads NumPy's BLAS runs a product on now (threadpoolctl and OPENBLAS_NUM_THREADS set it), or
    None when unknown."""
    return _THREADS() if _GEMM and _THREADS is not None else None


def _operand(x, transposed):
    """(array to pass, its CBLAS transpose flag, leading dimension) for `x` (or `x.T` when `transposed`) as a
    row-major operand; a copy only when neither `x` nor its transpose has unit stride along rows."""
    item = x.itemsize
    s0, s1 = x.strides
    if s1 == item and s0 >= max(x.shape[1], 1) * item:
        return x, (_TRANS if transposed else _NO_TRANS), s0 // item
    if s0 == item and s1 >= max(x.shape[0], 1) * item:  # column-major: its transpose is row-major
        return x, (_NO_TRANS if transposed else _TRANS), s1 // item
    x = np.ascontiguousarray(x)
    return x, (_TRANS if transposed else _NO_TRANS), max(x.shape[1], 1)


def gemm(a, ta, b, tb, c, alpha, beta=1.0) -> bool:
    """`c <- alpha·op(a)·op(b) + beta·c` in place (op: transpose when `ta` / `tb`); False when not done."""
    f = _GEMM.get(c.dtype) if isinstance(c, np.ndarray) else None
    if (f is None or a.dtype != c.dtype or b.dtype != c.dtype or a.ndim != 2 or b.ndim != 2 or c.ndim != 2
            or not c.flags.c_contiguous or not c.flags.writeable or np.may_share_memory(a, c)
            or np.may_share_memory(b, c)):
        return False
    m, k = (a.shape[1], a.shape[0]) if ta else a.shape
    k2, n = (b.shape[1], b.shape[0]) if tb else b.shape
    if k != k2 or c.shape != (m, n) or 0 in (m, n, k):
        return False
    if _POOL is not None and _POOL(a.T if ta else a, b.T if tb else b, c, alpha, beta):
        return True
    a, fa, lda = _operand(a, ta)
    b, fb, ldb = _operand(b, tb)
    if max(m, n, k, lda, ldb) > _LIMIT:  # a 32-bit BLAS cannot index it
        return False
    f(_ROW_MAJOR, fa, fb, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb, beta, c.ctypes.data, max(n, 1))
    return True


def matmul(a, b, out=None):
    """`np.matmul(a, b, out=out)`, through the pool of runtime/gemm_pool.py where it runs and takes the product
    (2-D operands of one float dtype, large enough): the CPU's float32 products (`RunContext.matmul_f32`)."""
    if _POOL is not None and a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype and a.shape[1] == b.shape[0]:
        c = np.empty((a.shape[0], b.shape[1]), a.dtype) if out is None else out
        if _POOL(a, b, c, 1.0, 0.0):
            return c
    return np.matmul(a, b, out=out)

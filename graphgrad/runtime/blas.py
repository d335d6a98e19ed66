"""A BLAS `gemm`, called with its `alpha` and `beta`: `C <- alpha·op(A)·op(B) + beta·C` in C's buffer.

NumPy's `matmul` always writes a fresh product, so a gradient-descent step on a weight matrix costs the product,
then a pass scaling it and a pass subtracting it (and the product's memory). BLAS itself can add the scaled
product straight into the weights. This module binds `cblas_sgemm`/`cblas_dgemm` through ctypes, of one of two
libraries (`GRAPHGRAD_BLAS`):

- `numpy`: the very library NumPy loaded (the OpenBLAS in NumPy's wheel, `numpy.libs`), so the call shares
  NumPy's thread pool: a second OpenBLAS (SciPy's) brings a second pool whose spinning threads fight the first one
  on a small machine.
- `mkl`: Intel's oneMKL from the `mkl` wheel (the `graphgrad[mkl]` extra), its 64-bit-integer interface
  (`cblas_sgemm_64`). It runs an Intel Xeon's products faster than OpenBLAS (bench/blas_libraries.py: W2's
  128x784x256 in 175 against 213 µs on two threads, 4096³ at 379 against 358 GFLOP/s; bench/RESULTS.md, session
  15). The 2-D float products of `matmul` (MatMul's kernel, the convolutions' patch products) then go through it
  too, from GEMM_FROM multiply-adds (smaller ones cost more in this module's checks than they gain), and so
  do batched products of big enough matrices. NumPy's OpenBLAS then runs its remaining calls (small products, long
  `dot`s, `linalg`) on one thread (`quiet_numpy_blas`): two libraries' thread pools on the same cores fight,
  each spinning after its calls while the other waits for a thread that is not scheduled (a TensorBoard
  tutorial's step, whose histograms call `np.dot`, ran 2.3x slower).
- `auto` (the default): MKL where the `mkl` wheel is installed and the CPU is Intel's, else NumPy's. On AMD's
  cores MKL's sgemm is the slower one (an AMD EPYC, AVX2, two threads: 4096³ at 145 against OpenBLAS's 183 GFLOP/s,
  W3's products 130 against 186; W2's the same within 5 %; bench/RESULTS.md, session 24), so `auto` leaves it
  unused there; `mkl` still binds it.

MKL's results differ from OpenBLAS's in rounding (another blocking of the sums, ~1e-6 relative in float32), and
by default with its thread count: `MKL_CBWR=AUTO,STRICT` (MKL's own setting) makes them the same on any thread
count and alignment, at a small cost on tiny products. The test suite runs on `numpy` (tests/conftest.py) and
tests MKL in processes of their own (tests/test_blas_library.py). A forked child runs MKL on one thread
(`_after_fork_in_child`).

`gemm(a, ta, b, tb, c, alpha, beta)` returns False (and does nothing) where it cannot help: no such library
(NumPy built on another BLAS), operands of other dtypes, `c` not a C-contiguous matrix of the product's shape.
The caller then computes the same thing with NumPy.
"""
from __future__ import annotations

import ctypes
import glob
import os
import re
import warnings
from typing import NamedTuple

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# (prefix, suffix, integer type) of the CBLAS names in the OpenBLAS builds NumPy's wheels ship
_NAMINGS = (("scipy_", "64_", ctypes.c_int64), ("scipy_", "", ctypes.c_int), ("", "64_", ctypes.c_int64),
            ("", "", ctypes.c_int))
ENV_VAR = "GRAPHGRAD_BLAS"
CHOICES = ("auto", "mkl", "numpy")
#: `matmul` multiplies 2-D float operands with MKL's gemm from this many multiply-adds (m·k·n); smaller products
#: stay with NumPy's matmul, whose call costs ~1 µs less than the checks here.
GEMM_FROM = 1 << 18
#: a batched product goes to MKL's gemm matrix by matrix from this many multiply-adds per matrix (a call per
#: matrix costs more than NumPy's loop over them)
BATCHED_GEMM_FROM = 1 << 20


class Library(NamedTuple):
    """A bound BLAS: its `name` ("openblas" or "mkl"), {dtype: its cblas ?gemm as a ctypes function}, the bytes
    of its integers, `get_threads() -> int` and `set_threads(n)` (None where it has none), and the addresses of its
    sgemm and dgemm (for code compiled by Numba)."""
    name: str
    gemm: dict
    int_bytes: int
    get_threads: object
    set_threads: object
    addresses: tuple


def _bind(lib, names, blasint):
    """{dtype: function} for the cblas ?gemm functions `names` (s, d) of `lib`, or None where one is missing."""
    found = {}
    for dtype, name, scalar in ((np.float32, names[0], ctypes.c_float), (np.float64, names[1], ctypes.c_double)):
        f = getattr(lib, name, None)
        if f is None:
            return None
        f.restype = None
        f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, blasint, blasint, blasint, scalar,
                      ctypes.c_void_p, blasint, ctypes.c_void_p, blasint, scalar, ctypes.c_void_p, blasint]
        found[np.dtype(dtype)] = f
    return found


def _threads_functions(lib, get_name, set_name):
    get, put = getattr(lib, get_name, None), getattr(lib, set_name, None)
    if get is None or put is None:
        return None, None
    get.restype, get.argtypes = ctypes.c_int, []
    put.restype, put.argtypes = None, [ctypes.c_int]
    return get, put


def _library(name, lib, gemm, blasint, get, put):
    address = ctypes.cast  # lib[...] gives function objects of their own, whose addresses are the symbols'
    return Library(name, gemm, ctypes.sizeof(blasint), get, put,
                   tuple(address(f, ctypes.c_void_p).value for f in gemm.values()))


def mkl_paths() -> list[str]:
    """Where the `mkl` wheel (the graphgrad[mkl] extra) put MKL's runtime library, libmkl_rt; [] when it is not
    installed."""
    from importlib import metadata

    try:
        files = metadata.distribution("mkl").files or ()
    except metadata.PackageNotFoundError:
        return []
    pattern = re.compile(r"(lib)?mkl_rt(\.\d+)*\.(so(\.\d+)*|dylib|dll)")
    return sorted(os.path.normpath(f.locate()) for f in files if pattern.fullmatch(f.name))


def _load_mkl():
    for path in mkl_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        gemm = _bind(lib, ("cblas_sgemm_64", "cblas_dgemm_64"), ctypes.c_int64)
        get, put = _threads_functions(lib, "MKL_Get_Max_Threads", "MKL_Set_Num_Threads")
        local = getattr(lib, "MKL_Set_Num_Threads_Local", None)
        if gemm is not None and get is not None and local is not None:
            local.restype, local.argtypes = ctypes.c_int, [ctypes.c_int]
            return _library("mkl", lib, gemm, ctypes.c_int64, get, _mkl_set_threads(put, local))
    return None


def _mkl_set_threads(set_global, set_local):
    """MKL's thread count for the whole process, as OpenBLAS's: its global setting, and the calling thread's own
    (which threadpoolctl, and so tf.config.set_num_threads, sets, and which would otherwise win) cleared."""
    def set_threads(n):
        set_global(n)
        set_local(0)
    return set_threads


def _load_numpy():
    root = os.path.dirname(np.__file__)
    libs = sorted(glob.glob(os.path.join(root + ".libs", "*openblas*"))
                  + glob.glob(os.path.join(root, ".dylibs", "*openblas*")))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix, blasint in _NAMINGS:
            gemm = _bind(lib, (f"{prefix}cblas_sgemm{suffix}", f"{prefix}cblas_dgemm{suffix}"), blasint)
            if gemm is not None:
                get, put = _threads_functions(lib, f"{prefix}openblas_get_num_threads{suffix}",
                                              f"{prefix}openblas_set_num_threads{suffix}")
                return _library("openblas", lib, gemm, blasint, get, put)
    return None


def choice() -> str:
    """`GRAPHGRAD_BLAS` as one of CHOICES (auto where unset; a value not among them warns and is auto)."""
    value = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if value not in CHOICES:
        warnings.warn(f"{ENV_VAR}={value!r} is not one of {', '.join(CHOICES)}: using auto", stacklevel=2)
        return "auto"
    return value


def cpu_vendor() -> str | None:
    """The CPU's vendor as its CPUID names it ("GenuineIntel", "AuthenticAMD", ...), or None where unknown (no
    /proc/cpuinfo, and a processor string that names none)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.partition(":")[2].strip() or None
    except OSError:
        pass
    import platform
    found = re.search(r"GenuineIntel|AuthenticAMD|HygonGenuine", platform.processor() or "")
    return found.group(0) if found else None


def mkl_suits(vendor) -> bool:
    """Whether `auto` binds MKL on a CPU of this vendor: on Intel's (and where the vendor is unknown), not on
    AMD's or others', where NumPy's OpenBLAS runs the products faster (module docstring)."""
    return vendor in (None, "GenuineIntel")


def _load():
    """The Library `GRAPHGRAD_BLAS` asks for (MKL falls back to NumPy's, with a warning where asked for by name),
    or None: GRAPHGRAD_BLAS_GEMM=0, or no library found."""
    if os.environ.get("GRAPHGRAD_BLAS_GEMM", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    wanted = choice()
    if wanted == "mkl" or (wanted == "auto" and mkl_suits(cpu_vendor())):
        found = _load_mkl()
        if found is not None:
            return found
        if wanted == "mkl":
            warnings.warn(f"{ENV_VAR}=mkl, but no MKL with 64-bit integers (cblas_sgemm_64) was found: install "
                          "graphgrad[mkl] (the mkl wheel, Linux and Windows on x86-64); using NumPy's BLAS",
                          stacklevel=2)
    return _load_numpy()


def quiet_numpy_blas():
    """With MKL bound, NumPy's own OpenBLAS on one thread (the module's docstring says why), unless the user set
    OPENBLAS_NUM_THREADS. Also after `tf.config.set_num_threads` (threadpoolctl sets every library's count)."""
    if _LIB is None or _LIB.name != "mkl" or os.environ.get("OPENBLAS_NUM_THREADS", "").strip():
        return
    numpy_blas = _load_numpy()
    if numpy_blas is not None and numpy_blas.set_threads is not None:
        numpy_blas.set_threads(1)


_LIB = _load()
_GEMM = {} if _LIB is None else _LIB.gemm
quiet_numpy_blas()
#: `matmul` sends 2-D float products to `gemm` (MKL is not the library NumPy's matmul calls)
_MATMUL_BY_GEMM = _LIB is not None and _LIB.name == "mkl"

_POOL = None  # runtime/gemm_pool.py's split product, once its workers run


def set_pool(split):
    """Route products through `split(a, b, c, alpha, beta) -> bool` (runtime/gemm_pool.py), or not (None)."""
    global _POOL
    _POOL = split


def raw_functions():
    """The bound BLAS for code compiled by Numba (runtime/gemm_pool_kernels.py): the addresses of its cblas_sgemm
    and cblas_dgemm, and its get/set thread-count functions as ctypes functions; None when there is none, or it
    lacks 64-bit integers (the kernels' calling convention) or a thread setting."""
    lib = _LIB
    if lib is None or lib.int_bytes != 8 or lib.set_threads is None:
        return None
    return (*lib.addresses, lib.get_threads, lib.set_threads)


def library() -> str | None:
    """The name of the BLAS `gemm` calls: "mkl", "openblas" (NumPy's), or None (none bound)."""
    return None if _LIB is None else _LIB.name


_LIMIT = 2 ** (8 * (8 if _LIB is None else _LIB.int_bytes) - 1) - 1  # the largest dimension BLAS's integers hold


def available() -> bool:
    return bool(_GEMM)


def threads() -> int | None:
    """How many threads the bound BLAS runs a product on now (threadpoolctl, OPENBLAS_NUM_THREADS or
    MKL_NUM_THREADS set it), or None when unknown."""
    return _LIB.get_threads() if _GEMM and _LIB.get_threads is not None else None


def set_threads(n) -> bool:
    """Run the bound BLAS's products on `n` threads, in every thread of the process; False where it has no such
    setting."""
    if _LIB is None or _LIB.set_threads is None:
        return False
    _LIB.set_threads(n)
    return True


def layout(x, transposed):
    """(CBLAS transpose flag, leading dimension) of `x` (or `x.T` when `transposed`) read in place as a row-major
    operand, or None where neither `x` nor its transpose has unit stride along rows."""
    item = x.itemsize
    s0, s1 = x.strides
    if s1 == item and s0 >= max(x.shape[1], 1) * item:
        return (_TRANS if transposed else _NO_TRANS), s0 // item
    if s0 == item and s1 >= max(x.shape[0], 1) * item:  # column-major: its transpose is row-major
        return (_NO_TRANS if transposed else _TRANS), s1 // item
    return None


def _operand(x, transposed):
    """(array to pass, its CBLAS transpose flag, leading dimension) for `x` (or `x.T` when `transposed`) as a
    row-major operand; a copy only where `layout` finds none."""
    found = layout(x, transposed)
    if found is not None:
        return (x, *found)
    x = np.ascontiguousarray(x)
    return x, (_TRANS if transposed else _NO_TRANS), max(x.shape[1], 1)


def gemm(a, ta, b, tb, c, alpha, beta=1.0, split=True) -> bool:
    """`c <- alpha·op(a)·op(b) + beta·c` in place (op: transpose when `ta` / `tb`); False when not done.
    `split=False`: never through the GEMM pool (its own call of a product it runs whole)."""
    f = _GEMM.get(c.dtype) if isinstance(c, np.ndarray) else None
    if (f is None or a.dtype != c.dtype or b.dtype != c.dtype or a.ndim != 2 or b.ndim != 2 or c.ndim != 2
            or not c.flags.c_contiguous or not c.flags.writeable or np.may_share_memory(a, c)
            or np.may_share_memory(b, c)):
        return False
    m, k = (a.shape[1], a.shape[0]) if ta else a.shape
    k2, n = (b.shape[1], b.shape[0]) if tb else b.shape
    if k != k2 or c.shape != (m, n) or 0 in (m, n, k):
        return False
    if split and _POOL is not None and _POOL(a.T if ta else a, b.T if tb else b, c, alpha, beta):
        return True
    a, fa, lda = _operand(a, ta)
    b, fb, ldb = _operand(b, tb)
    if max(m, n, k, lda, ldb) > _LIMIT:  # a 32-bit BLAS cannot index it
        return False
    f(_ROW_MAJOR, fa, fb, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb, beta, c.ctypes.data, max(n, 1))
    return True


def matmul(a, b, out=None):
    """`np.matmul(a, b, out=out)`, through the pool of runtime/gemm_pool.py where it runs and takes the product
    (2-D operands of one float dtype, large enough), or MKL's gemm where that is the bound library: the CPU's
    float32 products (`RunContext.matmul_f32`)."""
    if (_MATMUL_BY_GEMM or _POOL is not None) and a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype \
            and a.shape[1] == b.shape[0]:
        if _MATMUL_BY_GEMM and a.dtype.char in "fd" and a.shape[0] * a.shape[1] * b.shape[1] >= GEMM_FROM:
            c = np.empty((a.shape[0], b.shape[1]), a.dtype) if out is None else out
            if gemm(a, False, b, False, c, 1.0, 0.0):  # the pool's split first, where it runs
                return c
        elif _POOL is not None:
            c = np.empty((a.shape[0], b.shape[1]), a.dtype) if out is None else out
            if _POOL(a, b, c, 1.0, 0.0):
                return c
    elif _MATMUL_BY_GEMM and a.ndim == b.ndim == 3 and a.dtype == b.dtype and a.dtype.char in "fd" \
            and a.shape[0] == b.shape[0] and a.shape[2] == b.shape[1] \
            and a.shape[1] * a.shape[2] * b.shape[2] >= BATCHED_GEMM_FROM:
        c = np.empty((a.shape[0], a.shape[1], b.shape[2]), a.dtype) if out is None else out
        if c.flags.c_contiguous and c.shape == (a.shape[0], a.shape[1], b.shape[2]) and c.dtype == a.dtype \
                and not np.may_share_memory(c, a) and not np.may_share_memory(c, b) \
                and all(gemm(a[i], False, b[i], False, c[i], 1.0, 0.0) for i in range(a.shape[0])):
            return c
    return np.matmul(a, b, out=out)


def _after_fork_in_child():
    """A forked child runs MKL's products on one thread: Intel's OpenMP runtime, whose threads the fork left
    behind, can deadlock in the child's first parallel region (PyTorch, for the same reason, sets one thread in a
    forked child). OpenBLAS restarts its own threads after a fork and keeps its count."""
    if _LIB is not None and _LIB.name == "mkl":
        _LIB.set_threads(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

"""Where W3's 512-row products lose against the 4096³ rate: oneMKL's packing of the 4096x4096 weight.

    PYTHONPATH=. python -m bench.gemm_packing [--threads 2] [--reps 7]

A GEMM packs its operands into cache-sized panels before it multiplies; for 4096³ the 64 MiB operand's packing is
shared by 4096 rows, for W3's forward (512x4096 by 4096x4096) by 512. oneMKL's packed API separates the two
(`cblas_sgemm_pack` once, `cblas_sgemm_compute` on the packed operand), so this prints, as % of the 4096³ rate of
the same run: the plain forward product, the product on an operand packed beforehand, the packing's own time, and
the weight gradient's shape (4096x512 by 512x4096, whose operands are 8 MiB each). Best of `reps` calls each.
Needs the `mkl` wheel (graphgrad's BLAS binding finds it as runtime/blas.py does).
"""
from __future__ import annotations

import argparse
import ctypes
import time

import numpy as np

from graphgrad.runtime import blas

_ROW_MAJOR, _NO_TRANS, _TRANS, _B_MATRIX, _PACKED = 101, 111, 112, 162, 151


def _functions(lib):
    i64, ptr, f32, enum = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_int
    gemm, pack, compute, size = (lib.cblas_sgemm_64, lib.cblas_sgemm_pack_64, lib.cblas_sgemm_compute_64,
                                 lib.cblas_sgemm_pack_get_size_64)
    gemm.argtypes = [enum, enum, enum, i64, i64, i64, f32, ptr, i64, ptr, i64, f32, ptr, i64]
    pack.argtypes = [enum, enum, enum, i64, i64, i64, f32, ptr, i64, ptr]
    compute.argtypes = [enum, enum, enum, i64, i64, i64, ptr, i64, ptr, i64, f32, ptr, i64]
    size.restype, size.argtypes = ctypes.c_size_t, [enum, i64, i64, i64]
    return gemm, pack, compute, size


def _best(fn, reps):
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    paths = blas.mkl_paths()
    if not paths:
        raise SystemExit("no oneMKL found: pip install mkl")
    lib = ctypes.CDLL(paths[0])
    lib.MKL_Set_Num_Threads(args.threads)
    gemm, pack, compute, size = _functions(lib)
    rng = np.random.default_rng(0)
    n, m = 4096, 512
    w = rng.standard_normal((n, n), dtype=np.float32)
    a, c = rng.standard_normal((n, n), dtype=np.float32), np.empty((n, n), np.float32)
    x, z = rng.standard_normal((m, n), dtype=np.float32), np.empty((m, n), np.float32)
    dz = rng.standard_normal((m, n), dtype=np.float32)
    packed = np.empty(size(_B_MATRIX, m, n, n) // 4 + 16, np.float32)

    def rate(rows, cols, inner, seconds):
        return 2.0 * rows * cols * inner / seconds / 1e9
    full = rate(n, n, n, _best(lambda: gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, n, n, n, 1.0, a.ctypes.data, n,
                                            w.ctypes.data, n, 0.0, c.ctypes.data, n), max(3, args.reps // 2)))
    plain = rate(m, n, n, _best(lambda: gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, m, n, n, 1.0, x.ctypes.data, n,
                                             w.ctypes.data, n, 0.0, z.ctypes.data, n), args.reps))
    packing = _best(lambda: pack(_ROW_MAJOR, _B_MATRIX, _NO_TRANS, m, n, n, 1.0, w.ctypes.data, n,
                                 packed.ctypes.data), args.reps)
    on_packed_s = _best(lambda: compute(_ROW_MAJOR, _NO_TRANS, _PACKED, m, n, n, x.ctypes.data, n,
                                        packed.ctypes.data, n, 0.0, z.ctypes.data, n), args.reps)
    assert np.allclose(z, x @ w, rtol=1e-3, atol=1e-2)
    weight_grad = rate(n, n, m, _best(lambda: gemm(_ROW_MAJOR, _TRANS, _NO_TRANS, n, n, m, 1.0, x.ctypes.data, n,
                                                   dz.ctypes.data, n, 0.0, c.ctypes.data, n), args.reps))
    on_packed = rate(m, n, n, on_packed_s)
    print(f"oneMKL, {args.threads} threads: 4096³ {full:.0f} GFLOP/s")
    print(f"W3 forward 512x4096x4096, plain:            {plain:.0f} GFLOP/s ({100 * plain / full:.1f} %)")
    print(f"  on the weight packed beforehand:          {on_packed:.0f} GFLOP/s ({100 * on_packed / full:.1f} %)")
    print(f"  packing the 4096x4096 weight alone:       {packing * 1e3:.1f} ms "
          f"(pack + compute: {100 * rate(m, n, n, packing + on_packed_s) / full:.1f} %)")
    print(f"W3 weight gradient 4096x512x4096, plain:    {weight_grad:.0f} GFLOP/s ({100 * weight_grad / full:.1f} %)")


if __name__ == "__main__":
    main()

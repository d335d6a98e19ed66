"""The workloads' matrix products on each BLAS graphgrad can bind (runtime/blas.py: NumPy's OpenBLAS, and oneMKL where
the mkl wheel is installed), at one thread and at two, each library in a process of its own (`GRAPHGRAD_BLAS`).

    PYTHONPATH=. python -m bench.blas_libraries [--reps 200]

Each cell is the best of `reps` calls of `blas.gemm` into a preallocated result (µs), or GFLOP/s (2·m·n·k) for
the big shapes; the products are checked against float64 first.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

#: (label, m, k, n, transpose a, transpose b): W2's products, W5's dense layer, W3's three kinds, 4096³
SHAPES = [("W2 forward 128x784x256", 128, 784, 256, 0, 0), ("W2 128x256x256", 128, 256, 256, 0, 0),
          ("W2 dW 784x128x256 (aᵀ)", 784, 128, 256, 1, 0), ("W2 dX 128x256x784 (bᵀ)", 128, 256, 784, 0, 1),
          ("W5 dense 64x3136x1024", 64, 3136, 1024, 0, 0), ("W3 forward 512x4096x4096", 512, 4096, 4096, 0, 0),
          ("W3 dX 512x4096x4096 (bᵀ)", 512, 4096, 4096, 0, 1), ("W3 dW 4096x512x4096 (aᵀ)", 4096, 512, 4096, 1, 0),
          ("4096³", 4096, 4096, 4096, 0, 0)]
BIG = 1e10  # FLOPs from which a cell is GFLOP/s instead of µs


def _child(threads: int, reps: int) -> dict:
    import numpy as np

    from graphgrad.runtime import blas

    blas.set_threads(threads)
    rng = np.random.default_rng(0)
    out = {"library": blas.library(), "threads": blas.threads()}
    for label, m, k, n, ta, tb in SHAPES:
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        assert blas.gemm(a, bool(ta), b, bool(tb), c, 1.0, 0.0)
        exact = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
        assert np.allclose(c, exact, rtol=1e-3, atol=1e-2), label
        flops = 2.0 * m * n * k
        calls = max(3, min(reps, int(2e11 / flops)))
        best = float("inf")
        for _ in range(calls):
            t = time.perf_counter()
            blas.gemm(a, bool(ta), b, bool(tb), c, 1.0, 0.0)
            best = min(best, time.perf_counter() - t)
        out[label] = f"{flops / best / 1e9:.0f} GFLOP/s" if flops >= BIG else f"{best * 1e6:.0f} µs"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--child", nargs=2, type=int, metavar=("THREADS", "REPS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    from graphgrad.runtime import blas

    libraries = ["numpy"] + (["mkl"] if blas.mkl_paths() else [])
    columns = []
    for library in libraries:
        for threads in (1, 2):
            env = dict(os.environ, GRAPHGRAD_BLAS=library, GRAPHGRAD_GEMM_POOL="0")
            done = subprocess.run([sys.executable, "-m", "bench.blas_libraries", "--child", str(threads),
                                   str(args.reps)], env=env, capture_output=True, text=True, check=True)
            columns.append(json.loads(done.stdout.strip().splitlines()[-1]))
    heads = [f"{c['library']}, {c['threads']} thread{'s' if c['threads'] > 1 else ''}" for c in columns]
    print("| product | " + " | ".join(heads) + " |")
    print("| --- |" + " --- |" * len(heads))
    for label, *_ in SHAPES:
        print(f"| {label} | " + " | ".join(c[label] for c in columns) + " |")


if __name__ == "__main__":
    main()

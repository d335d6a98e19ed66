"""The GEMM pool (runtime/gemm_pool.py) against NumPy's OpenBLAS at its own threads: the workloads' products one
by one, and the products inside one workload's step.

    PYTHONPATH=. python -m bench.gemm_pool [W2 W5 ...]          # products alone, best of 7, two rounds
    PYTHONPATH=. python -m bench.gemm_pool --in-step W2 [--steps 50]
    PYTHONPATH=. python -m bench.gemm_pool --columns           # the LSTM steps' products, whole and in column calls

Products alone: each shape with its operands' layout in the step (a transposed operand as a transposed view),
alternating pool and OpenBLAS. OpenBLAS runs at its own thread count between the pool's rounds, so its threads
are awake for its rounds as in a program that uses only it. `--in-step`: every product the pool splits in the
workload's graphgrad step, timed where the step makes it (operands fresh from the previous ops), mean µs.
`--columns`: W6's per-step products at one OpenBLAS thread, as one call and as the compiled LSTM loops make them
(calls of `STEP_FORWARD_COLUMNS` / `STEP_BACKWARD_COLUMNS` result columns, runtime/gemm_pool_kernels.py).
"""
from __future__ import annotations

import argparse
import collections
import time

import numpy as np

#: (name, m, k, n, a transposed, b transposed): W2's, W5's, W6's and W3's products as their steps make them
SHAPES = [("W2 X·W1", 128, 784, 256, 0, 0), ("W2 h·W2", 128, 256, 256, 0, 0), ("W2 dW2", 256, 128, 256, 1, 0),
          ("W2 dX2", 128, 256, 256, 0, 1), ("W2 dW1", 784, 128, 256, 1, 0),
          ("W5 conv2", 12544, 800, 64, 0, 0), ("W5 conv2 filter grad", 800, 12544, 64, 1, 0),
          ("W5 conv2 input grad", 12544, 320, 32, 0, 0), ("W5 dense", 64, 3136, 1024, 0, 0),
          ("W5 dense dW", 3136, 64, 1024, 1, 0), ("W5 dense dX", 64, 1024, 3136, 0, 1),
          ("W6 step", 64, 160, 512, 0, 0), ("W6 reverse", 64, 512, 160, 0, 1), ("W6 stacked dW", 160, 3200, 512, 1, 0),
          ("W3 forward", 512, 4096, 4096, 0, 0), ("W3 dW", 4096, 512, 4096, 1, 0), ("W3 dX", 512, 4096, 4096, 0, 1)]


def _best(f, n, repeat=7):
    f()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def alone(prefixes):
    from graphgrad.runtime import blas, gemm_pool

    if not gemm_pool.start():
        raise SystemExit("the GEMM pool does not run here (Numba, NumPy's OpenBLAS and two cores needed)")
    rng = np.random.default_rng(0)
    print("| product (m x k x n, transposed operand) | OpenBLAS threads µs | pool µs | ratio |")
    print("| --- | --- | --- | --- |")
    for name, m, k, n, ta, tb in SHAPES:
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        a, b = (a.T if ta else a), (b.T if tb else b)
        c = np.empty((m, n), np.float32)
        reps = max(3, int(1e10 / (2 * m * n * k)))
        def product(a=a, b=b, c=c):
            blas.matmul(a, b, out=c)

        whole, split = [], []
        for _ in range(2):
            gemm_pool.route(True)
            split.append(_best(product, reps))
            gemm_pool.route(False)
            whole.append(_best(product, reps))
        layout = " (Aᵀ)" if ta else " (Bᵀ)" if tb else ""
        print(f"| {name} {m}x{k}x{n}{layout} | {min(whole):.1f} | {min(split):.1f} | "
              f"{min(split) / min(whole):.2f} |", flush=True)


def in_step(workload, steps):
    from graphgrad.runtime import blas, gemm_pool

    from . import step_time, workloads
    step = step_time._step(workloads.WORKLOADS[workload], True, True)
    if not gemm_pool.started():
        raise SystemExit(f"{workload}'s plan did not start the GEMM pool")
    split = blas._POOL
    times = collections.defaultdict(list)

    def timed(a, b, c, alpha, beta):
        t0 = time.perf_counter()
        done = split(a, b, c, alpha, beta)
        if done:
            times[(a.shape, b.shape, a.flags.f_contiguous, b.flags.f_contiguous)].append(time.perf_counter() - t0)
        return done

    blas.set_pool(timed)
    try:
        for _ in range(steps):
            step()
    finally:
        blas.set_pool(split)
    print(f"| {workload}: product split in the step | µs (mean of {steps}) |\n| --- | --- |")
    for (sa, sb, ta, tb), ts in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        print(f"| {sa[0]}x{sa[1]}{'ᵀ' if ta else ''} · {sb[0]}x{sb[1]}{'ᵀ' if tb else ''} | "
              f"{1e6 * sum(ts) / len(ts):.1f} |")
    print(f"| all | {1e6 * sum(map(sum, times.values())) / steps:.1f} per step |")


def columns(repeat=5, reps=2000):
    from numba import njit

    from graphgrad.runtime import blas
    from graphgrad.runtime import gemm_pool_kernels as kern

    @njit(nogil=True)
    def calls(a, b, c, cols, reps):
        m, k = a.shape
        n = b.shape[1]
        for _ in range(reps):
            kern._columns(m, n, k, a.ctypes.data, k, b.ctypes.data, n, c.ctypes.data, cols)

    _, _, get_threads, set_threads = blas.raw_functions()
    before = get_threads()
    set_threads(1)  # as inside the pool, where each thread multiplies its rows at one OpenBLAS thread
    rng = np.random.default_rng(0)
    print("| product (one thread) | one call µs | in calls of | µs | ratio | same sums |")
    print("| --- | --- | --- | --- | --- | --- |")
    try:
        for name, m, k, n, cols in (("W6 step, forward", 32, 128, 512, kern.STEP_FORWARD_COLUMNS),
                                    ("W6 step, gradient", 32, 512, 128, kern.STEP_BACKWARD_COLUMNS)):
            a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
            c_whole, c_cols = np.empty((m, n), np.float32), np.empty((m, n), np.float32)
            times = {}
            for width, c in ((n, c_whole), (cols, c_cols)):
                calls(a, b, c, width, 1)
                best = float("inf")
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    calls(a, b, c, width, reps)
                    best = min(best, (time.perf_counter() - t0) / reps)
                times[width] = best * 1e6
            print(f"| {name} {m}x{k}x{n} | {times[n]:.1f} | {cols} columns | {times[cols]:.1f} | "
                  f"{times[cols] / times[n]:.2f} | {np.array_equal(c_whole, c_cols)} |", flush=True)
    finally:
        set_threads(before)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("prefixes", nargs="*", help="only the products whose names start so (W2, W5 conv2, ...)")
    ap.add_argument("--in-step", metavar="WORKLOAD", help="time the products inside this workload's step")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--columns", action="store_true", help="the LSTM steps' products, whole and in column calls")
    args = ap.parse_args(argv)
    if args.columns:
        columns()
    elif args.in_step:
        in_step(args.in_step, args.steps)
    else:
        alone(args.prefixes)


if __name__ == "__main__":
    main()

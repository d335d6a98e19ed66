"""The optimizers' generated NumPy update kernels on a big variable: slice by slice (the default from
`elementwise.CHUNKED_FROM` elements) against one pass over the whole arrays, alternating, in one process; with
the `jit` extra also the rule compiled as one loop, run on one core and split over the GEMM pool's threads
(runtime/gemm_pool.py `update`, what a plan does for a variable of `gemm_pool.UPDATE_FROM` elements or more).

    python -m bench.update_kernels [--n 4096] [--m 4096] [--rounds 9]

Prints the best and median ms per update of SGD's and Adam's kernels on an n×m float32 variable, and the size
of the scratch buffers each way (runtime/elementwise.py, `chunkable`).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from graphgrad.runtime import elementwise, gemm_pool


def _kernel(rule, whole):
    """The rule's kernel bound to NumPy; `whole`: as if every variable were below CHUNKED_FROM."""
    saved = elementwise.CHUNKED_FROM
    if whole:
        elementwise.CHUNKED_FROM = 1 << 62  # read when the kernel is bound
    try:
        return elementwise.numpy_kernel(rule).bind(np)
    finally:
        elementwise.CHUNKED_FROM = saved


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--m", type=int, default=None, help="columns (default: n)")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    shape = (args.n, args.m or args.n)
    pooled = gemm_pool.start()
    grad = rng.standard_normal(shape, dtype=np.float32)
    for rule, scalars in ((elementwise.GRADIENT_DESCENT, [np.float32(0.01)]),
                          (elementwise.ADAM, [np.float32(0.9), np.float32(0.999), np.float32(1e-3),
                                              np.float32(0.9), np.float32(0.999), np.float32(1e-8)])):
        n_out = len(rule.names(rule.out_params))
        outs = [np.abs(rng.standard_normal(shape, dtype=np.float32)) for _ in range(n_out)]
        runs = {"slice by slice": _kernel(rule, False), "whole arrays": _kernel(rule, True)}
        if pooled:
            runs["one compiled loop, one core"] = _compiled(rule, outs, grad, scalars, alone=True)
            runs["one compiled loop, over the pool"] = _compiled(rule, outs, grad, scalars, alone=False)
        times = {k: [] for k in runs}
        for r in range(args.rounds):
            for name in list(runs)[r % len(runs):] + list(runs)[:r % len(runs)]:
                t = time.perf_counter()
                runs[name](grad, *scalars, *outs)
                times[name].append(time.perf_counter() - t)
        temps = elementwise.numpy_kernel(rule).temporaries
        for name, ts in times.items():
            size = elementwise.CHUNK if name == "slice by slice" else grad.size
            scratch = f"; scratch {temps} x {size * 4 / 2**20:.2f} MiB" if "compiled" not in name else ""
            print(f"{rule.name} {shape[0]}x{shape[1]}, {name}: best {min(ts) * 1e3:.2f} ms, median "
                  f"{statistics.median(ts) * 1e3:.2f} ms{scratch}")


def _compiled(rule, outs, grad, scalars, alone):
    """The rule's compiled loop over the pool (`gemm_pool.update`); `alone`: with the pool's slot marked busy, so
    the calling thread runs every block (one core, as an island's loop)."""
    from graphgrad.runtime.gemm_pool_kernels import BUSY
    ctrl = gemm_pool._state[0]

    def run(*_):
        ctrl[BUSY] = int(alone)
        try:
            assert gemm_pool.update(rule, outs, [grad], scalars)
        finally:
            ctrl[BUSY] = 0
    return run


if __name__ == "__main__":
    main()

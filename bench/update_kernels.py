"""The optimizers' generated NumPy update kernels on a big variable: slice by slice (the default from
`elementwise.CHUNKED_FROM` elements) against one pass over the whole arrays, alternating, in one process.

    python -m bench.update_kernels [--n 4096] [--rounds 9]

Prints the best and median ms per update of SGD's and Adam's kernels on an n×n float32 variable, and the size
of the scratch buffers each way (runtime/elementwise.py, `chunkable`).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from graphgrad.runtime import elementwise


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
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    shape = (args.n, args.n)
    grad = rng.standard_normal(shape, dtype=np.float32)
    for rule, scalars in ((elementwise.GRADIENT_DESCENT, [np.float32(0.01)]),
                          (elementwise.ADAM, [np.float32(0.9), np.float32(0.999), np.float32(1e-3),
                                              np.float32(0.9), np.float32(0.999), np.float32(1e-8)])):
        n_out = len(rule.names(rule.out_params))
        outs = [np.abs(rng.standard_normal(shape, dtype=np.float32)) for _ in range(n_out)]
        runs = {"slice by slice": _kernel(rule, False), "whole arrays": _kernel(rule, True)}
        times = {k: [] for k in runs}
        for r in range(args.rounds):
            for name in list(runs)[r % 2:] + list(runs)[:r % 2]:
                t = time.perf_counter()
                runs[name](grad, *scalars, *outs)
                times[name].append(time.perf_counter() - t)
        temps = elementwise.numpy_kernel(rule).temporaries
        for name, ts in times.items():
            size = elementwise.CHUNK if name == "slice by slice" else args.n * args.n
            print(f"{rule.name} {args.n}x{args.n}, {name}: best {min(ts) * 1e3:.1f} ms, median "
                  f"{statistics.median(ts) * 1e3:.1f} ms; scratch {temps} x {size * 4 / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()

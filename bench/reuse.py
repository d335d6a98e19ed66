"""The reuse pass (product buffers kept across runs) on and off, W2 (or another workload) in one process,
alternating.

    python -m bench.reuse [--workload W2] [--rounds 21] [--steps 30]

Prints the median ms per training step of graphgrad's step with the pass and with it disabled (the plan of
the second session is compiled while `Program.reuse` does nothing).
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import time

from bench.peers import graphgrad_peer
from bench.workloads import WORKLOADS, copy_params, init_params, make_data
from graphgrad.runtime import passes


@contextlib.contextmanager
def reuse_off():
    saved = passes.Program.reuse
    passes.Program.reuse = lambda self: None
    try:
        yield
    finally:
        passes.Program.reuse = saved


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="W2", choices=sorted(WORKLOADS))
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args(argv)
    wl = WORKLOADS[args.workload]
    data, params = make_data(wl), init_params(wl)
    steps = {"reuse on": graphgrad_peer.make_step(wl, copy_params(params), data)}
    with reuse_off():
        steps["reuse off"] = graphgrad_peer.make_step(wl, copy_params(params), data)
    for f in steps.values():
        for _ in range(min(10, args.steps)):
            f()
    times = {k: [] for k in steps}
    names = list(steps)
    for r in range(args.rounds):
        for name in names[r % 2:] + names[:r % 2]:
            time.sleep(0.05)
            t = time.perf_counter()
            for _ in range(args.steps):
                steps[name]()
            times[name].append((time.perf_counter() - t) / args.steps)
    for name, ts in times.items():
        print(f"{wl.name} {name}: {statistics.median(ts) * 1e3:.3f} ms/step (median of {args.rounds} rounds, "
              f"min {min(ts) * 1e3:.3f})")


if __name__ == "__main__":
    main()

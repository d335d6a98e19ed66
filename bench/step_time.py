"""One workload's graphgrad step timed in this process, best of N (`timeit`), for comparing two source trees
without the harness's worker processes: run it from each tree's root, alternating.

    PYTHONPATH=. python -m bench.step_time W1 [--repeat 9] [--number 3000] [--source] [--jit off|on|both]
        [--gemm off|on|both] [--pool off|on|both] [--cpu] [--optimizer sgd|adam|...]

`--source` also prints the plan the step runs, so two trees can be checked to generate the same code.
`--jit both` times the step with the plan's Numba islands (runtime/jit.py) and without, alternating in this
process (the islands compiled, or loaded from the cache, before timing). `--gemm both` does the same for the
gemm pass (runtime/passes.py: gradient-descent updates of weights added by BLAS into the variable, big Adam updates
given their gradient's product), `--pool both`
for the products split over the cores (runtime/gemm_pool.py; started with the islands). `--cpu` times
the calling thread's CPU time instead of the wall clock: with OPENBLAS_NUM_THREADS=1 that is the whole step's
work, and it stays comparable on a machine others keep busy.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time
import timeit

from . import peers, workloads
from .peers import graphgrad_peer


def _step(wl, jit, gemm):
    from graphgrad.runtime import passes

    os.environ["GRAPHGRAD_JIT"] = "1" if jit else "0"
    os.environ["GRAPHGRAD_JIT_AFTER"] = str(peers.WARM_STEPS - 1)
    os.environ["GRAPHGRAD_JIT_AFTER_S"] = "0"
    pass_before = passes.Program.gemm
    if not gemm:  # the plan is built now, without the pass (the kernels keep BLAS's gemm: convolutions use it)
        passes.Program.gemm = lambda self: None
    try:
        step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
    finally:
        passes.Program.gemm = pass_before
    for _ in range(peers.WARM_STEPS):  # the islands are compiled (or loaded) in the last
        step()
    return step


def _pooled(step, pool):
    """`step` run with its products split by runtime/gemm_pool.py (`pool`) or by NumPy's BLAS alone."""
    from graphgrad.runtime import gemm_pool

    def run():
        gemm_pool.route(pool)
        return step()
    run.run = step.run  # (--source prints its plan)
    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--number", type=int, default=None, help="steps per repeat (default: about 0.1 s worth)")
    ap.add_argument("--source", action="store_true", help="print the generated plan")
    ap.add_argument("--jit", choices=("off", "on", "both"), default="on",
                    help="with Numba islands (runtime/jit.py, where Numba is installed), without, or both")
    ap.add_argument("--gemm", choices=("off", "on", "both"), default="on",
                    help="with the gemm pass (variable updates added by BLAS; runtime/passes.py), without, or both")
    ap.add_argument("--pool", choices=("off", "on", "both"), default="on",
                    help="products split over the cores by runtime/gemm_pool.py (when it starts), or not, or both")
    ap.add_argument("--cpu", action="store_true", help="the calling thread's CPU time, not the wall clock")
    ap.add_argument("--optimizer", default=None,
                    help="train with this optimizer instead of the workload's (W5 with sgd: no Adam among its ops)")
    args = ap.parse_args(argv)
    wl = workloads.WORKLOADS[args.workload]
    if args.optimizer:
        wl = dataclasses.replace(wl, optimizer=args.optimizer)
    pick = {"off": [False], "on": [True], "both": [False, True]}
    modes = [(jit, gemm) for jit in pick[args.jit] for gemm in pick[args.gemm]]
    steps = {mode: _step(wl, *mode) for mode in modes}
    from graphgrad.runtime import gemm_pool
    if gemm_pool.started():  # the pool started with the islands: time each mode with it and without
        steps = {mode + (pool,): _pooled(step, pool) for mode, step in steps.items() for pool in pick[args.pool]}
        modes = list(steps)
    elif args.pool != "off" and gemm_pool.wanted():
        print("note: the gemm pool did not start (no islands?)")
    if args.source:
        for step in steps.values():
            print(step.run.plan.source)
    first = steps[modes[0]]
    timer = time.thread_time if args.cpu else time.perf_counter
    number = args.number or max(1, int(0.1 / min(timeit.repeat(first, number=1, repeat=3, timer=timer))))
    best = {mode: float("inf") for mode in modes}
    for _ in range(args.repeat):  # alternating, so that both see the same machine
        for mode, step in steps.items():
            best[mode] = min(best[mode], timeit.timeit(step, number=number, timer=timer) / number)
    for mode in modes:
        jit, gemm = mode[:2]
        parts = ([f"islands {'on' if jit else 'off'}"] if len(pick[args.jit]) > 1 else []) + (
            [f"gemm {'on' if gemm else 'off'}"] if len(pick[args.gemm]) > 1 else []) + (
            [f"pool {'on' if mode[2] else 'off'}"] if len(mode) > 2 and len(pick[args.pool]) > 1 else [])
        label = f" ({', '.join(parts)})" if parts else ""
        kind = "CPU " if args.cpu else ""
        print(f"{args.workload}{label}: {best[mode] * 1e6:.1f} {kind}us/step (best of {args.repeat} x "
              f"{number})")


if __name__ == "__main__":
    main()

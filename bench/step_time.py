"""One workload's graphgrad step timed in this process, best of N (`timeit`), for comparing two source trees
without the harness's worker processes: run it from each tree's root, alternating.

    PYTHONPATH=. python -m bench.step_time W1 [--repeat 9] [--number 3000] [--source] [--jit off|on|both]

`--source` also prints the plan the step runs, so two trees can be checked to generate the same code.
`--jit both` times the step with the plan's Numba islands (runtime/jit.py) and without, alternating in this
process (the islands compiled, or loaded from the cache, before timing).
"""
from __future__ import annotations

import argparse
import os
import timeit

from . import workloads
from .peers import graphgrad_peer


def _step(wl, jit):
    os.environ["GRAPHGRAD_JIT"] = "1" if jit else "0"
    os.environ["GRAPHGRAD_JIT_AFTER"] = "1"
    os.environ["GRAPHGRAD_JIT_AFTER_S"] = "0"
    step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
    step()
    step()  # the islands are compiled (or loaded) here
    return step


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--number", type=int, default=None, help="steps per repeat (default: about 0.1 s worth)")
    ap.add_argument("--source", action="store_true", help="print the generated plan")
    ap.add_argument("--jit", choices=("off", "on", "both"), default="on",
                    help="with Numba islands (runtime/jit.py, where Numba is installed), without, or both")
    args = ap.parse_args(argv)
    wl = workloads.WORKLOADS[args.workload]
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.jit]
    steps = {jit: _step(wl, jit) for jit in modes}
    if args.source:
        for step in steps.values():
            for plan, _ in step.session._plans.values():
                print(plan.source)
    first = steps[modes[0]]
    number = args.number or max(1, int(0.1 / min(timeit.repeat(first, number=1, repeat=3))))
    best = {jit: float("inf") for jit in modes}
    for _ in range(args.repeat):  # alternating, so that both see the same machine
        for jit, step in steps.items():
            best[jit] = min(best[jit], timeit.timeit(step, number=number) / number)
    for jit in modes:
        label = f" (islands {'on' if jit else 'off'})" if len(modes) > 1 else ""
        print(f"{args.workload}{label}: {best[jit] * 1e6:.1f} us/step (best of {args.repeat} x {number})")


if __name__ == "__main__":
    main()

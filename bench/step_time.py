"""One workload's graphgrad step timed in this process, best of N (`timeit`), for comparing two source trees
without the harness's worker processes: run it from each tree's root, alternating.

    PYTHONPATH=. python -m bench.step_time W1 [--repeat 9] [--number 3000] [--source]

`--source` also prints the plan the step runs, so two trees can be checked to generate the same code.
"""
from __future__ import annotations

import argparse
import timeit

from . import workloads
from .peers import graphgrad_peer


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--number", type=int, default=None, help="steps per repeat (default: about 0.1 s worth)")
    ap.add_argument("--source", action="store_true", help="print the generated plan")
    args = ap.parse_args(argv)
    wl = workloads.WORKLOADS[args.workload]
    step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
    step()
    if args.source:
        for plan, _ in step.session._plans.values():
            print(plan.source)
    number = args.number or max(1, int(0.1 / min(timeit.repeat(step, number=1, repeat=3))))
    best = min(timeit.repeat(step, number=number, repeat=args.repeat)) / number
    print(f"{args.workload}: {best * 1e6:.1f} us/step (best of {args.repeat} x {number})")


if __name__ == "__main__":
    main()

"""graphgrad's two graph-mode steps of one workload, alternated in one process: `Session.make_callable` (the
`graphgrad` peer of `python -m bench`) and `tf.function` over a GradientTape step (the `gg-function` peer). The
peers run in separate processes in `python -m bench`; a difference between them there that does not show here
belongs to the process (memory placement, BLAS warm-up), not to the step.

    PYTHONPATH=. python -m bench.session_vs_function [--workload W2] [--rounds 7] [--steps 200]
"""
from __future__ import annotations

import argparse
import statistics

from . import workloads
from .alternate import alternate
from .peers import graphgrad_function_peer, graphgrad_peer


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="W2")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args(argv)
    wl = workloads.WORKLOADS[args.workload]
    params, data = workloads.init_params(wl), workloads.make_data(wl)
    steps = {"Session.make_callable": graphgrad_peer.make_step(wl, workloads.copy_params(params), data),
             "tf.function": graphgrad_function_peer.make_step(wl, workloads.copy_params(params), data)}
    for step in steps.values():
        for _ in range(30):
            step()

    def run(step):
        return lambda: [step() for _ in range(args.steps)]
    rounds = alternate({(name, args.workload): run(step) for name, step in steps.items()}, args.rounds)
    times = {name: [t / args.steps * 1e6 for t in ts] for (name, _), ts in rounds.items()}
    print(f"| {args.workload} step | median µs | rounds (µs) |\n| --- | --- | --- |")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts):.0f} | {', '.join(f'{t:.0f}' for t in ts)} |")


if __name__ == "__main__":
    main()

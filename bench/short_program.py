"""A short program as users run one: a workload's training step N times from a fresh process, with graphgrad's
own defaults for when a plan compiles its islands (runtime/jit.py: after 20 runs and GRAPHGRAD_JIT_AFTER_S
seconds of them, five times that when they were never compiled, a twentieth when a module built ahead holds
them), not the benchmarks' compile-at-once settings. Each child first warms the island cache the way a user's
earlier run would (`--cache cold` skips that), then a fresh child runs the steps and reports their time.

    PYTHONPATH=. python -m bench.short_program [W1] [--steps 30000] [--cache warm|cold]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

_CHILD = """
import json, sys, time
from bench import workloads
from bench.peers import graphgrad_peer
wl = workloads.WORKLOADS[sys.argv[1]]
step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
t0 = time.perf_counter()
for _ in range(int(sys.argv[2])):
    step()
seconds = time.perf_counter() - t0
plan = step.run.plan
print(json.dumps({"seconds": seconds, "islands": len(plan.islands)}))
"""
#: What bench/peers sets for the harness (compile after the warm-up, and wait for it), cleared for the child.
_HARNESS_VARS = ("GRAPHGRAD_JIT_AFTER", "GRAPHGRAD_JIT_AFTER_S", "GRAPHGRAD_JIT_WAIT")


def _child(workload, steps, cache, **env):
    base = {k: v for k, v in os.environ.items() if k not in _HARNESS_VARS}
    # bench/peers' defaults apply only where these are unset: set graphgrad's own
    base.update({"GRAPHGRAD_JIT_AFTER": "20", "GRAPHGRAD_JIT_AFTER_S": "2", "GRAPHGRAD_JIT_WAIT": "0",
                 "GRAPHGRAD_JIT_CACHE": cache, **env})
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    base["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", _CHILD, workload, str(steps)], env=base, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", default="W1")
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--cache", choices=("warm", "cold"), default="warm")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        if args.cache == "warm":  # an earlier run of the program compiled its islands into this cache
            _child(args.workload, 100, cache, GRAPHGRAD_JIT_AFTER_S="0", GRAPHGRAD_JIT_WAIT="1")
        got = _child(args.workload, args.steps, cache)
    print(f"{args.workload}, {args.steps} steps from a fresh process, {args.cache} island cache: "
          f"{got['seconds']:.3f} s ({got['seconds'] / args.steps * 1e6:.1f} µs/step), "
          f"islands in place at the end: {got['islands']}")


if __name__ == "__main__":
    main()

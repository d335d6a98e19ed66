"""How long a plan's Numba islands (runtime/jit.py) take to be ready: compiled in a process with an empty cache,
then loaded from the on-disk cache by a second, fresh process. Each figure is one fresh process's step that
compiles (or loads) the islands, minus a step through them.

    PYTHONPATH=. python -m bench.jit_compile [W1 W2 W4 ...]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

_CHILD = """
import json, os, sys, time
os.environ["GRAPHGRAD_JIT"] = "1"
os.environ["GRAPHGRAD_JIT_AFTER_S"] = "0"
from bench import peers, workloads
from bench.peers import graphgrad_peer
wl = workloads.WORKLOADS[sys.argv[1]]
step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
for _ in range(peers.WARM_STEPS - 1):
    step()
t0 = time.perf_counter(); step(); ready = time.perf_counter() - t0
t0 = time.perf_counter(); step(); plain = time.perf_counter() - t0
plan = step.run.plan
print(json.dumps({"ready_s": ready - plain, "islands": len(plan.islands),
                  "ops": sum(len(i.ops) for i in plan.islands), "failures": len(plan.jit_failures)}))
"""


def measure(workload, cache):
    env = dict(os.environ, GRAPHGRAD_JIT_CACHE=cache, PYTHONPATH=os.getcwd())
    out = subprocess.run([sys.executable, "-c", _CHILD, workload], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or ["W1", "W2", "W4"]
    print("| workload | islands (compiled ops) | empty cache: compile, s | warm cache: load, s |")
    print("| --- | --- | --- | --- |")
    for name in names:
        with tempfile.TemporaryDirectory() as cache:
            cold = measure(name, cache)
            warm = measure(name, cache)
        print(f"| {name} | {cold['islands']} ({cold['ops']}) | {cold['ready_s']:.2f} | {warm['ready_s']:.3f} |"
              + (f" ({cold['failures']} islands refused)" if cold["failures"] else ""))


if __name__ == "__main__":
    main()

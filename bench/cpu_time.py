"""CPU time per training step, one thread, of each peer: a figure other processes on a shared machine barely move
(they take cores, not this process's CPU time), for when wall-clock rounds are all contended.

    /work/bench-venv/bin/python -m bench.cpu_time W5 [--peers torch,tf,jax,graphgrad] [--rounds 3] [--steps 12]

Each (round, peer) is a fresh process (`python -m bench.cpu_time --child PEER W5 STEPS`) with every BLAS/OpenMP
pool at one thread (`OMP/OPENBLAS/MKL_NUM_THREADS=1`, `torch.set_num_threads(1)`, TF's intra/inter-op pools of 1;
XLA's CPU client has no thread setting, so JAX's figure may include a second thread's time): it builds the step,
runs 5 warm-up steps (`peers.WARM_STEPS`: graphgrad compiles its islands in the last), then times each of `steps`
steps with `time.process_time` (the whole process's CPU time, all its threads), synced as the harness syncs.
Peers alternate within a round. Reported: the median and minimum over all timed steps of a peer.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

from . import workloads
from .harness import thread_env
from .peers import WARM_STEPS

PEERS = {"torch": "torch_peer", "tf": "tf_peer", "jax": "jax_peer", "graphgrad": "graphgrad_peer"}


def child(peer, name, steps):
    mod = importlib.import_module(f"bench.peers.{PEERS[peer]}")
    wl = workloads.WORKLOADS[name]
    step = mod.make_step(wl, workloads.init_params(wl), workloads.make_data(wl), threads=1)

    def synced():
        out = step()
        if hasattr(out, "block_until_ready"):
            out.block_until_ready()
        return float(out)

    for _ in range(max(3, WARM_STEPS)):  # graphgrad compiles its islands in the last
        synced()
    times = []
    for _ in range(steps):
        t = time.process_time()
        synced()
        times.append(time.process_time() - t)
    print(json.dumps(times))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", nargs="?", default="W5", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--peers", default="torch,tf,jax,graphgrad")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--child", nargs=3, metavar=("PEER", "WORKLOAD", "STEPS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.child[0], args.child[1], int(args.child[2]))
    peers = args.peers.split(",")
    env = dict(os.environ, **thread_env(1), TF_CPP_MIN_LOG_LEVEL="3")
    times = {p: [] for p in peers}
    for r in range(args.rounds):
        for p in peers[r % len(peers):] + peers[:r % len(peers)]:
            out = subprocess.run([sys.executable, "-m", "bench.cpu_time", "--child", p, args.workload,
                                  str(args.steps)], env=env, capture_output=True, text=True, check=True)
            times[p] += json.loads(out.stdout.strip().splitlines()[-1])
    ref = statistics.median(times[peers[-1]])
    print(f"| {args.workload}, CPU ms/step, 1 thread | " + " | ".join(peers) + " |")
    print("| --- |" + " --- |" * len(peers))
    print("| median (ratio to " + peers[-1] + ") | " + " | ".join(
        f"{statistics.median(times[p]) * 1e3:.1f} ({statistics.median(times[p]) / ref:.2f}x)" for p in peers) + " |")
    print("| min | " + " | ".join(f"{min(times[p]) * 1e3:.1f}" for p in peers) + " |")


if __name__ == "__main__":
    main()

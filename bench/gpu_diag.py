"""Where G1's step goes on a GPU (run by bench/gpu_check.sh on a lent CUDA machine).

    python -m bench.gpu_diag [--device gpu|cpu|fakegpu]

Prints each plan's CUDA-graph replay state (captured, launched, or why capture failed), µs per step with replay on
and off (GRAPHGRAD_CUDA_GRAPHS), and the functions that take the host's time (cProfile, 300 steps).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from bench.gpu import G1_BATCH, G1_SIZES, graphgrad_step


def _replay_states(plans):
    out = []
    for plan in plans:
        r = plan.replay
        out.append("no replay" if r is None else f"captures={r.captures} launches={r.launches} failed={r.failed}")
    return out


def _time(step, sync, n=300):
    for _ in range(5):
        step()
    sync()
    t = time.perf_counter()
    for _ in range(n):
        step()
    sync()
    return (time.perf_counter() - t) / (n + 1) * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="gpu")
    args = ap.parse_args(argv)
    if args.device == "fakegpu":
        import sys

        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
        import fakegpu

        fakegpu.register()
    for replay in ("1", "0"):
        os.environ["GRAPHGRAD_CUDA_GRAPHS"] = replay
        step, sync = graphgrad_step(G1_SIZES, G1_BATCH, args.device)
        us = _time(step, sync)
        print(f"G1 replay={replay}: {us:.1f} µs/step; plans: {_replay_states(step.plans)}")
        if replay == "1":
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(300):
                step()
            sync()
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
            print(buf.getvalue()[-6000:])


if __name__ == "__main__":
    main()

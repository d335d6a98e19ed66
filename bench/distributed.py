"""Data-parallel W2 over MPI: throughput, scaling efficiency and time in collectives, N = 1 and 2 processes.

    python -m bench.distributed                      # N = 1, 2; strong and weak scaling; ~2 min on 2 cores
    python -m bench.distributed --procs 1,2,4 --steps 60

Each configuration is one `mpiexec -n N` launch of this module's worker (MPICH's mpiexec from the `distributed`
extra, or the first on PATH). A worker builds W2 (MLP 784-256-256-10 ReLU, softmax CE, Adam lr 1e-3) with
`hvd.DistributedOptimizer`, broadcasts rank 0's weights, trains `--warmup` steps, then times `--steps` steps,
each rank on its own part of the batch:

- strong scaling: the global batch stays 128 (each of N ranks computes 128/N rows) — the same training as one
  process, finished sooner;
- weak scaling: every rank computes 128 rows (global batch 128·N) — Horovod's usual report.

Per configuration: samples/s (global), scaling efficiency = samples/s ÷ (N × samples/s of one process with one
BLAS thread), the time per step spent waiting in collectives (rank 0; `World.wait_seconds`), and collectives per
step. Each rank runs with one BLAS thread, plus one row of N = 1 with one thread per core. `--rounds R` runs every
configuration R times, the configurations in turn, and reports each one's best round (and the median): on a shared,
loaded machine a single run of each compares moments of different load, not configurations.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def worker(per_rank_batch, warmup, steps, out):
    import graphgrad as tf
    import graphgrad.distributed as hvd
    from bench import workloads as wls

    hvd.init()
    w2 = wls.W2
    sizes = w2.sizes
    rng = np.random.default_rng(hvd.rank_seed(1))
    xs = rng.normal(size=(8, per_rank_batch, sizes[0])).astype(np.float32)
    ys = rng.integers(0, sizes[-1], size=(8, per_rank_batch)).astype(np.int32)
    tf.set_random_seed(hvd.rank_seed(2))
    x = tf.placeholder(tf.float32, (None, sizes[0]))
    y = tf.placeholder(tf.int32, (None,))
    h = x
    for width in sizes[1:-1]:
        h = tf.layers.dense(h, width, activation=tf.nn.relu)
    logits = tf.layers.dense(h, sizes[-1])
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    step = hvd.DistributedOptimizer(tf.train.AdamOptimizer(w2.lr)).minimize(loss)
    bcast = hvd.broadcast_global_variables(0)
    w = hvd.world()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(bcast)
        for i in range(warmup):
            s.run(step, {x: xs[i % 8], y: ys[i % 8]})
        w.allreduce_(np.zeros(1), "the start line")     # every rank starts the clock together
        c0, wait0 = w.collectives, w.wait_seconds
        t0 = time.perf_counter()
        for i in range(steps):
            s.run(step, {x: xs[i % 8], y: ys[i % 8]})
        collectives, wait = w.collectives - c0, w.wait_seconds - wait0
        w.allreduce_(np.zeros(1), "the finish line")
        seconds = time.perf_counter() - t0
    if hvd.rank() == 0:
        with open(out, "w") as f:
            json.dump({"seconds": seconds, "steps": steps, "collectives": collectives, "wait": wait,
                       "size": hvd.size()}, f)


def mpiexec():
    for d in (os.path.dirname(sys.executable), *os.environ.get("PATH", "").split(os.pathsep)):
        p = os.path.join(d, "mpiexec")
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    sys.exit("bench.distributed: no mpiexec (pip install -e '.[distributed]')")


def run(n, per_rank_batch, threads, warmup, steps):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        env = dict(os.environ, PYTHONPATH=ROOT, **{v: str(threads) for v in THREAD_VARS})
        cmd = [mpiexec(), "-n", str(n), sys.executable, "-m", "bench.distributed", "--worker",
               str(per_rank_batch), str(warmup), str(steps), out]
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=600)
        with open(out) as f:
            r = json.load(f)
    r["samples_per_s"] = per_rank_batch * n * r["steps"] / r["seconds"]
    return r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="runs of every configuration, in turn; the best counts")
    ap.add_argument("--batch", type=int, default=128, help="the global batch of strong scaling (W2's: 128)")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        b, w, s, out = a.worker
        return worker(int(b), int(w), int(s), out)
    procs = [int(p) for p in a.procs.split(",")]
    cores = os.cpu_count()
    print(f"W2 data-parallel over MPI, {cores} cores (load average {os.getloadavg()[0]:.2f} before), {a.steps} "
          f"timed steps after {a.warmup}, best of {a.rounds} round(s) of the configurations in turn; one BLAS "
          "thread per rank unless said")
    rows = [("N=1, one thread per core", 1, a.batch, cores)]      # (mode, N, rows per rank, BLAS threads)
    rows += [(mode, n, a.batch // n if mode == "strong" else a.batch, 1) for mode in ("strong", "weak") for n in procs]
    runs = {row[1:]: [] for row in rows}      # strong and weak N = 1 are one configuration
    for _ in range(a.rounds):   # in turn, so that a burst of load on the machine hits every configuration
        for n, b, threads in runs:
            runs[n, b, threads].append(run(n, b, threads, a.warmup, a.steps))
    best = {c: max(rs, key=lambda r: r["samples_per_s"]) for c, rs in runs.items()}
    base = best[1, a.batch, 1]
    print("| mode | N | global batch | samples/s (best) | samples/s (median) | efficiency | ms/step | "
          "collectives/step | wait in collectives ms/step (rank 0) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode, n, b, threads in rows:
        r, median = best[n, b, threads], float(np.median([x["samples_per_s"] for x in runs[n, b, threads]]))
        eff = r["samples_per_s"] / (n * base["samples_per_s"])
        print(f"| {mode} | {n} | {b * n} | {r['samples_per_s']:.0f} | {median:.0f} | {eff:.0%} | "
              f"{1e3 * r['seconds'] / r['steps']:.2f} | {r['collectives'] / r['steps']:.1f} | "
              f"{1e3 * r['wait'] / r['steps']:.2f} |")
    print(f"(load average {os.getloadavg()[0]:.2f} after)")


if __name__ == "__main__":
    main()

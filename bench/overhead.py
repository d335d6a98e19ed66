"""Framework cost per op of Session.run: a chain of 200 small elementwise ops, graphgrad vs the same NumPy
calls made by hand, in the same process, alternating, medians of many rounds.

    python -m bench.overhead [--ops 200] [--size 4] [--rounds 30]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import graphgrad as tf


def build(n_ops, size):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (size,), name="x")
        y = x
        for i in range(n_ops):
            y = y * 0.999 if i % 2 else y + 0.001
        g.finalize()
    return g, x, y


def numpy_chain(a, n_ops):
    mul, add = np.float32(0.999), np.float32(0.001)
    mul, add = np.asarray(mul), np.asarray(add)
    for i in range(n_ops):
        a = np.multiply(a, mul) if i % 2 else np.add(a, add)
    return a


def timeit(fn, reps):
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--size", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args(argv)
    g, x, y = build(args.ops, args.size)
    a = np.ones(args.size, np.float32)
    with tf.Session(graph=g) as s:
        call = s.make_callable(y, [x])
        np.testing.assert_allclose(call(a), numpy_chain(a, args.ops), rtol=1e-6)
        runs = {"numpy by hand": lambda: numpy_chain(a, args.ops),
                "graphgrad Session.run": lambda: s.run(y, {x: a}),
                "graphgrad make_callable": lambda: call(a)}
        times = {k: [] for k in runs}
        for _ in range(args.rounds):
            for k, fn in runs.items():
                times[k].append(timeit(fn, args.reps))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["numpy by hand"]
    print(f"chain of {args.ops} elementwise ops on float32[{args.size}], median of {args.rounds} rounds x {args.reps}")
    print("| runner | µs per run | framework ns per op (over NumPy) |")
    print("| --- | --- | --- |")
    for k, v in med.items():
        over = "—" if k == "numpy by hand" else f"{(v - base) / args.ops * 1e9:.0f}"
        print(f"| {k} | {v * 1e6:.1f} | {over} |")


if __name__ == "__main__":
    main()

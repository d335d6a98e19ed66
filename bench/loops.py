"""Per-iteration cost of tf.while_loop: a 10,000-iteration counter loop
(`tf.while_loop(lambda i: i < 10000, lambda i: i + 1, [0])`), one Session.run per round, medians of many rounds;
beside it the same loop written by hand in Python on NumPy int32 scalars (what the kernels compute), and a
float loop with a gradient (forward + backward per iteration).

    python -m bench.loops [--iterations 10000] [--rounds 15]

TensorFlow compat.v1 and JAX `lax.while_loop` figures come from the peer venv (bench/README.md); this script
times graphgrad only.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import graphgrad as tf


def counter(n):
    g = tf.Graph()
    with g.as_default():
        r = tf.while_loop(lambda i: i < n, lambda i: i + 1, [0])
        g.finalize()
    return g, r


def with_gradient(n):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (4,))
        y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.tanh(y) * 0.5 + x), [0, x])[1]
        (gx,) = tf.gradients(tf.reduce_sum(y), x)
        g.finalize()
    return g, x, y, gx


def numpy_counter(n):
    i, one, limit = np.int32(0), np.int32(1), np.int32(n)
    while np.less(i, limit):
        i = np.add(i, one)
    return i


def median_time(fn, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    n = args.iterations
    g, r = counter(n)
    g2, x, y, gx = with_gradient(n)
    a = np.ones(4, np.float32)
    with tf.Session(graph=g) as s, tf.Session(graph=g2) as s2:
        assert s.run(r) == n == numpy_counter(n)
        s2.run(gx, {x: a})
        rows = [("numpy by hand (int32 scalars: less, add)", median_time(lambda: numpy_counter(n), args.rounds)),
                ("graphgrad counter loop, Session.run", median_time(lambda: s.run(r), args.rounds)),
                ("graphgrad float loop (tanh, mul, add), forward only", median_time(lambda: s2.run(y, {x: a}),
                                                                                   args.rounds)),
                ("graphgrad float loop, forward + gradient", median_time(lambda: s2.run(gx, {x: a}), args.rounds))]
    print(f"{n} iterations, median of {args.rounds} runs")
    print("| loop | ms per run | µs per iteration |")
    print("| --- | --- | --- |")
    for name, t in rows:
        print(f"| {name} | {t * 1e3:.1f} | {t / n * 1e6:.2f} |")


if __name__ == "__main__":
    main()

"""The convolution and pooling kernels alone on W5's shapes (batch 64): each op's kernel bound as a plan binds
it and called on random arrays, best of N, for comparing two source trees kernel by kernel (run it from each
tree's root, alternating).

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python -m bench.conv_kernels [--repeat 9]

With one BLAS thread the clock is the thread's CPU time (steadier on a shared machine), otherwise wall time.
"""
from __future__ import annotations

import argparse
import os
import time
import types

import numpy as np

import graphgrad as tf


def kernels():
    """(name, function of no arguments) for W5's conv, conv-gradient and pooling kernels."""
    rng = np.random.default_rng(0)
    arr = lambda *s: rng.standard_normal(s, np.float32)  # noqa: E731
    x2, w2, dy2 = arr(64, 14, 14, 32), arr(5, 5, 32, 64), arr(64, 14, 14, 64)
    x1, w1, dy1 = arr(64, 28, 28, 1), arr(5, 5, 1, 32), arr(64, 28, 28, 32)
    with tf.Graph().as_default():
        ph = {k: tf.placeholder(tf.float32, v.shape) for k, v in dict(x2=x2, w2=w2, x1=x1, w1=w1).items()}
        y2 = tf.nn.conv2d(ph["x2"], ph["w2"], 1, "SAME")
        y1 = tf.nn.conv2d(ph["x1"], ph["w1"], 1, "SAME")
        gx2, gw2 = tf.gradients(tf.reduce_sum(y2), [ph["x2"], ph["w2"]])
        gw1, = tf.gradients(tf.reduce_sum(y1), [ph["w1"]])
        p1 = tf.nn.max_pool(y1, 2, 2, "SAME")
        gp1, = tf.gradients(tf.reduce_sum(p1), [y1])
    ctx = types.SimpleNamespace(xp=np, matmul_f32=np.matmul, to_host=np.asarray, to_device=np.asarray)
    k = {t: t.op.op_def.kernel(t.op, ctx) for t in (y2, y1, gx2, gw2, gw1, p1, gp1)}
    _, cols2 = k[y2](x2, w2)
    _, cols1 = k[y1](x1, w1)
    pooled = k[p1](dy1)
    dpool = arr(*pooled.shape)
    return [("conv 2 forward", lambda: k[y2](x2, w2)), ("conv 2 input gradient", lambda: k[gx2](dy2, w2)),
            ("conv 2 filter gradient", lambda: k[gw2](x2, dy2, cols2)), ("conv 1 forward", lambda: k[y1](x1, w1)),
            ("conv 1 filter gradient", lambda: k[gw1](x1, dy1, cols1)), ("max-pool 1", lambda: k[p1](dy1)),
            ("max-pool 1 gradient", lambda: k[gp1](dy1, pooled, dpool))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args(argv)
    clock = time.thread_time if os.environ.get("OPENBLAS_NUM_THREADS") == "1" else time.perf_counter
    for name, f in kernels():
        f()
        best = float("inf")
        for _ in range(args.repeat):
            t = clock()
            f()
            best = min(best, clock() - t)
        print(f"{name:24s} {best * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()

"""What tf.profiler costs: an MLP's training graph (784-256x6-10, ReLU, batch 64, sparse softmax cross-entropy,
its gradients and an SGD step) profiled for float operations (scope view, then op view), and one training step
run plainly and traced (FULL_TRACE into a RunMetadata, what `run_meta` needs), in graphgrad and in TensorFlow's
compat.v1, alternating in one process; best of `--repeat` rounds.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.profiler [--repeat 5] [--steps 20] [--peers graphgrad,tf]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import time

import numpy as np


def _import(peer):
    if peer == "graphgrad":
        import graphgrad as tf
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow.compat.v1 as tf

        tf.disable_v2_behavior()
    return tf


def _model(tf, layers=6):
    x = tf.placeholder(tf.float32, (64, 784))
    y = tf.placeholder(tf.int64, (64,))
    h = x
    for i in range(layers):
        with tf.variable_scope(f"dense{i}"):
            w = tf.get_variable("w", (784 if i == 0 else 256, 256), initializer=tf.glorot_uniform_initializer(seed=i))
            h = tf.nn.relu(tf.matmul(h, w) + tf.get_variable("b", (256,), initializer=tf.zeros_initializer()))
    w = tf.get_variable("logits/w", (256, 10), initializer=tf.glorot_uniform_initializer(seed=99))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(h, w)))
    return x, y, tf.train.GradientDescentOptimizer(0.01).minimize(loss)


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(tf, repeat, steps):
    """{what: seconds} for one peer."""
    g = tf.Graph()
    with g.as_default():
        x, y, train = _model(tf)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    rng = np.random.default_rng(0)
    feed = {x: rng.standard_normal((64, 784)).astype(np.float32), y: rng.integers(0, 10, 64)}
    opts = dict(tf.profiler.ProfileOptionBuilder.float_operation(), output="none")
    with contextlib.redirect_stderr(io.StringIO()):
        out = {"profile flops, scope view": _best(lambda: tf.profiler.profile(g, options=opts), repeat),
               "profile flops, op view": _best(lambda: tf.profiler.profile(g, cmd="op", options=opts), repeat)}
    traced = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)

    def run(options):
        for _ in range(steps):
            sess.run(train, feed, options=options, run_metadata=tf.RunMetadata() if options else None)

    run(None)
    run(traced)
    out["train step"] = _best(lambda: run(None), repeat) / steps
    out["train step, traced"] = _best(lambda: run(traced), repeat) / steps
    out["ops"] = len(g.get_operations())
    sess.close()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--peers", default="graphgrad,tf")
    args = parser.parse_args(argv)
    peers = args.peers.split(",")
    libs = {p: _import(p) for p in peers}
    results = {p: {} for p in peers}
    for _ in range(2):  # alternate: each peer measured twice, best kept
        for p in peers:
            for k, v in measure(libs[p], args.repeat, args.steps).items():
                results[p][k] = min(results[p].get(k, v), v)
    rows = [k for k in results[peers[0]] if k != "ops"]
    print("| | " + " | ".join(f"{p} ({results[p]['ops']} ops)" for p in peers) + " |")
    print("|---" * (len(peers) + 1) + "|")
    for k in rows:
        print(f"| {k} | " + " | ".join(f"{results[p][k] * 1e3:.2f} ms" for p in peers) + " |")


if __name__ == "__main__":
    main()

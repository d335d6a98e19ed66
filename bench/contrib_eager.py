"""The eager tutorials' training step (logistic_regression_eager_api.py: 784 -> 10 softmax regression, batch 128,
SGD) written three ways, in one process, alternating, best of several rounds:

- graphgrad `tfe.implicit_gradients(loss_fn)` + `apply_gradients` (what the tutorial runs),
- graphgrad `tf.GradientTape` written by hand + `apply_gradients` (what implicit_gradients wraps),
- TensorFlow 2.21 eager, `tf.GradientTape` + `tf.compat.v1.train.GradientDescentOptimizer` (TF 2 has no contrib:
  this is the tutorial's step as TF 2 users write it), when TensorFlow is importable.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.contrib_eager [--rounds 7] [--steps 200]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((128, 784), dtype=np.float32), rng.integers(0, 10, 128).astype(np.int64)


def graphgrad_steps():
    import graphgrad as tf
    import graphgrad.contrib.eager as tfe

    tfe.enable_eager_execution()
    x, y = data()
    W = tfe.Variable(tf.zeros([784, 10]), name="weights")
    b = tfe.Variable(tf.zeros([10]), name="bias")

    def model(inputs):
        return tf.matmul(inputs, W) + b

    def loss_fn(inference_fn, inputs, labels):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=inference_fn(inputs),
                                                                             labels=labels))

    opt = tf.train.GradientDescentOptimizer(0.1)
    grad = tfe.implicit_gradients(loss_fn)

    def implicit():
        opt.apply_gradients(grad(model, x, y))

    def tape():
        with tf.GradientTape() as t:
            loss = loss_fn(model, x, y)
        opt.apply_gradients(zip(t.gradient(loss, [W, b]), [W, b]))

    return {"graphgrad tfe.implicit_gradients": implicit, "graphgrad GradientTape": tape}


def tensorflow_step():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError:
        return {}
    x, y = data()
    W, b = tf.Variable(tf.zeros([784, 10])), tf.Variable(tf.zeros([10]))
    opt = tf.compat.v1.train.GradientDescentOptimizer(0.1)

    def step():
        with tf.GradientTape() as t:
            logits = tf.matmul(x, W) + b
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=logits, labels=y))
        opt.apply_gradients(zip(t.gradient(loss, [W, b]), [W, b]))

    return {"TF 2.21 eager GradientTape": step}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--steps", type=int, default=200)
    args = p.parse_args()
    cases = {**graphgrad_steps(), **tensorflow_step()}
    for fn in cases.values():  # warm up: first traces, replays, TF's function caches
        for _ in range(20):
            fn()
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.rounds):
        for name, fn in cases.items():
            t = time.perf_counter()
            for _ in range(args.steps):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t) / args.steps)
    ref = best["graphgrad tfe.implicit_gradients"]
    print("| step | µs/step | / implicit_gradients |\n| --- | --- | --- |")
    for name, t in best.items():
        print(f"| {name} | {t * 1e6:.1f} | {t / ref:.2f} |")


if __name__ == "__main__":
    main()

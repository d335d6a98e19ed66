"""What a monitored session costs per step: W1's model (2-8-8-1 tanh MLP, batch 32, log-loss, SGD 0.1) trained by
a plain `Session.run` loop and by `MonitoredTrainingSession` with the hooks `Estimator.train` adds (step counter,
summaries every 100 steps, loss logging every 100, NaN check, stop at a step, checkpoints at start and end), in
graphgrad and in TensorFlow's compat.v1, alternating in one process; best of `--repeat` rounds of `--steps` steps.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.monitored [--steps 2000] [--repeat 5] [--peers graphgrad,tf]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np


def _import(peer):
    if peer == "graphgrad":
        import graphgrad as tf
    else:
        import tensorflow.compat.v1 as tf

        tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.WARN)
    return tf


def _model(tf):
    x = tf.placeholder(tf.float32, (None, 2))
    y = tf.placeholder(tf.float32, (None, 1))
    h = x
    for i, (n_in, n_out) in enumerate(((2, 8), (8, 8), (8, 1))):
        w = tf.get_variable(f"w{i}", (n_in, n_out), initializer=tf.glorot_uniform_initializer(seed=i))
        h = tf.matmul(h, w) + tf.get_variable(f"b{i}", (n_out,), initializer=tf.zeros_initializer())
        if n_out == 8:
            h = tf.tanh(h)
    logits = h
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return x, y, loss, train


def _batches(rng, n):
    xs = rng.standard_normal((n, 32, 2)).astype(np.float32)
    return xs, (xs.sum(axis=2, keepdims=True) > 0).astype(np.float32)


def time_plain(tf, steps, data):
    with tf.Graph().as_default():
        x, y, loss, train = _model(tf)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            xs, ys = data
            s.run([train, loss], {x: xs[0], y: ys[0]})
            start = time.perf_counter()
            for i in range(steps):
                s.run([train, loss], {x: xs[i], y: ys[i]})
            return (time.perf_counter() - start) / steps


def time_monitored(tf, steps, data):
    with tf.Graph().as_default(), tempfile.TemporaryDirectory() as folder:
        x, y, loss, train = _model(tf)
        tf.summary.scalar("loss", loss)
        hooks = [tf.train.NanTensorHook(loss),
                 tf.train.LoggingTensorHook({"loss": loss, "step": tf.train.get_global_step()}, every_n_iter=100),
                 tf.train.StopAtStepHook(last_step=steps + 1)]
        xs, ys = data
        with tf.train.MonitoredTrainingSession(checkpoint_dir=folder, hooks=hooks, save_summaries_steps=100,
                                               log_step_count_steps=100) as s:
            s.run([train, loss], {x: xs[0], y: ys[0]})
            start = time.perf_counter()
            for i in range(steps):
                s.run([train, loss], {x: xs[i], y: ys[i]})
            elapsed = time.perf_counter() - start
        return elapsed / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peers", default="graphgrad,tf")
    args = parser.parse_args(argv)
    data = _batches(np.random.default_rng(0), args.steps)
    peers = {p: _import(p) for p in args.peers.split(",")}
    best = {}
    for _ in range(args.repeat):
        for peer, tf in peers.items():
            for mode, fn in (("Session loop", time_plain), ("MonitoredTrainingSession", time_monitored)):
                t = fn(tf, args.steps, data)
                best[(peer, mode)] = min(best.get((peer, mode), t), t)
    print("| peer | Session loop µs/step | MonitoredTrainingSession µs/step | hooks' cost µs/step |")
    print("| --- | --- | --- | --- |")
    for peer in peers:
        plain, monitored = best[(peer, "Session loop")] * 1e6, best[(peer, "MonitoredTrainingSession")] * 1e6
        print(f"| {peer} | {plain:.1f} | {monitored:.1f} | {monitored - plain:.1f} |")


if __name__ == "__main__":
    main()

"""Does a tf.data pipeline keep a W2-sized training step fed? (issue 18: input work overlaps training)

    python -m bench.pipeline [--steps 40] [--rounds 5] [--quick]

W2's model (MLP 784-256-256-10, ReLU, Adam, batch 128) trained from `iterator.get_next()`, with a Python map
(`tf.py_func`) that takes 1 ms per element it maps (a `time.sleep(0.001)`: work outside the GIL, as decoding or
reading is), in four pipelines, against the same step fed ready batches through `feed_dict` (`make_callable`):

- per batch, serial:   from_tensor_slices.repeat().batch(128).map(f)
- per batch, overlap:  ... .map(f, num_parallel_calls=2).prefetch(2)
- per sample, serial:  from_tensor_slices.repeat().map(f).batch(128)            (128 ms of map per step)
- per sample, overlap: ... .map(f, num_parallel_calls=64).batch(128).prefetch(2)

Prints the median ms per training step and steps/s of each, alternating configurations round by round, and the
median over rounds of each one's time divided by the feed_dict step's time in the same round (robust to a
machine that other processes slow down now and then).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import graphgrad as tf
from bench.workloads import W2, init_params, make_data

MAP_SECONDS = 0.001


def _slow_identity(x, y):
    time.sleep(MAP_SECONDS)
    return x, y


def _model(x, y, params):
    h = x
    for i, (w0, b0) in enumerate(params):
        h = tf.matmul(h, tf.Variable(w0, name=f"w{i}")) + tf.Variable(b0, name=f"b{i}")
        if i < len(params) - 1:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    return tf.train.AdamOptimizer(W2.lr, W2.beta1, W2.beta2, W2.eps).minimize(loss), loss


def _py_map(x, y):
    x2, y2 = tf.py_func(_slow_identity, [x, y], [tf.float32, tf.int32])
    x2.set_shape(x.shape)
    y2.set_shape(y.shape)
    return x2, y2


def make_step(kind, data, params):
    """A function running one training step of configuration `kind`, and its session."""
    g = tf.Graph()
    with g.as_default():
        if kind == "feed_dict":
            x = tf.placeholder(tf.float32, (None, 784))
            y = tf.placeholder(tf.int32, (None,))
        else:
            ds = tf.data.Dataset.from_tensor_slices((data["x"], data["y"])).repeat()
            if kind == "per batch, serial":
                ds = ds.batch(W2.batch).map(_py_map)
            elif kind == "per batch, overlap":
                ds = ds.batch(W2.batch).map(_py_map, num_parallel_calls=2).prefetch(2)
            elif kind == "per sample, serial":
                ds = ds.map(_py_map).batch(W2.batch)
            else:
                ds = ds.map(_py_map, num_parallel_calls=64).batch(W2.batch).prefetch(2)
            x, y = ds.make_one_shot_iterator().get_next()
        train, loss = _model(x, y, params)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g)
    sess.run(init)
    if kind == "feed_dict":
        batches = [(data["x"][i:i + W2.batch], data["y"][i:i + W2.batch])
                   for i in range(0, len(data["x"]) - W2.batch + 1, W2.batch)]
        run = sess.make_callable([train, loss], [x, y])
        state = [0]

        def step():
            state[0] += 1
            return run(*batches[state[0] % len(batches)])
    else:
        run = sess.make_callable([train, loss])

        def step():
            return run()
    return step, sess


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="3 rounds of 15 steps")
    args = ap.parse_args(argv)
    if args.quick:
        args.steps, args.rounds = 15, 3
    data = make_data(W2)
    data = {"x": np.ascontiguousarray(data["x"][:4096]), "y": data["y"][:4096].astype(np.int32)}
    params = init_params(W2)
    kinds = ["feed_dict", "per batch, serial", "per batch, overlap", "per sample, serial", "per sample, overlap"]
    steps = {k: make_step(k, data, params) for k in kinds}
    for f, _ in steps.values():
        for _ in range(3):
            f()
    times = {k: [] for k in kinds}
    for r in range(args.rounds):
        for k in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:
            f = steps[k][0]
            n = max(3, args.steps // 8) if k == "per sample, serial" else args.steps
            t = time.perf_counter()
            for _ in range(n):
                f()
            times[k].append((time.perf_counter() - t) / n)
    print(f"W2 step fed by tf.data, map of {MAP_SECONDS * 1e3:g} ms per element (median of {args.rounds} rounds)")
    print("| pipeline | ms/step | steps/s | time / feed_dict step |")
    print("|---|---|---|---|")
    for k in kinds:
        m = statistics.median(times[k])
        ratio = statistics.median(a / b for a, b in zip(times[k], times["feed_dict"]))
        print(f"| {k} | {m * 1e3:.2f} | {1 / m:.0f} | {ratio:.2f}x |")
    for _, sess in steps.values():
        sess.close()


if __name__ == "__main__":
    main()

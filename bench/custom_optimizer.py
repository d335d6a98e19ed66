"""A custom optimizer written the TF1 way (`tf.assign_sub(v, lr * g)` per variable) against the built-in
GradientDescentOptimizer on a W2-sized MLP (784-256-256-10, batch 128). Run order v2 runs every product before the
first write, so the plan takes no rollback snapshot; before it, the products created between the updates made the
plan copy every variable on every step.

    python -m bench.custom_optimizer
"""
from __future__ import annotations

import timeit

import numpy as np

import graphgrad as tf

SIZES = (784, 256, 256, 10)


def build(custom: bool, rng, xb, yb):
    """(step function, whether its plan snapshots variables) for the MLP trained by the built-in or the
    hand-written optimizer."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, SIZES[0]))
        y = tf.placeholder(tf.int32, (None,))
        h, params = x, []
        for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
            w = tf.Variable(rng.normal(size=(n_in, n_out)).astype(np.float32) * 0.05)
            b = tf.Variable(np.zeros(n_out, np.float32))
            params += [w, b]
            h = tf.matmul(h, w) + b
            if i < len(SIZES) - 2:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        if custom:
            grads = tf.gradients(loss, params)
            train = tf.group(*[tf.assign_sub(v, 0.01 * gr) for v, gr in zip(params, grads)])
        else:
            train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
    sess.run([train, loss], {x: xb, y: yb})
    snapshot = next(p for p, _ in sess._plans.values() if train in p.ops).needs_snapshot
    return sess.make_callable([train, loss], [x, y]), snapshot


def main():
    rng = np.random.default_rng(0)
    xb = rng.normal(size=(128, SIZES[0])).astype(np.float32)
    yb = rng.integers(0, SIZES[-1], 128).astype(np.int32)
    for custom in (False, True):
        step, snapshot = build(custom, rng, xb, yb)
        ms = min(timeit.repeat(lambda step=step: step(xb, yb), number=50, repeat=5)) / 50 * 1e3
        print(f"{'custom assign_sub' if custom else 'built-in':>17}: {ms:.2f} ms/step, "
              f"needs_snapshot={snapshot}")


if __name__ == "__main__":
    main()

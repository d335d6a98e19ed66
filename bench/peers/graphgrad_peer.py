"""graphgrad: the workload written as a TF1 user would (placeholders, dense layers as matmul + bias,
optimizer.minimize), run through Session.make_callable, the cheapest way to run one plan again."""

from __future__ import annotations

import numpy as np

import graphgrad as tf
from bench.workloads import Workload, batches

LIBRARY = "graphgrad"
VERSION = tf.__version__


def build(wl: Workload, params):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, wl.sizes[0]), name="x")
        if wl.loss == "logloss":
            y = tf.placeholder(tf.float32, (None, 1), name="y")
        else:
            y = tf.placeholder(tf.int32, (None,), name="y")
        h = x
        act = tf.nn.tanh if wl.activation == "tanh" else tf.nn.relu
        for i, (w0, b0) in enumerate(params):
            w = tf.Variable(w0, name=f"w{i}")
            b = tf.Variable(b0, name=f"b{i}")
            h = tf.matmul(h, w) + b
            if i < len(params) - 1:
                h = act(h)
        if wl.loss == "logloss":
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=h))
        else:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        if wl.optimizer == "sgd":
            opt = tf.train.GradientDescentOptimizer(wl.lr)
        else:
            opt = tf.train.AdamOptimizer(wl.lr, wl.beta1, wl.beta2, wl.eps)
        train = opt.minimize(loss)
        init = tf.global_variables_initializer()
        g.finalize()
    return g, x, y, loss, train, init


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False):
    """One training step (or one loss evaluation with ``forward_only``) per call; returns the loss."""
    del threads  # graphgrad runs on NumPy: the harness sets the BLAS threads
    forward_only = forward_only or wl.forward_only
    g, x, y, loss, train, init = build(wl, params)
    sess = tf.Session(graph=g)
    sess.run(init)
    tb = [(np.ascontiguousarray(a), np.ascontiguousarray(b)) for a, b in batches(wl, data)]
    run = sess.make_callable(loss if forward_only else [train, loss], [x, y])
    state = {"i": 0}

    def step():
        xb, yb = tb[state["i"] % len(tb)]
        state["i"] += 1
        out = run(xb, yb)
        return out if forward_only else out[1]

    step.session = sess
    return step

"""graphgrad eager: the workload written as a TF 1.x eager user would (tf.enable_eager_execution, variables,
GradientTape, optimizer.apply_gradients), each op dispatched as it is called."""

from __future__ import annotations

import numpy as np

import graphgrad as tf
from bench.workloads import Workload, batches

LIBRARY = "graphgrad eager"
VERSION = tf.__version__


def _model(wl: Workload, params):
    if wl.model == "lstm":
        raise NotImplementedError("W6 (LSTM) is not written for the eager peers (graph-mode dynamic_rnn only)")
    variables = [(tf.Variable(w, name=f"w{i}"), tf.Variable(b, name=f"b{i}")) for i, (w, b) in enumerate(params)]
    act = tf.nn.tanh if wl.activation == "tanh" else tf.nn.relu
    convs, dense = (variables[:2], variables[2:]) if wl.model == "cnn" else ([], variables)

    def loss_of(x, y):
        h = x
        if convs:  # W5: conv/pool twice as the graph peer builds it (bench/peers/graphgrad_peer.py)
            h = tf.reshape(h, [-1, 28, 28, 1])
            for w, b in convs:
                h = act(tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME") + b)
                h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
            h = tf.reshape(h, [-1, int(dense[0][0].shape[0])])
        for i, (w, b) in enumerate(dense):
            h = tf.matmul(h, w) + b
            if i < len(dense) - 1:
                h = act(h)
        if wl.loss == "logloss":
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=h))
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))

    return [v for pair in variables for v in pair], loss_of


def make_train_step(wl: Workload, params, forward_only: bool = False):
    """(variables, step(x, y) -> loss): one eager training step (or loss evaluation)."""
    tf.enable_eager_execution()
    variables, loss_of = _model(wl, params)
    if forward_only:
        return variables, loss_of
    if wl.optimizer == "sgd":
        opt = tf.train.GradientDescentOptimizer(wl.lr)
    else:
        opt = tf.train.AdamOptimizer(wl.lr, wl.beta1, wl.beta2, wl.eps)

    def train(x, y):
        with tf.GradientTape() as tape:
            loss = loss_of(x, y)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return variables, train


def eager_batches(wl: Workload, data):
    tf.enable_eager_execution()
    return [(tf.constant(np.ascontiguousarray(x)), tf.constant(np.ascontiguousarray(y))) for x, y in batches(wl, data)]


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False, wrap=None):
    """One training step per call on the next batch; returns the loss (an eager tensor). `wrap` (tf.function)
    compiles the step."""
    del threads  # NumPy underneath: the harness sets the BLAS threads
    _, train = make_train_step(wl, params, forward_only or wl.forward_only)
    if wrap is not None:
        train = wrap(train)
    tb = eager_batches(wl, data)
    state = {"i": 0}

    def step():
        x, y = tb[state["i"] % len(tb)]
        state["i"] += 1
        return train(x, y).numpy()

    return step

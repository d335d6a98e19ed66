"""graphgrad: the workload written as a TF1 user would (placeholders, dense layers as matmul + bias,
optimizer.minimize), run through Session.make_callable, the cheapest way to run one plan again."""

from __future__ import annotations

import numpy as np

import graphgrad as tf
from bench.peers import Clock
from bench.workloads import LSTM_SHAPE, Workload, batches

LIBRARY = "graphgrad"
VERSION = tf.__version__


def _variable(value: np.ndarray, name: str, init_feeds: dict | None):
    """A variable holding `value`: with `init_feeds`, initialised from a fed placeholder (as the TF peer does, and
    as TF1 programs load big arrays), so the graph keeps no second copy of the weights as a constant."""
    if init_feeds is None:
        return tf.Variable(value, name=name)
    ph = tf.placeholder(tf.as_dtype(value.dtype), value.shape, name=f"{name}_init")
    init_feeds[ph] = value
    return tf.Variable(ph, name=name)


def _forward(wl: Workload, params, init_feeds: dict | None = None):
    """Placeholders, variables (from fed placeholders when `init_feeds` is a dict, which receives their values)
    and the loss, in the default graph."""
    x = tf.placeholder(tf.float32, (None, wl.sizes[0]), name="x")
    if wl.loss == "logloss":
        y = tf.placeholder(tf.float32, (None, 1), name="y")
    else:
        y = tf.placeholder(tf.int32, (None,), name="y")
    h = x
    act = tf.nn.tanh if wl.activation == "tanh" else tf.nn.relu
    if wl.model == "cnn":  # W5: conv/pool twice, as the TF1 tutorial writes it, then the dense layers below
        h = tf.reshape(x, [-1, 28, 28, 1])
        for i, (w0, b0) in enumerate(params[:2]):
            w, b = _variable(w0, f"conv_w{i}", init_feeds), _variable(b0, f"conv_b{i}", init_feeds)
            h = act(tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME") + b)
            h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        h = tf.reshape(h, [-1, params[2][0].shape[0]])
        params = params[2:]
    if wl.model == "lstm":  # W6: BasicLSTMCell + dynamic_rnn as TF1 programs write them, the given kernel
        steps, features, units = LSTM_SHAPE
        with tf.variable_scope("rnn", initializer=tf.constant_initializer(params[0][0])):
            outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(units), tf.reshape(x, [-1, steps, features]),
                                           dtype=tf.float32, scope="rnn")
        h = outputs[:, -1, :]
        params = params[1:]
    for i, (w0, b0) in enumerate(params):
        w, b = _variable(w0, f"w{i}", init_feeds), _variable(b0, f"b{i}", init_feeds)
        h = tf.matmul(h, w) + b
        if i < len(params) - 1:
            h = act(h)
    if wl.loss == "logloss":
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=h))
    else:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    return x, y, loss


def _train(wl: Workload, loss):
    """optimizer.minimize(loss) (gradients and updates) and the initializer."""
    if wl.optimizer == "sgd":
        opt = tf.train.GradientDescentOptimizer(wl.lr)
    else:
        opt = tf.train.AdamOptimizer(wl.lr, wl.beta1, wl.beta2, wl.eps)
    return opt.minimize(loss), tf.global_variables_initializer()


def build(wl: Workload, params, init_feeds: dict | None = None):
    g = tf.Graph()
    with g.as_default():
        x, y, loss = _forward(wl, params, init_feeds)
        train, init = _train(wl, loss)
        g.finalize()
    return g, x, y, loss, train, init


def _batches(wl: Workload, data):
    return [(np.ascontiguousarray(a), np.ascontiguousarray(b)) for a, b in batches(wl, data)]


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False):
    """One training step (or one loss evaluation with ``forward_only``) per call; returns the loss."""
    del threads  # graphgrad runs on NumPy: the harness sets the BLAS threads
    forward_only = forward_only or wl.forward_only
    init_feeds = {}
    g, x, y, loss, train, init = build(wl, params, init_feeds)
    sess = tf.Session(graph=g)
    sess.run(init, init_feeds)
    del init_feeds
    tb = _batches(wl, data)
    run = sess.make_callable(loss if forward_only else [train, loss], [x, y])
    state = {"i": 0}

    def step():
        xb, yb = tb[state["i"] % len(tb)]
        state["i"] += 1
        out = run(xb, yb)
        return out if forward_only else out[1]

    step.session = sess
    step.run = run
    return step


def cold_start(wl: Workload, params, data, *, threads: int | None = None) -> dict:
    """Graph, minimize, Session + init, plan compilation (make_callable), first step: each timed."""
    del threads
    tb = _batches(wl, data)
    clock = Clock()
    g = tf.Graph()
    with g.as_default():
        x, y, loss = _forward(wl, params)
        clock.lap("build")
        train, init = _train(wl, loss)
        g.finalize()
        clock.lap("grad")
    sess = tf.Session(graph=g)
    sess.run(init)
    clock.lap("session")
    run = sess.make_callable([train, loss], [x, y])
    clock.lap("compile")
    first = float(run(*tb[0])[1])
    clock.lap("first_step")
    state = {"i": 1}

    def step():
        out = run(*tb[state["i"] % len(tb)])
        state["i"] += 1
        return float(out[1])

    return clock.result(first, step)


def make_loop(n: int, *, threads: int | None = None):
    """L1: ``tf.while_loop(lambda i: i < n, lambda i: i + 1, [0])``, one run of the callable per call."""
    del threads
    g = tf.Graph()
    with g.as_default():
        r = tf.while_loop(lambda i: i < n, lambda i: i + 1, [0])
        g.finalize()
    sess = tf.Session(graph=g)
    run = sess.make_callable(r)
    run.session = sess
    return run


def make_matmul(n: int, *, threads: int | None = None):
    """One float32 ``n x n @ n x n`` product per call: ``tf.matmul`` of two variables in a session (through the
    BLAS runtime/blas.py binds: NumPy's OpenBLAS, or MKL with the mkl extra), run as a target and not fetched, as
    the TF peer runs it: the plan keeps the product's buffer from one run to the next (the reuse pass), as TF's
    allocator keeps its memory and the NumPy and PyTorch peers write into one buffer. (Fetched, every call would
    allocate and free 64 MiB, which this VM pays for in page faults of up to 0.4 s after an idle pause.)"""
    del threads
    rng = np.random.default_rng(0)
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(rng.standard_normal((n, n), dtype=np.float32))
        b = tf.Variable(rng.standard_normal((n, n), dtype=np.float32))
        product = tf.matmul(a, b)
        g.finalize()
    sess = tf.Session(graph=g)
    sess.run([a.initializer, b.initializer])
    run = sess.make_callable(product.op)

    def mm():
        run()

    mm.session = sess
    return mm

"""TensorFlow as a TF1 user writes it: ``tf.compat.v1`` graph, placeholders, Session.run with feed_dict."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# tf.compat.v1.nn.rnn_cell (W6's BasicLSTMCell) lives in Keras 2: `pip install --no-deps tf-keras` in the peer venv
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from bench.peers import Clock  # noqa: E402
from bench.workloads import LSTM_SHAPE, Workload, batches  # noqa: E402

tf1 = tf.compat.v1
# A TF1 program calls tf.disable_v2_behavior(), whose control flow (W6's dynamic_rnn, L1's while_loop) is TF1's
# Enter/Merge/Switch/NextIteration loop; without it TF 2.21's graph mode builds the functional While (v2), which
# was 1.5x slower per iteration on L1 here. Only control flow is switched: W1-W5 have none.
tf1.disable_control_flow_v2()
LIBRARY = "tensorflow"
VERSION = tf.__version__


def _session(graph: tf.Graph, threads: int | None) -> tf1.Session:
    config = tf1.ConfigProto(
        intra_op_parallelism_threads=threads or 0, inter_op_parallelism_threads=threads or 0
    )
    return tf1.Session(graph=graph, config=config)


def _variable(value: np.ndarray, feeds: dict):
    """A variable initialised from a fed placeholder (keeps large arrays out of the GraphDef)."""
    ph = tf1.placeholder(tf.float32, value.shape)
    feeds[ph] = value
    return tf1.Variable(ph)


def _forward(wl: Workload, params, init_feeds: dict):
    """Placeholders, variables (initial values fed into ``init_feeds``) and the loss, in the default graph."""
    x = tf1.placeholder(tf.float32, (None, wl.sizes[0]), name="x")
    if wl.loss == "logloss":
        y = tf1.placeholder(tf.float32, (None, 1), name="y")
    else:
        y = tf1.placeholder(tf.int32, (None,), name="y")
    h = x
    if wl.model == "cnn":  # W5: conv/pool twice, NHWC and HWIO as TF1 programs write them
        h = tf1.reshape(x, [-1, 28, 28, 1])
        for w, b in params[:2]:
            h = tf1.nn.relu(tf1.nn.conv2d(h, _variable(w, init_feeds), [1, 1, 1, 1], "SAME") + _variable(b, init_feeds))
            h = tf1.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf1.reshape(h, [-1, params[2][0].shape[0]])
        params = params[2:]
    if wl.model == "lstm":  # W6: BasicLSTMCell + dynamic_rnn as TF1 programs write them, the given kernel
        steps, features, units = LSTM_SHAPE
        with tf1.variable_scope("rnn", initializer=tf1.constant_initializer(params[0][0])):
            outputs, _ = tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.BasicLSTMCell(units),
                                            tf1.reshape(x, [-1, steps, features]), dtype=tf.float32, scope="rnn")
        h = outputs[:, -1, :]
        params = params[1:]
    for k, (w, b) in enumerate(params):
        h = tf1.matmul(h, _variable(w, init_feeds)) + _variable(b, init_feeds)
        if k < len(params) - 1:
            h = tf1.nn.relu(h) if wl.activation == "relu" else tf1.nn.tanh(h)
    if wl.loss == "logloss":
        loss = tf1.reduce_mean(tf1.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=h))
    else:
        loss = tf1.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    return x, y, loss


def _train_op(wl: Workload, loss):
    """``optimizer.minimize(loss)``: tf.gradients plus the update ops."""
    if wl.optimizer == "sgd":
        opt = tf1.train.GradientDescentOptimizer(wl.lr)
    else:
        opt = tf1.train.AdamOptimizer(wl.lr, beta1=wl.beta1, beta2=wl.beta2, epsilon=wl.eps)
    return opt.minimize(loss)


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False):
    """One ``Session.run`` of the train op (or, if ``forward_only``, the loss) per call; returns the loss."""
    forward_only = forward_only or wl.forward_only
    graph = tf.Graph()
    init_feeds: dict = {}
    with graph.as_default():
        x, y, loss = _forward(wl, params, init_feeds)
        fetches = [loss] if forward_only else [_train_op(wl, loss), loss]
        init = tf1.global_variables_initializer()
    graph.finalize()
    sess = _session(graph, threads)
    sess.run(init, feed_dict=init_feeds)
    del init_feeds
    feeds = [{x: xb, y: yb} for xb, yb in batches(wl, data)]
    state = {"i": 0}

    def step():
        fd = feeds[state["i"] % len(feeds)]
        state["i"] += 1
        return sess.run(fetches, feed_dict=fd)[-1]

    step.session = sess  # keeps the session alive as long as the step
    return step


def cold_start(wl: Workload, params, data, *, threads: int | None = None) -> dict:
    """Graph, minimize, Session + init, first step: each timed.

    No separate compile phase: ``Session.make_callable`` returns at once (TF 2.21 prunes the graph and creates
    the executors lazily), so executor creation is inside ``first_step``, as in a first ``Session.run``.
    """
    tb = batches(wl, data)
    clock = Clock()
    graph = tf.Graph()
    init_feeds: dict = {}
    with graph.as_default():
        x, y, loss = _forward(wl, params, init_feeds)
        clock.lap("build")
        train = _train_op(wl, loss)
        init = tf1.global_variables_initializer()
    graph.finalize()
    clock.lap("grad")
    sess = _session(graph, threads)
    sess.run(init, feed_dict=init_feeds)
    clock.lap("session")
    run = sess.make_callable([train, loss], [x, y])
    first = float(run(*tb[0])[1])
    clock.lap("first_step")
    state = {"i": 1}

    def step():
        out = run(*tb[state["i"] % len(tb)])
        state["i"] += 1
        return float(out[1])

    result = clock.result(first, step)
    sess.close()
    return result


def make_matmul(n: int, *, threads: int | None = None):
    """A callable running one float32 ``n x n @ n x n`` product in a Session (result not fetched)."""
    graph = tf.Graph()
    rng = np.random.default_rng(0)
    feeds: dict = {}
    with graph.as_default():
        a = _variable(rng.standard_normal((n, n), dtype=np.float32), feeds)
        b = _variable(rng.standard_normal((n, n), dtype=np.float32), feeds)
        c = tf1.matmul(a, b)
        init = tf1.global_variables_initializer()
    sess = _session(graph, threads)
    sess.run(init, feed_dict=feeds)
    op = c.op

    def mm():
        sess.run(op)

    mm.session = sess
    return mm


def make_loop(n: int, *, threads: int | None = None):
    """L1: ``tf.while_loop(lambda i: i < n, lambda i: i + 1, [0])`` in a compat.v1 graph, one run per call."""
    graph = tf.Graph()
    with graph.as_default():
        r = tf1.while_loop(lambda i: i < n, lambda i: i + 1, [0])
    graph.finalize()
    sess = _session(graph, threads)
    run = sess.make_callable(r)

    def loop():
        return run()

    loop.session = sess
    return loop

"""Write TF 1.x while loops (control flow v1: Enter, Merge, Switch, LoopCond, NextIteration, Exit) as TensorFlow
writes them, for tests/test_tf_loops_import.py: graphgrad must import them and compute what TF computed.

    python tools/record_tf_loops.py     # in a venv with tensorflow-cpu (2.x: compat.v1 graph mode)

- loops.pb / loops.npz: a counter loop, a loop of several variables with a shape invariant (a growing matrix),
  nested loops, a cond inside a loop, a loop inside a cond, tf.scan, tf.map_fn and a TensorArray loop, and the
  gradient TF writes for them (loops fed by stacks), fetched for several feeds (`feed/<i>/<tensor name>`,
  `fetch/<i>/<tensor name>`).
- lstm_frozen.pb / lstm_frozen.npz: a frozen `dynamic_rnn` over an LSTMCell with `sequence_length`.
- loop_cond_gradient.pb: the gradient of a cond inside a loop, which does not import yet.

Weights come from a seeded NumPy generator, so every file is deterministic.
"""
from __future__ import annotations

import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tf_graphs")


def _weights(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).normal(0, 0.5, shape).astype(np.float32)


def _record(tf, name, feeds, fetches, sess):
    arrays = {}
    for i, feed in enumerate(feeds):
        arrays.update({f"feed/{i}/{t.name}": v for t, v in feed.items()})
        arrays.update({f"fetch/{i}/{t.name}": v for t, v in zip(fetches, sess.run(fetches, feed))})
    np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)


def loops(tf):
    n = tf.placeholder(tf.int32, (), name="n")
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    # a counter, and a float loop of two variables
    count = tf.while_loop(lambda i: i < n, lambda i: i + 2, [tf.constant(0)], name="counter")
    _, power = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * 1.5 + 0.1), [0, x], name="power")
    # several loop variables, one growing (shape invariant), one a scalar sum
    _, grown, total = tf.while_loop(
        lambda i, m, s: i < n,
        lambda i, m, s: (i + 1, tf.concat([m, tf.reduce_mean(m, 0, keepdims=True) * 0.5], 0),
                         s + tf.reduce_sum(m)),
        [tf.constant(0), x, tf.constant(0.0)],
        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 3]), tf.TensorShape([])], name="grow")

    # nested loops: the inner one's bound is the outer counter
    def outer_body(i, acc):
        _, inner = tf.while_loop(lambda j, a: j < i,
                                 lambda j, a: (j + 1, a + tf.cast(j, tf.float32) * tf.reduce_mean(x, 0)),
                                 [0, acc], name="inner")
        return i + 1, inner
    _, nested = tf.while_loop(lambda i, a: i < n, outer_body, [0, tf.zeros([3])], name="nested")

    # a cond inside a loop
    def cond_body(i, v):
        v = tf.cond(tf.equal(i % 2, 0), lambda: v * 2.0, lambda: v - 1.0)
        return i + 1, v
    _, with_cond = tf.while_loop(lambda i, v: i < n, cond_body, [0, x], name="with_cond")

    scanned = tf.scan(lambda a, row: a * 0.5 + row, x, name="scan")
    mapped = tf.map_fn(lambda row: tf.reduce_sum(row * row) + 1.0, x, name="map")
    # a TensorArray written in a loop, then stacked and its size read
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, t: i < n,
                          lambda i, t: (i + 1, t.write(i, tf.reduce_sum(x) * tf.cast(i, tf.float32))),
                          [0, ta], name="writes")
    stacked = ta.stack()
    # a loop inside a cond, and the gradient TF writes for the loops (a second loop fed by stacks)
    flag = tf.placeholder(tf.bool, (), name="flag")
    in_cond = tf.cond(flag, lambda: tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.tanh(v) * 2.0),
                                                   [0, x], name="loop")[1], lambda: x - 1.0, name="in_cond")
    objective = sum(tf.reduce_sum(t * t) for t in (power, nested, scanned, in_cond, stacked)) + \
        tf.reduce_sum(mapped) + total
    (dx,) = tf.gradients(objective, [x])
    fetches = [tf.identity(t, name=nm) for t, nm in [
        (count, "count"), (power, "power_out"), (grown, "grown"), (total, "total"), (nested, "nested_out"),
        (with_cond, "with_cond_out"), (scanned, "scanned"), (mapped, "mapped"), (stacked, "stacked"),
        (ta.size(), "ta_size"), (in_cond, "in_cond_out"), (dx, "dx")]]
    feeds = [{n: np.array(k, np.int32), x: _weights(rows, 3, seed=k), flag: np.array(k % 2 == 1)}
             for k, rows in [(0, 2), (1, 1), (3, 2), (4, 3)]]
    with tf.Session() as sess:
        _record(tf, "loops", feeds, fetches, sess)
    tf.train.write_graph(tf.get_default_graph(), OUT, "loops.pb", as_text=False)


def lstm(tf, name="lstm_frozen"):
    """A frozen dynamic_rnn (LSTMCell, sequence_length) as `name`.pb and its values (also written under control
    flow v2 by record_tf_cfv2.py)."""
    x = tf.placeholder(tf.float32, (None, 5, 3), name="inputs")
    lengths = tf.placeholder(tf.int32, (None,), name="lengths")
    cell = tf.nn.rnn_cell.LSTMCell(4, initializer=tf.random_normal_initializer(0, 0.5, seed=1))
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    out = tf.identity(outputs, name="outputs")
    c = tf.identity(state.c, name="state_c")
    h = tf.identity(state.h, name="state_h")
    feeds = [{x: _weights(b, 5, 3, seed=b), lengths: np.array(ls, np.int32)}
             for b, ls in [(2, [5, 3]), (3, [1, 0, 4]), (1, [5])]]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _record(tf, name, feeds, [out, c, h], sess)
        frozen = tf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["outputs", "state_c",
                                                                                      "state_h"])
    tf.train.write_graph(frozen, OUT, f"{name}.pb", as_text=False)


def cond_in_loop_gradient(tf):
    """The gradient of a cond inside a loop (loop_cond_gradient.pb), which graphgrad does not import yet: TF
    pushes and pops inside the cond's branches and syncs them with ControlTriggers."""
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    _, v = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.cond(tf.equal(i % 2, 0), lambda: v * v,
                                                                          lambda: v - 1.0)), [0, x])
    tf.gradients(tf.reduce_sum(v), [x])
    tf.train.write_graph(tf.get_default_graph(), OUT, "loop_cond_gradient.pb", as_text=False)


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    tf.disable_control_flow_v2()
    for program in (loops, lstm, cond_in_loop_gradient):
        with tf.Graph().as_default():
            program(tf)
    for name in ("loops.pb", "loops.npz", "lstm_frozen.pb", "lstm_frozen.npz", "loop_cond_gradient.pb"):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()

"""Write TF 2.x control flow v2 (If/StatelessIf, While/StatelessWhile with their functions in the GraphDef's
library, PartitionedCall/StatefulPartitionedCall, TensorList ops) as TensorFlow writes it in a tf.compat.v1 graph
with control flow v2 enabled, for tests/test_tf_cfv2_import.py: graphgrad must import it and compute what TF
computed.

    TF_USE_LEGACY_KERAS=1 python tools/record_tf_cfv2.py     # in a venv with tensorflow-cpu (2.x)

- cfv2.pb / cfv2.npz: a cond with two outputs, nested conds, a counter loop, a loop of several variables, a cond
  inside a loop, tf.scan, tf.map_fn, a tf.function called in the graph and two that add to a resource variable
  (one has no outputs), fetched for several feeds (`feed/<i>/<tensor name>`, `fetch/<i>/<tensor name>`).
- lstm_v2_frozen.pb / lstm_v2_frozen.npz: a frozen `dynamic_rnn` over an LSTMCell with `sequence_length`.

Weights come from a seeded NumPy generator, so every file is deterministic.
"""
from __future__ import annotations

import os

import numpy as np
from record_tf_loops import OUT, _record, _weights, lstm


def cfv2(tf):
    n = tf.placeholder(tf.int32, (), name="n")
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    flag = tf.placeholder(tf.bool, (), name="flag")
    # a cond with two outputs, and nested conds
    a, b = tf.cond(flag, lambda: (x * 2.0, tf.reduce_sum(x)), lambda: (x - 1.0, tf.reduce_max(x)), name="two")
    nested = tf.cond(n > 2, lambda: tf.cond(flag, lambda: x + 10.0, lambda: x * x, name="inner"),
                     lambda: tf.tanh(x), name="outer")
    # a counter, and a loop of several variables
    count = tf.while_loop(lambda i: i < n, lambda i: i + 2, [tf.constant(0)], name="counter")
    _, power, total = tf.while_loop(lambda i, v, s: i < n,
                                    lambda i, v, s: (i + 1, v * 1.5 + 0.1, s + tf.reduce_sum(v)),
                                    [0, x, tf.constant(0.0)], name="power")

    def cond_body(i, v):  # a cond inside a loop
        v = tf.cond(tf.equal(i % 2, 0), lambda: v * 2.0, lambda: v - 1.0)
        return i + 1, v
    _, with_cond = tf.while_loop(lambda i, v: i < n, cond_body, [0, x], name="with_cond")
    scanned = tf.scan(lambda acc, row: acc * 0.5 + row, x, name="scan")
    mapped = tf.map_fn(lambda row: tf.reduce_sum(row * row) + 1.0, x, name="map")

    @tf.function
    def affine(v, k):
        return v * tf.cast(k, tf.float32) + 1.0, tf.reduce_mean(v)
    called, mean = affine(x, n)
    calls = tf.Variable(0.0, name="calls", use_resource=True)

    @tf.function
    def counted(v):  # a stateful op run for its effect only (the function's control_ret)
        calls.assign_add(1.0)
        return v * 2.0
    bumped = counted(x)

    @tf.function
    def add_ten():  # no outputs: running the call runs the add
        calls.assign_add(10.0)
    add_ten()
    tf.variables_initializer([calls], name="init_calls")
    fetches = [tf.identity(t, name=nm) for t, nm in [
        (a, "two_a"), (b, "two_b"), (nested, "nested_out"), (count, "count"), (power, "power_out"),
        (total, "total"), (with_cond, "with_cond_out"), (scanned, "scanned"), (mapped, "mapped"),
        (called, "called"), (mean, "called_mean"), (bumped, "bumped")]]
    feeds = [{n: np.array(k, np.int32), x: _weights(rows, 3, seed=k), flag: np.array(k % 2 == 1)}
             for k, rows in [(0, 2), (1, 1), (3, 2), (4, 3)]]
    with tf.Session() as sess:
        sess.run(calls.initializer)
        _record(tf, "cfv2", feeds, fetches, sess)
    tf.train.write_graph(tf.get_default_graph(), OUT, "cfv2.pb", as_text=False)


def lstm_v2(tf):
    lstm(tf, "lstm_v2_frozen")


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    tf.enable_control_flow_v2()
    for program in (cfv2, lstm_v2):
        with tf.Graph().as_default():
            program(tf)
    for name in ("cfv2.pb", "cfv2.npz", "lstm_v2_frozen.pb", "lstm_v2_frozen.npz"):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()

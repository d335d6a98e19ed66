"""A TF 1.x `dynamic_rnn` training graph that TensorFlow wrote (control flow v1: a while loop and its gradient loop
fed by stacks), run by TensorFlow and by graphgrad after `import_meta_graph` (graph_io/tf_while.py): the loss
(forward loop) and one Adam step (forward and gradient loops), in alternating rounds.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=. /work/bench-venv/bin/python -m bench.tf_loop_import [--rounds N] [--v2]

With `--v2` TensorFlow writes the graph with control flow v2 (TF 2.x's default: `While` ops with function bodies,
their gradient a second `While` popping TensorLists; graph_io/tf_functions.py) instead.

One thread each (TF's session is given one; OPENBLAS_NUM_THREADS=1 for NumPy): on a shared, loaded machine
OpenBLAS's threads made a (32, 256) x (256, 96)ᵀ product take 90 ms instead of 0.03 ms.
"""
from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

from .alternate import alternate, print_table

BATCH, STEPS, FEATURES, UNITS = 32, 40, 32, 64


def _tf_graph(tf, d):
    """Build the graph under TF and write its .meta in `d`; returns (session, loss, step)."""
    x = tf.placeholder(tf.float32, (None, STEPS, FEATURES), name="x")
    lengths = tf.placeholder(tf.int32, (None,), name="lengths")
    y = tf.placeholder(tf.float32, (None, 1), name="y")
    cell = tf.nn.rnn_cell.LSTMCell(UNITS)
    _, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    w = tf.Variable(np.full((UNITS, 1), 0.1, np.float32), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(state.h, w) - y), name="loss")
    step = tf.train.AdamOptimizer(0.01).minimize(loss, name="train")
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1))
    sess.run(tf.global_variables_initializer())
    tf.train.export_meta_graph(os.path.join(d, "model.meta"))
    return sess, loss, step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--v2", action="store_true", help="control flow v2 (While ops, function bodies)")
    args = parser.parse_args()
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    import graphgrad as gg

    tf.disable_v2_behavior()
    if args.v2:
        tf.enable_control_flow_v2()
    rng = np.random.default_rng(0)
    feed = {"x:0": rng.normal(0, 1, (BATCH, STEPS, FEATURES)).astype(np.float32),
            "lengths:0": rng.integers(STEPS // 2, STEPS + 1, BATCH).astype(np.int32),
            "y:0": rng.normal(0, 1, (BATCH, 1)).astype(np.float32)}
    d = tempfile.mkdtemp()
    with tf.Graph().as_default():
        tf_sess, tf_loss, tf_step = _tf_graph(tf, d)
        values = {v.op.name: tf_sess.run(v) for v in tf.global_variables()}
    with gg.Graph().as_default():
        gg.train.import_meta_graph(os.path.join(d, "model.meta"))
        gg_sess = gg.Session()
        for v in gg.global_variables():  # TF's initial values (restoring a checkpoint needs google-crc32c here)
            v.load(values[v.op.name], gg_sess)
        gg_step = gg.get_default_graph().get_operation_by_name("train")
    diff = abs(float(tf_sess.run(tf_loss, feed)) - float(gg_sess.run("loss:0", feed)))
    print(f"control flow {'v2' if args.v2 else 'v1'}: batch {BATCH}, {STEPS} time steps, {FEATURES} features, "
          f"LSTM of {UNITS}; "
          f"|loss TF - graphgrad| = {diff:.1e}")
    times = alternate({
        ("tensorflow", "loss (forward loop)"): lambda: tf_sess.run(tf_loss, feed),
        ("graphgrad", "loss (forward loop)"): lambda: gg_sess.run("loss:0", feed),
        ("tensorflow", "Adam step (both loops)"): lambda: tf_sess.run(tf_step, feed),
        ("graphgrad", "Adam step (both loops)"): lambda: gg_sess.run(gg_step, feed),
    }, args.rounds)
    print_table(times, "run")


if __name__ == "__main__":
    main()

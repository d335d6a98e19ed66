"""What writing the `.meta` graph adds to `Saver.save`: the main job's MLP (64-128-64-10, Adam, so 21 variables)
saved with `write_meta_graph=True` and `False`, alternating in one process, median of N saves each; TensorFlow's
`compat.v1` Saver on the same model beside it when TensorFlow is installed.

    TF_USE_LEGACY_KERAS=1 PYTHONPATH=. /work/bench-venv/bin/python -m bench.checkpoint_save [N]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def _model(tf):
    x = tf.placeholder(tf.float32, (None, 64), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    h = x
    for width in (128, 64):
        h = tf.layers.dense(h, width, activation=tf.nn.relu)
    logits = tf.layers.dense(h, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    tf.train.AdamOptimizer(0.001).minimize(loss)


def _times(tf, n, folder):
    """{write_meta_graph: [seconds per save]} for the library `tf`, the two settings alternating."""
    with tf.Graph().as_default():
        _model(tf)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            saver = tf.train.Saver(max_to_keep=2)
            out = {True: [], False: []}
            for i in range(2 * n + 2):
                meta = i % 2 == 0
                t = time.perf_counter()
                saver.save(s, os.path.join(folder, "m"), global_step=i, write_meta_graph=meta)
                if i >= 2:
                    out[meta].append(time.perf_counter() - t)
            size = os.path.getsize(os.path.join(folder, f"m-{2 * n}.meta"))
    return out, size


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    import graphgrad

    libs = [("graphgrad", graphgrad)]
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        libs.append(("tensorflow", tf1))
    except ImportError:
        print("tensorflow not installed: graphgrad only")
    print("| library | save without .meta (ms) | save with .meta (ms) | .meta bytes |\n| --- | --- | --- | --- |")
    for name, tf in libs:
        with tempfile.TemporaryDirectory() as d:
            out, size = _times(tf, n, d)
        print(f"| {name} | {statistics.median(out[False]) * 1e3:.2f} | {statistics.median(out[True]) * 1e3:.2f} "
              f"| {size:,} |")


if __name__ == "__main__":
    main()

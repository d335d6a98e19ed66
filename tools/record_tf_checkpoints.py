"""Write the small checkpoints of tests/data/tf_checkpoints/ with real TensorFlow, for tests/test_tf_checkpoints.py:
graphgrad must restore what TF1's `tf.train.Saver` wrote (train/tf_bundle.py).

    python tools/record_tf_checkpoints.py    # in a venv with tensorflow-cpu (2.x: compat.v1 graph mode)

Every value is a function of its name and shape (`expected` below, which the test imports), so the test knows
them without TensorFlow.
"""
from __future__ import annotations

import os
import shutil

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tf_checkpoints")
#: name -> (shape, dtype) of the plain checkpoint's variables
PLAIN = {"dense/kernel": ((3, 2), "float32"), "dense/bias": ((2,), "float32"), "counts": ((4,), "int64"),
         "halfs": ((2, 2), "float16"), "flag": ((), "bool"), "dbl": ((3,), "float64"), "small": ((), "int32"),
         "global_step": ((), "int64")}
STEP = 7


def expected(name, shape, dtype):
    """The value stored under `name`: distinct per variable, exact in every dtype."""
    base = sum(name.encode()) % 17
    vals = (np.arange(int(np.prod(shape))) + base) * (0.5 if np.dtype(dtype).kind == "f" else 1)
    if dtype == "bool":
        return np.array(base % 2 == 1)
    if name == "global_step":
        return np.array(STEP, np.int64)
    return vals.astype(dtype).reshape(shape)


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    with tf.Graph().as_default():
        vs = [tf.Variable(expected(n, s, d), name=n) for n, (s, d) in PLAIN.items()]
        with tf.Session() as sess:
            sess.run(tf.variables_initializer(vs))
            saver = tf.train.Saver(vs, save_relative_paths=True)
            saver.save(sess, os.path.join(OUT, "plain", "model.ckpt"), global_step=STEP, write_meta_graph=False)
    with tf.Graph().as_default():
        tf.get_variable("table", (6, 2), initializer=tf.constant_initializer(1.5),
                        partitioner=tf.fixed_size_partitioner(2))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver = tf.train.Saver(save_relative_paths=True)
            saver.save(sess, os.path.join(OUT, "partitioned", "model.ckpt"), write_meta_graph=False)
    for root, _, files in os.walk(OUT):
        for f in files:
            print(os.path.relpath(os.path.join(root, f), OUT), os.path.getsize(os.path.join(root, f)))


if __name__ == "__main__":
    main()

"""Record what TensorFlow computes for the arithmetic of `tf.contrib.layers`, for tests/test_contrib_layers.py.

TensorFlow 2.x has no `tf.contrib`, but slim's layers are `tf.layers` with other defaults and names, so
`tf.compat.v1.layers` computes the same numbers: fully_connected = dense + relu, conv2d = conv2d SAME + relu,
conv2d_transpose = conv2d_transpose SAME + relu, batch_norm = batch_normalization(momentum=decay, scale=False,
training=True) through the fused kernel (2-D inputs as [N, 1, 1, C], as slim runs them), max_pool2d /
avg_pool2d = the 2x2 stride-2 VALID pools. Inputs and weights are fixed arrays (stored with the outputs); the
outputs, the gradients of sum(output²) and the moving averages after one update are recorded.

    TF_USE_LEGACY_KERAS=1 python tools/record_contrib_reference.py   # (tensorflow-cpu 2.21 + tf-keras 2.21)

writes tests/contrib_reference.json.
"""
from __future__ import annotations

import json
import os

import numpy as np

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "contrib_reference.json")


def cases():
    """{name: (inputs, build)}: build(tf, x, w, b) -> output tensor, under TF1's API."""
    rng = np.random.default_rng(7)

    def arr(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    def const(tf, v):
        return tf.constant_initializer(v)

    return {
        "fully_connected": ((arr(4, 5), arr(5, 3), arr(3)), lambda tf, x, w, b: tf.layers.dense(
            x, 3, activation=tf.nn.relu, kernel_initializer=const(tf, w), bias_initializer=const(tf, b))),
        "conv2d": ((arr(2, 6, 6, 3), arr(3, 3, 3, 4), arr(4)), lambda tf, x, w, b: tf.layers.conv2d(
            x, 4, 3, padding="same", activation=tf.nn.relu, kernel_initializer=const(tf, w),
            bias_initializer=const(tf, b))),
        "conv2d_stride2": ((arr(2, 7, 7, 3), arr(3, 3, 3, 4), arr(4)), lambda tf, x, w, b: tf.layers.conv2d(
            x, 4, 3, strides=2, padding="same", activation=tf.nn.relu, kernel_initializer=const(tf, w),
            bias_initializer=const(tf, b))),
        "conv2d_transpose": ((arr(2, 3, 3, 4), arr(3, 3, 2, 4), arr(2)), lambda tf, x, w, b:
                             tf.layers.conv2d_transpose(x, 2, 3, strides=2, padding="same", activation=tf.nn.relu,
                                                        kernel_initializer=const(tf, w),
                                                        bias_initializer=const(tf, b))),
        # slim runs 2-D inputs through the fused kernel as [N, 1, 1, C] (its moving variance is Bessel-corrected)
        "batch_norm": ((arr(8, 3) * 2 + 1, np.zeros(0, np.float32), np.zeros(0, np.float32)),
                       lambda tf, x, w, b: tf.reshape(tf.layers.batch_normalization(
                           tf.reshape(x, [8, 1, 1, 3]), momentum=0.999, epsilon=0.001, scale=False, training=True),
                           [8, 3])),
        "batch_norm_4d": ((arr(2, 3, 3, 2) - 1, np.zeros(0, np.float32), np.zeros(0, np.float32)),
                          lambda tf, x, w, b: tf.layers.batch_normalization(x, momentum=0.999, epsilon=0.001,
                                                                            scale=False, training=True)),
        "max_pool2d": ((arr(2, 5, 5, 3), np.zeros(0, np.float32), np.zeros(0, np.float32)), lambda tf, x, w, b:
                       tf.nn.max_pool2d(x, 2, 2, "VALID")),
        "avg_pool2d": ((arr(2, 5, 5, 3), np.zeros(0, np.float32), np.zeros(0, np.float32)), lambda tf, x, w, b:
                       tf.nn.avg_pool2d(x, 2, 2, "VALID")),
    }


def record():
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    out = {}
    for name, ((x, w, b), build) in cases().items():
        with tf.Graph().as_default():
            xt = tf.constant(x)
            y = build(tf, xt, w, b)
            loss = tf.reduce_sum(tf.square(y))
            variables = tf.trainable_variables()
            grads = tf.gradients(loss, [xt] + variables)
            updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                y_val, g_val = s.run([y, grads])
                s.run(updates)
                moving = {v.op.name.split("/")[-1]: s.run(v).tolist() for v in tf.global_variables()
                          if "moving" in v.op.name}
        out[name] = {"x": x.tolist(), "w": w.tolist(), "b": b.tolist(), "y": y_val.tolist(),
                     "grads": [g.tolist() for g in g_val], "moving": moving}
    with open(REFERENCE, "w") as f:
        json.dump(out, f)
    print(f"wrote {REFERENCE}: {', '.join(out)}")


if __name__ == "__main__":
    record()

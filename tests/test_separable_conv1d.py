"""tf.layers.separable_conv1d equals the 2-D layer on a unit-height input with the same weights, reuses its
variables by name, and rejects inputs of the wrong rank. Values against TF: conformance `separable_conv1d_layers`."""
import numpy as np
import pytest

import graphgrad as tf


def test_separable_conv1d_is_the_2d_layer_on_unit_height():
    x = tf.constant(np.random.default_rng(0).standard_normal((2, 9, 3)).astype(np.float32))
    y = tf.layers.separable_conv1d(x, 5, 3, strides=2, depth_multiplier=2, name="sep")
    again = tf.layers.separable_conv1d(x, 5, 3, strides=2, depth_multiplier=2, name="sep", reuse=True)
    dw, pw, b = tf.trainable_variables()
    y2 = tf.nn.bias_add(tf.nn.separable_conv2d(x[:, None], dw[None], pw[None], [1, 1, 2, 1], "VALID"), b)[:, 0]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, c, d = s.run([y, again, y2])
    assert a.shape == (2, 4, 5) and len(tf.trainable_variables()) == 3
    np.testing.assert_allclose(a, d, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(a, c)
    with pytest.raises(ValueError, match="expected ndim=3"):
        tf.layers.SeparableConv1D(2, 2)(tf.zeros([1, 4, 4, 3]))

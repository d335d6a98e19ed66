"""tf.layers convolutions and pooling: TF1 variable names, initializers, regularizers, reuse, shapes, values."""
from __future__ import annotations

import numpy as np
import pytest
from test_conv_ops import nchw, ref_conv, ref_pool

import graphgrad as tf
from graphgrad.regularizers import l2_regularizer


def _values(fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(fetches, feed)


def test_conv2d_layer_names_init_and_value():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float64, (None, 6, 5, 3))
    y = tf.layers.conv2d(x, 4, 3, strides=(2, 1), padding="same", activation=tf.nn.relu,
                         bias_initializer=tf.constant_initializer(0.5), kernel_regularizer=l2_regularizer(0.1))
    y2 = tf.layers.conv2d(x, 2, (1, 2))
    assert [v.name for v in tf.global_variables()] == ["conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0",
                                                       "conv2d_1/bias:0"]
    assert tf.global_variables()[0].shape.as_list() == [3, 3, 3, 4] and y.op.name == "conv2d/Relu"
    assert y.shape.as_list() == [None, 3, 5, 4] and y2.shape.as_list() == [None, 6, 4, 2]
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1
    xv = np.random.default_rng(0).standard_normal((2, 6, 5, 3))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        k, b, yv, k2 = s.run([tf.global_variables()[0], tf.global_variables()[1], y, tf.global_variables()[2]],
                             {x: xv})
        limit = np.sqrt(6 / (9 * 3 + 9 * 4))  # glorot uniform over the receptive field
        assert np.abs(k).max() <= limit and np.abs(k).max() > 0.5 * limit
        np.testing.assert_array_equal(b, 0.5)
    np.testing.assert_allclose(yv, np.maximum(ref_conv(xv, k, (2, 1), (1, 1), "SAME") + 0.5, 0), atol=1e-12)


def test_layer_objects_reuse_and_channels_first():
    tf.reset_default_graph()
    layer = tf.layers.Conv2D(3, 2, data_format="channels_first", use_bias=False, name="c")
    a = tf.placeholder(tf.float32, (None, 2, 5, 5))
    ya, yb = layer(a), layer(a)
    assert ya.shape.as_list() == [None, 3, 4, 4] and [v.name for v in layer.variables] == ["c/kernel:0"]
    assert len(tf.trainable_variables()) == 1
    z = tf.layers.conv2d(a, 3, 2, data_format="channels_first", name="c", reuse=True, use_bias=False)
    av = np.ones((1, 2, 5, 5), np.float32)
    u, v, w = _values([ya, yb, z], {a: av})
    np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(u, w)


def test_conv1d_conv3d_transpose_separable_layers():
    tf.reset_default_graph()
    c1 = tf.layers.conv1d(tf.placeholder(tf.float32, (None, 10, 2)), 3, 3, strides=2, padding="same")
    c3 = tf.layers.conv3d(tf.placeholder(tf.float32, (None, 4, 4, 4, 1)), 2, 2)
    t = tf.layers.conv2d_transpose(tf.placeholder(tf.float32, (None, 3, 3, 4)), 5, 3, strides=2, padding="valid")
    ph = tf.placeholder(tf.float32, (None, None, 3, 4))
    t2 = tf.layers.Conv2DTranspose(2, 2, strides=2, padding="same")(ph)
    sep = tf.layers.separable_conv2d(tf.placeholder(tf.float32, (None, 5, 5, 3)), 4, 3, depth_multiplier=2)
    assert c1.shape.as_list() == [None, 5, 3] and c3.shape.as_list() == [None, 3, 3, 3, 2]
    assert t.shape.as_list() == [None, 7, 7, 5] and t2.shape.as_list() == [None, None, 6, 2]
    assert sep.shape.as_list() == [None, 3, 3, 4]
    names = [v.name for v in tf.global_variables()]
    assert names == ["conv1d/kernel:0", "conv1d/bias:0", "conv3d/kernel:0", "conv3d/bias:0",
                     "conv2d_transpose/kernel:0", "conv2d_transpose/bias:0", "conv2d_transpose_1/kernel:0",
                     "conv2d_transpose_1/bias:0", "separable_conv2d/depthwise_kernel:0",
                     "separable_conv2d/pointwise_kernel:0", "separable_conv2d/bias:0"]
    assert tf.global_variables()[4].shape.as_list() == [3, 3, 5, 4]
    assert tf.global_variables()[8].shape.as_list() == [3, 3, 3, 2]
    assert tf.global_variables()[9].shape.as_list() == [1, 1, 6, 4]
    assert _values(t2, {ph: np.ones((2, 4, 3, 4), np.float32)}).shape == (2, 8, 6, 2)


@pytest.mark.parametrize("fn,kind,n", [
    (tf.layers.max_pooling1d, "max", 1), (tf.layers.max_pooling2d, "max", 2), (tf.layers.max_pooling3d, "max", 3),
    (tf.layers.average_pooling1d, "avg", 1), (tf.layers.average_pooling2d, "avg", 2),
    (tf.layers.average_pooling3d, "avg", 3),
])
def test_pooling_layers(fn, kind, n):
    tf.reset_default_graph()
    xv = np.random.default_rng(n).standard_normal((2,) + (5,) * n + (2,))
    y = fn(tf.constant(xv), 2, 2, padding="same")
    prefix = "max" if kind == "max" else "average"
    assert y.op.name.startswith(f"{prefix}_pooling{n}d/")
    np.testing.assert_allclose(_values(y), ref_pool(xv, (2,) * n, (2,) * n, "SAME", kind))
    yc = fn(tf.constant(nchw(xv)), 3, 1, data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(_values(yc), 1, -1), ref_pool(xv, (3,) * n, (1,) * n, "VALID", kind))
    assert not tf.global_variables()


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="padding"):
        tf.layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        tf.layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="data_format"):
        tf.layers.MaxPooling2D(2, 2, data_format="NHWC")

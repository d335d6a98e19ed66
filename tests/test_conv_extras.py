"""The rest of what TF1 CNN code uses: tf.eye, tf.gather_nd / scatter_nd, tf.image.resize (TF's coordinate
conventions), per_image_standardization, tf.pad modes."""
from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


def run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_eye():
    np.testing.assert_array_equal(run(tf.eye(3)), np.eye(3, dtype=np.float32))
    e = tf.eye(2, 3, batch_shape=[2], dtype=tf.float64)
    assert e.shape.as_list() == [2, 2, 3] and e.dtype == tf.float64
    np.testing.assert_array_equal(run(e)[1], np.eye(2, 3))


def test_gather_nd_and_scatter_nd():
    p = np.arange(24.0).reshape(2, 3, 4)
    idx = np.array([[0, 1], [1, 2], [0, 1]])
    g = tf.gather_nd(p, idx)
    assert g.shape.as_list() == [3, 4]
    np.testing.assert_array_equal(run(g), p[idx[:, 0], idx[:, 1]])
    np.testing.assert_array_equal(run(tf.gather_nd(p, [[[1, 0, 3]]])), [[p[1, 0, 3]]])
    s = tf.scatter_nd(idx, tf.ones((3, 4), tf.float64), [2, 3, 4])
    expect = np.zeros((2, 3, 4))
    np.add.at(expect, (idx[:, 0], idx[:, 1]), 1)
    np.testing.assert_array_equal(run(s), expect)
    check_gradients(lambda a: tf.gather_nd(a, idx), [p])
    check_gradients(lambda u: tf.scatter_nd(idx, u, [2, 3, 4]), [np.random.default_rng(0).random((3, 4))])
    with pytest.raises(TypeError):
        tf.gather_nd(p, [[0.5]])


@pytest.mark.parametrize("fn,expect", [
    (lambda x: tf.image.resize_v2(x, [1, 4]), [0, 0.25, 0.75, 1]),
    (lambda x: tf.image.resize_bilinear(x, [1, 4], half_pixel_centers=True), [0, 0.25, 0.75, 1]),
    (lambda x: tf.image.resize(x, [1, 4]), [0, 0.5, 1, 1]),
    (lambda x: tf.image.resize_images(x, [1, 4]), [0, 0.5, 1, 1]),
    (lambda x: tf.image.resize_bilinear(x, [1, 4], align_corners=True), [0, 1 / 3, 2 / 3, 1]),
    (lambda x: tf.image.resize_v2(x, [1, 4], method="nearest"), [0, 0, 1, 1]),
])
def test_resize_coordinates_are_tensorflows(fn, expect):
    x = np.array([[[[0.0], [1.0]]]], np.float32)  # 1x1x2x1
    np.testing.assert_allclose(run(fn(x))[0, 0, :, 0], expect, rtol=1e-6)


def test_resize_downscale_and_gradients():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(run(tf.image.resize_v2(x, [2, 2], "nearest"))[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(run(tf.image.resize_nearest_neighbor(x, [2, 2]))[0, :, :, 0], [[0, 2], [8, 10]])
    np.testing.assert_allclose(run(tf.image.resize_v2(x, [2, 2]))[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    y = tf.image.resize(np.ones((5, 3, 2), np.float32), [6, 4])
    assert y.shape.as_list() == [6, 4, 2]
    check_gradients(lambda a: tf.image.resize_v2(a, [5, 3]), [np.random.default_rng(1).random((1, 3, 2, 2))])
    check_gradients(lambda a: tf.image.resize(a, [5, 3]), [np.random.default_rng(1).random((1, 3, 2, 2))])


def test_per_image_standardization_and_pad_modes():
    x = np.random.default_rng(2).random((2, 3, 3, 2)).astype(np.float32)
    got = run(tf.image.per_image_standardization(x))
    ref = (x - x.mean((1, 2, 3), keepdims=True)) / np.maximum(x.std((1, 2, 3), keepdims=True), 1 / np.sqrt(18))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    a = np.arange(6.0).reshape(2, 3)
    for mode, np_mode in (("CONSTANT", "constant"), ("REFLECT", "reflect"), ("SYMMETRIC", "symmetric")):
        np.testing.assert_array_equal(run(tf.pad(a, [[1, 1], [2, 2]], mode)), np.pad(a, [(1, 1), (2, 2)], np_mode))


def test_space_to_depth_lrn_gradients():
    x = np.random.default_rng(3).random((1, 4, 2, 2))
    check_gradients(lambda a: tf.space_to_depth(a, 2), [x])
    check_gradients(lambda a: tf.depth_to_space(a, 2), [x.reshape(1, 2, 1, 8)])
    check_gradients(lambda a: tf.nn.local_response_normalization(a, 1, 1.0, 0.5, 0.75), [x])
    with pytest.raises(ValueError, match="multiples of block_size"):
        tf.space_to_depth(np.zeros((1, 3, 4, 1)), 2)

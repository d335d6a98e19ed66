"""Window and colour ops of tf.image / tf.nn and the moments helpers: gradients against finite differences in
float64 (values under TF: the conformance programs image_patches_and_morphology, image_colour_spaces,
image_quality_measures, nn_moment_statistics)."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

RNG = np.random.default_rng(0)
IMG = RNG.normal(size=(2, 6, 7, 2))


@pytest.mark.parametrize("padding, strides, rates", [("SAME", [1, 2, 2, 1], [1, 1, 1, 1]),
                                                     ("VALID", [1, 1, 2, 1], [1, 2, 1, 1])])
def test_extract_image_patches_gradient_and_its_gradient(padding, strides, rates):
    check_gradients(lambda x: tf.extract_image_patches(x, [1, 3, 2, 1], strides, rates, padding), [IMG])
    with tf.Graph().as_default():
        shape = tf.extract_image_patches(IMG, [1, 3, 2, 1], strides, rates, padding).shape.as_list()

    def patches_gradient(d):
        x = tf.constant(IMG)
        return tf.gradients(tf.extract_image_patches(x, [1, 3, 2, 1], strides, rates, padding), x, grad_ys=d)[0]
    check_gradients(patches_gradient, [RNG.normal(size=shape)])


@pytest.mark.parametrize("op", ["dilation", "erosion"])
def test_morphology_gradients(op):
    f = RNG.normal(size=(2, 3, 2)) * 0.3
    fn = tf.nn.dilation2d if op == "dilation" else tf.nn.erosion2d
    check_gradients(lambda x, k: fn(x, k, [1, 1, 2, 1], [1, 2, 1, 1], "SAME"), [IMG, f])


def test_dilation_of_integers_and_erosion_is_dual():
    x = np.arange(2 * 4 * 4 * 1, dtype=np.int32).reshape(2, 4, 4, 1) % 7
    k = np.array([[[0], [1]], [[2], [0]]], np.int32)
    xf = tf.constant(x.astype(np.float32))
    with tf.Session() as s:
        d, e, back = s.run([tf.nn.dilation2d(x, k, [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
                            tf.nn.erosion2d(xf, k.astype(np.float32), [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
                            -tf.nn.dilation2d(-xf, k[::-1, ::-1].astype(np.float32), [1, 1, 1, 1], [1, 1, 1, 1],
                                              "VALID")])
    want = np.max([x[:, i:i + 3, j:j + 3] + k[i, j] for i in range(2) for j in range(2)], axis=0)
    np.testing.assert_array_equal(d, want)
    np.testing.assert_array_equal(e, back)


@pytest.mark.parametrize("name, fn", [
    ("total_variation", tf.image.total_variation),
    ("total_variation_one", lambda x: tf.image.total_variation(x[0])),
    ("sobel", tf.image.sobel_edges),
    ("image_gradients", lambda x: tf.add_n(list(tf.image.image_gradients(x)))),
    ("yuv", tf.image.rgb_to_yuv),
])
def test_image_filters_are_differentiable(name, fn):
    x = RNG.uniform(0, 1, (2, 4, 5, 3))
    check_gradients(fn, [x])


def test_rgb_to_hsv_gradient_away_from_ties():
    x = RNG.uniform(0.05, 1, (4, 5, 3))
    check_gradients(tf.image.rgb_to_hsv, [x], rtol=1e-4)


def test_hsv_round_trip_and_hue_turns():
    x = RNG.uniform(0, 1, (6, 7, 3)).astype(np.float32)
    with tf.Session() as s:
        back, full_turn, sat0 = s.run([tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x)), tf.image.adjust_hue(x, 1.0),
                                       tf.image.adjust_saturation(x, 0.0)])
    np.testing.assert_allclose(back, x, atol=1e-6)
    np.testing.assert_allclose(full_turn, x, atol=1e-6)
    np.testing.assert_allclose(sat0, np.repeat(x.max(-1, keepdims=True), 3, -1), atol=1e-6)


def test_moment_helpers_are_differentiable():
    x = RNG.normal(size=(3, 4))

    def via_statistics(t):
        mean, var = tf.nn.normalize_moments(*tf.nn.sufficient_statistics(t, [1], shift=tf.constant(0.3, tf.float64)))
        return mean * var

    check_gradients(via_statistics, [x])
    check_gradients(lambda t: tf.add_n(list(tf.nn.weighted_moments(t, [0], tf.constant([[1.0], [2.0], [0.5]],
                                                                                    tf.float64)))), [x])
    check_gradients(lambda t: tf.nn.log_poisson_loss(tf.constant(np.abs(x) * 3), t, compute_full_loss=True), [x])


def test_sufficient_statistics_with_unknown_dimensions_counts_at_run_time():
    x = tf.placeholder(tf.float32, [None, 3])
    count, total, squares, _ = tf.nn.sufficient_statistics(x, [0, 1])
    with tf.Session() as s:
        c, t, q = s.run([count, total, squares], {x: np.ones((5, 3), np.float32)})
    assert (c, t, q) == (15.0, 15.0, 15.0)

"""tf.image's pixel and geometry helpers (graphgrad/image/adjust.py): gradients of the float ones against finite
differences, and TF's conversions at the ends of the ranges (values under TF: the conformance program
image_adjustments)."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


@pytest.mark.parametrize("name, fn", [
    ("contrast", lambda x: tf.image.adjust_contrast(x, 1.7)),
    ("brightness", lambda x: tf.image.adjust_brightness(x, 0.3)),
    ("grayscale", tf.image.rgb_to_grayscale),
    ("crop_or_pad", lambda x: tf.image.resize_image_with_crop_or_pad(x, 2, 6)),
    ("central_crop", lambda x: tf.image.central_crop(x, 0.5)),
    ("rot90", lambda x: tf.image.rot90(x, 3)),
    ("flip", tf.image.flip_up_down),
])
def test_float_helpers_are_differentiable(name, fn):
    x = np.random.default_rng(0).uniform(0, 1, (2, 4, 5, 3))
    check_gradients(fn, [x])


def test_convert_image_dtype_at_the_ends_of_the_ranges():
    u8 = np.array([[[0], [1], [128], [255]]], np.uint8)
    f = np.array([[[-0.1], [0.0], [0.5], [1.0], [1.2]]], np.float32)
    with tf.Session() as s:
        to_f, to_u16, back, sat = s.run([tf.image.convert_image_dtype(u8, tf.float32),
                                         tf.image.convert_image_dtype(u8, tf.uint16),
                                         tf.image.convert_image_dtype(tf.image.convert_image_dtype(u8, tf.int32),
                                                                      tf.uint8),
                                         tf.image.convert_image_dtype(f, tf.uint8, saturate=True)])
    np.testing.assert_allclose(to_f.ravel(), [0, 1 / 255, 128 / 255, 1], rtol=1e-6)
    np.testing.assert_array_equal(to_u16.ravel(), [0, 256, 128 * 256, 255 * 256])   # TF scales by 2^8, not 257
    np.testing.assert_array_equal(back, u8)
    np.testing.assert_array_equal(sat.ravel(), [0, 0, 127, 255, 255])


def test_random_crop_and_flip_draw_each_run():
    img = np.arange(6 * 7).reshape(6, 7, 1)
    crop, flip = tf.random_crop(img, [2, 3, 1], seed=3), tf.image.random_flip_left_right(img, seed=3)
    with tf.Session() as s:
        crops = {s.run(crop).tobytes() for _ in range(40)}
        flips = {s.run(flip).tobytes() for _ in range(20)}
    windows = {img[i:i + 2, j:j + 3].tobytes() for i in range(5) for j in range(5)}
    assert crops <= windows and len(crops) > 5
    assert flips == {img.tobytes(), img[:, ::-1].tobytes()}

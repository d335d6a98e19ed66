"""tf.nn.fused_batch_norm (FusedBatchNormV3 and its gradient op): the same values as batch normalization written
with moments, gradients as finite differences, both data formats and both modes. TensorFlow-written graphs of
it train step for step as TensorFlow in tests/test_tf_training_graphs.py."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

RNG = np.random.default_rng(0)
X = RNG.normal(1.0, 2.0, (2, 3, 3, 4))
SCALE, OFFSET = RNG.uniform(0.5, 1.5, 4), RNG.normal(0, 1, 4)
MEAN, VAR = RNG.normal(0, 1, 4), RNG.uniform(0.5, 2.0, 4)


def _channels_first(x):
    return np.transpose(x, (0, 3, 1, 2))


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_training_mode_normalizes_with_the_batch_moments(fmt):
    x = X if fmt == "NHWC" else _channels_first(X)
    with tf.Graph().as_default():
        y, m, v = tf.nn.fused_batch_norm(tf.constant(x, tf.float32), SCALE.astype(np.float32),
                                         OFFSET.astype(np.float32), epsilon=1e-3, data_format=fmt)
        y, m, v = tf.Session().run([y, m, v])
    mean, var = X.mean(axis=(0, 1, 2)), X.var(axis=(0, 1, 2))
    want = (X - mean) / np.sqrt(var + 1e-3) * SCALE + OFFSET
    np.testing.assert_allclose(y, want if fmt == "NHWC" else _channels_first(want), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m, mean, rtol=1e-5)
    n = X.size // 4
    np.testing.assert_allclose(v, var * n / (n - 1), rtol=1e-5)  # the moving averages get the unbiased variance


def test_inference_mode_uses_the_given_moments_and_the_averaging_factor_mixes_them():
    with tf.Graph().as_default():
        y, m, v = tf.nn.fused_batch_norm(X, SCALE, OFFSET, MEAN, VAR, is_training=False)
        _, m2, v2 = tf.nn.fused_batch_norm(X, SCALE, OFFSET, MEAN, VAR, exponential_avg_factor=0.25)
        y, m, v, m2, v2 = tf.Session().run([y, m, v, m2, v2])
    np.testing.assert_allclose(y, (X - MEAN) / np.sqrt(VAR + 1e-3) * SCALE + OFFSET, rtol=1e-12)
    np.testing.assert_array_equal(m, MEAN)
    np.testing.assert_array_equal(v, VAR)
    n = X.size // 4
    np.testing.assert_allclose(m2, 0.75 * MEAN + 0.25 * X.mean(axis=(0, 1, 2)), rtol=1e-12)
    np.testing.assert_allclose(v2, 0.75 * VAR + 0.25 * X.var(axis=(0, 1, 2)) * n / (n - 1), rtol=1e-12)
    with pytest.raises(ValueError, match="mean' and 'variance' must be"):
        tf.nn.fused_batch_norm(X, SCALE, OFFSET, is_training=False)


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
@pytest.mark.parametrize("training", [True, False])
def test_gradients_are_finite_differences(fmt, training):
    x = X[:, :2] if fmt == "NHWC" else _channels_first(X[:, :2])

    def build(a, scale, offset):
        return tf.nn.fused_batch_norm(a, scale, offset, tf.constant(MEAN), tf.constant(VAR), data_format=fmt,
                                      is_training=training)[0]
    check_gradients(build, [x, SCALE, OFFSET], rtol=1e-5, atol=1e-6)


def test_a_non_4d_input_is_a_value_error():
    with tf.Graph().as_default(), pytest.raises(ValueError, match="4 or 5-dimensional"):
        tf.nn.fused_batch_norm(np.ones((3, 4), np.float32), np.ones(4, np.float32), np.zeros(4, np.float32))

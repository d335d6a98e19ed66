"""A filter as wide as its input (a text CNN: [3, embedding] windows over embedded words, VALID): the input
gradient takes the per-offset GEMMs, not the unit-stride unfolding, which would need (N * H * W) x (W * O)
elements — 27 GiB for Denny Britz's sentence CNN at batch 64, which TF trains."""
import numpy as np

import graphgrad as tf


def _grads_by_loops(x, w, dy):
    """d sum(dy * conv(x, w)) / dx and / dw for VALID, unit strides, by the definition."""
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    kh, kw = w.shape[:2]
    for i in range(dy.shape[1]):
        for j in range(dy.shape[2]):
            dx[:, i:i + kh, j:j + kw, :] += np.einsum("no,hwco->nhwc", dy[:, i, j, :], w)
            dw += np.einsum("nhwc,no->hwco", x[:, i:i + kh, j:j + kw, :], dy[:, i, j, :])
    return dx, dw


def test_text_cnn_shaped_gradients():
    r = np.random.RandomState(1)
    x, w, dy = r.randn(3, 9, 16, 1), r.randn(3, 16, 1, 5), r.randn(3, 7, 1, 5)
    with tf.Graph().as_default():
        xt, wt = tf.constant(x), tf.constant(w)
        y = tf.nn.conv2d(xt, wt, [1, 1, 1, 1], "VALID")
        with tf.Session() as s:
            gx, gw = s.run(tf.gradients(y, [xt, wt], grad_ys=tf.constant(dy)))
    want_x, want_w = _grads_by_loops(x, w, dy)
    np.testing.assert_allclose(gx, want_x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw, want_w, rtol=1e-10, atol=1e-10)


def test_sentence_cnn_at_full_size():
    """The sentence CNN's widest layer (batch 64, 56 words, embedding 128, 128 filters of 3 words): d sum(y)/dx at
    word h, column c is the sum of the filter taps of the windows that cover word h."""
    r = np.random.RandomState(0)
    w = (r.randn(3, 128, 1, 128) * 0.05).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.constant(r.randn(64, 56, 128, 1).astype(np.float32))
        y = tf.nn.conv2d(x, tf.constant(w), [1, 1, 1, 1], "VALID")
        with tf.Session() as s:
            got = s.run(tf.gradients(tf.reduce_sum(y), x)[0])
    taps = w[:, :, 0, :].sum(-1)  # [3, 128]
    want = np.zeros((56, 128), np.float32)
    for h in range(56):
        for a in range(3):
            if 0 <= h - a < 54:
                want[h] += taps[a]
    np.testing.assert_allclose(got[..., 0], np.broadcast_to(want, (64, 56, 128)), rtol=1e-4, atol=1e-5)

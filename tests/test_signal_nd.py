"""tf.signal's N-d transforms (TF has CPU kernels for none of them: compared with NumPy's fftn), fftshift, the
MDCT's reconstruction and gradients, and the windows' shapes and errors; tests/test_tf1_conformance.py compares
the MDCT, the windows and the shifts with TF's values."""
import numpy as np
import pytest

import graphgrad as tf

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
C = (X + 1j * RNG.standard_normal((2, 3, 4))).astype(np.complex64)


def run(fetch):
    with tf.Session() as s:
        return s.run(fetch)


@pytest.mark.parametrize("norm", [None, "backward", "forward", "ortho"])
def test_nd_transforms_equal_numpys(norm):
    npn = norm or "backward"
    got = run([tf.signal.fftnd(C, norm=norm), tf.signal.ifftnd(C, axes=[0, 2], norm=norm),
               tf.signal.fftnd(C, fft_length=[5, 2], axes=[1, 2], norm=norm),
               tf.signal.rfftnd(X, axes=[-2, -1], norm=norm), tf.signal.rfftnd(X, fft_length=[4, 6], axes=[1, 2]),
               tf.signal.irfftnd(C, axes=[1, 2], norm=norm), tf.signal.irfftnd(C, fft_length=[3, 5], axes=[0, 2])])
    want = [np.fft.fftn(C, norm=npn), np.fft.ifftn(C, axes=[0, 2], norm=npn),
            np.fft.fftn(C, s=[5, 2], axes=[1, 2], norm=npn), np.fft.rfftn(X, axes=[1, 2], norm=npn),
            np.fft.rfftn(X, s=[4, 6], axes=[1, 2]), np.fft.irfftn(C, axes=[1, 2], norm=npn),
            np.fft.irfftn(C, s=[3, 5], axes=[0, 2])]
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == (np.complex64 if w.dtype.kind == "c" else np.float32)
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_nd_static_shapes_errors_and_no_gradient():
    assert tf.signal.rfftnd(tf.constant(X), fft_length=[4, 6], axes=[1, 2]).shape.as_list() == [2, 4, 4]
    assert tf.signal.irfftnd(tf.constant(C), axes=[2]).shape.as_list() == [2, 3, 6]
    with pytest.raises(ValueError, match="same length"):
        tf.signal.fftnd(C, fft_length=[3], axes=[1, 2])
    with pytest.raises(TypeError, match="complex"):
        tf.signal.fftnd(tf.constant(X))
    with pytest.raises(ValueError, match="normalization"):
        tf.signal.fftnd(C, norm="half")
    x = tf.constant(C)
    with pytest.raises(LookupError, match="No gradient defined"):  # none in TF either
        tf.gradients(tf.reduce_sum(tf.abs(tf.signal.fftnd(x))), x)


def test_shifts_invert_each_other_and_carry_gradients():
    x = tf.constant(X)
    y = tf.signal.ifftshift(tf.signal.fftshift(x, axes=[0, 2]), axes=[0, 2])
    g = tf.gradients(tf.reduce_sum(tf.signal.fftshift(x) * np.arange(24, dtype=np.float32).reshape(2, 3, 4)), x)[0]
    a, b = run([y, g])
    np.testing.assert_array_equal(a, X)
    np.testing.assert_array_equal(b, np.fft.ifftshift(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
    np.testing.assert_array_equal(run(tf.signal.fftshift(tf.range(7))), np.fft.fftshift(np.arange(7)))


@pytest.mark.parametrize("window", ["vorbis_window", "kaiser_bessel_derived_window"])
def test_mdct_reconstructs_where_frames_overlap(window):
    fn = getattr(tf.signal, window)
    x = RNG.standard_normal((3, 96)).astype(np.float64)
    m = tf.signal.mdct(x, 16, window_fn=fn, norm="ortho")
    back = run(tf.signal.inverse_mdct(m, window_fn=fn, norm="ortho"))
    assert m.shape.as_list() == [3, 11, 8]
    np.testing.assert_allclose(back[:, 8:-8], x[:, 8:-8], atol=1e-9)


def test_mdct_gradient_matches_finite_differences():
    x0 = RNG.standard_normal(24)
    x = tf.placeholder(tf.float64, [24])
    loss = tf.reduce_sum(tf.signal.mdct(x, 8) ** 2)
    g = tf.gradients(loss, x)[0]
    with tf.Session() as s:
        grad = s.run(g, {x: x0})
        eps, num = 1e-6, np.zeros(24)
        for i in range(24):
            d = np.zeros(24)
            d[i] = eps
            num[i] = (s.run(loss, {x: x0 + d}) - s.run(loss, {x: x0 - d})) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


def test_windows():
    k, kbd, v = run([tf.signal.kaiser_window(9, beta=4.0), tf.signal.kaiser_bessel_derived_window(8),
                     tf.signal.vorbis_window(8, dtype=tf.float64)])
    np.testing.assert_allclose(k, np.kaiser(9, 4.0), rtol=1e-6)
    np.testing.assert_allclose(kbd[:4] ** 2 + kbd[4:] ** 2, 1.0, rtol=1e-6)  # power complementary
    np.testing.assert_allclose(v[:4] ** 2 + v[4:] ** 2, 1.0, rtol=1e-12)
    assert v.dtype == np.float64
    with pytest.raises(ValueError, match="floating point"):
        tf.signal.vorbis_window(4, dtype=tf.int32)
    with pytest.raises(ValueError, match="multiple of 4"):
        tf.signal.mdct(np.zeros(20, np.float32), 10)

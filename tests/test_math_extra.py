"""tf.math's inverse trigonometric and special functions, guarded ops and compositions: float64 finite-difference
gradients (first and second order), broadcasting over random shapes, the SciPy-free kernels against SciPy's, and
what only a test can see (values against NumPy/SciPy on wide ranges). Values against TF: the conformance
programs math_inverse_and_special and math_safe_and_compositions."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from scipy import special

import graphgrad as tf
from graphgrad.ops import quantile_bessel_ops

m = tf.math
rng = np.random.default_rng(3)
inside = rng.uniform(-0.9, 0.9, (2, 3))
above_one = rng.uniform(1.2, 4.0, (2, 3))
probs = rng.uniform(0.05, 0.95, (2, 3))

UNARY = [
    (tf.acos, inside), (tf.asin, inside), (tf.acosh, above_one), (tf.asinh, inside * 3), (tf.atanh, inside),
    (m.erfinv, inside), (m.ndtri, probs), (m.erfcinv, probs * 2), (m.bessel_i0, inside * 4),
    (m.bessel_i0e, inside * 4), (m.bessel_i1, inside * 4), (m.bessel_i1e, inside * 4), (tf.log_sigmoid, inside * 5),
    (m.reciprocal_no_nan, above_one), (lambda x: m.cumulative_logsumexp(x, axis=1), inside * 3),
    (lambda x: tf.exp(m.cumulative_logsumexp(x, 0, exclusive=True, reverse=True)), inside * 3),  # -inf first
    (lambda x: m.reduce_std(x, 1), inside), (lambda x: m.reduce_variance(x, keepdims=True), inside),
    (lambda x: m.polyval([x, 2.0 * x, np.float64(-1)], x), inside),
]


@pytest.mark.parametrize("fn,x", UNARY, ids=lambda v: getattr(v, "__name__", ""))
def test_unary_gradients_match_finite_differences(fn, x):
    check_gradients(fn, [x], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn,x", UNARY[:12], ids=lambda v: getattr(v, "__name__", ""))
def test_second_derivatives_match_finite_differences(fn, x):
    check_gradients(lambda t: tf.gradients(tf.reduce_sum(fn(t)), t)[0], [x], rtol=1e-4, atol=1e-5)


BINARY = [(tf.atan2, inside, above_one), (m.xdivy, inside, above_one), (m.xlog1py, inside, above_one),
          (m.multiply_no_nan, inside, above_one), (m.nextafter, inside, above_one)]


@pytest.mark.parametrize("fn,x,y", BINARY, ids=lambda v: getattr(v, "__name__", ""))
def test_binary_gradients_match_finite_differences(fn, x, y):
    check_gradients(fn, [x, y], rtol=1e-5, atol=1e-6)
    check_gradients(lambda a, b: tf.add_n(tf.gradients(tf.reduce_sum(fn(a, b) ** 2), [a, b])), [x, y],
                    rtol=1e-4, atol=1e-5)


def test_zeta_gradient_is_for_q_only():
    x, q = np.array([2.5, 3.0, 4.5]), np.array([[0.5], [1.5]])
    check_gradients(lambda b: m.zeta(tf.constant(x), b), [q])
    with tf.Graph().as_default():
        xs = tf.constant(x)
        assert tf.gradients(m.zeta(xs, tf.constant(q)), xs) == [None]


@settings(max_examples=20)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_binary_ops_broadcast_like_numpy(shapes):
    (sa, sb), out = shapes.input_shapes, shapes.result_shape
    a = rng.uniform(0.1, 2.0, sa) * rng.choice([0.0, 1.0], sa)
    b = rng.uniform(-0.5, 2.0, sb) * rng.choice([0.0, 1.0], sb)
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run([tf.atan2(a, b), m.xdivy(a, b), m.xlog1py(a, b), m.multiply_no_nan(a, b), m.nextafter(a, b)])
        with np.errstate(all="ignore"):
            want = [np.arctan2(a, b), np.where(a == 0, 0, a / b), np.where(a == 0, 0, a * np.log1p(b)),
                    np.where(b == 0, 0, a * b), np.nextafter(a, b)]
        for g, w in zip(got, want):
            assert g.shape == out
            np.testing.assert_allclose(g, w, rtol=1e-12)


def test_values_on_wide_ranges_match_scipy():
    x = np.concatenate([np.linspace(-700, 700, 57), [-1e-8, 0.0, 3e-9, 29.9, 30.0, 30.1]])
    p = np.concatenate([np.linspace(1e-12, 1 - 1e-12, 41), [1e-300, 0.5]])
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run([m.bessel_i0e(x), m.bessel_i1e(x), m.bessel_i0(x / 10), m.bessel_i1(x / 10), m.ndtri(p),
                     m.erfinv(2 * p - 1), m.zeta(np.array([1.5, 2.0, 7.0, 30.0]), np.array([0.25, 1.0, 3.0, 8.0]))])
    want = [special.i0e(x), special.i1e(x), special.i0(x / 10), special.i1(x / 10), special.ndtri(p),
            special.erfinv(2 * p - 1), special.zeta([1.5, 2.0, 7.0, 30.0], [0.25, 1.0, 3.0, 8.0])]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


def test_kernels_without_scipy_match_scipy(monkeypatch):
    """graphgrad's base install has no SciPy: the fallback kernels must agree with SciPy to ~double precision."""
    monkeypatch.setattr(quantile_bessel_ops, "_scipy_special", lambda name: None)
    x = np.concatenate([np.linspace(-60, 60, 49), [-1e-7, 0.0, 29.99, 30.0, 30.01, 300.0]])
    u = np.concatenate([np.linspace(-0.999999, 0.999999, 41), [-1.0, 1.0, 1.5, 1e-12, -3e-17]])
    p = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 33), [0.0, 1.0, -0.1]])
    xs, qs = np.array([1.01, 1.5, 2.0, 5.0, 1.0, 0.5, 3.0]), np.array([0.3, 1.0, 4.0, 0.01, 1.0, 1.0, 0.0])
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run([m.bessel_i0(x), m.bessel_i0e(x), m.bessel_i1(x), m.bessel_i1e(x), m.erfinv(u), m.ndtri(p),
                     m.zeta(xs, qs), m.bessel_i1e(x.astype(np.float32))])
    with np.errstate(all="ignore"):
        want = [special.i0(x), special.i0e(x), special.i1(x), special.i1e(x), special.erfinv(u), special.ndtri(p),
                special.zeta(xs, qs), special.i1e(x.astype(np.float32).astype(np.float64)).astype(np.float32)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=3e-13, atol=1e-300)
    assert got[-1].dtype == np.float32


def test_cumulative_logsumexp_does_not_overflow_and_keeps_small_terms():
    x = np.array([[1000.0, 1000.0, -1000.0, 1001.0], [-2000.0, -1.0, -3000.0, 0.0]])
    with tf.Graph().as_default(), tf.Session() as s:
        inclusive, exclusive = s.run([m.cumulative_logsumexp(x, 1), m.cumulative_logsumexp(x, 1, exclusive=True)])
    np.testing.assert_allclose(inclusive, np.logaddexp.accumulate(x, axis=1))
    assert exclusive[0, 0] == -np.inf and exclusive[1, 1] == -2000.0
    np.testing.assert_allclose(exclusive[:, 1:], inclusive[:, :-1])


def test_monotonic_checks_flatten_and_accept_short_inputs():
    with tf.Graph().as_default(), tf.Session() as s:
        p = tf.placeholder(tf.float32, [None, None])
        got = [s.run(f(p), {p: v}) for f in (tf.is_non_decreasing, tf.is_strictly_increasing)
               for v in ([[1, 2], [2, 3]], [[1, 2], [2, 2]], np.zeros((0, 3)), [[5]])]
    assert got == [True, True, True, True, False, False, True, True]


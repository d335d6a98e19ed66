"""The cheap kernels of the small-model training step (reduce_mean and its gradient, the sigmoid cross-entropy
gradient, TanhGrad, transposed MatMul, SumToShape with unknown batch, in-place gradient descent) give the same
bits as the plain NumPy formulas they replace, on static and unknown shapes, scalars and edge values."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as tf
from graphgrad.ops.core import apply_op
from graphgrad.ops.math_ops import TanhGrad
from graphgrad.ops.nn_ops import softplus_grad

FAST = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FLOATS = st.sampled_from([np.float32, np.float64])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5)


def run(fetches, feeds=None):
    with tf.Session() as s:
        return s.run(fetches, feeds)


def loose(shape, mode):
    """The placeholder shape: static, batch dim unknown, or rank unknown."""
    if mode == "static":
        return shape
    if mode == "rank":
        return None
    return (None,) + tuple(shape[1:]) if shape else ()


@pytest.mark.numpy_kernels("bit for bit against NumPy's own reduction")
@FAST
@given(SHAPES, FLOATS, st.sampled_from(["static", "batch", "rank"]), st.data())
def test_mean_and_its_gradient_bit_identical(shape, dt, mode, data):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape).astype(dt)
    rank = len(shape)
    axis = data.draw(st.one_of(st.none(), st.lists(st.integers(0, rank - 1), unique=True).map(tuple))
                     if rank else st.none())
    keep = data.draw(st.booleans())
    with tf.Graph().as_default():
        p = tf.placeholder(dt, loose(shape, mode))
        m = tf.reduce_mean(p, axis=axis, keepdims=keep)
        dm = tf.gradients(m, p)[0]
        got, grad = run([m, dm], {p: x})
    want = np.mean(x, axis=axis, keepdims=keep)
    np.testing.assert_array_equal(got, want)
    assert np.asarray(got).dtype == dt
    n = x.size // max(np.asarray(want).size, 1)
    np.testing.assert_array_equal(grad, np.broadcast_to(np.ones((), dt) / n, shape))
    assert grad.dtype == dt and grad.shape == shape


@pytest.mark.parametrize("mode", ["static", "batch"])
def test_mean_gradient_large_and_keepdims(mode):
    x = np.random.default_rng(0).standard_normal((300, 70)).astype(np.float32)  # above the fill threshold
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, loose(x.shape, mode))
        m1 = tf.reduce_mean(p, axis=1, keepdims=True)
        m0 = tf.reduce_mean(p)
        g = tf.gradients([m0, tf.reduce_sum(m1 * 3.0)], p)[0]
        got = run(g, {p: x})
    want = np.ones((), np.float32) / x.size + (np.float32(3) / 70)
    np.testing.assert_array_equal(got, np.broadcast_to(want, x.shape))


def test_mean_float16_empty_and_integer():
    x16 = np.linspace(-3, 3, 50).astype(np.float16).reshape(5, 10)
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float16, (None, 10))
        e = tf.placeholder(tf.float32, (None, 3))
        i = tf.constant([[-1, -2, -4], [3, 4, 4]], tf.int32)
        m16, m_empty, m_int = tf.reduce_mean(a, 0), tf.reduce_mean(e), tf.reduce_mean(i, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r16, r_empty, r_int = run([m16, m_empty, m_int], {a: x16, e: np.zeros((0, 3), np.float32)})
    np.testing.assert_array_equal(r16, np.mean(x16, 0))
    assert r16.dtype == np.float16
    assert np.isnan(r_empty)
    np.testing.assert_array_equal(r_int, [-2, 3])
    assert r_int.dtype == np.int32


EDGES = [0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 20.0, -20.0, 100.0, -100.0, 1e4, -1e4, np.inf, -np.inf, np.nan]


def _old_softplus_grad(dy, x, dt):
    zero, one = np.zeros((), dt), np.ones((), dt)
    e = np.exp(-np.abs(x))
    s = np.where(x >= zero, one, e)
    s /= one + e
    s *= dy
    return s


@pytest.mark.numpy_kernels("bit for bit against NumPy's own exp and log1p")
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("mode", ["static", "batch", "scalar"])
def test_softplus_grad_bit_identical(dt, mode):
    x = np.array(EDGES if mode != "scalar" else -0.75, dt)
    dy = np.random.default_rng(1).standard_normal(x.shape).astype(dt)
    with tf.Graph().as_default():
        px = tf.placeholder(dt, None if mode == "batch" else x.shape)
        pdy = tf.placeholder(dt, None if mode == "batch" else x.shape)
        got = run(softplus_grad(pdy, px), {px: x, pdy: dy})
    np.testing.assert_array_equal(got, _old_softplus_grad(dy, x, dt))
    assert np.asarray(got).dtype == dt


def test_sigmoid_cross_entropy_gradient_bit_identical():
    x = np.array(EDGES[:-3], np.float32).reshape(-1, 1)
    z = (np.arange(x.size) % 2).astype(np.float32).reshape(-1, 1)
    with tf.Graph().as_default():
        px, pz = tf.placeholder(tf.float32, (None, 1)), tf.placeholder(tf.float32, (None, 1))
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=pz, logits=px))
        g = run(tf.gradients(loss, px)[0], {px: x, pz: z})
    dy = np.broadcast_to(np.ones((), np.float32) / x.size, x.shape)
    np.testing.assert_array_equal(g, _old_softplus_grad(dy, x, np.float32) - dy * z)


@pytest.mark.parametrize("shapes", [((4, 3), (4, 3)), ((), ()), ((2, 3), (3,)), ((3,), (2, 3))])
def test_tanh_grad_bit_identical(shapes):
    rng = np.random.default_rng(2)
    y = np.tanh(rng.standard_normal(shapes[0])).astype(np.float32)
    dy = rng.standard_normal(shapes[1]).astype(np.float32)
    with tf.Graph().as_default():
        got = run(apply_op(TanhGrad, [tf.constant(y), tf.constant(dy)], None, "TanhGrad"))
    np.testing.assert_array_equal(got, dy * (np.float32(1) - y * y))
    assert np.asarray(got).dtype == np.float32 and np.shape(got) == np.broadcast_shapes(*shapes)


@pytest.mark.numpy_kernels("bit for bit against NumPy's BLAS")
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("mode", ["static", "batch", "rank", "batched"])
def test_transposed_matmul(ta, tb, mode):
    rng = np.random.default_rng(3)
    lead = (2,) if mode == "batched" else ()
    a = rng.standard_normal(lead + ((5, 4) if ta else (4, 5))).astype(np.float32)
    b = rng.standard_normal(lead + ((3, 5) if tb else (5, 3))).astype(np.float32)
    with tf.Graph().as_default():
        pa = tf.placeholder(tf.float32, None if mode == "rank" else loose(a.shape, mode))
        pb = tf.placeholder(tf.float32, None if mode == "rank" else loose(b.shape, mode))
        got = run(tf.matmul(pa, pb, transpose_a=ta, transpose_b=tb), {pa: a, pb: b})
    want = np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
    np.testing.assert_array_equal(got, want)


@pytest.mark.numpy_kernels("bit for bit against NumPy's summation order")
@pytest.mark.parametrize("optimize", [True, False])
@pytest.mark.parametrize("bshape", [(3,), (1, 3), (1, 1), (4, 1, 3), ()])
def test_sum_to_shape_with_unknown_batch(optimize, bshape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 1, 3)).astype(np.float32)
    dz = rng.standard_normal((4, 4, 3)).astype(np.float32)
    with tf.Graph().as_default():
        px = tf.placeholder(tf.float32, (None, 1, 3))
        b = tf.Variable(np.zeros(bshape, np.float32))
        pd = tf.placeholder(tf.float32, (None, None, 3))
        z = px + b
        gx, gb = tf.gradients(z, [px, b], grad_ys=pd)
        with tf.Session(optimize=optimize) as s:
            s.run(tf.global_variables_initializer())
            dz_b = dz[:, :1] if len(bshape) < 3 or bshape[1] == 1 else dz
            dz_b = np.broadcast_to(dz_b, np.broadcast_shapes((4, 1, 3), bshape))
            rgx, rgb = s.run([gx, gb], {px: x, pd: dz_b})
    full = dz_b.shape
    axes = tuple(i for i in range(len(full)) if i < len(full) - len(bshape)
                 or (bshape[i - len(full) + len(bshape)] == 1 and full[i] != 1))
    np.testing.assert_array_equal(rgb, dz_b.sum(axis=axes).reshape(bshape))
    np.testing.assert_array_equal(rgx, dz_b.sum(axis=tuple(i for i in range(3) if x.shape[i] == 1 and full[i] != 1),
                                                keepdims=True))


def test_gradient_descent_in_place_and_after_a_reshape():
    with tf.Graph().as_default():
        v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), validate_shape=False)
        g = tf.placeholder(tf.float32, None)
        opt = tf.train.GradientDescentOptimizer(0.1)
        step = opt.apply_gradients([(g, v)])
        grow = tf.assign(v, np.ones((4,), np.float32), validate_shape=False)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            g1 = np.full((2, 3), 3.0, np.float32)
            s.run(step, {g: g1})
            want = np.arange(6, dtype=np.float32).reshape(2, 3) - g1 * np.float32(0.1)
            np.testing.assert_array_equal(s.run(v), want)
            s.run(grow)
            s.run(step, {g: np.full((4,), 2.0, np.float32)})
            np.testing.assert_array_equal(s.run(v), np.float32(1) - np.float32(2) * np.float32(0.1))


@pytest.mark.numpy_kernels("the BLAS sum runs on the CPU's NumPy arrays only")
@pytest.mark.parametrize("batch", [None, 64])
def test_a_convolutions_bias_gradient_is_one_blas_product(batch):
    """Summing two or more leading axes of BLAS_SUM_ROWS+ rows is `ones @ g` by BLAS: closer to the exact sum than
    NumPy's row-by-row reduction, the same in optimized and unoptimized plans; smaller sums stay NumPy's."""
    from graphgrad.ops import core

    rng = np.random.default_rng(5)
    for n, dtype in ((64, np.float32), (64, np.float64), (2, np.float32)):
        dy = (rng.standard_normal((n, 28, 28, 8)) + 3).astype(dtype)  # sums of like signs: NumPy's error grows
        exact = dy.astype(np.float64).sum(axis=(0, 1, 2))
        with tf.Graph().as_default():
            x = tf.placeholder(dtype, (None if batch is None else n, 28, 28, 8))
            b = tf.Variable(np.zeros(8, dtype))
            gb = tf.gradients(x + b, b, grad_ys=tf.placeholder_with_default(dy, dy.shape))[0]
            got = []
            for optimize in (True, False):
                with tf.Session(optimize=optimize) as s:
                    s.run(tf.global_variables_initializer())
                    got.append(s.run(gb, {x: dy}))
        np.testing.assert_array_equal(got[0], got[1])
        assert got[0].dtype == dtype and got[0].shape == (8,)
        if n * 28 * 28 >= core.BLAS_SUM_ROWS:
            if dtype == np.float32:  # (float64's reference is NumPy's own float64 sum)
                assert np.abs(got[0] - exact).max() <= np.abs(dy.sum(axis=(0, 1, 2)) - exact).max()
            np.testing.assert_allclose(got[0], exact, rtol=1e-5 if dtype == np.float32 else 1e-12)
        else:
            np.testing.assert_array_equal(got[0], dy.sum(axis=(0, 1, 2)))

"""tf.nn.gelu (exact and tanh forms), tf.nn.silu / swish and tf.nn.mish: values, stability, gradients and
second derivatives against central finite differences (float64), and the proof that an op declaring its facts
(graphgrad/ops/smooth_activations.py touches nothing in runtime/) gets the fusion and kept buffers relu gets."""
import math

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.ops.smooth_activations import _erfc
from graphgrad.runtime import blas

SQRT_2_PI = math.sqrt(2 / math.pi)


def _phi(x):
    return 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in np.ravel(x)]).reshape(np.shape(x))


ACTIVATIONS = {
    "gelu": (tf.nn.gelu, lambda x: x * _phi(x)),
    "gelu_tanh": (lambda x: tf.nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3)))),
    "silu": (tf.nn.silu, lambda x: x / (1 + np.exp(-x))),
    "swish": (tf.nn.swish, lambda x: x / (1 + np.exp(-x))),
    "mish": (tf.nn.mish, lambda x: x * np.tanh(np.logaddexp(x, 0))),
}


def _run(fetches, feed):
    with tf.Session() as s:
        return s.run(fetches, feed)


def test_erfc_matches_math_erfc_to_double_precision():
    x = np.concatenate([np.linspace(-27, 27, 5401), [0.0, 5e-324, -1e-12, 0.46875, -0.46875, 4.0, -4.0]])
    want = np.array([math.erfc(v) for v in x])
    got = _erfc(np, x)
    ok = want > np.finfo(np.float64).tiny  # normal numbers (denormals have fewer digits)
    np.testing.assert_allclose(got[ok], want[ok], rtol=4e-15, atol=0)
    x32 = x.astype(np.float32)
    got32 = _erfc(np, x32)
    assert got32.dtype == np.float32
    want32 = np.array([math.erfc(float(v)) for v in x32])
    np.testing.assert_allclose(got32[want32 > 1e-30], want32[want32 > 1e-30], rtol=2e-6)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_values_match_the_formula(name, dtype):
    fn, ref = ACTIVATIONS[name]
    x = np.linspace(-8, 8, 161)
    p = tf.placeholder(dtype, (None,))
    got = _run(fn(p), {p: x.astype(dtype)})
    assert got.dtype == dtype and got.shape == x.shape
    tol = {np.float64: 1e-13, np.float32: 2e-6, np.float16: 2e-3}[dtype]
    np.testing.assert_allclose(got, ref(x.astype(dtype).astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_finite_with_their_gradients_for_inputs_of_magnitude_1e4(name):
    fn, _ = ACTIVATIONS[name]
    x = np.array([-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4], np.float32)
    p = tf.placeholder(tf.float32, (None,))
    y = fn(p)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        out, grad = _run([y, tf.gradients(tf.reduce_sum(y), p)[0]], {p: x})
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(out[[0, -1]], [0.0, 1e4], atol=1e-30)
    np.testing.assert_allclose(grad[[0, -1]], [0.0, 1.0], atol=1e-30)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gradient_matches_finite_differences(name):
    fn, _ = ACTIVATIONS[name]
    x = np.random.default_rng(0).normal(scale=2.0, size=(3, 4))
    check_gradients(fn, [x], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_second_derivative_matches_finite_differences(name):
    """The gradient op's own gradient (f'' built from graph ops), on both of its inputs."""
    fn, _ = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    x, w = rng.normal(scale=2.0, size=(5,)), rng.normal(size=(5,))

    def first_derivative(t, v):
        return tf.gradients(tf.reduce_sum(fn(t) * v), t)[0]

    check_gradients(first_derivative, [x, w], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_hessian_is_the_second_derivative(name):
    fn, ref = ACTIVATIONS[name]
    x = np.random.default_rng(2).normal(size=(4,))
    p = tf.placeholder(tf.float64, x.shape)
    (h,) = tf.hessians(tf.reduce_sum(fn(p)), p)
    got = _run(h, {p: x})
    eps = 1e-4
    want = (ref(x + eps) - 2 * ref(x) + ref(x - eps)) / eps ** 2
    np.testing.assert_allclose(np.diag(got), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got - np.diag(np.diag(got)), 0)


def test_silu_beta_and_gelu_names():
    p = tf.placeholder(tf.float64, (None,))
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(_run(tf.nn.silu(p, beta=2.0), {p: x}), x / (1 + np.exp(-2 * x)), rtol=1e-14)
    assert tf.nn.gelu(p).op.type == "Gelu" and tf.nn.gelu(p).op.attrs["approximate"] is False
    assert tf.nn.swish(p).op.type == tf.nn.silu(p).op.type == "Silu"
    assert tf.nn.mish(p, name="m").op.name == "m"


# --- the proof: declared facts give the same plan treatment as relu -----------------------------------------------

LAYER_ACTIVATIONS = {"relu": tf.nn.relu, "tanh": tf.tanh, **{k: v[0] for k, v in ACTIVATIONS.items()}}


def _dense(act, width=128):
    """x @ W + b followed by `act`, big enough (batch unknown, counted as 32) for the reuse pass."""
    rng = np.random.default_rng(3)
    x = tf.placeholder(tf.float32, (None, 64), name="x")
    w = tf.Variable(rng.standard_normal((64, width)).astype(np.float32) * 0.2, name="w")
    b = tf.Variable(np.linspace(-1, 1, width).astype(np.float32), name="b")
    z = tf.matmul(x, w) + b
    return x, z, act(z)


def _plan(s, fetches, feed):
    s.run(fetches, feed)
    return list(s._plans.values())[-1][0]


@pytest.mark.parametrize("name", sorted(LAYER_ACTIVATIONS))
def test_dense_layer_and_activation_run_in_one_kept_buffer(name):
    x, z, h = _dense(LAYER_ACTIVATIONS[name])
    y = tf.matmul(h, tf.ones((128, 128)))  # a reader that only reads: the chain's buffer stays in the run
    feed = {x: np.random.default_rng(4).standard_normal((40, 64)).astype(np.float32)}
    s = tf.Session(optimize=True)
    s.run(tf.global_variables_initializer())
    plan = _plan(s, y, feed)
    product = z.op.inputs[0].op.name
    assert [product, z.op.name, h.op.name] in plan.rewrites["fuse"]
    assert product in plan.rewrites["reuse"]
    lines = plan.source.splitlines()
    assert any(f"# {product} (MatMul) into a kept buffer" in ln for ln in lines)
    assert any(f"# {h.op.name} ({h.op.type}) in place" in ln for ln in lines)
    plain = tf.Session(optimize=False)
    plain.run(tf.global_variables_initializer())
    for seed in (5, 6):
        f = {x: np.random.default_rng(seed).standard_normal((40, 64)).astype(np.float32)}
        np.testing.assert_array_equal(s.run(y, f), plain.run(y, f))


@pytest.mark.parametrize("name", sorted(LAYER_ACTIVATIONS))
def test_training_keeps_the_product_buffer_and_matches_unoptimized(name):
    x, z, h = _dense(LAYER_ACTIVATIONS[name])
    loss = tf.reduce_mean(tf.square(h))
    step = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    feeds = [{x: np.random.default_rng(i).standard_normal((40, 64)).astype(np.float32)} for i in range(3)]
    s = tf.Session(optimize=True)
    s.run(tf.global_variables_initializer())
    plan = _plan(s, [step, loss], feeds[0])
    product = z.op.inputs[0].op.name
    assert product in plan.rewrites["reuse"]
    assert any(c[:2] == [product, z.op.name] for c in plan.rewrites["fuse"])
    out = []
    for optimize in (True, False):
        sess = tf.Session(optimize=optimize)
        sess.run(tf.global_variables_initializer())
        out.append([sess.run([loss, step], f)[0] for f in feeds] + sess.run(tf.trainable_variables()))
    exact = _gemm_update_rounds_as_numpy()
    for a, b in zip(*out):
        if exact:  # OpenBLAS's SkylakeX kernels compute alpha·(x'dy) then add it: the unoptimized plan's values
            np.testing.assert_array_equal(a, b)
        else:  # MKL, and OpenBLAS's Haswell kernels, round the gemm pass's fused update differently
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)  # (docs/plan-compiler.md)


def _gemm_update_rounds_as_numpy():
    """Whether the bound BLAS's `w <- w - lr·(xᵀ·dy)` (the gemm pass's update) gives NumPy's product, scaling and
    subtraction bit for bit, on the test's shapes."""
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((40, 64)).astype(np.float32), rng.standard_normal((40, 128)).astype(np.float32)
    w = rng.standard_normal((64, 128)).astype(np.float32)
    want = w - np.float32(0.05) * (x.T @ dy)
    return blas.gemm(x, True, dy, False, w, -0.05, 1.0) and np.array_equal(w, want)

"""Matmul precision (runtime/precision.py): float32 products with TF32, bfloat16 or float16 inputs, checked
against ml_dtypes' independent conversions, with float32 master weights, in training and in gradients."""
import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as tf
from graphgrad.runtime.precision import ENV_VAR, canonical, round_mantissa

RNG = np.random.default_rng(0)
A = RNG.standard_normal((16, 48)).astype(np.float32)
B = RNG.standard_normal((48, 8)).astype(np.float32)


def _as(x, dtype):
    return x.astype(dtype).astype(np.float32)


def _reference(a, b, precision):
    """What a tensor-core product computes: inputs converted, float32 accumulation, result converted."""
    if precision == "tensorfloat32":  # TF32: 10-bit mantissa, float32 exponent; ml_dtypes has no TF32 type
        lo = round_mantissa(np, a, 13), round_mantissa(np, b, 13)
        return lo[0] @ lo[1]
    dt = ml_dtypes.bfloat16 if precision == "bfloat16" else np.float16
    return _as(_as(a, dt) @ _as(b, dt), dt)


def _product(a, b, precision, transpose_b=False):
    x = tf.placeholder(tf.float32, a.shape)
    w = tf.placeholder(tf.float32, b.shape)
    return tf.Session(matmul_precision=precision).run(tf.matmul(x, w, transpose_b=transpose_b), {x: a, w: b})


@pytest.mark.parametrize("precision", ["bfloat16", "float16", "tensorfloat32"])
def test_products_match_the_hardware_conversions(precision):
    got = _product(A, B, precision)
    want = _reference(A, B, precision)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert got.dtype == np.float32
    assert np.abs(got - A @ B).max() > 1e-4  # really lower precision than float32
    np.testing.assert_allclose(_product(A, B.T.copy(), precision, transpose_b=True), want, rtol=1e-6, atol=1e-6)


@pytest.mark.numpy_kernels("bit for bit against NumPy's BLAS")
def test_float32_is_the_default_and_exact():
    np.testing.assert_array_equal(_product(A, B, None), A @ B)
    np.testing.assert_array_equal(_product(A, B, "float32"), A @ B)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.integers(1, 64), elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_bfloat16_rounding_is_round_to_nearest_even_like_ml_dtypes(x):
    got = round_mantissa(np, x, 16)
    want = _as(x, ml_dtypes.bfloat16)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_float16_overflows_as_on_the_gpu():
    big = np.full((1, 1), 300.0, np.float32)  # 300 * 300 = 90000 > 65504, float16's largest value
    assert np.isinf(_product(big, big, "float16")).all()
    assert _product(big, big, "bfloat16")[0, 0] == pytest.approx(90112.0)  # bfloat16 keeps the range


def test_other_dtypes_are_unaffected():
    a, b = A.astype(np.float64), B.astype(np.float64)
    x = tf.constant(a)
    y = tf.constant(b)
    np.testing.assert_array_equal(tf.Session(matmul_precision="bfloat16").run(tf.matmul(x, y)), a @ b)


def test_gradients_run_at_the_same_precision_and_weights_stay_float32():
    x = tf.constant(A)
    w = tf.Variable(B)
    loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
    (g,) = tf.gradients(loss, [w])
    step = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
    out = {}
    for precision in ("float32", "bfloat16"):
        s = tf.Session(matmul_precision=precision)
        s.run(tf.global_variables_initializer())
        out[precision] = s.run(g)
        s.run(step)
        assert s.run(w).dtype == np.float32
    y = _reference(A, B, "bfloat16")
    want = _reference(A.T.copy(), _as(2 * y, np.float32), "bfloat16")  # dW = xᵀ · dY, a bfloat16 product too
    np.testing.assert_allclose(out["bfloat16"], want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(out["bfloat16"], out["float32"], rtol=0.05, atol=0.5)


def test_training_in_bfloat16_reaches_the_float32_loss():
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((256, 10)).astype(np.float32)
    ys = (xs[:, :3].sum(1) > 0).astype(np.int32)
    losses = {}
    for precision in ("float32", "bfloat16"):
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(0)
            x = tf.placeholder(tf.float32, (None, 10))
            y = tf.placeholder(tf.int32, (None,))
            h = tf.layers.dense(x, 32, activation=tf.nn.relu)
            loss = tf.losses.sparse_softmax_cross_entropy(y, tf.layers.dense(h, 2))
            step = tf.train.AdamOptimizer(0.01).minimize(loss)
            with tf.Session(matmul_precision=precision) as s:
                s.run(tf.global_variables_initializer())
                for _ in range(200):
                    s.run(step, {x: xs, y: ys})
                losses[precision] = s.run(loss, {x: xs, y: ys})
    assert losses["float32"] < 0.1 and losses["bfloat16"] < 0.1
    assert losses["bfloat16"] != losses["float32"]


def test_names_aliases_and_errors(monkeypatch):
    assert canonical("TF32") == "tensorfloat32" and canonical("bf16") == "bfloat16" and canonical(None) == "float32"
    with pytest.raises(ValueError, match="float32, tensorfloat32, bfloat16, float16"):
        tf.Session(matmul_precision="int8")
    monkeypatch.setenv(ENV_VAR, "float16")
    assert tf.Session()._ctx.matmul_precision == "float16"
    assert tf.Session(matmul_precision="float32")._ctx.matmul_precision == "float32"


def test_a_backend_without_its_own_low_precision_products_emulates_them_on_the_device():
    import os
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    import fakegpu

    fakegpu.register()
    x = tf.placeholder(tf.float32, A.shape)
    w = tf.Variable(B)
    p = tf.matmul(x, w)
    s = tf.Session(device="fakegpu", matmul_precision="bfloat16")
    s.run(tf.global_variables_initializer())
    got = s.run(p, {x: A})
    assert type(got) is np.ndarray
    np.testing.assert_allclose(got, _reference(A, B, "bfloat16"), rtol=1e-6, atol=1e-6)

"""The gemm pass (runtime/passes.py) and NumPy's BLAS bound through ctypes (runtime/blas.py): a gradient-descent
update of a weight has BLAS add the scaled product into the variable; results equal the unoptimized plan's up to
one rounding per step; errors, refusals and fallbacks as without the pass."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad.runtime import blas

pytestmark = [pytest.mark.skipif(not blas.available(), reason="NumPy's BLAS has no cblas_?gemm to bind here"),
              pytest.mark.cpu_only("the gemm pass binds NumPy's BLAS; a GPU plan keeps its products")]


@pytest.fixture(autouse=True)
def _passes_on(monkeypatch):
    monkeypatch.delenv("GRAPHGRAD_OPTIMIZE", raising=False)


# --- runtime/blas.py ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("layout", ["c", "f", "strided"])
def test_gemm_adds_the_scaled_product_for_every_layout(dtype, ta, tb, layout):
    rng = np.random.default_rng(0)
    m, k, n = 7, 5, 6

    def operand(rows, cols):
        x = rng.standard_normal((rows, 2 * cols)).astype(dtype)
        if layout == "strided":
            return x[:, ::2]
        x = x[:, :cols].copy()
        return np.asfortranarray(x) if layout == "f" else x

    a = operand(k, m) if ta else operand(m, k)
    b = operand(n, k) if tb else operand(k, n)
    c = rng.standard_normal((m, n)).astype(dtype)
    want = 0.5 * c - 0.25 * ((a.T if ta else a) @ (b.T if tb else b))
    assert blas.gemm(a, ta, b, tb, c, -0.25, 0.5)
    np.testing.assert_allclose(c, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_gemm_refuses_what_it_cannot_do_and_leaves_c_alone():
    a, b = np.ones((3, 4), np.float32), np.ones((4, 2), np.float32)
    cases = [
        (a, b, np.zeros((3, 2), np.float64)),               # dtypes differ
        (a, b, np.zeros((2, 3), np.float32).T),             # c not C-contiguous
        (a, b, np.zeros((3, 3), np.float32)),               # wrong shape
        (a.astype(np.float16), b.astype(np.float16), np.zeros((3, 2), np.float16)),  # no half gemm
        (a, np.ones((5, 2), np.float32), np.zeros((3, 2), np.float32)),  # contracted dimensions differ
    ]
    for x, y, c in cases:
        before = c.copy()
        assert not blas.gemm(x, False, y, False, c, 1.0, 1.0)
        np.testing.assert_array_equal(c, before)
    shared = np.ones((4, 4), np.float32)
    assert not blas.gemm(shared, False, np.ones((4, 4), np.float32), False, shared, 1.0, 1.0)  # c is an operand


# --- the pass --------------------------------------------------------------------------------------------------

def _mlp(dtype=tf.float32, width=128, optimizer=None, extra=None):
    """A 2-layer MLP trained by gradient descent; the first weight (40 x 128) is big enough for the pass."""
    rng = np.random.RandomState(0)
    x = tf.placeholder(dtype, [None, 40], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    w0 = tf.Variable(rng.randn(40, width).astype(dtype.as_numpy_dtype) * 0.2, name="w0")
    b0 = tf.Variable(np.zeros(width, dtype.as_numpy_dtype), name="b0")
    w1 = tf.Variable(rng.randn(width, 5).astype(dtype.as_numpy_dtype) * 0.2, name="w1")
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w0) + b0), w1)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    opt = optimizer or tf.train.GradientDescentOptimizer(0.3)
    grads = opt.compute_gradients(loss)
    train = opt.apply_gradients(grads)
    feeds = {x: rng.randn(24, 40).astype(dtype.as_numpy_dtype), y: rng.randint(0, 5, 24)}
    return train, [w0, b0, w1], loss, feeds, dict((v, g) for g, v in grads)


def _train(optimize, build, steps=6, fetch_extra=()):
    g = tf.Graph()
    with g.as_default():
        train, variables, loss, feeds, grads = build()
        with tf.Session(optimize=optimize) as s:
            s.run(tf.global_variables_initializer())
            losses = [s.run([train, loss] + [grads[variables[0]]] * bool(fetch_extra), feeds)[1]
                      for _ in range(steps)]
            plan = list(s._plans.values())[-1][0]
            return s.run(variables), losses, plan


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_descent_on_a_weight_is_added_by_blas_and_equals_the_unoptimized_run(dtype):
    on, losses_on, plan = _train(True, lambda: _mlp(dtype))
    off, losses_off, _ = _train(False, lambda: _mlp(dtype))
    assert [u for _, u in plan.rewrites["gemm"]] == ["GradientDescent/update_w0/ApplyGradientDescent"]
    assert "update_by_gemm" in repr(plan._ns["k%d" % plan.steps.index(
        next(op for op in plan.steps if op.name.endswith("update_w0/ApplyGradientDescent")))])
    tol = 1e-6 if dtype == tf.float32 else 1e-13
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    np.testing.assert_allclose(losses_on, losses_off, rtol=tol)


def test_a_fetched_gradient_or_a_small_variable_or_nesterov_keeps_the_product():
    _, _, plan = _train(True, _mlp, fetch_extra=True)  # the gradient is fetched: it must exist
    assert plan.rewrites["gemm"] == []
    _, _, plan = _train(True, lambda: _mlp(width=8))  # 40 x 8 = 320 elements: NumPy's path is cheaper
    assert plan.rewrites["gemm"] == []
    _, _, plan = _train(True, lambda: _mlp(optimizer=tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)))
    assert plan.rewrites["gemm"] == []  # Nesterov's step reads the gradient again


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_momentum_accumulates_by_blas_and_equals_the_unoptimized_run(dtype):
    def build():
        return _mlp(dtype, optimizer=tf.train.MomentumOptimizer(0.1, 0.9))

    on, losses_on, plan = _train(True, build, steps=8)
    off, losses_off, _ = _train(False, build, steps=8)
    assert plan.rewrites["gemm"] == [("gradients/MatMul_grad/MatMul_1", "Momentum/update_w0/ApplyMomentum")]
    tol = 1e-5 if dtype == tf.float32 else 1e-12
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    np.testing.assert_allclose(losses_on, losses_off, rtol=tol)


def test_a_product_of_variables_is_not_deferred_past_their_updates():
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.ones((64, 64), np.float32), name="a")
        w = tf.Variable(np.ones((64, 64), np.float32), name="w")
        upd_a = tf.assign_add(a, tf.ones((64, 64)))
        with tf.control_dependencies([upd_a]):
            step = tf.train.GradientDescentOptimizer(0.5).apply_gradients([(tf.matmul(a, a), w)])
        results = []
        for optimize in (True, False):
            with tf.Session(optimize=optimize) as s:
                s.run(tf.global_variables_initializer())
                s.run(step)
                results.append(s.run(w))
                if optimize:
                    assert list(s._plans.values())[0][0].rewrites["gemm"] == []
        np.testing.assert_array_equal(*results)


def test_errors_and_fallbacks_are_the_unoptimized_run_s():
    """A vector learning rate (fed) and a contracted dimension that differs at run time raise what they raised
    without the pass, and leave every variable as it was."""
    for optimize in (True, False):
        g = tf.Graph()
        with g.as_default():
            lr = tf.placeholder(tf.float32, None, name="lr")
            x = tf.placeholder(tf.float32, [None, 64], name="x")
            d = tf.placeholder(tf.float32, [None, 64], name="d")
            w = tf.Variable(np.ones((64, 64), np.float32), name="w")
            step = tf.train.GradientDescentOptimizer(lr).apply_gradients(
                [(tf.matmul(x, d, transpose_a=True), w)])
            with tf.Session(optimize=optimize) as s:
                s.run(tf.global_variables_initializer())
                ones = np.ones((3, 64), np.float32)
                s.run(step, {lr: 0.5, x: ones, d: ones})
                np.testing.assert_array_equal(s.run(w), np.full((64, 64), -0.5, np.float32))
                with pytest.raises(tf.errors.InvalidArgumentError) as vector:
                    s.run(step, {lr: np.ones(2, np.float32), x: ones, d: ones})
                with pytest.raises(tf.errors.InvalidArgumentError) as mismatch:
                    s.run(step, {lr: 0.5, x: ones, d: np.ones((4, 64), np.float32)})
                np.testing.assert_array_equal(s.run(w), np.full((64, 64), -0.5, np.float32))
                if optimize:
                    assert any(p.rewrites["gemm"] for p, _ in s._plans.values())
                    on = (str(vector.value), str(mismatch.value), mismatch.value.op.name)
                else:
                    assert (str(vector.value), str(mismatch.value), mismatch.value.op.name) == on
    assert on[2] == "MatMul"


def test_the_switch_turns_it_off(monkeypatch):
    monkeypatch.setattr(blas, "_GEMM", {})
    _, _, plan = _train(True, _mlp)
    assert plan.rewrites["gemm"] == []


@settings(max_examples=25, deadline=None)
@given(m=st.integers(64, 90), n=st.integers(64, 90), k=st.integers(1, 20), ta=st.booleans(), tb=st.booleans(),
       lr=st.floats(-2, 2, allow_nan=False, width=32), seed=st.integers(0, 2**31 - 1))
def test_any_product_added_into_a_variable_matches_the_unoptimized_update(m, n, k, ta, tb, lr, seed):
    """Every transpose combination and shape (batch-like k unknown while building): the pass fires, and the
    variable after two steps equals the unoptimized plan's up to one rounding per step."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    w0 = rng.standard_normal((m, n)).astype(np.float32)
    got = []
    for optimize in (True, False):
        g = tf.Graph()
        with g.as_default():
            pa = tf.placeholder(tf.float32, [None, m] if ta else [m, None])
            pb = tf.placeholder(tf.float32, [n, None] if tb else [None, n])
            w = tf.Variable(w0)
            step = tf.train.GradientDescentOptimizer(lr).apply_gradients(
                [(tf.matmul(pa, pb, transpose_a=ta, transpose_b=tb), w)])
            with tf.Session(optimize=optimize) as s:
                s.run(tf.global_variables_initializer())
                s.run(step, {pa: a, pb: b})
                s.run(step, {pa: a, pb: b})
                got.append(s.run(w))
                assert any(p.rewrites["gemm"] for p, _ in s._plans.values()) == optimize
    scale = np.abs(w0).max() + 2 * abs(lr) * np.abs((a.T if ta else a) @ (b.T if tb else b)).max()
    np.testing.assert_allclose(got[0], got[1], rtol=0, atol=4 * np.finfo(np.float32).eps * scale)


def _unrolled(optimizer, steps=5, l2=0.0):
    """A recurrent net unrolled by hand (the Jacobian lecture's RNN): one weight used at every step, so its
    gradient is the AddN of one product per step."""
    rng = np.random.RandomState(0)
    xs = [tf.placeholder(tf.float32, [None, 64], name=f"x{t}") for t in range(steps)]
    w = tf.Variable(rng.randn(64, 64).astype(np.float32) * 0.1, name="w")
    u = tf.Variable(rng.randn(64, 64).astype(np.float32) * 0.1, name="u")
    h = tf.zeros([tf.shape(xs[0])[0], 64])
    for x in xs:
        h = tf.tanh(tf.matmul(x, u) + tf.matmul(h, w))
    loss = tf.reduce_mean(tf.square(h - 0.5))
    if l2:
        loss += l2 * tf.nn.l2_loss(w)
    train = optimizer.minimize(loss)
    feeds = {x: rng.randn(16, 64).astype(np.float32) for x in xs}
    return train, loss, [w, u], feeds


@pytest.mark.parametrize("make", [lambda: tf.train.GradientDescentOptimizer(0.5),
                                  lambda: tf.train.MomentumOptimizer(0.2, 0.9)], ids=["sgd", "momentum"])
def test_a_weight_used_at_every_step_adds_each_product_by_blas(make):
    got = []
    for optimize in (True, False):
        g = tf.Graph()
        with g.as_default():
            train, loss, variables, feeds = _unrolled(make())
            with tf.Session(optimize=optimize) as s:
                s.run(tf.global_variables_initializer())
                losses = [s.run([train, loss], feeds)[1] for _ in range(6)]
                got.append((s.run(variables), losses))
                if optimize:
                    rewrites = next(p for p, _ in s._plans.values() if p.rewrites["gemm"]).rewrites["gemm"]
                    sums = [products for products, _ in rewrites if isinstance(products, list)]
                    assert [len(p) for p in sums] == [5, 5]  # w and u: one product per step
    for a, b in zip(got[0][0], got[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-5)


def test_a_sum_with_a_term_that_is_no_product_keeps_its_kernels():
    g = tf.Graph()
    with g.as_default():
        train, loss, variables, feeds = _unrolled(tf.train.GradientDescentOptimizer(0.5), l2=1e-3)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(train, feeds)
            rewrites = next(p for p, _ in s._plans.values()
                            if any(op.type == "ApplyGradientDescent" for op in p.ops)).rewrites["gemm"]
    assert [u for _, u in rewrites] == ["GradientDescent/update_u/ApplyGradientDescent"]  # w's sum has w·l2


@pytest.mark.parametrize("rows", [(3, 0), (0, 3), (0, 0)])
def test_a_sum_whose_products_blas_refuses_in_part_equals_the_unoptimized_update(rows):
    """An empty contraction (no rows fed) is no BLAS call: first, later or every product of a sum."""
    rng = np.random.default_rng(1)
    values = [rng.standard_normal((rows[i // 2], 64)).astype(np.float32) for i in range(4)]
    got = []
    for optimize in (True, False):
        g = tf.Graph()
        with g.as_default():
            ps = [tf.placeholder(tf.float32, [None, 64]) for _ in range(4)]
            w = tf.Variable(np.ones((64, 64), np.float32))
            grad = tf.add_n([tf.matmul(ps[0], ps[1], transpose_a=True), tf.matmul(ps[2], ps[3], transpose_a=True)])
            step = tf.train.GradientDescentOptimizer(0.25).apply_gradients([(grad, w)])
            feeds = dict(zip(ps, values))
            with tf.Session(optimize=optimize) as s:
                s.run(tf.global_variables_initializer())
                s.run(step, feeds)
                got.append(s.run(w))
                assert any(p.rewrites["gemm"] for p, _ in s._plans.values()) == optimize
    np.testing.assert_allclose(got[0], got[1], rtol=1e-6, atol=1e-6)


@pytest.mark.host_process("sets the switch in a fresh process")
def test_the_environment_switch_turns_it_off_in_a_fresh_process():
    code = ("import graphgrad as tf\nfrom graphgrad.runtime import blas\nassert not blas.available()\n"
            "w = tf.Variable(tf.ones((64, 64)))\nx = tf.placeholder(tf.float32, (None, 64))\n"
            "step = tf.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(tf.matmul(x, w)))\n"
            "s = tf.Session()\ns.run(tf.global_variables_initializer())\ns.run(step, {x: [[1.0] * 64]})\n"
            "assert s.run(w)[0, 0] == 0.5\n"
            "assert not any(p.rewrites['gemm'] for p, _ in s._plans.values())\nprint('ok')\n")
    env = dict(os.environ, GRAPHGRAD_BLAS_GEMM="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr

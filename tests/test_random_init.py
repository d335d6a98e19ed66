"""Random ops, TF1 seed rules and initializers. Statistical checks use fixed seeds (they cannot flake) and
loose bounds on large samples."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.framework import random_seed
from graphgrad.ops import init_ops, random_ops


def run(fetch, feed=None):
    with tf.Session() as s:
        return s.run(fetch, feed)


# --- seeds ----------------------------------------------------------------------------------------------

def test_get_seed_follows_tf1_rules():
    assert random_seed.get_seed(None) == (None, None)
    assert random_seed.get_seed(7) == (random_seed.DEFAULT_GRAPH_SEED, 7)
    tf.set_random_seed(3)
    assert tf.get_default_graph().seed == 3
    assert random_seed.get_seed(7) == (3, 7)
    first = random_seed.get_seed(None)
    tf.constant(1.0)
    second = random_seed.get_seed(None)
    assert first[0] == second[0] == 3 and first[1] != second[1]  # the op counter makes ops differ
    tf.set_random_seed(0)
    assert random_seed.get_seed(0) == (0, 2**31 - 1)  # (0, 0) would mean "nondeterministic"
    assert random_seed.get_seed(2**40)[1] < 2**31
    assert tf.get_seed is random_seed.get_seed and tf.set_random_seed is random_seed.set_random_seed


def test_graph_seed_repeats_in_each_new_session_and_ops_differ():
    tf.set_random_seed(42)
    a = tf.random_uniform((4,))
    b = tf.random_uniform((4,))
    with tf.Session() as s:
        a1, b1 = s.run([a, b])
        a2 = s.run(a)
    with tf.Session() as s:
        a3, b3 = s.run([a, b])
    np.testing.assert_array_equal(a1, a3)
    np.testing.assert_array_equal(b1, b3)
    assert not np.array_equal(a1, b1)  # same graph seed, different ops
    assert not np.array_equal(a1, a2)  # a session's stream moves on between runs


def test_op_seeds_and_no_seed():
    a = tf.random_normal((5,), seed=1)
    b = tf.random_normal((5,), seed=2)
    c = tf.random_normal((5,))
    a1, b1, c1 = run([a, b, c])
    a2, c2 = run([a, c])
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, b1)
    assert not np.array_equal(c1, c2)  # no seed at all: fresh numbers per session
    with tf.Graph().as_default():  # an op seed alone is reproducible across graphs
        again = run(tf.random_normal((5,), seed=1))
    np.testing.assert_array_equal(a1, again)


SCRIPT = """
import json, graphgrad as tf
tf.set_random_seed(1234)
ops = [tf.random_uniform((3,)), tf.random_normal((2, 2), seed=5), tf.truncated_normal((3,)),
       tf.random_uniform((2,), maxval=100, dtype=tf.int32), tf.get_variable("w", shape=(2, 3))]
init = tf.global_variables_initializer()
with tf.Session() as s:
    s.run(init)
    print(json.dumps([v.tolist() for v in s.run(ops)]))
"""


@pytest.mark.host_process("compares with a child process")
def test_seeded_numbers_are_identical_in_another_process():
    with tf.Graph().as_default():
        import io
        from contextlib import redirect_stdout

        buf = io.StringIO()
        with redirect_stdout(buf):
            exec(SCRIPT, {})
        here = json.loads(buf.getvalue())
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == here


# --- distributions --------------------------------------------------------------------------------------

def test_random_uniform_float_and_int():
    tf.set_random_seed(1)
    u = tf.random_uniform((20000,), minval=-2.0, maxval=3.0)
    assert u.op.name == "random_uniform" and u.dtype == tf.float32 and u.shape.as_list() == [20000]
    i = tf.random_uniform((20000,), minval=-3, maxval=4, dtype=tf.int32)
    d = tf.random_uniform((2, 3), dtype=tf.float64)
    h = tf.random_uniform((1000,), dtype=tf.float16)
    uv, iv, dv, hv = run([u, i, d, h])
    assert uv.dtype == np.float32 and uv.min() >= -2.0 and uv.max() < 3.0
    assert abs(uv.mean() - 0.5) < 0.05 and abs(uv.var() - 25 / 12) < 0.1
    assert iv.dtype == np.int32 and set(np.unique(iv)) == set(range(-3, 4))
    assert dv.dtype == np.float64 and dv.shape == (2, 3)
    assert hv.dtype == np.float16 and 0 <= hv.min() and hv.max() <= 1
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random_uniform((2,), dtype=tf.int32)
    with pytest.raises(ValueError):
        tf.random_uniform((2,), minval=5, maxval=5, dtype=tf.int64)


def test_random_uniform_with_tensor_bounds_and_tensor_shape():
    tf.set_random_seed(2)
    hi = tf.placeholder(tf.float32, ())
    u = tf.random_uniform((1000,), minval=1.0, maxval=hi)
    assert u.op.name == "random_uniform" and u.shape.as_list() == [1000]
    v = run(u, {hi: 3.0})
    assert v.min() >= 1.0 and v.max() < 3.0 and abs(v.mean() - 2.0) < 0.1
    x = tf.placeholder(tf.float32, (None, 3))
    r = tf.random_normal(tf.shape(x))
    assert r.shape.as_list() == [None, 3]
    assert run(r, {x: np.zeros((4, 3))}).shape == (4, 3)
    k = tf.random_uniform(tf.shape(x), maxval=10, dtype=tf.int64)
    assert run(k, {x: np.zeros((2, 3))}).dtype == np.int64


def test_random_normal_and_truncated_normal_moments():
    tf.set_random_seed(3)
    n = tf.random_normal((50000,), mean=1.0, stddev=2.0)
    t = tf.truncated_normal((50000,), mean=-1.0, stddev=0.5)
    t64 = tf.truncated_normal((3, 4), dtype=tf.float64)
    assert n.op.name == "random_normal" and t.op.name == "truncated_normal"
    nv, tv, t64v = run([n, t, t64])
    assert abs(nv.mean() - 1.0) < 0.05 and abs(nv.std() - 2.0) < 0.05
    assert np.abs(tv + 1.0).max() <= 2 * 0.5 + 1e-6
    # a standard normal truncated at ±2 has standard deviation 0.87962566103423978
    assert abs(tv.mean() + 1.0) < 0.02 and abs(tv.std() / 0.5 - 0.8796) < 0.02
    assert t64v.dtype == np.float64
    m = tf.placeholder(tf.float32, ())
    shifted = tf.random_normal((2000,), mean=m, stddev=0.1)
    assert abs(run(shifted, {m: 5.0}).mean() - 5.0) < 0.05
    with pytest.raises(TypeError):
        tf.random_normal((2,), dtype=tf.int32)


def test_random_shuffle_and_multinomial():
    tf.set_random_seed(4)
    x = np.arange(20).reshape(10, 2)
    s = tf.random_shuffle(x)
    v = run(s)
    assert not np.array_equal(v, x)
    assert sorted(map(tuple, v)) == sorted(map(tuple, x))
    logits = np.log(np.array([[0.1, 0.6, 0.3], [0.98, 0.01, 0.01]]))
    m = tf.multinomial(logits, 20000)
    assert m.dtype == tf.int64 and m.shape.as_list() == [2, 20000]
    mv = run(m)
    freq = np.stack([np.bincount(row, minlength=3) / row.size for row in mv])
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.02)


def test_random_ops_are_not_differentiable_but_gradients_reach_tensor_bounds():
    x = tf.placeholder(tf.float32, (3,))
    r = tf.random_uniform(tf.shape(x))
    assert tf.gradients(r, x) == [None]
    lo = tf.constant(1.0)
    u = tf.random_uniform((4,), minval=lo, maxval=2.0, seed=1)
    (g,) = tf.gradients(u, lo)
    uv, gv = run([u, g])
    np.testing.assert_allclose(gv, np.sum(1.0 - (uv - 1.0)), rtol=1e-5)


# --- initializers ---------------------------------------------------------------------------------------

def test_compute_fans():
    fans = init_ops._compute_fans
    assert fans([]) == (1, 1)
    assert fans([5]) == (5, 5)
    assert fans([3, 4]) == (3, 4)
    assert fans([3, 3, 16, 32]) == (3 * 3 * 16, 3 * 3 * 32)
    assert fans(tf.TensorShape([2, 5, 7])) == (10, 14)


def test_get_variable_default_is_glorot_uniform():
    tf.set_random_seed(5)
    x = tf.get_variable("x", shape=(3, 4))
    big = tf.get_variable("big", shape=(200, 300))
    assert x.initial_value.op.name == "x/Initializer/random_uniform"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        xv, bv = s.run([x, big])
    lim = math.sqrt(6 / 7)
    assert xv.dtype == np.float32 and np.abs(xv).max() <= lim
    blim = math.sqrt(6 / 500)
    assert np.abs(bv).max() <= blim and np.abs(bv).max() > 0.99 * blim
    assert abs(bv.var() - blim**2 / 3) < 0.05 * blim**2 / 3
    s = tf.get_variable("s", shape=())  # the lecture's scalar variable: fans 1, 1
    with tf.Session() as sess:
        sess.run(s.initializer)
        assert abs(sess.run(s)) <= math.sqrt(3)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal", "uniform"])
def test_variance_scaling_variance(mode, distribution):
    shape = (4, 4, 30, 50)
    fan_in, fan_out = 16 * 30, 16 * 50
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    init = tf.variance_scaling_initializer(scale=2.0, mode=mode, distribution=distribution, seed=11)
    v = run(init(shape))
    assert v.shape == shape and v.dtype == np.float32
    assert abs(v.var() / (2.0 / n) - 1) < 0.05
    if distribution == "uniform":
        assert np.abs(v).max() <= math.sqrt(3 * 2.0 / n)
    elif distribution != "untruncated_normal":
        assert np.abs(v).max() <= 2 * math.sqrt(2.0 / n) / 0.87962566103423978


def test_named_variance_scaling_initializers():
    shape = (400, 250)
    cases = {
        "glorot_uniform": (tf.glorot_uniform_initializer(seed=1), 2 / 650),
        "glorot_normal": (tf.glorot_normal_initializer(seed=1), 2 / 650),
        "he_normal": (tf.he_normal(seed=1), 2 / 400),
        "he_uniform": (tf.he_uniform(seed=1), 2 / 400),
        "lecun_normal": (tf.lecun_normal(seed=1), 1 / 400),
        "lecun_uniform": (tf.lecun_uniform(seed=1), 1 / 400),
    }
    values = run({k: init(shape) for k, (init, _) in cases.items()})
    for k, (_, var) in cases.items():
        assert abs(values[k].var() / var - 1) < 0.05, k
    assert np.abs(values["glorot_uniform"]).max() <= math.sqrt(6 / 650)
    assert np.abs(values["he_uniform"]).max() <= math.sqrt(6 / 400)
    assert isinstance(tf.glorot_uniform_initializer(), tf.variance_scaling_initializer)
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="floating point"):
        tf.glorot_uniform_initializer()((2, 2), dtype=tf.int32)


def test_simple_initializers():
    z = tf.zeros_initializer()((2, 3))
    o = tf.ones_initializer(dtype=tf.int32)([4])
    c = tf.constant_initializer([1.0, 2.0])((2, 2))
    c2 = tf.constant_initializer(3)((2,), dtype=tf.float64)
    cbig = tf.constant_initializer(0.5)((50, 50))
    ru = tf.random_uniform_initializer(-1.0, 1.0, seed=3)((1000,))
    rn = tf.random_normal_initializer(mean=2.0, stddev=0.5, seed=3)((4000,))
    tn = tf.truncated_normal_initializer(stddev=0.1, seed=3)((4000,))
    uu = tf.uniform_unit_scaling_initializer(factor=2.0, seed=3)((12, 5))
    zv, ov, cv, c2v, cbv, ruv, rnv, tnv, uuv = run([z, o, c, c2, cbig, ru, rn, tn, uu])
    np.testing.assert_array_equal(zv, np.zeros((2, 3)))
    assert ov.dtype == np.int32 and ov.tolist() == [1, 1, 1, 1]
    np.testing.assert_array_equal(cv, [[1.0, 2.0], [2.0, 2.0]])  # TF1 pads with the last value
    assert c2v.dtype == np.float64 and c2v.tolist() == [3.0, 3.0]
    assert cbv.shape == (50, 50) and (cbv == 0.5).all()
    assert -1 <= ruv.min() and ruv.max() < 1 and abs(ruv.mean()) < 0.1
    assert abs(rnv.mean() - 2.0) < 0.05 and abs(rnv.std() - 0.5) < 0.05
    assert np.abs(tnv).max() <= 0.2
    assert np.abs(uuv).max() <= 2.0 * math.sqrt(3 / 12)
    with pytest.raises(ValueError, match="Too many elements"):
        tf.constant_initializer([1, 2, 3])((2,))
    with pytest.raises(TypeError):
        tf.constant_initializer([1, 2], verify_shape=True)((2, 2))
    with pytest.raises(TypeError):
        tf.constant_initializer({"a": 1})


def test_initializer_seeds_make_values_reproducible_across_graphs():
    def values():
        with tf.Graph().as_default():
            return run([tf.truncated_normal_initializer(seed=9)((3, 3)), tf.glorot_uniform_initializer(seed=9)((3,))])
    a, b = values(), values()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_get_variable_with_initializers_and_graph_seed():
    def build():
        tf.set_random_seed(17)
        w = tf.get_variable("w", shape=(3, 2), initializer=tf.truncated_normal_initializer(stddev=0.1))
        b = tf.get_variable("b", shape=(2,), initializer=tf.zeros_initializer())
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            return s.run([w, b])
    with tf.Graph().as_default():
        w1, b1 = build()
    with tf.Graph().as_default():
        w2, b2 = build()
    np.testing.assert_array_equal(w1, w2)
    assert np.abs(w1).max() <= 0.2 and (b1 == 0).all()


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 5)])
def test_orthogonal_initializer(shape):
    v = run(tf.orthogonal_initializer(gain=2.0, seed=4)(shape))
    assert v.shape == shape and v.dtype == np.float32
    flat = v.reshape(-1, shape[-1]) / 2.0
    small = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-5)
    with pytest.raises(ValueError):
        tf.orthogonal_initializer()((3,))


def test_identity_initializer_and_config_round_trip():
    v = run(init_ops.identity_initializer(gain=3.0)((2, 3)))
    np.testing.assert_array_equal(v, 3.0 * np.eye(2, 3))
    init = tf.variance_scaling_initializer(scale=3.0, mode="fan_out", distribution="uniform", seed=2)
    again = tf.variance_scaling_initializer.from_config(init.get_config())
    assert again.get_config() == init.get_config()
    assert random_ops.__all__ and "glorot_uniform_initializer" in init_ops.__all__

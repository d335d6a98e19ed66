"""tf.random's stateless ops and Generator beyond the TF recordings (tests/test_tf1_conformance.py compares their
values with TF's bit for bit): the Philox streams against TF's documented examples, determinism, the samplers'
distributions (fixed seeds, so they cannot flake; tolerances several standard errors wide), gradients, eager mode
and errors."""
import math

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode
from graphgrad.ops import philox_draws, philox_samplers


def run(fetch):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(fetch)


def test_split_fold_in_and_normal_equal_tfs_documented_values():
    # the examples in TF's docstrings of tf.random.split / fold_in
    seeds, folded = run([tf.random.split([1, 2], num=3), tf.random.fold_in([1, 2], 3)])
    np.testing.assert_array_equal(seeds, [[1105988140, 1738052849], [-335576002, 370444179],
                                          [10670227, -246211131]])
    np.testing.assert_array_equal(folded, [1105988140, 3])
    assert seeds.dtype == np.int32
    a, b = run([tf.random.stateless_normal([3], seeds[0]), tf.random.stateless_normal([3], folded)])
    # printed with 8 digits there; the recordings compare bits
    np.testing.assert_allclose(a, [-0.59835213, -0.9578608, 0.9002807], rtol=1e-7)
    np.testing.assert_allclose(b, [0.03197195, 0.8979765, 0.13253039], rtol=1e-6)


def test_same_seed_same_numbers_other_seed_other_numbers():
    x = tf.random.stateless_uniform([4, 3], seed=[7, 8])
    y = tf.random.stateless_uniform([4, 3], seed=[7, 8])
    z = tf.random.stateless_uniform([4, 3], seed=[8, 7])
    a, b, c = run([x, y, z])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(a, run(x))  # a new session repeats them too


def test_seed_fed_at_run_time():
    seed = tf.placeholder(tf.int64, [2])
    x = tf.random.stateless_normal([5], seed)
    with tf.Session() as s:
        a = s.run(x, {seed: [3, 4]})
        np.testing.assert_array_equal(a, s.run(tf.random.stateless_normal([5], [3, 4])))
        assert not np.array_equal(a, s.run(x, {seed: [4, 3]}))


def test_uniform_bounds_and_integer_ranges():
    f, i, full = run([tf.random.stateless_uniform([2000], [1, 2], -2.0, 3.0),
                      tf.random.stateless_uniform([2000], [1, 2], -3, 4, dtype=tf.int64),
                      tf.random.stateless_uniform([2000], [1, 2], None, None, dtype=tf.int32)])
    assert f.min() >= -2 and f.max() < 3 and abs(f.mean() - 0.5) < 0.1
    assert sorted(np.unique(i).tolist()) == list(range(-3, 4)) and i.dtype == np.int64
    assert full.min() < -2**30 and full.max() > 2**30


def test_truncated_normal_stays_within_two_stddevs():
    t = run(tf.random.stateless_truncated_normal([5000], [5, 6], mean=1.0, stddev=0.5, dtype=tf.float64))
    assert t.min() > 0.0 and t.max() < 2.0 and abs(t.mean() - 1.0) < 0.02


def test_categorical_follows_the_probabilities():
    logits = np.log(np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], np.float32) + 1e-30)
    s = run(tf.random.stateless_categorical(logits, 20000, [1, 1]))
    np.testing.assert_allclose(np.bincount(s[0], minlength=3) / 20000, [0.2, 0.3, 0.5], atol=0.015)
    assert (s[1] == 0).all()


def _truncated_moments(a, b):
    """Mean and variance of the standard normal restricted to [a, b]."""
    pdf = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) if math.isfinite(v) else 0.0 for v in (a, b)]
    mass = (math.erf(b / math.sqrt(2)) - math.erf(a / math.sqrt(2))) / 2
    mean = (pdf[0] - pdf[1]) / mass
    ta, tb = (v * p if math.isfinite(v) else 0.0 for v, p in zip((a, b), pdf))
    return mean, 1 + (ta - tb) / mass - mean * mean


@pytest.mark.parametrize("lo,hi", [(-2.0, 2.0), (-0.3, 0.2), (0.5, 0.6), (2.5, 4.0), (3.0, np.inf),
                                   (-np.inf, -4.0), (-1.0, np.inf)])
def test_parameterized_truncated_normal_distribution(lo, hi):
    # TF's sampler picks among the same three methods by other thresholds: the distribution is checked, with the
    # sample moments within 5 standard errors of the exact truncated normal's (n = 20000, a fixed seed)
    n = 20000
    x = run(tf.random.stateless_parameterized_truncated_normal([n], [4, 2], 1.0, 2.0, 1.0 + 2 * lo, 1.0 + 2 * hi))
    z = (x.astype(np.float64) - 1.0) / 2.0
    mean, var = _truncated_moments(lo, hi)
    assert z.min() >= lo - 1e-6 and z.max() <= hi + 1e-6
    assert abs(z.mean() - mean) < 5 * math.sqrt(var / n)
    assert abs(z.var() - var) < 0.05 * var + 1e-4


def test_samplers_distributions():
    g, p, b = run([tf.random.stateless_gamma([20000], [1, 2], 2.5, beta=2.0),
                   tf.random.stateless_poisson([20000, 2], [1, 2], [3.0, 40.0]),
                   tf.random.stateless_binomial([20000, 2], [1, 2], [8.0, 100.0], [0.3, 0.8])])
    assert abs(g.mean() - 1.25) < 0.03 and abs(g.var() - 0.625) < 0.05
    np.testing.assert_allclose(p.mean(0), [3.0, 40.0], rtol=0.02)
    np.testing.assert_allclose(p.var(0), [3.0, 40.0], rtol=0.06)
    np.testing.assert_allclose(b.mean(0), [2.4, 80.0], rtol=0.02)
    np.testing.assert_allclose(b.var(0), [1.68, 16.0], rtol=0.06)


def test_stateless_gamma_gradient_reaches_alpha_and_beta():
    alpha, beta = tf.constant([0.7, 3.0]), tf.constant(2.0)
    g = tf.random.stateless_gamma([4, 2], [5, 6], alpha, beta)
    da, db = tf.gradients(tf.reduce_sum(g), [alpha, beta])
    ga, gb, x = run([da, db, g])
    # d(x/beta)/d beta = -x/beta; the alpha gradient is positive (a larger shape moves every draw up)
    np.testing.assert_allclose(gb, -x.sum() / 2.0, rtol=1e-5)
    assert (ga > 0).all()


def test_generator_streams_continue_and_reset():
    gen = tf.random.Generator.from_seed(5)
    a, b = gen.normal([3]), gen.uniform([4], 0, 10, dtype=tf.int32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a1, a2 = s.run(a), s.run(a)
        assert not np.array_equal(a1, a2)
        np.testing.assert_array_equal(s.run(gen.state), [5 + 6 * 256, 0, 0])  # 256 blocks per output
        s.run(gen.reset_from_seed(5))
        np.testing.assert_array_equal(s.run(a), a1)
        assert s.run(b).max() < 10
        s.run(gen.reset([0, 0, 9]))
        np.testing.assert_array_equal(s.run(gen.state), [0, 0, 9])


def test_generator_split_and_seeds():
    gen = tf.random.Generator.from_seed([1, 2])
    kids = gen.split(2)
    seeds = gen.make_seeds(3)
    with tf.Session() as s:
        s.run(gen.state.initializer)  # the children's states are drawn from it
        s.run([k.state.initializer for k in kids])
        states = s.run([k.state for k in kids])
        assert [st[:2].tolist() for st in states] == [[0, 0], [0, 0]] and states[0][2] != states[1][2]
        sd = s.run(seeds)
        assert sd.shape == (2, 3) and (sd[1] == 0).all()


def test_global_generator_is_per_graph_and_replaceable():
    g1 = tf.random.get_global_generator()
    assert tf.random.get_global_generator() is g1
    mine = tf.random.Generator.from_seed(1)
    tf.random.set_global_generator(mine)
    assert tf.random.get_global_generator() is mine
    with tf.Graph().as_default():
        assert tf.random.get_global_generator() is not mine
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        x, y = s.run([g1.state, tf.random.Generator.from_non_deterministic_state().state.initial_value])
    assert x.shape == (3,) and y.shape == (3,)


def test_eager_generator_and_stateless():
    with eager_mode():
        gen = tf.random.Generator.from_seed(5)
        first = gen.normal([3]).numpy()
        np.testing.assert_array_equal(gen.state.numpy(), [5 + 768, 0, 0])
        np.testing.assert_allclose(first, [1.0278524, 0.27974114, -0.01347923], rtol=1e-6)  # TF, printed
        x = tf.random.stateless_uniform([3], [1, 2]).numpy()
    np.testing.assert_array_equal(x, run(tf.random.stateless_uniform([3], [1, 2])))


def test_algorithms_and_errors():
    assert tf.random.Algorithm.PHILOX.value == 1 and tf.random.Algorithm.AUTO_SELECT.value == 3
    a, b = run([tf.random.stateless_uniform([4], [1, 2], alg="philox"),
                tf.random.stateless_uniform([4], [1, 2], alg=tf.random.Algorithm.AUTO_SELECT)])
    np.testing.assert_array_equal(a, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unsupported algorithm id: 2"):
        tf.random.stateless_uniform([2], [1, 2], alg="threefry")
    with pytest.raises(ValueError, match="unsupported value"):
        tf.random.stateless_uniform([2], [1, 2], alg="mersenne")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need minval < maxval: 3 >= 3"):
        run(tf.random.stateless_uniform([2], [1, 2], 3, 3, dtype=tf.int32))
    with pytest.raises(TypeError, match="int32, int64"):
        tf.random.stateless_normal([2], tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(run(tf.random.create_rng_state(2**64 + 7, "philox")), [7, 1, 0])


def test_random_poisson_shapes_and_seeds():
    tf.set_random_seed(3)
    x = tf.random.poisson([2.0, 30.0], [1000])
    y = tf.random_poisson(4.0, [2, 3], dtype=tf.int32, seed=1)
    assert x.shape.as_list() == [1000, 2] and y.dtype == tf.int32
    a = run(x)
    np.testing.assert_array_equal(a, run(x))
    np.testing.assert_allclose(a.mean(0), [2.0, 30.0], rtol=0.08)


def test_vectorized_philox_matches_the_scalar_generator():
    # the stream of ops/philox.py's Philox (TF's stateful kernels) equals the vectorized blocks, carry included
    from graphgrad.ops.philox import Philox

    ref = Philox(123, 2**64 - 1)
    ref._counter = (2**64 - 1) << 64 | (2**64 - 2)
    want = [ref() for _ in range(12)]
    got = philox_draws.blocks((123, 0), (2**64 - 1) << 64 | (2**64 - 2), 3).reshape(-1).tolist()
    assert got == want


def test_libm_fallback_is_close():
    x = np.linspace(1e-6, 1, 1000, dtype=np.float32)
    exact = philox_draws.libm("logf", x)
    np.testing.assert_allclose(exact, np.log(x.astype(np.float64)), rtol=2e-7)
    assert philox_samplers._tail(np.array([3.0, 20.0])).shape == (2,)


def test_random_index_shuffle_is_a_permutation_and_checks_rounds():
    from graphgrad.ops.index_shuffle_ops import experimental_index_shuffle

    x = tf.random_index_shuffle(tf.range(1000, dtype=tf.int64), [7, 1, 2], tf.constant(999, tf.int64))
    y = experimental_index_shuffle(tf.range(4), [5, 9], 3)  # TF's docstring example
    a, b, c = run([x, y, tf.random_index_shuffle(0, [1, 2, 3], 0)])
    assert sorted(a.tolist()) == list(range(1000)) and a.dtype == np.int64 and a[:10].tolist() != list(range(10))
    assert b.tolist() == [2, 0, 1, 3] and c == 0
    with pytest.raises(ValueError, match="even integer >= 4"):
        tf.random_index_shuffle(0, [1, 2, 3], 9, rounds=5)
    with pytest.raises(ValueError, match=r"\[3\] or \[n, 3\]"):
        tf.random_index_shuffle(0, [1, 2], 9)

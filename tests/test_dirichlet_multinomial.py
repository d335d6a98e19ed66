"""tf.distributions.DirichletMultinomial beyond the TF recording (distributions_dirichlet_multinomial): sample
moments against the closed forms (a fixed seed, 4000 draws, tolerances of several standard errors), and errors."""
import numpy as np
import pytest

import graphgrad as tf


def test_sample_moments_match_mean_and_variance():
    d = tf.distributions.DirichletMultinomial(6.0, [[1.0, 2.0, 3.0], [4.0, 0.5, 0.5]])
    x = d.sample(4000, seed=11)
    with tf.Session() as s:
        xv, mean, var = s.run([x, d.mean(), d.variance()])
    assert xv.shape == (4000, 2, 3) and (xv.sum(-1) == 6).all()
    np.testing.assert_allclose(mean, [[1, 2, 3], [4.8, 0.6, 0.6]], rtol=1e-6)
    np.testing.assert_allclose(xv.mean(0), mean, atol=6 * np.sqrt(var.max() / 4000))
    np.testing.assert_allclose(xv.var(0), var, rtol=0.1)


def test_log_prob_sums_to_one_over_all_counts():
    d = tf.distributions.DirichletMultinomial(3.0, [0.7, 1.3, 2.0])
    counts = np.array([[a, b, 3 - a - b] for a in range(4) for b in range(4 - a)], np.float32)
    with tf.Session() as s:
        p = s.run(d.prob(counts))
    np.testing.assert_allclose(p.sum(), 1.0, rtol=1e-5)


def test_sample_needs_a_static_scalar_total_count():
    n = tf.placeholder(tf.float32, [])
    with pytest.raises(ValueError, match="scalar total_count"):
        tf.distributions.DirichletMultinomial(n, [1.0, 1.0]).sample(2)

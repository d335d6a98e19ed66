"""tf.distributions and the special functions under them: gradients against finite differences (and against
autograd's scipy where it has the function), sample statistics and gradients through reparameterized samples
against TensorFlow's recording (tools/record_tf1_reference.py, distributions_samples: the generators differ, so
within Monte-Carlo error), seeds, and a small VAE on the bundled digits written with TF1's names only.
Values, KLs, errors and sample shapes are compared exactly in tests/test_tf1_conformance.py."""
import importlib.util
import json
import os

import autograd.scipy.special as asp
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

d = tf.distributions
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "tf1_reference.json")) as _f:
    SAMPLES = json.load(_f)["distributions_samples"]
_spec = importlib.util.spec_from_file_location("record_tf1_reference",
                                               os.path.join(HERE, "..", "tools", "record_tf1_reference.py"))
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("fn, ref, low, high", [
    (tf.lgamma, asp.gammaln, 0.2, 6.0), (tf.lgamma, asp.gammaln, -2.9, -2.1), (tf.digamma, asp.digamma, 0.2, 6.0),
    (tf.erf, asp.erf, -2.0, 2.0), (tf.erfc, asp.erfc, -2.0, 2.0)])
def test_special_function_gradients(fn, ref, low, high):
    check_gradients(fn, [RNG.uniform(low, high, (3, 4))], reference=ref)


def test_incomplete_gamma_and_beta_gradients():
    a, x = RNG.uniform(0.3, 4.0, (2, 3)), RNG.uniform(0.1, 5.0, (2, 3))
    check_gradients(tf.igamma, [a, x], rtol=1e-4)
    check_gradients(tf.igammac, [a, x], rtol=1e-4)
    check_gradients(lambda v: tf.betainc(tf.constant(2.5, tf.float64), tf.constant(0.7, tf.float64), v),
                    [RNG.uniform(0.05, 0.95, (4,))], rtol=1e-4)
    fixed = np.full(3, 0.2)
    for family in ("gamma", "student_t"):  # Beta's cdf, as TF's betainc, has no gradient for its concentrations
        make, (lo, hi) = _PARAMS[family]
        v = RNG.uniform(max(lo, 0.05), hi, (3,))
        check_gradients(lambda b_, v_, make=make: make(fixed, b_, v_).cdf(v_), [RNG.uniform(-0.5, 0.5, (3,)), v],
                        rtol=1e-4)
    check_gradients(lambda v_: _PARAMS["beta"][0](fixed, fixed, v_).cdf(v_), [RNG.uniform(0.05, 0.95, (3,))],
                    rtol=1e-4)


def test_random_gamma_gradient_is_the_quantiles_derivative():
    """A draw x = P⁻¹(a, u) moves with a as the quantile function does at its u (SciPy's gammaincinv)."""
    import scipy.special as sp

    alpha = tf.constant([0.3, 1.0, 4.0, 50.0], tf.float64)
    x = tf.random_gamma([3], alpha, dtype=tf.float64, seed=4)
    with tf.Session() as s:
        draws, grad = s.run([x, tf.gradients(x[1], alpha)[0]])
    a = np.array([0.3, 1.0, 4.0, 50.0])
    u = sp.gammainc(a, draws[1])
    numeric = (sp.gammaincinv(a + 1e-6, u) - sp.gammaincinv(a - 1e-6, u)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


def test_special_functions_without_scipy_give_the_same(monkeypatch):
    """Without SciPy (graphgrad's base install), lgamma, erf and erfc run Python's math functions per element."""
    from graphgrad.ops import special_ops

    x = np.array([-2.5, -1.0, 0.0, 0.1, 1.5, 40.0])
    fns = [tf.lgamma(x), tf.erf(x), tf.erfc(x), tf.igamma(2.0, np.abs(x)), tf.digamma(x)]
    with tf.Session() as s:
        with_scipy = s.run(fns)
    monkeypatch.setattr(special_ops, "_scipy_special", lambda name: None)
    with tf.Session() as s:
        without = s.run(fns)
    for a, b in zip(with_scipy, without):
        np.testing.assert_allclose(b, a, rtol=1e-14)


def test_polygamma_gradient_and_broadcast():
    x = RNG.uniform(0.3, 5.0, (2, 3))
    check_gradients(lambda v: tf.polygamma(tf.constant(2.0, tf.float64), v), [x])
    check_gradients(lambda v: tf.polygamma(tf.constant([[0.0], [1.0]], tf.float64), v), [x], rtol=1e-4)
    check_gradients(lambda a, b: tf.xlogy(a, b), [RNG.uniform(-1, 1, (3,)), RNG.uniform(0.5, 2, (3,))])
    a, b = tf.constant([0.0, 0.0, 2.0]), tf.constant([0.0, 3.0, 4.0])
    with tf.Session() as s:
        value, (ga, gb) = s.run([tf.xlogy(a, b), tf.gradients(tf.xlogy(a, b), [a, b])])
    np.testing.assert_allclose(value, [0.0, 0.0, 2 * np.log(4.0)], rtol=1e-6)
    np.testing.assert_allclose(ga, [0.0, 0.0, np.log(4.0)], rtol=1e-6)  # TF's rule: no log(y) where x is 0
    np.testing.assert_allclose(gb, [0.0, 0.0, 0.5], rtol=1e-6)


_PARAMS = {
    "normal": (lambda a, b, x: d.Normal(a, tf.exp(b)), (-0.5, 1.0)),
    "laplace": (lambda a, b, x: d.Laplace(a, tf.exp(b)), (-0.5, 1.0)),
    "gamma": (lambda a, b, x: d.Gamma(tf.exp(a), tf.exp(b)), (-0.5, 1.0)),
    "beta": (lambda a, b, x: d.Beta(tf.exp(a), tf.exp(b)), (0.05, 0.95)),
    "student_t": (lambda a, b, x: d.StudentT(tf.exp(a) + 1.0, a, tf.exp(b)), (-0.5, 1.0)),
    "uniform": (lambda a, b, x: d.Uniform(a - 2.0, tf.exp(b) + 2.0), (-0.5, 1.0)),
}


@pytest.mark.parametrize("family", sorted(_PARAMS))
def test_log_prob_entropy_and_kl_gradients_match_finite_differences(family):
    make, (lo, hi) = _PARAMS[family]
    a, b = RNG.uniform(-0.5, 0.5, (3,)), RNG.uniform(-0.5, 0.5, (3,))
    x = RNG.uniform(lo, hi, (3,)) if family in ("beta", "gamma") else RNG.uniform(-0.5, 1.0, (3,))
    x = np.abs(x) if family == "gamma" else x
    check_gradients(lambda a_, b_, x_: make(a_, b_, x_).log_prob(x_), [a, b, x], rtol=1e-4)
    check_gradients(lambda a_, b_: make(a_, b_, None).entropy(), [a, b], rtol=1e-4)
    if family not in ("student_t", "uniform", "laplace"):
        check_gradients(lambda a_, b_: d.kl_divergence(make(a_, b_, None), make(b_, a_, None)), [a, b], rtol=1e-4)


def test_discrete_and_dirichlet_gradients():
    logits = RNG.standard_normal((2, 3))
    check_gradients(lambda lg: d.Categorical(logits=lg).log_prob([0, 2]) + d.Categorical(logits=lg).entropy(),
                    [logits])
    check_gradients(lambda lg: d.Bernoulli(logits=lg).log_prob(np.ones((2, 3))) + d.Bernoulli(logits=lg).entropy(),
                    [logits])
    check_gradients(lambda lg: d.Multinomial(3.0, logits=lg).log_prob([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]), [logits])
    conc = RNG.uniform(0.5, 3.0, (2, 3))
    x = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    check_gradients(lambda c: d.Dirichlet(c).log_prob(x) + d.Dirichlet(c).entropy(), [conc], rtol=1e-4)
    check_gradients(lambda c: d.kl_divergence(d.Dirichlet(c), d.Dirichlet(c[::-1] + 0.5)), [conc], rtol=1e-4)


def test_sample_statistics_and_reparameterized_gradients_match_tensorflow():
    """The recorded program run on graphgrad (same distributions, seeds, 20000 draws), compared within Monte-Carlo
    error: five standard errors for means, 10 % for variances (StudentT's df=5 has heavy tails), 5 % or 0.02 for
    gradients through the samples."""
    ours = recorder.run_program(tf, "distributions_samples")
    assert ours["unconnected"] == SAMPLES["unconnected"]
    for i, ((mean, var), (ref_mean, ref_var)) in enumerate(zip(ours["stats"], SAMPLES["stats"])):
        mean, var = np.array(mean["value"]), np.array(var["value"])
        ref_mean, ref_var = np.array(ref_mean["value"]), np.array(ref_var["value"])
        np.testing.assert_allclose(mean, ref_mean, atol=5 * np.sqrt(np.max(ref_var) / 20000) + 1e-6, err_msg=i)
        np.testing.assert_allclose(var, ref_var, rtol=0.1, atol=1e-3, err_msg=i)
    for i, (grads, ref) in enumerate(zip(ours["reparameterized_grads"], SAMPLES["reparameterized_grads"])):
        for g, r in zip(grads, ref):
            np.testing.assert_allclose(g["value"], r["value"], rtol=0.05, atol=0.02, err_msg=i)


def test_seeded_samples_repeat_in_every_session():
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        x = d.Normal(0.0, 1.0).sample(5, seed=2)
        y = d.Beta(2.0, 3.0).sample([2, 2], seed=2)
        with tf.Session() as s1, tf.Session() as s2:
            a, b = s1.run([x, y]), s2.run([x, y])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[1].shape == (2, 2) and (a[1] > 0).all() and (a[1] < 1).all()


def test_dynamic_sample_shape_and_batch_shape_tensor():
    with tf.Graph().as_default():
        n = tf.placeholder(tf.int32, [])
        loc = tf.placeholder(tf.float32, [None])
        dist = d.Normal(loc, 1.0)
        assert dist.batch_shape.as_list() == [None]
        s = dist.sample(n, seed=1)
        with tf.Session() as sess:
            out, bs = sess.run([s, dist.batch_shape_tensor()], {n: 4, loc: [0.0, 10.0, 20.0]})
    assert out.shape == (4, 3) and list(bs) == [3]
    assert np.all(np.abs(out - [0.0, 10.0, 20.0]) < 6)


def test_vae_on_digits_trains_with_tf1_names_only():
    """A VAE: Normal encoder, Bernoulli decoder, kl_divergence to a standard normal prior, the ELBO maximized by
    Adam through reparameterized samples. The negative ELBO must fall to well under two thirds of where it starts."""
    data = tf.datasets.load_digits().x_train.astype(np.float32)
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 64])
        h = tf.layers.dense(x, 32, tf.nn.relu)
        q = d.Normal(loc=tf.layers.dense(h, 4), scale=tf.nn.softplus(tf.layers.dense(h, 4)) + 1e-4)
        z = q.sample(seed=1)
        logits = tf.layers.dense(tf.layers.dense(z, 32, tf.nn.relu), 64)
        likelihood = d.Bernoulli(logits=logits).log_prob(tf.cast(x > 0.5, tf.int32))
        kl = d.kl_divergence(q, d.Normal(tf.zeros_like(z), tf.ones_like(z)))
        loss = -tf.reduce_mean(tf.reduce_sum(likelihood, 1) - tf.reduce_sum(kl, 1))
        assert q.reparameterization_type == d.FULLY_REPARAMETERIZED
        step = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            first = s.run(loss, {x: data})
            for i in range(150):
                s.run(step, {x: data[(i * 128) % 1200:(i * 128) % 1200 + 128]})
            last = s.run(loss, {x: data})
    assert np.isfinite(last) and last < 0.6 * first, (first, last)  # about 46 -> 22


def test_contrib_multivariate_normals_match_scipy():
    """MultivariateNormalDiag / TriL (tf.contrib.distributions; TF 2.21 has no contrib to record against): log_prob,
    entropy, KL both ways and the sample covariance against SciPy, gradients against finite differences."""
    import scipy.stats as st

    cd = tf.contrib.distributions
    loc = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 1.0]])
    sd, tril = np.array([1.0, 2.0, 0.5]), np.array([[1.0, 0, 0], [0.5, 2.0, 0], [-0.3, 0.2, 0.7]])
    x = np.array([[[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]]] * 2)        # a sample dimension in front of the batch
    diag, full = cd.MultivariateNormalDiag(loc, sd), cd.MultivariateNormalTriL(loc, tril)
    with tf.Session() as s:
        out = s.run([diag.log_prob(x), full.log_prob(x), diag.entropy(), full.entropy(), cd.kl_divergence(diag, full),
                     cd.kl_divergence(full, diag), full.covariance(), full.sample(20000, seed=1)])
    cov_a, cov_b = np.diag(sd ** 2), tril @ tril.T
    for lp, cov in ((out[0], cov_a), (out[1], cov_b)):
        np.testing.assert_allclose(lp, [[st.multivariate_normal(loc[i], cov).logpdf(x[0, i]) for i in range(2)]] * 2)
    np.testing.assert_allclose(out[2:4], [[st.multivariate_normal(loc[0], c).entropy()] * 2 for c in (cov_a, cov_b)])

    def kl(s0, s1):
        inv = np.linalg.inv(s1)
        return 0.5 * (np.trace(inv @ s0) - 3 + np.log(np.linalg.det(s1) / np.linalg.det(s0)))
    np.testing.assert_allclose(out[4:6], [[kl(cov_a, cov_b)] * 2, [kl(cov_b, cov_a)] * 2])
    np.testing.assert_allclose(out[6], [cov_b] * 2)
    np.testing.assert_allclose(np.cov(out[7][:, 1].T), cov_b, atol=0.1)
    check_gradients(lambda m_, l_: cd.MultivariateNormalTriL(m_, l_).log_prob(x[0]),
                    [loc, tril + np.eye(3)], rtol=1e-5)
    check_gradients(lambda m_, s_: cd.kl_divergence(cd.MultivariateNormalDiag(m_, s_), cd.MultivariateNormalTriL(
        m_ * 0.5, tril)), [loc, sd], rtol=1e-5)


def test_contrib_one_hot_and_relaxed_categoricals():
    cd = tf.contrib.distributions
    logits = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0]], np.float32)
    onehot, relaxed = cd.OneHotCategorical(logits=logits), cd.RelaxedOneHotCategorical(0.5, logits=logits)
    y = np.array([[0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    log_pi = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    # Maddison et al.'s Concrete density, written out in NumPy
    concrete = (np.log(2.0) + 2 * np.log(0.5) + np.sum(log_pi - 1.5 * np.log(y), -1)
                - 3 * np.log(np.sum(np.exp(log_pi) * y ** -0.5, -1)))
    with tf.Session() as s:
        lp, draws, soft, kl = s.run([onehot.log_prob([[0, 1, 0], [1, 0, 0]]), onehot.sample(20000, seed=1),
                                     relaxed.sample(20000, seed=2), cd.kl_divergence(onehot, cd.OneHotCategorical(
                                         probs=[0.2, 0.3, 0.5]))])
        relaxed_lp = s.run(relaxed.log_prob(y))
    np.testing.assert_allclose(lp, [log_pi[0, 1], log_pi[1, 0]], rtol=1e-6)
    np.testing.assert_allclose(draws.mean(0), np.exp(log_pi), atol=0.02)
    np.testing.assert_allclose(np.bincount(soft[:, 0].argmax(-1), minlength=3) / 20000, np.exp(log_pi[0]), atol=0.02)
    np.testing.assert_allclose(kl, np.sum(np.exp(log_pi) * (log_pi - np.log([0.2, 0.3, 0.5])), -1), rtol=1e-5)
    np.testing.assert_allclose(relaxed_lp, concrete, rtol=1e-5)
    assert relaxed.reparameterization_type == d.FULLY_REPARAMETERIZED
    check_gradients(lambda lg: cd.RelaxedOneHotCategorical(0.7, logits=lg).log_prob(y), [logits.astype(np.float64)])

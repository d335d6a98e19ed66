"""tf.nn.nce_loss / sampled_softmax_loss, the candidate samplers, and embedding_lookup over partitions (word2vec).
Values against real TF are in tests/test_tf1_conformance.py (program `sampled_losses`); here: the samplers'
statistics and counts, gradients against finite differences, errors, and a skip-gram model that learns."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.framework.errors import InvalidArgumentError


def _run(*fetches, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(list(fetches), feed)


def _log_uniform(k, n):
    return np.log((k + 2.0) / (k + 1.0)) / np.log(n + 1.0)


def test_log_uniform_draws_follow_zipf():
    labels = tf.constant([[0]], tf.int64)
    draws = tf.random.log_uniform_candidate_sampler(labels, 1, 20000, False, 10, seed=3)[0]
    (got,) = _run(draws)
    freq = np.bincount(got, minlength=10) / got.size
    np.testing.assert_allclose(freq, _log_uniform(np.arange(10), 10), atol=0.01)


def test_uniform_draws_are_uniform_and_counted():
    labels = tf.constant([[1], [2]], tf.int64)
    got, true_count, sampled_count = _run(*tf.nn.uniform_candidate_sampler(labels, 1, 8000, False, 4, seed=5))
    np.testing.assert_allclose(np.bincount(got, minlength=4) / 8000, 0.25, atol=0.02)
    np.testing.assert_allclose(true_count, np.full((2, 1), 2000.0))
    np.testing.assert_allclose(sampled_count, 2000.0)


def test_unique_draws_and_their_expected_counts():
    """Distinct classes; each count is 1 - (1 - p)^tries for one number of tries shared by all classes."""
    labels = tf.constant([[0, 5], [9, 2]], tf.int64)
    got, true_count, sampled_count = _run(*tf.nn.log_uniform_candidate_sampler(labels, 2, 30, True, 40, seed=2))
    assert len(set(got.tolist())) == 30 and got.min() >= 0 and got.max() < 40
    p = _log_uniform(got, 40)
    tries = np.median(np.log1p(-sampled_count.astype(np.float64)) / np.log1p(-p))
    assert tries >= 30 and abs(tries - round(tries)) < 1e-3
    np.testing.assert_allclose(sampled_count, -np.expm1(round(tries) * np.log1p(-p)), rtol=1e-5)
    np.testing.assert_allclose(true_count, -np.expm1(round(tries) * np.log1p(-_log_uniform(np.array(
        [[0, 5], [9, 2]]), 40))), rtol=1e-5)


def test_a_seed_repeats_the_draws_in_every_session():
    draws = tf.random.log_uniform_candidate_sampler(tf.constant([[1]], tf.int64), 1, 5, True, 100, seed=9)[0]
    assert (_run(draws)[0] == _run(draws)[0]).all()


def test_sampler_errors():
    with pytest.raises(ValueError, match="num_true"):
        tf.nn.uniform_candidate_sampler(tf.constant([[1, 2]], tf.int64), 1, 3, True, 10)
    with pytest.raises(ValueError, match="rank 2"):
        tf.nn.uniform_candidate_sampler(tf.constant([1, 2], tf.int64), 1, 3, True, 10)
    too_many = tf.nn.uniform_candidate_sampler(tf.constant([[1]], tf.int64), 1, 20, True, 10)
    with pytest.raises(InvalidArgumentError, match="range is too small"):
        _run(too_many[0])


def test_accidental_hits_rows_in_order_last_position_of_a_class_drawn_twice():
    idx, ids, w = _run(*tf.nn.compute_accidental_hits(tf.constant([[4, 1], [2, 2], [0, 9]], tf.int64),
                                                      tf.constant([1, 2, 1, 0], tf.int64), num_true=2))
    assert idx.tolist() == [0, 1, 1, 2] and ids.tolist() == [2, 1, 1, 3]
    assert (w == -np.finfo(np.float32).max).all() and idx.dtype == np.int32 and ids.dtype == np.int64


@pytest.mark.parametrize("loss", ["nce", "softmax"])
def test_gradients_against_finite_differences(loss):
    rng = np.random.default_rng(1)
    labels = np.array([[2, 0], [5, 2], [1, 1]])
    fixed = (np.array([4, 2, 3]), np.full((3, 2), 0.3), np.array([0.2, 0.6, 0.4]))
    fn = tf.nn.nce_loss if loss == "nce" else tf.nn.sampled_softmax_loss

    def build(w, b, x):
        return fn(w, b, labels, x, 3, 6, num_true=2, sampled_values=fixed, remove_accidental_hits=True)
    check_gradients(build, [rng.standard_normal((6, 3)), rng.standard_normal(6) * 0.1, rng.standard_normal((3, 3))])


def test_embedding_lookup_over_partitions_has_gradients_for_each():
    parts = [tf.Variable(np.full((2, 2), float(i), np.float32)) for i in range(3)]
    out = tf.nn.embedding_lookup(parts, tf.constant([0, 3, 5]))  # mod: partitions 0, 0, 2
    grads = tf.gradients(tf.reduce_sum(out), parts)
    got = _run(out, *[tf.convert_to_tensor(g) for g in grads])
    assert got[0][:, 0].tolist() == [0.0, 0.0, 2.0]
    assert got[1].tolist() == [[1, 1], [1, 1]] and got[2].tolist() == [[0, 0], [0, 0]]
    assert got[3].tolist() == [[0, 0], [1, 1]]
    with pytest.raises(ValueError, match="partition strategy"):
        tf.nn.embedding_lookup(parts, [0], partition_strategy="range")


def test_skip_gram_with_nce_learns_the_pairs():
    """word2vec in miniature: each word's context is its partner (w <-> w ^ 1); NCE training makes the
    partner the nearest output embedding of most words."""
    vocab, dim, batch = 40, 16, 32
    tf.set_random_seed(0)
    emb = tf.Variable(tf.random_uniform([vocab, dim], -1.0, 1.0))
    nce_w = tf.Variable(tf.truncated_normal([vocab, dim], stddev=1.0 / np.sqrt(dim)))
    nce_b = tf.Variable(tf.zeros([vocab]))
    words = tf.placeholder(tf.int32, [batch])
    contexts = tf.placeholder(tf.int32, [batch, 1])
    embed = tf.nn.embedding_lookup(emb, words)
    loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, contexts, embed, num_sampled=8, num_classes=vocab))
    train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    scores = tf.matmul(embed, nce_w, transpose_b=True) + nce_b
    rng = np.random.default_rng(0)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        first = None
        for _ in range(400):
            w = rng.integers(0, vocab, batch)
            out = s.run([train, loss], {words: w, contexts: (w ^ 1)[:, None]})[1]
            first = out if first is None else first
        probe = np.arange(batch)
        best = s.run(scores, {words: probe}).argmax(axis=1)
    assert out < 0.5 * first
    assert (best == (probe ^ 1)).mean() > 0.8

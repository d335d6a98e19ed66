"""The candidate samplers beyond uniform / log-uniform: their draws follow the distribution their expected counts
state (TF's draws differ by design; the counts are checked against TF in tests/test_tf1_conformance.py)."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.framework.errors import InvalidArgumentError


def _frequencies(op, runs):
    with tf.Session() as s:
        drawn = np.concatenate([s.run(op)[0] for _ in range(runs)])
    return np.bincount(drawn, minlength=4) / drawn.size


def test_fixed_unigram_draws_follow_its_weights_and_counts():
    t = tf.constant([[0], [1], [2], [3]], tf.int64)
    op = tf.nn.fixed_unigram_candidate_sampler(t, 1, 200, False, 4, unigrams=[1.0, 4.0, 9.0, 0.0], distortion=0.5,
                                               seed=3)
    freq = _frequencies(op, 20)
    np.testing.assert_allclose(freq, [1 / 6, 2 / 6, 3 / 6, 0.0], atol=0.03)
    with tf.Session() as s:
        _, true_count, _ = s.run(op)
    np.testing.assert_allclose(true_count.ravel(), 200 * np.array([1 / 6, 2 / 6, 3 / 6, 0.0]), rtol=1e-6)


def test_unique_draws_are_distinct_and_counts_use_the_tries():
    t = tf.constant([[0, 1]], tf.int64)
    op = tf.nn.fixed_unigram_candidate_sampler(t, 2, 3, True, 4, unigrams=[5.0, 1.0, 1.0, 1.0], seed=5)
    with tf.Session() as s:
        for _ in range(10):
            sampled, true_count, sampled_count = s.run(op)
            assert len(set(sampled.tolist())) == 3
            p = np.array([5.0, 1.0, 1.0, 1.0])[sampled] / 8
            if not np.allclose(sampled_count, 3 * p):   # more tries than samples: 1 - (1 - p) ** tries
                i = np.argmin(p)  # the rarest class's count is far from 1, so it gives the tries back
                tries = np.log1p(-sampled_count[i]) / np.log1p(-p[i])
                np.testing.assert_allclose(sampled_count, -np.expm1(tries * np.log1p(-p)), rtol=1e-4)
                assert tries > 3


def test_learned_unigram_learns_the_true_classes_per_session():
    t = tf.constant([[2, 2, 2, 2]], tf.int64)
    op = tf.nn.learned_unigram_candidate_sampler(t, 4, 100, False, 4, seed=1)
    with tf.Session() as s:
        counts = [s.run(op)[1][0, 0] for _ in range(30)]
        drawn = np.concatenate([s.run(op)[0] for _ in range(10)])
    # class 2 had weight 1 + 4·k of 4 + 4·k before run k
    np.testing.assert_allclose(counts, [100 * (1 + 4 * k) / (4 + 4 * k) for k in range(30)], rtol=1e-5)
    assert (drawn == 2).mean() > 0.9
    with tf.Session() as s:
        assert s.run(op)[1][0, 0] == pytest.approx(25.0)


def test_all_candidate_sampler_and_errors():
    t = tf.constant([[1]], tf.int64)
    with tf.Session() as s:
        sampled, true_count, sampled_count = s.run(tf.random.all_candidate_sampler(t, 1, 4, False))
        assert sampled.tolist() == [0, 1, 2, 3] and true_count.tolist() == [[1.0]]
        assert sampled_count.tolist() == [1.0] * 4
        with pytest.raises(InvalidArgumentError, match="either unigrams or vocab_file"):
            s.run(tf.nn.fixed_unigram_candidate_sampler(t, 1, 2, False, 3))
        with pytest.raises(InvalidArgumentError, match="out of range"):
            s.run(tf.nn.learned_unigram_candidate_sampler(tf.constant([[7]], tf.int64), 1, 2, False, 3))
    with pytest.raises(ValueError, match="rank 2"):
        tf.nn.learned_unigram_candidate_sampler(tf.constant([1], tf.int64), 1, 2, False, 3)

"""tf.nn.experimental's dropouts: a seed's mask is the same in every session, unknown shapes work, the kept
fraction is 1 - rate. Values against TF (bit for bit): conformance program `nn_experimental_dropout`."""
import numpy as np

import graphgrad as tf


def test_stateless_dropout_repeats_its_mask_and_keeps_one_minus_rate():
    x = tf.placeholder(tf.float32, [None, 500])
    y = tf.nn.experimental.stateless_dropout(x, 0.3, seed=[7, 8])
    assert y.shape.as_list() == [None, 500]
    ones = np.ones((4, 500), np.float32)
    with tf.Session() as s:
        first = s.run(y, {x: ones})
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(y, {x: ones}), first)
    assert set(np.unique(first).tolist()) == {0.0, np.float32(1 / 0.7)}
    assert abs((first > 0).mean() - 0.7) < 0.03


def test_general_dropout_uses_the_given_sampler():
    x = tf.ones([2, 3])
    keep_all = tf.nn.experimental.general_dropout(x, 0.5, lambda shape, dtype: tf.ones(shape, dtype))
    drop_all = tf.nn.experimental.general_dropout(x, tf.constant(0.5, tf.float64),
                                                  lambda shape, dtype: tf.zeros(shape, dtype))
    with tf.Session() as s:
        assert s.run(keep_all).tolist() == [[2.0] * 3] * 2
        assert s.run(drop_all).tolist() == [[0.0] * 3] * 2

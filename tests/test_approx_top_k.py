"""tf.approx_top_k / tf.math.approx_max_k / approx_min_k: exact in graphgrad (docs/nn.md), along any axis, with
top_k's gradient. Static shapes and errors against TF: conformance program `ctc_v2_and_approx_top_k`."""
import numpy as np
import pytest

import graphgrad as tf


def test_exact_values_and_indices_along_any_axis():
    x = np.random.default_rng(1).permutation(60).astype(np.float32).reshape(3, 4, 5)
    with tf.Session() as s:
        v, i = s.run(tf.math.approx_max_k(x, 2, reduction_dimension=1))
        np.testing.assert_array_equal(v, -np.sort(-x, axis=1)[:, :2])
        np.testing.assert_array_equal(np.take_along_axis(x, i, axis=1), v)
        v, i = s.run(tf.nn.approx_min_k(x, 3))
        np.testing.assert_array_equal(v, np.sort(x, axis=-1)[..., :3])
        assert i.dtype == np.int32
        v, i = s.run(tf.approx_top_k(tf.constant([[2.0, 1.0, 2.0, 1.0]]), 2, is_max_k=False))
        assert v.tolist() == [[1.0, 1.0]] and i.tolist() == [[1, 3]]   # ties: the lower index first


def test_gradient_reaches_the_chosen_entries_and_bad_arguments():
    x = tf.constant([[1.0, 5.0, 3.0], [4.0, 0.0, 2.0]])
    values, _ = tf.math.approx_max_k(x, 1, reduction_dimension=0)
    with tf.Session() as s:
        assert s.run(tf.gradients(tf.reduce_sum(values * [1.0, 2.0, 3.0]), x)[0]).tolist() == [[0, 2, 3], [1, 0, 0]]
    with pytest.raises(ValueError, match="k = 4"):
        tf.math.approx_min_k(x, 4)
    with pytest.raises(ValueError, match="recall_target"):
        tf.math.approx_max_k(x, 1, recall_target=0.0)

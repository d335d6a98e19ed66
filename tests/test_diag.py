"""tf.diag / tf.diag_part: TF1's Diag and DiagPart (values, shapes, names and errors as under compat.v1)."""
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


def test_values_shapes_and_names():
    x = np.arange(6.0).reshape(2, 3)
    d = tf.diag(x)
    dp = tf.diag_part(d)
    assert dp.name == "DiagPart:0" and dp.shape.as_list() == [2, 3]
    assert d.name == "Diag:0" and d.shape.as_list() == [2, 3, 2, 3]
    assert tf.diag(tf.placeholder(tf.float32, [None, 3])).shape.as_list() == [None, 3, None, 3]
    with tf.Session() as s:
        out = s.run(d)
        assert out[1, 2, 1, 2] == 5.0 and np.count_nonzero(out) == 5   # x[0, 0] is 0
        np.testing.assert_array_equal(s.run(tf.diag([1, 2, 3])), np.diag([1, 2, 3]))
        np.testing.assert_array_equal(s.run(dp), x)


@pytest.mark.parametrize("fn, arg, msg", [
    (tf.diag, 3.0, "Shape must be at least rank 1 but is rank 0"),
    (tf.diag_part, np.ones([2, 3, 4]), "Input must have even and non-zero rank, input rank is 3"),
    (tf.diag_part, np.ones([2, 3]), "Dimensions must be equal, but are 2 and 3"),
])
def test_tf1_build_errors(fn, arg, msg):
    with pytest.raises(ValueError, match=msg):
        fn(arg)


def test_unequal_halves_known_only_at_run_time():
    p = tf.placeholder(tf.float32, [None, 3])
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError):
        s.run(tf.diag_part(p), {p: np.ones([2, 3])})


def test_gradients_each_the_others():
    check_gradients(lambda x: tf.diag(x), [np.random.rand(2, 3)],
                    reference=lambda x: anp.reshape(anp.diag(anp.reshape(x, -1)), (2, 3, 2, 3)))
    check_gradients(lambda x: tf.diag_part(x), [np.random.rand(3, 3)], reference=lambda x: anp.diag(x))

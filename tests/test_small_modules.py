"""tf.manip / tf.roll / space_to_batch_nd gradients against finite differences, their build-time errors, and the
small modules' own values (tf.version, tf.sysconfig, tf.resource_loader are graphgrad's, not TensorFlow's).
Values and names are compared with TensorFlow's recording in tests/test_tf1_conformance.py (small_modules)."""
import os

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

RNG = np.random.default_rng(1)


def test_roll_gradient_and_errors():
    check_gradients(lambda x: tf.roll(x, [1, -2, 1], [0, 1, 1]), [RNG.standard_normal((3, 4))])
    with pytest.raises(ValueError, match="shift and axis must have the same size"):
        tf.roll(tf.zeros((2, 3)), [1, 2], [0])
    with pytest.raises(ValueError, match="out of range"):
        tf.roll(tf.zeros((2, 3)), 1, 2)


def test_space_to_batch_round_trip_and_gradients():
    x = RNG.standard_normal((2, 4, 3, 2))
    check_gradients(lambda v: tf.space_to_batch_nd(v, [2, 2], [[0, 0], [1, 0]]), [x])
    check_gradients(lambda v: tf.batch_to_space_nd(v, [2, 1], [[1, 1], [0, 0]]), [x])
    with tf.Session() as s:
        back = s.run(tf.batch_to_space_nd(tf.space_to_batch_nd(x, [2, 2], [[0, 0], [1, 0]]), [2, 2], [[0, 0], [1, 0]]))
    np.testing.assert_array_equal(back, x)
    with pytest.raises(ValueError, match="not divisible by block size"):
        tf.space_to_batch_nd(tf.zeros((1, 3, 3, 1)), [2, 2], [[0, 0], [0, 0]])


def test_saturate_cast_and_bitwise_kinds():
    with tf.Session() as s:
        # float32 cannot hold 2**31 - 1: the limit is nudged to the float below it, as TF 2.x nudges it
        assert s.run(tf.saturate_cast(tf.constant([-1e10, 1e10]), tf.int32)).tolist() == [-2**31, 2**31 - 128]
    with pytest.raises(TypeError, match="not in list of allowed values"):
        tf.bitwise.left_shift(tf.constant(1.0), tf.constant(1.0))
    assert tf.gradients(tf.cast(tf.bitwise.bitwise_or(tf.constant(1), tf.constant(2)), tf.float32),
                        tf.constant(1.0)) == [None]


def test_version_sysconfig_and_resource_loader_name_graphgrad():
    import graphgrad

    assert tf.VERSION == tf.version.VERSION == graphgrad.__version__
    package = os.path.dirname(graphgrad.__file__)
    assert tf.sysconfig.get_include() == tf.sysconfig.get_lib() == package
    assert tf.resource_loader.get_data_files_path() == os.path.dirname(__file__)
    assert tf.resource_loader.load_resource("__init__.py").startswith(b'"""graphgrad')


def test_sets_are_not_differentiable_and_feed_from_placeholders():
    a = tf.placeholder(tf.int64, [None, 3])
    inter = tf.sets.set_intersection(a, tf.constant([[1, 2, 3], [4, 5, 6]], tf.int64))
    assert tf.gradients(tf.cast(inter.values, tf.float32), a) == [None]
    with tf.Session() as s:
        out = s.run(inter, {a: [[3, 3, 1], [7, 8, 9]]})
    assert out.indices.tolist() == [[0, 0], [0, 1]] and out.values.tolist() == [1, 3]
    assert out.dense_shape.tolist() == [2, 2]
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.sets.set_union(tf.zeros((2, 3), tf.int32), tf.zeros((3, 3), tf.int32))

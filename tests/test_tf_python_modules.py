"""`tensorflow.python.*` imports that code copied from TF's own sources uses (the SELU paper's `dropout_selu`,
custom layers): the modules exist and hold graphgrad's public functions under TF's names."""
import importlib

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.python.framework import tensor_shape, tensor_util
from graphgrad.python.layers import utils
from graphgrad.python.ops import array_ops, math_ops, nn_ops, random_ops


def test_op_modules_hold_the_public_functions():
    assert math_ops.floor is tf.floor and math_ops.reduce_sum is tf.reduce_sum
    assert array_ops.shape is tf.shape and random_ops.random_uniform is tf.random_uniform
    assert nn_ops.relu is tf.nn.relu and nn_ops.softmax is tf.nn.softmax
    with pytest.raises(AttributeError, match="math_ops.*no_such_op"):
        math_ops.no_such_op  # noqa: B018


@pytest.mark.parametrize("name", ["framework.dtypes", "framework.constant_op", "ops.init_ops", "ops.state_ops",
                                  "ops.control_flow_ops", "ops.variable_scope", "ops.variables", "ops.nn",
                                  "ops.rnn_cell_impl", "ops.check_ops", "ops.lookup_ops", "layers.base",
                                  "client.timeline"])
def test_modules_import_by_their_tf_names(name):
    module = importlib.import_module(f"graphgrad.python.{name}")
    assert module is not None


def test_tensor_shape_and_tensor_util():
    assert tensor_shape.scalar() == tf.TensorShape([])
    assert tensor_shape.matrix(2, None).as_list() == [2, None]
    assert tensor_shape.dimension_value(tf.Dimension(3)) == 3 and tensor_shape.dimension_value(None) is None
    assert tensor_shape.dimension_at_index(tf.TensorShape(None), 2).value is None
    with tf.Graph().as_default():
        assert tensor_util.constant_value(tf.constant(2.0)) == 2.0
        assert list(tensor_util.constant_value(tf.shape(tf.zeros([2, 3])))) == [2, 3]
        assert tensor_util.constant_value(tf.placeholder(tf.float32)) is None


def test_smart_cond_decides_at_build_time_when_it_can():
    with tf.Graph().as_default():
        assert utils.smart_cond(True, lambda: "a", lambda: "b") == "a"
        assert utils.smart_cond(tf.constant(False), lambda: "a", lambda: "b") == "b"
        p = tf.placeholder(tf.bool, [])
        out = utils.smart_cond(p, lambda: tf.constant(1), lambda: tf.constant(2))
        with tf.Session() as s:
            assert s.run(out, {p: True}) == 1 and s.run(out, {p: False}) == 2
    assert utils.normalize_tuple(3, 2, "strides") == (3, 3)
    assert utils.convert_data_format("channels_first", 4) == "NCHW"


def test_a_dropout_written_against_tf_internal_modules():
    """The shape of the SELU paper's `dropout_selu`: keep_prob checked against tensor_shape.scalar(), constant
    folding through tensor_util, noise from random_ops, chosen by layers.utils.smart_cond."""
    def dropout(x, rate, training):
        def impl():
            keep = tf.convert_to_tensor(1.0 - rate, dtype=x.dtype)
            keep.get_shape().assert_is_compatible_with(tensor_shape.scalar())
            if tensor_util.constant_value(keep) == 1:
                return x
            mask = math_ops.floor(keep + random_ops.random_uniform(array_ops.shape(x), seed=1, dtype=x.dtype))
            return x * mask
        return utils.smart_cond(training, impl, lambda: array_ops.identity(x))

    with tf.Graph().as_default():
        x = tf.ones([200, 50])
        train, test = dropout(x, 0.25, True), dropout(x, 0.25, False)
        with tf.Session() as s:
            kept, same = s.run([train, test])
    assert 0.65 < kept.mean() < 0.85 and set(np.unique(kept)) <= {0.0, 1.0}
    np.testing.assert_array_equal(same, 1.0)

"""The lecture's graph programs, run with `import graphgrad as tf`."""
import numpy as np
import pytest

import graphgrad as tf


def test_operation_example_prints_like_tensorflow():
    x = tf.placeholder(tf.float32, (None, 10))
    w = tf.Variable(tf.random_uniform((10, 20)), name="w")
    z = x @ w
    assert str(z) == 'Tensor("matmul:0", shape=(?, 20), dtype=float32)'


def test_cluttered_default_graph_naming():
    for _ in range(3):
        tf.placeholder(tf.float32, (None, 10))
    ops = tf.get_default_graph().get_operations()
    assert [repr(o) for o in ops] == ["<tf.Operation 'Placeholder' type=Placeholder>",
                                      "<tf.Operation 'Placeholder_1' type=Placeholder>",
                                      "<tf.Operation 'Placeholder_2' type=Placeholder>"]
    tf.reset_default_graph()
    assert tf.get_default_graph().get_operations() == []


def test_operations_and_tensors():
    tf.placeholder(tf.float32, (None, 10), name="x")
    ops = tf.get_default_graph().get_operations()
    assert repr(ops) == "[<tf.Operation 'x' type=Placeholder>]"
    assert repr(ops[0].outputs) == "[<tf.Tensor 'x:0' shape=(?, 10) dtype=float32>]"


def test_running_a_graph():
    s = tf.InteractiveSession()
    a = tf.constant(5.0)
    b = tf.constant(6.0)
    c = a * b
    assert str(c) == 'Tensor("mul:0", shape=(), dtype=float32)'
    out = s.run(c)
    assert out == 30.0 and isinstance(out, np.float32)


def test_uninitialized_variable_error_then_proper_run():
    a = tf.constant(np.ones((2, 2), dtype=np.float32))
    b = tf.Variable(np.ones((2, 2), np.float32))
    c = a @ b
    s = tf.InteractiveSession()
    with pytest.raises(tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value"):
        s.run(c)
    s.run(tf.global_variables_initializer())
    out = s.run(c)
    np.testing.assert_array_equal(out, np.full((2, 2), 2.0, np.float32))
    assert out.dtype == np.float32


def test_unfed_placeholder_error_then_feeding():
    a = tf.placeholder(np.float32, (2, 2))
    b = tf.Variable(np.ones((2, 2), np.float32))
    c = a @ b
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"You must feed a value for placeholder tensor 'Placeholder' with dtype float "
                             r"and shape \[2,2\]"):
        s.run(c)
    np.testing.assert_array_equal(s.run(c, feed_dict={a: np.ones((2, 2))}), np.full((2, 2), 2.0))


def test_trainable_variables_print_as_refs():
    x = tf.get_variable("x", shape=(), dtype=tf.float32)
    assert repr(tf.trainable_variables()) == "[<tf.Variable 'x:0' shape=() dtype=float32_ref>]"
    assert tf.trainable_variables()[0] is x

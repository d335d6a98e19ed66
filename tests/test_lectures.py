"""The lecture's graph programs, run with `import graphgrad as tf`."""
import numpy as np
import pytest

import graphgrad as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    s = tf.get_default_session()
    while s is not None:
        s.close()
        s = tf.get_default_session()


def test_operation_example_prints_like_tensorflow():
    x = tf.placeholder(tf.float32, (None, 10))
    w = tf.Variable(tf.ones((10, 20)), name="w") if hasattr(tf, "ones") else \
        tf.Variable(np.ones((10, 20), np.float32), name="w")
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

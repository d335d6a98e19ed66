"""tf.py_func / tf.numpy_function: a Python function as a graph op, with TF1's errors and gradient rules."""
import numpy as np
import pytest

import graphgrad as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()


def test_py_func_runs_numpy_and_has_unknown_shape():
    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(lambda a: a * 2, [x], tf.float32)
    a, b = tf.py_func(lambda a: (a + 1, np.int64(a.size)), [x], [tf.float32, tf.int64])
    assert y.op.type == "PyFunc" and y.shape.dims is None
    assert tf.py_func(np.sin, [x], tf.float32, stateful=False).op.type == "PyFuncStateless"
    z = tf.numpy_function(lambda s: s.item().upper(), [tf.constant("ab")], tf.string)
    with tf.Session() as s:
        assert s.run(y, {x: [1, 2]}).tolist() == [2, 4]
        assert s.run([a, b], {x: [1, 2]})[1] == 2
        assert s.run(z) == b"AB"


def test_wrong_dtype_or_count_is_invalid_argument():
    x = tf.constant([1.0])
    double = tf.py_func(lambda a: a.astype(np.float64), [x], tf.float32)
    count = tf.py_func(lambda a: (a, a), [x], [tf.float32])
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="0-th value returned by pyfunc_.* is double, "
                                                                 "but expects float"):
            s.run(double)
        with pytest.raises(tf.errors.InvalidArgumentError, match="returns 2 values, but expects to see 1"):
            s.run(count)


@pytest.mark.parametrize("exc, cls", [(ValueError, tf.errors.InvalidArgumentError),
                                      (TypeError, tf.errors.InvalidArgumentError),
                                      (RuntimeError, tf.errors.UnknownError),
                                      (ZeroDivisionError, tf.errors.UnknownError),
                                      (StopIteration, tf.errors.OutOfRangeError),
                                      (NotImplementedError, tf.errors.UnimplementedError)])
def test_python_errors_map_as_in_tf1(exc, cls):
    def boom(a):
        raise exc("it broke")
    y = tf.py_func(boom, [tf.constant(1)], tf.int32, name="my_func")
    with tf.Session() as s:
        with pytest.raises(cls) as info:
            s.run(y)
    assert type(info.value) is cls and "it broke" in str(info.value) and "my_func" in str(info.value)
    assert info.value.op is y.op


def test_no_gradient_unless_registered():
    x = tf.constant([1.0, 2.0])
    y = tf.py_func(lambda a: a ** 2, [x], tf.float32)
    with pytest.raises(LookupError, match="No gradient defined for operation 'PyFunc' \\(op type: PyFunc\\)"):
        tf.gradients(y, x)

    @tf.RegisterGradient("SquareGradForTest")
    def _square_grad(op, dy):
        return [2 * op.inputs[0] * dy]
    with tf.get_default_graph().gradient_override_map({"PyFunc": "SquareGradForTest"}):
        y2 = tf.py_func(lambda a: a ** 2, [x], tf.float32)
    g, = tf.gradients(y2, x)
    with tf.Session() as s:
        assert s.run(g).tolist() == [2.0, 4.0]

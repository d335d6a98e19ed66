"""tf.TensorArray (ops/tensor_array_ops.py): an immutable value whose writes return new arrays; read, write, stack,
unstack, gather, scatter, concat, split, size, dynamic_size; TF1's errors; gradients against finite differences, in
and out of while loops."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


def test_write_read_stack_and_the_old_array_keeps_its_elements():
    ta = tf.TensorArray(tf.float32, size=3)
    ta1 = ta.write(0, [1.0, 2.0])
    ta2 = ta1.write(2, [5.0, 6.0]).write(1, [3.0, 4.0])
    assert ta2.element_shape.as_list() == [2]
    s = tf.Session()
    assert s.run(ta2.stack()).tolist() == [[1, 2], [3, 4], [5, 6]]
    assert s.run([ta2.read(1), ta2.size(), ta1.read(0)])[0].tolist() == [3, 4]
    assert s.run(ta1.read(1)).tolist() == [0.0, 0.0]  # unwritten, shape known: zeros as in TF1
    assert s.run(ta2.gather([2, 0])).tolist() == [[5, 6], [1, 2]]
    assert s.run(ta2.concat()).tolist() == [1, 2, 3, 4, 5, 6]
    u = tf.TensorArray(tf.int32, size=0, dynamic_size=True).unstack(np.arange(6).reshape(3, 2))
    assert s.run([u.size(), u.read(2)])[1].tolist() == [4, 5]
    sc = tf.TensorArray(tf.float32, size=4).scatter([3, 1], [[1.0], [2.0]])
    assert s.run(sc.gather([1, 3])).tolist() == [[2.0], [1.0]]
    sp = tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 2])
    assert s.run(sp.read(1)).tolist() == [2.0, 3.0]
    assert s.run(tf.TensorArray(tf.float32, size=0, element_shape=[3]).stack()).shape == (0, 3)
    assert s.run(ta2.identity().read(2)).tolist() == [5, 6]


def test_errors_as_tensorflow():
    s = tf.Session()
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tried to write to index 2 but array is not "
                                                             "resizeable and size is: 2"):
        s.run(ta.write(2, 1.0).stack())
    with pytest.raises(tf.errors.InvalidArgumentError, match="has already been written to"):
        s.run(ta.write(0, 1.0).write(0, 2.0).stack())
    i = tf.placeholder(tf.int32, ())
    written = tf.placeholder_with_default([1.0], [None])
    for infer_shape in (True, False):  # TF1: an unwritten element reads as zeros shaped like the written ones,
        one = tf.TensorArray(tf.float32, size=2, infer_shape=infer_shape).write(0, written)  # if shapes are equal
        if infer_shape:
            np.testing.assert_array_equal(s.run(one.read(i), {i: 1}), [0.0])
            continue
        with pytest.raises(tf.errors.InvalidArgumentError, match="Could not read from TensorArray index 1 because "
                                                                 "it has not yet been written to"):
            s.run(one.read(i), {i: 1})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not read from TensorArray index 1 because it "
                                                             "has not yet been written to"):
        s.run(tf.TensorArray(tf.float32, size=2).read(i), {i: 1})
    with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to write dtype int32"):
        ta.write(0, tf.constant(1))
    with pytest.raises(ValueError, match="Inconsistent shapes"):
        ta.write(0, [1.0]).write(1, [1.0, 2.0])


def test_gradients_of_write_read_stack_unstack_gather_scatter():
    def build(a, b):
        ta = tf.TensorArray(tf.float64, size=4).unstack(a)
        tb = tf.TensorArray(tf.float64, size=3).write(0, b[0] * ta.read(1)).scatter([2, 1], tf.sin(b[1:]))
        return tb.stack() * 2.0 + ta.gather([3, 3, 0])
    rng = np.random.default_rng(0)
    check_gradients(build, [rng.standard_normal((4, 2)), rng.standard_normal((3, 2))])

    def concat(a):
        return tf.reshape(tf.TensorArray(tf.float64, size=2).split(a, [1, 2]).concat() ** 2, [3])
    check_gradients(concat, [np.array([0.5, -1.0, 2.0])])


def test_the_classic_sum_of_squares_and_a_tensor_array_loop_with_gradients():
    n = 5
    ta = tf.TensorArray(tf.float32, size=n)
    _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i * i, tf.float32))),
                          [0, ta])
    assert isinstance(ta, tf.TensorArray)
    assert tf.Session().run(tf.reduce_sum(ta.stack())) == 30.0

    def rnn(xs, w):
        inputs = tf.TensorArray(tf.float64, size=4).unstack(xs)
        outs = tf.TensorArray(tf.float64, size=4)

        def body(t, h, outs):
            h = tf.tanh(tf.matmul(h, w) + inputs.read(t))
            return t + 1, h, outs.write(t, h)
        _, h, outs = tf.while_loop(lambda t, h, o: t < 4, body, [0, tf.zeros([2, 3], tf.float64), outs])
        return tf.reshape(outs.stack(), [4, 2, 3]) + h
    rng = np.random.default_rng(1)
    check_gradients(rnn, [rng.standard_normal((4, 2, 3)), rng.standard_normal((3, 3)) * 0.5])


def test_dynamic_size_grows_in_a_loop():
    n = tf.placeholder(tf.int32, ())
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32) * 2)),
                          [0, ta])
    assert tf.Session().run(ta.stack(), {n: 4}).tolist() == [0, 2, 4, 6]


def test_a_tensor_array_through_tf_cond_inside_a_loop_with_gradients():
    def build(xs):
        out = tf.TensorArray(tf.float64, size=4, element_shape=[2])

        def body(i, acc, out):
            row = xs[i]
            out = tf.cond(tf.equal(i % 2, 0), lambda: out.write(i, tf.sin(row) * acc),
                          lambda: out.write(i, row * row))
            assert isinstance(out, tf.TensorArray)
            return i + 1, acc + tf.reduce_sum(row), out
        _, _, out = tf.while_loop(lambda i, a, o: i < 4, body, [0, tf.constant(1.0, tf.float64), out])
        return tf.reshape(out.stack(), [4, 2])
    check_gradients(build, [np.random.default_rng(3).standard_normal((4, 2))])

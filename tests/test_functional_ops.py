"""tf.map_fn, tf.scan, tf.foldl, tf.foldr (ops/functional_ops.py, built on while_loop + TensorArray) and tf.case:
values as TF1 computes them, gradients against finite differences, and TF1's errors."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


def test_scan_fold_and_map_values():
    e = tf.constant(np.arange(1, 6, dtype=np.float32))
    s = tf.Session()
    assert s.run(tf.scan(lambda a, x: a + x, e)).tolist() == [1, 3, 6, 10, 15]
    assert s.run(tf.scan(lambda a, x: a + x, e, initializer=tf.constant(10.0))).tolist() == [11, 13, 16, 20, 25]
    assert s.run(tf.scan(lambda a, x: a + x, e, reverse=True)).tolist() == [15, 14, 12, 9, 5]
    assert s.run(tf.foldl(lambda a, x: a * x, e)) == 120.0
    assert s.run(tf.foldr(lambda a, x: a - x, e, initializer=tf.constant(0.0))) == -15.0
    assert s.run(tf.foldl(lambda a, x: a - x, e)) == 1 - 2 - 3 - 4 - 5
    sq = tf.map_fn(lambda x: x * x, e)
    assert sq.shape.as_list() == [5] and s.run(sq).tolist() == [1, 4, 9, 16, 25]
    pair = tf.map_fn(lambda x: (x, tf.cast(x, tf.int32) * 2), e, dtype=(tf.float32, tf.int32))
    a, b = s.run(pair)
    assert b.tolist() == [2, 4, 6, 8, 10] and b.dtype == np.int32
    nested = tf.scan(lambda acc, x: (acc[0] + x[0], acc[1] * x[1]), (e, e * 2.0))
    assert s.run(nested)[1].tolist() == [2, 8, 48, 384, 3840]
    rows = tf.placeholder(tf.float32, (None, 3))
    assert s.run(tf.map_fn(tf.reduce_sum, rows), {rows: np.ones((4, 3))}).tolist() == [3, 3, 3, 3]


def test_scan_and_map_fn_gradients():
    check_gradients(lambda x, w: tf.scan(lambda a, r: tf.tanh(a * r + w), x), [np.random.default_rng(0)
                    .standard_normal((4, 2)), np.array([0.3, -0.2])])
    check_gradients(lambda x: tf.map_fn(lambda r: tf.reduce_sum(tf.sin(r)) * r, x),
                    [np.random.default_rng(1).standard_normal((3, 2))])
    check_gradients(lambda x: tf.foldr(lambda a, r: a * r + 1.0, x), [np.random.default_rng(2)
                    .standard_normal((3, 2))])


def test_case():
    p = tf.placeholder(tf.int32, ())
    s = tf.Session()
    y = tf.case([(p < 0, lambda: tf.constant(-1)), (p < 5, lambda: tf.constant(5))], default=lambda: tf.constant(100))
    assert [s.run(y, {p: v}) for v in (-3, 2, 9)] == [-1, 5, 100]
    last = tf.case([(p < 0, lambda: tf.constant(-1)), (p > 5, lambda: tf.constant(5))])
    assert s.run(last, {p: -1}) == -1 and s.run(last, {p: 7}) == 5
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"None of conditions evaluated as True:\] \[0 0\]"):
        s.run(last, {p: 3})
    exclusive = tf.case([(p < 0, lambda: tf.constant(-1)), (p < 5, lambda: tf.constant(5))],
                        default=lambda: tf.constant(100), exclusive=True)
    assert s.run(exclusive, {p: 3}) == 5
    with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive=True: more than 1 conditions"):
        s.run(exclusive, {p: -3})
    with pytest.raises(TypeError, match="fns must be a list, tuple, or dict"):
        tf.case(lambda: 1)
    with pytest.raises(TypeError, match="pred must be Tensor of type bool"):
        tf.case([(p, lambda: p)])
    x = tf.placeholder(tf.float64, ())
    g = tf.gradients(tf.case([(x > 0, lambda: x * x)], default=lambda: -x), x)[0]
    assert s.run(g, {x: 3.0}) == 6.0 and s.run(g, {x: -3.0}) == -1.0

"""tf.cond (ops/control_flow_ops.py): values, TF1 names and errors (as recorded from tensorflow.compat.v1), only the
taken branch running, gradients and second derivatives against finite differences, training with an is_training
switch, and the same results without the plan passes and on the fake GPU."""
import os
import sys
from collections import namedtuple

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

sys.path.insert(0, os.path.dirname(__file__))
import fakegpu  # noqa: E402

fakegpu.register()


def _xp():
    return tf.placeholder(tf.float32, (), name="x"), tf.placeholder(tf.bool, (), name="p")


def test_values_names_and_result_structures_as_tensorflow():
    x, p = _xp()
    y = tf.cond(p, lambda: x * 2.0, lambda: tf.square(x))
    assert y.name == "cond/Merge:0" and y.dtype == tf.float32 and y.shape.dims_tuple == ()
    s = tf.Session()
    assert s.run(y, {x: 3.0, p: True}) == 6.0 and s.run(y, {x: 3.0, p: False}) == 9.0
    one = tf.cond(p, lambda: [x], lambda: [x + 1])  # strict=False unpacks a single-element list, as TF1
    assert isinstance(one, tf.Tensor) and one.name == "cond_1/Merge:0"
    assert isinstance(tf.cond(p, lambda: [x], lambda: [x], strict=True), list)
    Pair = namedtuple("Pair", "a b")
    pair = tf.cond(p, lambda: Pair(x, x * 3.0), lambda: Pair(-x, x))
    assert isinstance(pair, Pair)
    assert s.run(pair, {x: 2.0, p: True}) == Pair(2.0, 6.0) and s.run(pair, {x: 2.0, p: False}) == Pair(-2.0, 2.0)
    nested = tf.cond(p, lambda: (x, [x * 2.0, 7.0]), lambda: (x + 1.0, [x, 8.0]))
    assert s.run(nested, {x: 1.0, p: False}) == (2.0, [1.0, 8.0])


def test_shapes_merge_and_branches_may_return_outside_tensors():
    a = tf.placeholder(tf.float32, (None, 3))
    b = tf.placeholder(tf.float32, (2, 3))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: a, lambda: b)  # a branch may return a tensor built outside it
    assert y.shape.as_list() == [None, 3]
    s = tf.Session()
    av, bv = np.ones((4, 3), np.float32), np.zeros((2, 3), np.float32)
    assert s.run(y, {a: av, b: bv, p: True}).shape == (4, 3)
    assert s.run(y, {a: av, b: bv, p: False}).shape == (2, 3)


def test_only_the_taken_branch_runs(capfd):
    x, p = _xp()
    v = tf.Variable(0.0)
    z = tf.cond(p, lambda: tf.Print(tf.assign_add(v, 1.0), [x], "taken: "), lambda: tf.identity(v))
    s = tf.Session()
    s.run(v.initializer)
    assert [s.run(z, {x: 5.0, p: q}) for q in (True, False, True)] == [1.0, 1.0, 2.0]
    assert s.run(v) == 2.0
    assert capfd.readouterr().err.count("taken: [5]") == 2


def test_an_error_in_the_branch_not_taken_does_not_happen():
    x = tf.placeholder(tf.float32, (None,))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.reshape(x, [2, 2]), lambda: tf.reshape(x, [1, -1]))
    s = tf.Session()
    assert s.run(y, {x: np.arange(3, dtype=np.float32), p: False}).shape == (1, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Reshape"):
        s.run(y, {x: np.arange(3, dtype=np.float32), p: True})


@pytest.mark.parametrize("taken", [True, False])
def test_gradients_match_finite_differences(taken):
    def build(a, b):
        p = tf.constant(taken)
        return tf.cond(p, lambda: tf.sin(a) * b, lambda: tf.matmul(a, b, transpose_b=True)[:, :1] + b * b)
    rng = np.random.default_rng(1)
    check_gradients(build, [rng.standard_normal((3, 2)), rng.standard_normal((3, 2))])


@pytest.mark.parametrize("taken", [True, False])
def test_second_derivatives_and_unused_inputs(taken):
    x, p = tf.placeholder(tf.float64, ()), tf.placeholder(tf.bool, ())
    w = tf.placeholder(tf.float64, ())
    y = tf.cond(p, lambda: x ** 3 * w, lambda: tf.exp(x))  # w only reaches the true branch
    gx, gw = tf.gradients(y, [x, w])
    (hxx,) = tf.gradients(gx, [x])
    s = tf.Session()
    feed = {x: 0.7, w: 2.0, p: taken}
    want = (3 * 0.7**2 * 2.0, 0.7**3, 6 * 0.7 * 2.0) if taken else (np.exp(0.7), 0.0, np.exp(0.7))
    np.testing.assert_allclose(s.run([gx, gw, hxx], feed), want, rtol=1e-12)


def test_nested_conds_and_captured_variables():
    x, p = _xp()
    q = tf.placeholder(tf.bool, ())
    v = tf.Variable(10.0)
    y = tf.cond(p, lambda: tf.cond(q, lambda: x + v, lambda: x - v), lambda: x * v)
    (g,) = tf.gradients(y, [v])
    s = tf.Session()
    s.run(v.initializer)
    got = [s.run([y, g], {x: 2.0, p: a, q: b}) for a, b in ((True, True), (True, False), (False, True))]
    assert got == [[12.0, 1.0], [-8.0, -1.0], [20.0, 2.0]]


def test_training_with_an_is_training_switch():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((128, 4)).astype(np.float32)
    ys = (xs[:, 0] + xs[:, 1] > 0).astype(np.int32)
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, (None, 4))
    y = tf.placeholder(tf.int32, (None,))
    training = tf.placeholder_with_default(False, ())
    h = tf.layers.dense(x, 16, activation=tf.nn.relu)
    h = tf.cond(training, lambda: tf.nn.dropout(h, keep_prob=0.8), lambda: h)
    loss = tf.losses.sparse_softmax_cross_entropy(y, tf.layers.dense(h, 2))
    step = tf.train.AdamOptimizer(0.05).minimize(loss)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    before = s.run(loss, {x: xs, y: ys})
    for _ in range(60):
        s.run(step, {x: xs, y: ys, training: True})
    after = s.run(loss, {x: xs, y: ys})
    assert after < before / 3
    assert s.run(loss, {x: xs, y: ys}) == after  # evaluation takes the deterministic branch


@pytest.mark.numpy_kernels("bit for bit between the session's device and the NumPy fake GPU")
@pytest.mark.parametrize("device", ["cpu-unoptimized", "fakegpu"])
def test_same_results_without_the_passes_and_on_the_fake_gpu(device):
    def run(**kw):
        with tf.Graph().as_default():
            x, p = tf.placeholder(tf.float32, (3,)), tf.placeholder(tf.bool, ())
            w = tf.Variable(np.array([0.5, -1.0, 2.0], np.float32))
            y = tf.reduce_sum(tf.cond(p, lambda: tf.tanh(x * w), lambda: w * w + x))
            step = tf.train.GradientDescentOptimizer(0.1).minimize(y)
            s = tf.Session(**kw)
            s.run(tf.global_variables_initializer())
            out = [s.run([y, step], {x: np.arange(3, dtype=np.float32), p: i % 2 == 0})[0] for i in range(5)]
            plans = [pl for pl, _ in s._plans.values()]
            return out + [s.run(w).tolist()], plans
    base, _ = run()
    got, plans = run(optimize=False) if device == "cpu-unoptimized" else run(device="fakegpu")
    assert got == base
    if device == "fakegpu":
        assert all(pl.replay is None for pl in plans if any(op.type == "If" for op in pl.steps))


@pytest.mark.parametrize("make, error, match", [
    (lambda x, p: tf.cond(True, lambda: x, lambda: x), TypeError, "'pred' must not be a Python bool."),
    (lambda x, p: tf.cond(p, lambda: x, lambda: tf.constant(1)), ValueError,
     "must have the same type\\(s\\). Received float32 from 'true_fn' and int32 from 'false_fn'"),
    (lambda x, p: tf.cond(p, lambda: (x, x), lambda: [x, x]), TypeError, "same nested structure"),
    (lambda x, p: tf.cond(p, lambda: (x, x), lambda: (x,)), ValueError, "same nested structure"),
    (lambda x, p: tf.cond(x, lambda: x, lambda: x), TypeError, "has type float32 that does not match expected type"),
    (lambda x, p: tf.cond(tf.placeholder(tf.bool, (2,)), lambda: x, lambda: x), ValueError, "must be rank 0"),
    (lambda x, p: tf.cond(p, lambda: None, lambda: None), ValueError, "'true_fn' must have a return value."),
])
def test_errors_as_tensorflow(make, error, match):
    x, p = _xp()
    with pytest.raises(error, match=match):
        make(x, p)


def test_layers_built_inside_branches_keep_their_variables_outside_and_train():
    """As TF1's control_dependencies(None) around variable creation: the variables (and their reads) live
    outside the branch, so the branch reads them as captured tensors and gradients reach them."""
    x = tf.placeholder(tf.float32, (None, 3))
    p = tf.placeholder(tf.bool, ())
    y = tf.cond(p, lambda: tf.layers.dense(x, 2, name="d1"), lambda: tf.layers.dense(x, 2, name="d2"))
    loss = tf.reduce_mean(y ** 2)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert [v.name for v in tf.trainable_variables()] == ["d1/kernel:0", "d1/bias:0", "d2/kernel:0", "d2/bias:0"]
    assert all(v.op._branch is None for v in tf.global_variables())
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    xb = np.ones((4, 3), np.float32)
    true0, false0 = s.run(loss, {x: xb, p: True}), s.run(loss, {x: xb, p: False})
    for _ in range(20):
        s.run(step, {x: xb, p: True})
    assert s.run(loss, {x: xb, p: True}) < true0 / 5
    assert s.run(loss, {x: xb, p: False}) == false0  # the other branch's variables got no gradient


def test_gradient_of_a_branch_that_reads_a_tensor_and_a_value_computed_from_it_outside():
    """`x` and `x[:, 0]` (computed outside the cond) both read inside a branch: x's gradient gets the part
    through `x[:, 0]` once (it was counted twice: the branch's gradient went on through the slice to x, and so did
    the outer walk)."""
    with tf.Graph().as_default(), tf.Session() as s:
        x = tf.constant(np.array([[1.0, 2.0, 3.0]], np.float32))
        first = x[:, 0]
        a, b = tf.split(x[0], [1, 2])

        def taken():
            return tf.reduce_sum(first * 10.0) + tf.reduce_sum(x[:, 1:])
        z = tf.cond(tf.constant(False), lambda: tf.reduce_sum(first), taken)
        z2 = tf.cond(tf.constant(True), lambda: tf.reduce_sum(a * 3.0) + tf.reduce_sum(b * 2.0) + tf.reduce_sum(x),
                     lambda: tf.reduce_sum(a))
        loop = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, v * 2.0), [0, first])[1]
        z3 = tf.cond(tf.constant(False), lambda: tf.reduce_sum(first), lambda: tf.reduce_sum(loop) + tf.reduce_sum(x))
        got = s.run(tf.gradients(z, x) + tf.gradients(z2, x) + tf.gradients(z3, x))
    np.testing.assert_array_equal(got[0], [[10.0, 1.0, 1.0]])
    np.testing.assert_array_equal(got[1], [[4.0, 3.0, 3.0]])
    np.testing.assert_array_equal(got[2], [[5.0, 1.0, 1.0]])

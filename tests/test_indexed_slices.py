"""tf.IndexedSlices: the gradient of gathered rows, its dense conversion and aggregation, and the optimizers'
sparse updates (tests/tf1_reference.json's indexed_slices_* programs compare the numbers with TF's)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphgrad as tf


def _embedding_grad(ids, rows=5):
    emb = tf.Variable(np.arange(rows * 2, dtype=np.float32).reshape(rows, 2), name="emb")
    looked = tf.nn.embedding_lookup(emb, ids)
    return emb, tf.gradients(tf.reduce_sum(looked * looked), emb)[0]


def test_gather_gradient_is_indexed_slices_with_the_rows_looked_up():
    emb, g = _embedding_grad([1, 3, 1])
    assert isinstance(g, tf.IndexedSlices) and not isinstance(g, tf.Tensor)
    assert g.dtype == tf.float32 and g.shape.as_list() == [5, 2] and g.name == g.values.name
    dense = tf.convert_to_tensor(g)
    assert dense.shape.as_list() == [5, 2]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got, d = s.run([g, dense])
    assert isinstance(got, tf.IndexedSlicesValue)
    assert got.indices.tolist() == [1, 3, 1] and got.dense_shape.tolist() == [5, 2]
    np.testing.assert_array_equal(got.values, [[4, 6], [12, 14], [4, 6]])
    np.testing.assert_array_equal(d, [[0, 0], [8, 12], [0, 0], [12, 14], [0, 0]])


def test_dense_conversion_warns_only_for_an_unknown_shape():
    values = tf.placeholder(tf.float32, (None, 2))
    known = tf.IndexedSlices(values, tf.constant([0]), tf.constant([3, 2]))
    unknown = tf.IndexedSlices(values, tf.constant([0]), tf.placeholder(tf.int32, (2,)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tf.convert_to_tensor(known)
    with pytest.warns(UserWarning, match="to a dense Tensor of unknown shape"):
        tf.convert_to_tensor(unknown)
    with pytest.raises(ValueError, match="without dense_shape"):
        tf.convert_to_tensor(tf.IndexedSlices(values, tf.constant([0])))


def test_aggregation_concatenates_slices_and_densifies_with_a_dense_gradient():
    emb = tf.Variable(np.ones((4, 2), np.float32))
    two = tf.reduce_sum(tf.gather(emb, [0, 2])) + tf.reduce_sum(tf.gather(emb, [2]) * 3.0)
    mixed = tf.reduce_sum(tf.gather(emb, [1])) + tf.reduce_sum(emb)
    g_two, g_mixed = tf.gradients(two, emb)[0], tf.gradients(mixed, emb)[0]
    assert isinstance(g_two, tf.IndexedSlices) and isinstance(g_mixed, tf.Tensor)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got, dense = s.run([g_two, g_mixed])
    assert got.indices.tolist() == [0, 2, 2]
    np.testing.assert_array_equal(dense, [[1, 1], [2, 2], [1, 1], [1, 1]])


def test_rows_of_an_intermediate_and_second_order_stay_dense_where_needed():
    x = tf.placeholder(tf.float64, (3, 2))
    y = tf.gather(x * x, [0, 0, 2])
    (g,) = tf.gradients(tf.reduce_sum(y), x)  # through Mul: the rule takes the slices as a dense tensor
    assert isinstance(g, tf.Tensor)
    (h,) = tf.gradients(tf.reduce_sum(g * g), x)
    xv = np.arange(6.0).reshape(3, 2)
    with tf.Session() as s:
        gv, hv = s.run([g, h], {x: xv})
    counts = np.array([[2], [0], [1]])
    np.testing.assert_allclose(gv, 2 * xv * counts)
    np.testing.assert_allclose(hv, 8 * xv * counts ** 2)


def test_feeding_an_indexed_slices_and_gating_it():
    fed = tf.IndexedSlices(tf.placeholder(tf.float32, (None, 2)), tf.placeholder(tf.int32, (None,)),
                           tf.constant([3, 2]))
    gated = tf.tuple([fed, tf.constant(1.0)])[0]
    assert isinstance(gated, tf.IndexedSlices) and gated.indices is fed.indices
    with tf.Session() as s:
        got = s.run(tf.convert_to_tensor(gated), {fed: ([[1.0, 2.0], [3.0, 4.0]], [2, 2], [3, 2])})
    np.testing.assert_array_equal(got, [[0, 0], [0, 0], [4, 6]])


def _train(make, batches, rows=4):
    with tf.Graph().as_default():
        emb = tf.Variable(np.linspace(-1, 1, rows * 2, dtype=np.float32).reshape(rows, 2))
        ids = tf.placeholder(tf.int32, (None,))
        opt = make()
        step = opt.minimize(tf.reduce_sum(tf.square(tf.gather(emb, ids) - 0.5)))
        slots = [opt.get_slot(emb, n) for n in opt.get_slot_names()]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            before = s.run([emb] + slots)
            for b in batches:
                s.run(step, {ids: b})
            return before, s.run([emb] + slots)


@pytest.mark.parametrize("make", [
    lambda: tf.train.MomentumOptimizer(0.1, 0.9), lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    lambda: tf.train.AdagradOptimizer(0.1), lambda: tf.train.RMSPropOptimizer(0.1, momentum=0.5),
    lambda: tf.train.RMSPropOptimizer(0.1, centered=True), lambda: tf.train.AdadeltaOptimizer(1.0),
    lambda: tf.train.FtrlOptimizer(0.1), lambda: tf.train.GradientDescentOptimizer(0.1)],
    ids=["momentum", "nesterov", "adagrad", "rmsprop", "centered", "adadelta", "ftrl", "gd"])
def test_sparse_updates_leave_rows_not_looked_up_alone(make):
    """Row 2 is never looked up: neither it nor its slots move; rows 0 and 1 move only in their steps."""
    before, after = _train(make, [[0, 1, 1], [0]])
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a[2:], b[2:])
        assert not np.array_equal(a[:2], b[:2])
    _, only_first = _train(make, [[0, 1, 1]])
    np.testing.assert_array_equal(after[0][1], only_first[0][1])  # row 1: no momentum step without a lookup


def test_duplicate_indices_are_summed_before_the_sparse_update():
    """Adagrad on [0, 0] is one step with the summed gradient (TF's _deduplicate_indexed_slices)."""
    _, twice = _train(lambda: tf.train.AdagradOptimizer(0.1), [[0, 0]])
    with tf.Graph().as_default():
        emb = tf.Variable(np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2))
        g = 2 * 2 * (emb[0] - 0.5)  # the summed gradient of row 0
        step = tf.raw_ops.SparseApplyAdagrad(var=emb, accum=tf.Variable(np.full((4, 2), 0.1, np.float32)),
                                             lr=tf.constant(0.1), grad=tf.reshape(g, (1, 2)),
                                             indices=tf.constant([0]))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(step)
            np.testing.assert_allclose(s.run(emb), twice[0], rtol=1e-6)


def test_raw_sparse_update_applies_repeated_indices_in_turn_and_checks_bounds():
    with tf.Graph().as_default():
        var = tf.Variable(np.zeros((3, 1), np.float32))
        acc = tf.Variable(np.zeros((3, 1), np.float32))
        grad = tf.placeholder(tf.float32, (None, 1))
        idx = tf.placeholder(tf.int32, (None,))
        step = tf.raw_ops.SparseApplyMomentum(var=var, accum=acc, lr=tf.constant(1.0), grad=grad, indices=idx,
                                              momentum=tf.constant(0.5))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(step, {grad: [[1.0], [2.0], [4.0]], idx: [1, 1, 1]})
            # accum 1, then 0.5 + 2 = 2.5, then 1.25 + 4 = 5.25; var -= each accum in turn
            np.testing.assert_allclose(s.run([acc, var]), [[[0], [5.25], [0]], [[0], [-8.75], [0]]])
            with pytest.raises(tf.errors.InvalidArgumentError, match="Index 3 at offset 0 in indices is out"):
                s.run(step, {grad: [[1.0]], idx: [3]})


def test_a_custom_optimizer_without_apply_sparse_fails_as_in_tf():
    class Dense(tf.train.Optimizer):
        def _apply_dense(self, grad, var):
            return tf.assign_sub(var, grad)

    emb = tf.Variable(np.ones((3, 2), np.float32))
    with pytest.raises(NotImplementedError):
        Dense(False, "Dense").minimize(tf.reduce_sum(tf.gather(emb, [0])))


def test_eager_gradients_of_a_gather_are_dense():
    with tf.eager.eager_mode():
        v = tf.Variable(np.ones((3, 2), np.float32))
        with tf.GradientTape() as t:
            y = tf.reduce_sum(tf.gather(v, [2, 2]))
        g = t.gradient(y, v)
        assert not isinstance(g, tf.IndexedSlices)
        np.testing.assert_array_equal(g.numpy(), [[0, 0], [0, 0], [2, 2]])


@pytest.mark.parametrize("first", [True, False])
def test_a_failing_sparse_update_leaves_every_variable_as_it_was(first):
    """Out-of-range rows fail the run before the sparse update writes; an update that ran before it is undone
    (the plan snapshots only when a write precedes the sparse update: OpDef.checks_before_writing)."""
    emb = tf.Variable(np.ones((3, 2), np.float32))
    w = tf.Variable(np.ones((2,), np.float32))
    ids = tf.placeholder(tf.int32, (None,))
    grad = tf.IndexedSlices(tf.ones((2, 2)), ids, tf.constant([3, 2]))
    pairs = [(grad, emb), (tf.ones((2,)), w)]
    step = tf.train.MomentumOptimizer(0.1, 0.9).apply_gradients(pairs if first else pairs[::-1])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match="Index 5 at offset 1 in indices is out of range"):
            s.run(step, {ids: [0, 5]})
        np.testing.assert_array_equal(s.run(emb), np.ones((3, 2)))
        np.testing.assert_array_equal(s.run(w), np.ones(2))
        s.run(step, {ids: [0, 2]})
        np.testing.assert_allclose(s.run(emb)[:, 0], [0.9, 1.0, 0.9])


def _lazy_adam_reference(var, batches, grad, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """TF 1.15's LazyAdamOptimizer._apply_sparse in NumPy (float32): duplicates summed, then only the rows looked up
    change their m, v and value; the beta powers advance once per step."""
    var = var.copy()
    m, v = np.zeros_like(var), np.zeros_like(var)
    p1, p2 = np.float32(beta1), np.float32(beta2)
    f = np.float32
    for ids in batches:
        rows = np.unique(ids)
        g = np.zeros((len(rows),) + var.shape[1:], np.float32)
        for row in ids:
            g[np.searchsorted(rows, row)] += grad(var[row])
        step_lr = f(lr) * np.sqrt(f(1) - p2) / (f(1) - p1)
        m[rows] = f(beta1) * m[rows] + (f(1) - f(beta1)) * g
        v[rows] = f(beta2) * v[rows] + (f(1) - f(beta2)) * g * g
        var[rows] -= step_lr * m[rows] / (np.sqrt(v[rows]) + f(eps))
        p1, p2 = p1 * f(beta1), p2 * f(beta2)
    return var, m, v


def test_lazy_adam_updates_only_the_rows_looked_up():
    """tf.contrib.opt.LazyAdamOptimizer against TF 1.15's formulas (TF 2.21, the recording venv, has no contrib):
    m, v and the value of a row move only in the steps that look it up; a repeated id is summed first."""
    batches = [[0, 1, 1], [0], [3, 0, 3, 3]]
    before, (emb, m, v) = _train(lambda: tf.contrib.opt.LazyAdamOptimizer(0.1), batches)
    want = _lazy_adam_reference(before[0], batches, lambda row: 2 * (row - 0.5))
    for got, ref in zip((emb, m, v), want):
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(emb[2], before[0][2])
    _, adam = _train(lambda: tf.train.AdamOptimizer(0.1), batches)  # Adam decays m and v of every row
    assert not np.array_equal(adam[1][1], m[1])


def test_lazy_adam_is_adam_for_a_dense_gradient():
    def run(make):
        with tf.Graph().as_default():
            w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
            step = make().minimize(tf.reduce_sum(tf.square(w - 0.25)))
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                for _ in range(3):
                    s.run(step)
                return s.run(w)
    np.testing.assert_array_equal(run(lambda: tf.contrib.opt.LazyAdamOptimizer(0.05)),
                                  run(lambda: tf.train.AdamOptimizer(0.05)))

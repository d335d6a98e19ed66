"""Bugs that real TF1 programs hit (issue 11): a tf.cond under control dependencies, var_list as any iterable of
variables, and the tf.arg_max / tf.arg_min aliases."""
import numpy as np
import pytest

import graphgrad as tf


def test_cond_under_control_dependencies_runs_the_dependency_once_with_its_feed():
    x = tf.placeholder(tf.float32, (), name="x")
    p = tf.placeholder(tf.bool, (), name="p")
    v = tf.Variable(0.0)
    step = tf.assign_add(v, x)
    with tf.control_dependencies([step]):
        out = tf.cond(p, lambda: v * 1.0, lambda: v * 2.0)
    if_op = out.op
    assert step.op in if_op.control_inputs  # the If carries the dependency ...
    for b in (if_op.attrs["then"], if_op.attrs["else"]):  # ... and no op of a branch does
        assert all(step.op not in t.op.control_inputs for t in b.outputs)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(out, {x: 1.0, p: True}) == 1.0 and s.run(v) == 1.0
        assert s.run(out, {x: -3.0, p: False}) == -4.0 and s.run(v) == -2.0  # one step each run


def test_cond_with_a_predicate_built_under_the_dependencies():
    x = tf.placeholder(tf.float32, (), name="x")
    v = tf.Variable(0.0)
    step = tf.assign_add(v, x)
    with tf.control_dependencies([step]):
        out = tf.cond(x > 0, lambda: v * 1.0, lambda: v * 2.0)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(out, {x: 1.0}) == 1.0 and s.run(v) == 1.0
        assert s.run(out, {x: -3.0}) == -4.0 and s.run(v) == -2.0


def test_train_op_as_control_dependency_of_a_cond():
    x = tf.placeholder(tf.float32, (None,), name="x")
    w = tf.Variable(2.0)
    loss = tf.reduce_mean((w * x) ** 2)
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.control_dependencies([train_op]):
        report = tf.cond(loss > 1.0, lambda: tf.identity(w), lambda: -w)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r = s.run(report, {x: [1.0, 1.0]})
        # loss 4 > 1 (read before the step), one step: w = 2 - 0.1 * 2 * 2 * 1 = 1.6
        assert np.isclose(r, 1.6) and np.isclose(s.run(w), 1.6)


def test_control_dependency_on_an_outside_op_inside_a_branch_moves_to_the_if():
    x = tf.placeholder(tf.float32, (), name="x")
    v = tf.Variable(0.0)
    step = tf.assign_add(v, x)

    def true_fn():
        with tf.control_dependencies([step]):
            return tf.identity(v)
    out = tf.cond(x > 0, true_fn, lambda: tf.identity(v))
    assert step.op in out.op.control_inputs
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(out, {x: 2.0}) == 2.0 and s.run(v) == 2.0


def test_nested_cond_under_control_dependencies():
    x = tf.placeholder(tf.float32, (), name="x")
    v = tf.Variable(0.0)
    step = tf.assign_add(v, x)
    with tf.control_dependencies([step]):
        out = tf.cond(x > 0, lambda: tf.cond(x > 5, lambda: v * 10.0, lambda: v * 1.0), lambda: -v)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(out, {x: 1.0}) == 1.0 and s.run(out, {x: 6.0}) == 70.0 and s.run(v) == 7.0


@pytest.mark.parametrize("make", [
    lambda vs: {"a": vs[0], "b": vs[1]}.values(),
    lambda vs: (v for v in vs),
    lambda vs: set(vs),
    lambda vs: frozenset(vs),
    lambda vs: iter(vs),
    lambda vs: {"a": vs[0], "b": vs[1]},
])
def test_var_list_may_be_any_iterable_of_variables(make):
    a, b = tf.Variable(1.0, name="a"), tf.Variable(3.0, name="b")
    loss = a * a + b * b
    opt = tf.train.GradientDescentOptimizer(0.25)
    gv = opt.compute_gradients(loss, var_list=make([a, b]))
    assert [v for _, v in gv] == [a, b] and all(g is not None for g, _ in gv)
    step = opt.minimize(loss, var_list=make([a, b]))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step)
        assert s.run([a, b]) == [0.5, 1.5]


def test_arg_max_and_arg_min_aliases():
    x = tf.constant([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    amax, amin = tf.arg_max(x, 1), tf.arg_min(x, dimension=0)
    assert amax.op.type == "ArgMax" and amax.dtype == tf.int64 and amin.op.type == "ArgMin"
    assert tf.arg_max(x, 0, output_type=tf.int32).dtype == tf.int32
    with tf.Session() as s:
        assert s.run(amax).tolist() == [1, 0] and s.run(amin).tolist() == [0, 1, 0]

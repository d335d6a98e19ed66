"""Run order v2: reads of a variable that do not depend on its update run before it (docs/design.md)."""
from __future__ import annotations

import io
import re

import numpy as np
import pytest

import graphgrad as tf


def _plan(s, fetch):
    op = fetch if isinstance(fetch, tf.Operation) else fetch.op
    return next(p for p, _ in s._plans.values() if op in p.ops)


def test_print_created_after_minimize_prints_values_from_before_the_step():
    x = tf.Variable(2.0, name="x")
    f = x ** 2
    step = tf.train.GradientDescentOptimizer(0.1).minimize(f)
    printed = tf.Print(f, [x, f], "x, f:")  # created after the step: still reads before it
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s._ctx.stderr = out = io.StringIO()
    for _ in range(3):
        _, new_x, seen_f = s.run([step, x, printed])
    pairs = [re.fullmatch(r"x, f:\[(.+)\]\[(.+)\]", line).groups() for line in out.getvalue().splitlines()]
    xs, fs = np.array(pairs, np.float64).T
    np.testing.assert_allclose(xs, [2.0, 1.6, 1.28], rtol=1e-6)  # x from before each step
    np.testing.assert_allclose(fs, xs ** 2, rtol=1e-6)  # and f = x² of that same x
    assert np.isclose(new_x, 1.024) and np.isclose(seen_f, 1.6384)  # x fetched directly: after the step


def test_a_read_that_depends_on_the_update_sees_it():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = v * 2.0
    before = v * 2.0  # created last, but reads without depending on the update: runs first
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    assert s.run([after, before, inc]) == [4.0, 2.0, 2.0]


def test_an_update_waits_for_readers_that_follow_another_update():
    """`r` reads b after a's update; b's update does not depend on r, so b is read before b's update."""
    a = tf.Variable(0.0, name="a")
    b = tf.Variable(10.0, name="b")
    up_a = tf.assign_add(a, 1.0)
    up_b = tf.assign_add(b, 1.0)
    with tf.control_dependencies([up_a]):
        r = b * 1.5
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    assert s.run([r, up_a, up_b]) == [15.0, 1.0, 11.0]


def test_a_custom_optimizer_written_the_tf1_way_needs_no_snapshot():
    """`tf.assign_sub(var, lr * grad)` per variable: the products created between the updates run before the
    first update, so nothing that can fail follows a write and the plan copies no variable per step."""
    x = tf.placeholder(tf.float32, (None, 4))
    y = tf.placeholder(tf.float32, (None, 1))
    w1 = tf.Variable(np.full((4, 8), 0.1, np.float32), name="w1")
    w2 = tf.Variable(np.full((8, 1), 0.1, np.float32), name="w2")
    loss = tf.reduce_mean((tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y) ** 2)
    grads = tf.gradients(loss, [w1, w2])
    updates = [tf.assign_sub(w, 0.1 * g) for w, g in zip([w1, w2], grads)]
    train = tf.group(*updates)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    feed = {x: np.ones((2, 4), np.float32), y: np.zeros((2, 1), np.float32)}
    s.run(train, feed)
    plan = _plan(s, train)
    assert not plan.needs_snapshot and "_snapshot()" not in plan.source
    first_write = min(i for i, op in enumerate(plan.ops) if op.op_def.mutates)
    assert all(op.op_def.mutates or op.type == "NoOp" for op in plan.ops[first_write:])
    # and the numbers are those of the built-in optimizer
    tf.reset_default_graph()
    x2 = tf.placeholder(tf.float32, (None, 4))
    y2 = tf.placeholder(tf.float32, (None, 1))
    v1 = tf.Variable(np.full((4, 8), 0.1, np.float32))
    v2 = tf.Variable(np.full((8, 1), 0.1, np.float32))
    loss2 = tf.reduce_mean((tf.matmul(tf.nn.relu(tf.matmul(x2, v1)), v2) - y2) ** 2)
    builtin = tf.train.GradientDescentOptimizer(0.1).minimize(loss2)
    s2 = tf.Session()
    s2.run(tf.global_variables_initializer())
    s2.run(builtin, {x2: feed[x], y2: feed[y]})
    np.testing.assert_allclose(s.run(w1), s2.run(v1), rtol=1e-6)
    np.testing.assert_allclose(s.run(w2), s2.run(v2), rtol=1e-6)


def test_builtin_optimizer_steps_take_no_snapshot():
    x = tf.placeholder(tf.float32, (None, 3))
    loss = tf.reduce_mean(tf.layers.dense(x, 2) ** 2)
    gs = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=gs)
    summary = tf.summary.scalar("loss", loss)  # created after the step: reads before it
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run([train, summary], {x: np.ones((2, 3), np.float32)})
    assert not _plan(s, train).needs_snapshot


@pytest.mark.parametrize("case,snapshot", [("float, known shapes", False), ("unknown shape", True),
                                           ("integers", True)])
def test_arithmetic_after_a_write_snapshots_only_where_it_can_fail(case, snapshot):
    """A Keras metric's total / count is computed after its updates; float arithmetic on shapes checked at build
    cannot fail, so it no longer makes the plan copy every variable it writes before each step. Arithmetic on
    a shape known only at run time (a broadcast that may not fit) or on integers (`pow` to a negative power
    raises) still can."""
    dtype = tf.int32 if case == "integers" else tf.float32
    total = tf.Variable(np.zeros((), dtype.as_numpy_dtype))
    count = tf.Variable(np.zeros((), dtype.as_numpy_dtype))
    x = tf.placeholder(dtype, () if case != "unknown shape" else None)
    with tf.control_dependencies([tf.assign_add(total, x), tf.assign_add(count, tf.ones((), dtype))]):
        result = tf.pow(total.read_value(), count.read_value()) if case == "integers" else tf.div_no_nan(
            total.read_value(), count.read_value())
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    assert s.run(result, {x: 3}) == 3
    plan = _plan(s, result)
    assert plan.needs_snapshot == snapshot and ("_snapshot()" in plan.source) == snapshot
    if case == "integers":   # what the snapshot is for: a failed run leaves every variable as it was
        s.run(tf.assign(count, -2))
        with pytest.raises(Exception, match="negative integer powers"):
            s.run(result, {x: 2})   # 5 ** -1 in integers
        assert s.run([total, count]) == [3, -2]

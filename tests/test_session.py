"""Session semantics: fetch structures, feeds, errors, variable ownership, ordering, rollback, plans."""
import collections
import warnings

import numpy as np
import pytest

import graphgrad as tf


def _var(value, name=None, **kw):
    return tf.Variable(np.asarray(value, np.float32), name=name, **kw)


def test_nested_fetches_return_the_same_structure():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as s:
        out = s.run({"a": a, "pair": Pair(a, b), "list": [a, (b, a)], "op": tf.no_op()})
    assert out["a"] == 1.0 and out["pair"] == Pair(1.0, 2.0) and out["op"] is None
    assert out["list"][0] == 1.0 and out["list"][1] == (2.0, 1.0)


def test_fetch_and_feed_by_name():
    x = tf.placeholder(tf.float32, (None,), name="x")
    tf.multiply(x, 2.0, name="y")
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run("y:0", {"x:0": [1, 2]}), [2, 4])
        assert s.run("y", {x: [1.0]}) is None


def test_a_control_dependency_on_a_fed_placeholder_is_met_by_the_feed():
    """TF rewires a fed placeholder's control edges to its feed (tf.metrics.mean waits on its `values`)."""
    x = tf.placeholder(tf.float32, [None], name="x")
    with tf.control_dependencies([x]):
        y = tf.constant(2.0) * 3.0
    z = tf.identity(x)
    with tf.control_dependencies([z]):
        w = tf.constant(1.0) + 1.0
    with tf.Session() as s:
        assert s.run(y, {x: [1.0]}) == 6.0
        assert s.run(w, {x: [1.0]}) == 2.0   # z (not a placeholder) runs, reading the feed
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value for placeholder tensor 'x'"):
            s.run(y)


def test_any_tensor_can_be_fed():
    a = tf.constant(3.0)
    b = a * 2.0
    with tf.Session() as s:
        assert s.run(b, {a: 10.0}) == 20.0


def test_feed_shape_and_dtype_errors():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y = x * 2.0
    with tf.Session() as s:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(2, 4\) for Tensor x:0, which has "
                                             r"shape \(\?, 3\)"):
            s.run(y, {x: np.ones((2, 4))})
        with pytest.raises(ValueError, match="x:0"):
            s.run(y, {x: [["a", "b", "c"]]})


def test_the_plans_feed_check_is_check_feed_for_every_value_and_spec():
    # runtime/plan.py's generated checker: arrays of the tensor's dtype pass as they are (no copy), anything
    # else is converted as check_feed converts it, and a wrong shape is the same error
    from graphgrad.runtime.plan import check_feed, feed_checker
    specs = [(np.dtype(np.float32), (None, 3), "x:0"), (np.dtype(np.int32), None, "n:0"),
             (np.dtype(np.float64), (), "s:0"), (np.dtype(np.float32), (2, None), "m:0")]
    check = feed_checker(specs)
    x, m = np.ones((4, 3), np.float32), np.zeros((2, 5), np.float32)
    for values in ([x, [1.9, -2.2], 0.5, m], [x.astype(np.float64), np.arange(3), np.float32(2), m.tolist()],
                   [x[:, ::-1], 7, np.array(1.0), m[:, :2]]):
        got = check(values)
        expected = [check_feed(v, spec) for v, spec in zip(values, specs)]
        assert [a.dtype for a in got] == [a.dtype for a in expected] and all(map(np.array_equal, got, expected))
        assert all((g is v) == (e is v) for g, e, v in zip(got, expected, values))
    for bad, shape in (([np.ones((4, 2), np.float32), 1, 0.5, m], r"\(4, 2\).*x:0, which has shape \(\?, 3\)"),
                       ([x, 1, np.ones(2), m], r"\(2,\).*s:0, which has shape \(\)"),
                       ([x, 1, 0.5, np.zeros((3, 5), np.float32)], r"\(3, 5\).*m:0, which has shape \(2, \?\)")):
        with pytest.raises(ValueError, match="Cannot feed value of shape " + shape):
            check(bad)
    with pytest.raises(ValueError, match="Cannot feed value .* for Tensor n:0, which has dtype int32"):
        check([x, np.array([2.0**40]), 0.5, m])
    assert feed_checker([])(()) == []
    assert len(check([x, 1])) == 2   # a shorter list is checked as far as it goes, as zip did


def test_float_feed_to_int_placeholder_truncates():
    i = tf.placeholder(tf.int32, (2,))
    with tf.Session() as s:
        out = s.run(tf.identity(i), {i: [1.7, -1.7]})
    np.testing.assert_array_equal(out, [1, -1])
    assert out.dtype == np.int32


def test_scalars_come_back_as_numpy_scalars_of_the_dtype():
    with tf.Session() as s:
        v = s.run(tf.constant(2.0, dtype=tf.float64) * 3.0)
    assert isinstance(v, np.float64) and v == 6.0


def test_closed_session_and_foreign_graph():
    a = tf.constant(1.0)
    s = tf.Session()
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.run(a)
    other = tf.Graph()
    with other.as_default():
        b = tf.constant(1.0)
    with tf.Session() as s2, pytest.raises(ValueError, match="not an element of this graph"):
        s2.run(b)


def test_two_sessions_on_one_graph_are_independent():
    v = _var(1.0, "v")
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0


def test_fetched_variable_values_never_change_afterwards():
    v = _var([1.0, 2.0], "v")
    inc = tf.assign_add(v, [1.0, 1.0])
    with tf.Session() as s:
        s.run(v.initializer)
        before = s.run(v)
        s.run(inc)
        np.testing.assert_array_equal(before, [1.0, 2.0])


def test_step_is_applied_to_fetched_variable_but_not_to_earlier_values():
    x = _var(1.0, "x")
    f = x * x
    (g,) = tf.gradients(f, [x])
    step = tf.assign_sub(x, 0.1 * g)
    with tf.Session() as s:
        s.run(x.initializer)
        _, xv, fv = s.run([step, x, f])
    assert np.isclose(xv, 0.8) and fv == 1.0


def test_failed_run_leaves_variables_unchanged():
    v = _var([1.0, 2.0], "v")
    x = tf.placeholder(tf.float32, (None,))
    inc = tf.assign_add(v, [1.0, 1.0])
    with tf.control_dependencies([inc]):
        bad = tf.matmul(tf.reshape(x, (1, -1)), tf.reshape(v, (2, 1)))
    with tf.Session() as s:
        s.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(bad, {x: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
        s.run(bad, {x: [1.0, 1.0]})
        np.testing.assert_array_equal(s.run(v), [2.0, 3.0])


def test_uninitialized_update_fails_before_anything_changes():
    a = _var(1.0, "a")
    b = _var(1.0, "b")
    both = tf.group(tf.assign_add(a, 1.0), tf.assign_add(b, 1.0))
    with tf.Session() as s:
        s.run(a.initializer)
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value b"):
            s.run(both)
        assert s.run(a) == 1.0


def test_default_session_eval_and_run():
    c = tf.constant(4.0) * 2.0
    with tf.Session().as_default():
        assert c.eval() == 8.0
    with pytest.raises(ValueError, match="No default session"):
        c.eval()
    with tf.Session() as s:
        assert c.eval() == 8.0 and tf.get_default_session() is s


def test_make_callable_matches_run():
    x = tf.placeholder(tf.float32, (None,))
    y = x * 3.0
    with tf.Session() as s:
        f = s.make_callable([y], [x])
        np.testing.assert_array_equal(f([1.0, 2.0])[0], [3.0, 6.0])


def test_plans_are_cached_and_pruned():
    x = tf.placeholder(tf.float32, ())
    unused = tf.placeholder(tf.float32, ())  # noqa: F841 - never fed, never needed
    y = x * 2.0
    with tf.Session() as s:
        s.run(y, {x: 1.0})
        s.run(y, {x: 2.0})
        assert len(s._plans) == 1
        (plan,) = [p for p, _ in s._plans.values()]
        assert [op.type for op in plan.ops] == ["Const", "Mul"]
        assert "def run(F)" in plan.source


def test_growing_graph_warns_once():
    x = tf.placeholder(tf.float32, ())
    with tf.Session() as s:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for _ in range(15):
                s.run(x * 2.0, {x: 1.0})
        msgs = [str(m.message) for m in w if issubclass(m.category, tf.runtime.session.GraphGrowthWarning)]
        assert len(msgs) == 1 and "Mul" in msgs[0] and "finalize" in msgs[0]


def test_variable_load_and_assign_ops():
    v = _var([0.0, 0.0], "v")
    with tf.Session() as s:
        v.load([3.0, 4.0], s)
        np.testing.assert_array_equal(s.run(v), [3.0, 4.0])
        s.run(v.assign([5.0, 6.0]))
        np.testing.assert_array_equal(v.eval(s), [5.0, 6.0])
        with pytest.raises(ValueError):
            v.load([1.0, 2.0, 3.0], s)


def test_report_uninitialized_variables():
    _var(1.0, "a")
    b = _var(1.0, "b")
    with tf.Session() as s:
        s.run(b.initializer)
        assert list(s.run(tf.report_uninitialized_variables())) == [b"a"]  # tf.string values are bytes, as in TF


def test_get_variable_reuse_rules():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", shape=(2,), initializer=tf.constant_initializer(1.0))
        with pytest.raises(ValueError, match="already exists"):
            tf.get_variable("v", shape=(2,))
    with tf.variable_scope("foo", reuse=True):
        assert tf.get_variable("v", shape=(2,)) is v
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("w", shape=(2,))
    with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("v") is v
    assert v.name == "foo/v:0"
    with tf.variable_scope("foo"):
        c = tf.constant(1.0, name="c")
    assert c.op.name.startswith("foo_") and c.op.name.endswith("/c")


def test_reentering_a_scope_by_name_numbers_its_default_named_subscopes_afresh():
    """As TF1 (names measured under tensorflow.compat.v1): the classic programs build their train and test graphs
    by calling `net(x, reuse=False)` then `net(x, reuse=True)`, whose tf.layers take default names."""
    def net(reuse):
        with tf.variable_scope("ConvNet", reuse=reuse):
            h = tf.layers.dense(tf.zeros((1, 2)), 3)
            return tf.layers.dense(h, 1)

    net(False)
    net(True)  # finds ConvNet/dense and ConvNet/dense_1 again
    assert [v.op.name for v in tf.global_variables()] == [
        "ConvNet/dense/kernel", "ConvNet/dense/bias", "ConvNet/dense_1/kernel", "ConvNet/dense_1/bias"]
    names = []
    for _ in range(2):
        with tf.variable_scope(None, default_name="c"):
            names.append(tf.get_variable("k", [1]).op.name)
    with tf.variable_scope("B") as b:
        with tf.variable_scope(None, default_name="c"):
            names.append(tf.get_variable("k", [1]).op.name)
    with tf.variable_scope(b):
        with tf.variable_scope(None, default_name="c"):
            names.append(tf.get_variable("k2", [1]).op.name)
    assert names == ["c/k", "c_1/k", "B/c/k", "B/c/k2"]


def test_get_variable_ignores_name_scope():
    with tf.name_scope("ns"):
        v = tf.get_variable("v", shape=(), initializer=np.float32(1.0))
    assert v.name == "v:0"


def test_variables_trainable_and_initializer_group():
    a = _var(1.0, "a")
    b = _var(1.0, "b", trainable=False)
    assert tf.trainable_variables() == [a]
    assert tf.global_variables() == [a, b]
    init = tf.global_variables_initializer()
    assert init.name == "init" and init.type == "NoOp"


def test_structures_are_cached_per_type_and_nesting():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.Session() as s:
        assert s.run([a, b]) == [1.0, 2.0]
        assert s.run((a, b)) == (1.0, 2.0)
        assert s.run({"a": a, "n": [b]}) == {"a": 1.0, "n": [2.0]}
        assert s.run({"a": a, "n": [b]}) == {"a": 1.0, "n": [2.0]}
        assert len(s._plans) == 3


def test_loading_into_a_closed_session_raises():
    v = _var([1.0, 2.0], "v")
    s = tf.Session()
    s.run(v.initializer)
    s.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        v.load([3.0, 4.0], s)
    assert s._ctx.variables == {}  # nothing came back to life in the closed session


def test_generated_plan_source_is_released_with_the_plan():
    """Each plan registers its source in linecache for tracebacks; the entry must not outlive the plan."""
    import gc
    import linecache

    x = tf.placeholder(tf.float32, ())
    y = x * 2.0
    s = tf.Session()
    s.run(y, {x: 1.0})
    ((plan, _),) = s._plans.values()
    name = plan._filename
    assert name in linecache.cache
    s.close()
    del plan
    gc.collect()
    assert name not in linecache.cache

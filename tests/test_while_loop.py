"""tf.while_loop (ops/while_ops.py): TF1's values, return conventions and errors; gradients against central finite
differences (data-dependent iteration counts, nested loops, conds inside loops and loops inside conds); Print once
per iteration; maximum_iterations; back_prop=False; variables assigned in the body (order and rollback)."""
from collections import namedtuple

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf


def test_the_classic_counter_and_return_conventions():
    i = tf.constant(0)
    c = lambda i: tf.less(i, 10)  # noqa: E731
    b = lambda i: tf.add(i, 1)  # noqa: E731
    r = tf.while_loop(c, b, [i])
    assert isinstance(r, tf.Tensor) and r.name == "while/Exit:0" and r.dtype == tf.int32
    s = tf.Session()
    assert s.run(r) == 10
    same = tf.while_loop(c, b, [i], return_same_structure=True)
    assert isinstance(same, list) and s.run(same) == [10]
    assert s.run(tf.while_loop(lambda i: i < 10000, lambda i: i + 1, [0])) == 10000  # a Python number as loop var


def test_nested_structures_namedtuples_and_dicts():
    Pair = namedtuple("Pair", "a b")
    out = tf.while_loop(lambda i, p, d: i < 3,
                        lambda i, p, d: (i + 1, Pair(p.a * 2.0, p.b + 1.0), {"x": d["x"] - 1, "y": d["y"]}),
                        (0, Pair(tf.constant(1.0), tf.constant(0.0)), {"x": 10, "y": tf.constant([1, 2])}))
    assert isinstance(out[1], Pair) and isinstance(out[2], dict)
    i, p, d = tf.Session().run(out)
    assert i == 3 and p == Pair(8.0, 3.0) and d["x"] == 7 and d["y"].tolist() == [1, 2]


def test_captures_and_a_sum_of_squares():
    n = tf.placeholder(tf.int32, ())
    r = tf.while_loop(lambda i, acc: i <= n, lambda i, acc: (i + 1, acc + i * i), [1, 0])
    assert tf.Session().run(r, {n: 4}) == (5, 30)


def test_shape_invariants_as_tensorflow():
    x = tf.constant(1.0, name="x")
    with pytest.raises(ValueError, match=r"Input tensor 'x:0' enters the loop with shape \(\), but has shape \(2,\) "
                                         r"after one iteration\. To allow the shape to vary across iterations, use "
                                         r"the `shape_invariants` argument of tf\.while_loop to specify a "
                                         r"less-specific shape\."):
        tf.while_loop(lambda v: tf.reduce_sum(v) < 10, lambda v: tf.stack([v, v]), [x])
    grow = tf.while_loop(lambda v: tf.size(v) < 8, lambda v: tf.concat([v, v], 0), [tf.constant([1.0])],
                         shape_invariants=[tf.TensorShape([None])])
    assert grow.shape.as_list() == [None]
    assert tf.Session().run(grow).tolist() == [1.0] * 8
    with pytest.raises(ValueError, match="The shape invariant specified for Const.* is not compatible with the "
                                         r"initial shape of the loop variable. It enters the loop with shape \(1,\), "
                                         r"but the specified shape invariant is \(2,\)"):
        tf.while_loop(lambda v: True, lambda v: v, [tf.constant([1.0])], shape_invariants=[tf.TensorShape([2])])


@pytest.mark.parametrize("make, error, match", [
    (lambda: tf.while_loop(1, lambda i: i, [0]), TypeError, "cond must be callable"),
    (lambda: tf.while_loop(lambda i: i < 1, None, [0]), TypeError, "body must be callable"),
    (lambda: tf.while_loop(lambda i: i < 1, lambda i: i, []), ValueError, "No loop variables provided"),
    (lambda: tf.while_loop(lambda i: i, lambda i: i, [0]), TypeError, "LoopCond.*int32.*bool"),
    (lambda: tf.while_loop(lambda i: i < 1, lambda i: tf.cast(i, tf.float32), [0]), TypeError,
     "enters the loop with type int32, but has type float32"),
    (lambda: tf.while_loop(lambda i, j: i < 1, lambda i, j: [i], [0, 1]), ValueError, "same nested structure"),
    (lambda: tf.while_loop(lambda i: i < 1, lambda i: i, [0], parallel_iterations=0), TypeError, "positive"),
])
def test_build_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_print_runs_once_per_iteration_and_maximum_iterations(capfd):
    r = tf.while_loop(lambda i: i < 100, lambda i: tf.Print(i + 1, [i], "it "), [0], maximum_iterations=4)
    s = tf.Session()
    assert s.run(r) == 4
    err = capfd.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("it ")] == ["it [0]", "it [1]", "it [2]", "it [3]"]
    m = tf.placeholder(tf.int32, ())
    r2 = tf.while_loop(lambda i: i < 5, lambda i: i + 1, [0], maximum_iterations=m)
    assert [s.run(r2, {m: k}) for k in (0, 3, 9)] == [0, 3, 5]


def test_assert_in_the_body_runs_each_iteration():
    x = tf.placeholder(tf.float32, ())

    def body(i, y):
        with tf.control_dependencies([tf.assert_less(y, 100.0)]):
            return i + 1, y * 3.0
    r = tf.while_loop(lambda i, y: i < 5, body, [0, x])
    s = tf.Session()
    assert s.run(r, {x: 1.0})[1] == 243.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="assert_less"):
        s.run(r, {x: 2.0})  # 2 * 3**4 = 162 enters the last iteration


def test_variables_assigned_in_the_body_order_and_rollback():
    v = tf.Variable(0.0)
    x = tf.placeholder(tf.float32, ())

    def body(i):
        with tf.control_dependencies([tf.assign_add(v, x)]):
            return i + 1
    r = tf.while_loop(lambda i: i < 3, body, [0])
    assert r.op.type == "UpdatingWhile" and r.op.op_def.mutates
    before = v * 1.0  # a read of v that does not depend on the loop runs before it (reads before writes)
    s = tf.Session()
    s.run(v.initializer)
    assert s.run([r, before, v], {x: 2.0}) == [3, 0.0, 6.0]

    def failing(i):
        with tf.control_dependencies([tf.assign_add(v, x)]):
            return i + tf.cast(tf.check_numerics(v, "v"), tf.int32) * 0 + 1
    r2 = tf.while_loop(lambda i: i < 3, failing, [0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="v"):
        s.run(r2, {x: np.inf})  # the first iteration writes inf, then check_numerics fails
    assert s.run(v) == 6.0  # the run changed nothing


def test_the_body_reads_variables_live_and_a_loop_var_from_a_variable_is_a_copy():
    v = tf.Variable(1.0)

    def body(i, acc):
        with tf.control_dependencies([tf.assign(v, v * 2.0)]):
            return i + 1, acc + tf.identity(v)
    r = tf.while_loop(lambda i, acc: i < 3, body, [0, v.value()])
    s = tf.Session()
    s.run(v.initializer)
    i, acc = s.run(r)
    assert s.run(v) == 8.0 and acc in (1.0 + 2 + 4 + 8, 1.0 + 1 + 2 + 4)  # order within one iteration is free
    z = tf.while_loop(lambda y: False, lambda y: y, [v.value()])
    out = s.run(z)
    s.run(tf.assign(v, 5.0))
    assert out == 8.0


def test_gradients_with_a_data_dependent_number_of_iterations():
    def build(x, w):
        # grows until the squared norm passes 100: the iteration count depends on x
        _, y = tf.while_loop(lambda i, y: tf.reduce_sum(y * y) < 100.0, lambda i, y: (i + 1, tf.sin(y) * w + 1.5 * y),
                             [0, x])
        return y
    rng = np.random.default_rng(0)
    check_gradients(build, [rng.standard_normal(3) + 2.0, np.array([0.7, 1.1, 0.9])])


def test_gradients_of_nested_loops_and_conds():
    def build(x, w):
        def outer(i, y):
            inner = tf.while_loop(lambda j, a: j < 2, lambda j, a: (j + 1, tf.tanh(a * w)), [0, y])[1]
            return i + 1, tf.cond(tf.equal(i % 2, 0), lambda: inner + x, lambda: inner * x)
        return tf.while_loop(lambda i, y: i < 3, outer, [0, x])[1]
    rng = np.random.default_rng(1)
    check_gradients(build, [rng.standard_normal(2), rng.standard_normal(2)])


@pytest.mark.parametrize("taken", [True, False])
def test_a_loop_inside_a_cond(taken):
    def build(x):
        return tf.cond(tf.constant(taken), lambda: tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x),
                                                                 [0, x])[1], lambda: tf.exp(x))
    check_gradients(build, [np.array([0.5, -1.2])])


def test_matrix_recurrence_gradient_and_captured_variables():
    def build(h0, w):
        return tf.while_loop(lambda i, h: i < 4, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))), [0, h0])[1]
    rng = np.random.default_rng(2)
    check_gradients(build, [rng.standard_normal((2, 3)), rng.standard_normal((3, 3)) * 0.5])
    w = tf.Variable(np.full((2, 2), 0.5, np.float32))
    y = tf.while_loop(lambda i, h: i < 2, lambda i, h: (i + 1, tf.matmul(h, w)), [0, tf.ones((1, 2))])[1]
    (g,) = tf.gradients(tf.reduce_sum(y), [w])
    s = tf.Session()
    s.run(w.initializer)
    np.testing.assert_allclose(s.run(g), [[2.0, 2.0], [2.0, 2.0]])


@pytest.mark.parametrize("threads,block", [(1, 1 << 22), (2, 1 << 22), (2, 10), (None, 1 << 22)],
                         ids=["one-blas-thread", "two-threads-one-block", "two-threads-many-blocks", "no-gemm"])
def test_weight_gradients_summed_per_iteration_or_as_stacked_rows(threads, block, monkeypatch):
    """A captured weight's gradient xᵀ·dy per iteration is fetched as its factors (ops/while_ops.py
    `_stacked_products`): with one BLAS thread BLAS adds each iteration's product into the sum, with more they
    are stacked and multiplied once per block of iterations (each block added into the sum), and without BLAS's
    gemm (another backend) the blocks' products are added up. The weight multiplied transposed in dx = dy·wᵀ is
    fed column-major once per run (`_transposed_weights`, a variable too). All the same as the per-iteration sum
    unrolled."""
    from graphgrad.ops import while_ops
    from graphgrad.runtime import context

    monkeypatch.setattr(while_ops, "_STACK_ELEMENTS", block)
    calls = []
    if threads is None:
        monkeypatch.setattr(context.blas, "available", lambda: False)
    else:
        gemm = context.blas.gemm
        monkeypatch.setattr(context.blas, "gemm", lambda *a: calls.append(len(a[0])) or gemm(*a))
        monkeypatch.setattr(context.blas, "threads", lambda: threads)
    rng = np.random.default_rng(5)
    xs0, h00, w0 = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((3, 3)) * 0.5
    xs, h0, w = tf.constant(xs0), tf.constant(h00), tf.Variable(w0)
    loop = tf.while_loop(lambda i, h: i < 6, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + xs[i])), [0, h0])[1]
    h = h0
    for i in range(6):
        h = tf.tanh(tf.matmul(h, w) + xs[i])
    got, want = (tf.gradients(tf.reduce_sum(tf.sin(y)), [w, h0]) for y in (loop, h))
    (wg,) = [op for op in tf.get_default_graph().get_operations() if op.type == "WhileGrad"]
    assert len(while_ops._stacked_products(wg.attrs["grad"], wg.attrs["n_flow"], wg.attrs["n_wrt"])) == 1
    assert len(while_ops._transposed_weights(wg, wg.attrs["grad"])) == 1
    with tf.Session() as s:
        s.run(w.initializer)
        for a, b in zip(s.run(got), s.run(want)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        by_blas = threads is not None and context.blas.available() and s._ctx.xp is np  # not on a GPU backend
    # rows of a per gemm: iterations 2-6 added into the first one's product; blocks of at most 10 elements hold
    # one iteration each (12 elements of a and b), and blocks 2-6 are added into the first one's product
    want_calls = {1: [2] * 5, 2: [] if block > 10 else [2] * 5}.get(threads)
    assert calls == (want_calls if by_blas else [])


def test_back_prop_false_and_stop_gradient_in_the_body():
    x = tf.placeholder(tf.float64, ())
    y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, x], back_prop=False)[1]
    assert len(y.op.outputs) == 2  # no history
    assert tf.gradients(y, x) == [None]
    z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, tf.stop_gradient(z) * x + z), [0, x])[1]
    (g,) = tf.gradients(z, x)
    # z_{k+1} = z_k x + z_k with z_k's x-dependence through the stopped product cut: dz/dx = sum z_k + 1
    s = tf.Session()
    zs = [1.5]
    for _ in range(3):
        zs.append(zs[-1] * 1.5 + zs[-1])
    assert s.run(g, {x: 1.5}) == pytest.approx(1.0 + sum(zs[:3]))


def test_dropout_in_the_body_uses_the_same_mask_backwards():
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float64, (50,))
    y = tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, tf.nn.dropout(y, keep_prob=0.5) * 3.0), [0, x])[1]
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    yv, gv = tf.Session().run([y, g], {x: np.ones(50)})
    np.testing.assert_allclose(gv, yv)  # y is linear in x with slope = what reached y


def _gradient_of(build):
    """x -> d(sum(build(x, ...)²))/dx, so that check_gradients checks second derivatives."""
    def grad(*xs):
        y = build(*xs)
        return tf.gradients(tf.reduce_sum(y * y), xs[0])[0]
    return grad


def test_second_derivatives_and_the_hessian():
    x, w = tf.placeholder(tf.float64, ()), tf.placeholder(tf.float64, ())
    y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) * w), [0, x])[1]
    gx, gw = tf.gradients(y, [x, w])
    hxx, hxw = tf.gradients(gx, [x, w])
    (hww,) = tf.gradients(gw, [w])

    def f(a, b):
        for _ in range(3):
            a = np.sin(a) * b
        return a
    e = 1e-4
    fx = lambda a, b: (f(a + e, b) - f(a - e, b)) / (2 * e)  # noqa: E731
    fw = lambda a, b: (f(a, b + e) - f(a, b - e)) / (2 * e)  # noqa: E731
    want = [(fx(0.7 + e, 1.3) - fx(0.7 - e, 1.3)) / (2 * e), (fx(0.7, 1.3 + e) - fx(0.7, 1.3 - e)) / (2 * e),
            (fw(0.7, 1.3 + e) - fw(0.7, 1.3 - e)) / (2 * e)]
    np.testing.assert_allclose(tf.Session().run([hxx, hxw, hww], {x: 0.7, w: 1.3}), want, rtol=1e-5)
    v = tf.placeholder(tf.float64, (2,))
    z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, tf.sin(z) * 1.1), [0, v])[1]
    (hess,) = tf.hessians(tf.reduce_sum(z), v)
    h = tf.Session().run(hess, {v: [0.3, 0.4]})
    second = [(f(a + e, 1.1) - 2 * f(a, 1.1) + f(a - e, 1.1)) / e ** 2 for a in (0.3, 0.4)]
    assert h[0, 1] == h[1, 0] == 0.0
    np.testing.assert_allclose(np.diag(h), second, rtol=1e-5)


@pytest.mark.parametrize("case", ["matrix", "cond", "nested", "data-dependent", "scan"])
def test_second_derivatives_match_finite_differences(case):
    rng = np.random.default_rng(4)
    if case == "matrix":
        check_gradients(_gradient_of(lambda h0, w: tf.while_loop(
            lambda i, h: i < 3, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))), [0, h0])[1]),
            [rng.standard_normal((2, 3)), rng.standard_normal((3, 3)) * 0.5])
    elif case == "cond":
        check_gradients(_gradient_of(lambda x, w: tf.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, tf.cond(
            i % 2 > 0, lambda: tf.sin(y) * w, lambda: y * y * w)), [0, x])[1]),
            [rng.standard_normal(2) * 0.5, rng.standard_normal(2)])
    elif case == "nested":
        def nested(x, w):
            def outer(i, y):
                inner = tf.while_loop(lambda j, a: j < 2, lambda j, a: (j + 1, tf.tanh(a * w)), [0, y])[1]
                return i + 1, inner + x
            return tf.while_loop(lambda i, y: i < 2, outer, [0, x])[1]
        check_gradients(_gradient_of(nested), [rng.standard_normal(2), rng.standard_normal(2)])
    elif case == "data-dependent":
        check_gradients(_gradient_of(lambda x, w: tf.while_loop(
            lambda i, y: tf.reduce_sum(y * y) < 100.0, lambda i, y: (i + 1, tf.sin(y) * w + 1.5 * y), [0, x])[1]),
            [rng.standard_normal(3) + 2.0, np.array([0.7, 1.1, 0.9])])
    else:
        check_gradients(_gradient_of(lambda x, w: tf.scan(lambda a, r: tf.tanh(a * r + w), x)),
                        [rng.standard_normal((3, 2)), rng.standard_normal(2)])


def test_third_derivatives_raise_a_clear_lookup_error():
    x = tf.placeholder(tf.float64, ())
    y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [0, x])[1]
    (g,) = tf.gradients(y, x)
    (h,) = tf.gradients(g, x)
    assert tf.Session().run(h, {x: 1.5}) == pytest.approx(12 * 1.5 ** 2)  # y = x^4
    with pytest.raises(LookupError, match="WhileGrad.*third order through tf.while_loop are not supported"):
        tf.gradients(h, x)


def test_the_history_is_released_and_plans_stay_out_of_graph_replay():
    x = tf.placeholder(tf.float32, (3,))
    y = tf.while_loop(lambda i, y: i < 5, lambda i, y: (i + 1, tf.sin(y)), [0, x])[1]
    (g,) = tf.gradients(y, x)
    s = tf.Session()
    s.run(g, {x: np.ones(3, np.float32)})
    plan = [p for p, _ in s._plans.values()][-1]
    lines = plan.source.splitlines()
    fwd = next(k for k, line in enumerate(lines) if line.endswith("(While)"))
    history = lines[fwd].split("=")[0].split(",")[2].strip()  # the While's third output: i, y, history
    back = next(k for k, line in enumerate(lines) if line.endswith("(WhileGrad)"))
    assert history in lines[back] and lines[back + 1].strip() == f"del {history}"  # freed after its last reader
    assert plan.replay is None


def test_graph_def_export_and_check_numerics_ops_with_a_loop_in_the_graph():
    x = tf.placeholder(tf.float32, (3,))
    y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y)), [0, x])[1]
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    names = {n.name for n in tf.get_default_graph().as_graph_def().node}
    assert {"while/Exit", "while/Identity_1"} <= names
    check = tf.add_check_numerics_ops()  # checks only what runs outside the loop's op
    np.testing.assert_allclose(tf.Session().run([g, check], {x: np.ones(3, np.float32)})[0],
                               np.full(3, np.cos(np.sin(np.sin(1.0))) * np.cos(np.sin(1.0)) * np.cos(1.0)), rtol=1e-6)


@pytest.mark.parametrize("device", ["cpu-unoptimized", "fakegpu"])
def test_same_results_without_the_passes_and_on_the_fake_gpu(device):
    import fakegpu

    fakegpu.register()

    def run(**kw):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, (3,))
            w = tf.Variable(np.array([0.5, -1.0, 2.0], np.float32))
            count = tf.Variable(0)

            def body(i, h):
                with tf.control_dependencies([tf.assign_add(count, 1)]):
                    return i + 1, tf.tanh(h * w + x)
            h = tf.while_loop(lambda i, h: i < 4, body, [0, x])[1]
            loss = tf.reduce_sum(h * h)
            step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
            s = tf.Session(**kw)
            s.run(tf.global_variables_initializer())
            out = [s.run([loss, step], {x: np.arange(3, dtype=np.float32)})[0] for _ in range(4)]
            plans = [pl for pl, _ in s._plans.values()]
            return out + [s.run(w).tolist(), s.run(count)], plans
    base, _ = run()
    got, plans = run(optimize=False) if device == "cpu-unoptimized" else run(device="fakegpu")
    np.testing.assert_allclose(got[:4], base[:4], rtol=1e-6)
    np.testing.assert_allclose(got[4], base[4], rtol=1e-6)
    assert got[5] == base[5] == 16  # the body's assignment ran once per iteration of the 4 runs
    if device == "fakegpu":
        assert all(pl.replay is None for pl in plans if any("While" in op.type for op in pl.steps))

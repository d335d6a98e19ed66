"""The narrow pass (runtime/passes.py): an op computes only the outputs a run reads (`OpDef.prune_outputs`: a
loop's gradient leaves out the gradients of loop inputs nobody reads, and its body is pruned to match), and a 2-D
product read only through a split (`OpDef.pieces`) multiplies only the rows or columns of the pieces read. Results
against the unoptimized run, the unrolled loop and finite differences."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.runtime import context


@pytest.fixture(autouse=True)
def _passes_on(monkeypatch):
    """These tests are about a pass: on even when the suite runs with GRAPHGRAD_OPTIMIZE=0."""
    monkeypatch.delenv("GRAPHGRAD_OPTIMIZE", raising=False)


@pytest.fixture
def inner_plans(monkeypatch):
    """The plans compiled for ops' inner graphs (loop bodies, their gradients), in order."""
    plans = []
    subplan = context.RunContext.subplan

    def recording(self, fetches, feeds):
        plan = subplan(self, fetches, feeds)
        plans.append(plan)
        return plan
    monkeypatch.setattr(context.RunContext, "subplan", recording)
    return plans


def _run(fetches, feed=None, optimize=True, setup=None):
    s = tf.Session(optimize=optimize)
    if setup is not None:
        s.run(setup)
    out = s.run(fetches, feed)
    return out, list(s._plans.values())[-1][0]


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_a_product_read_through_some_pieces_of_a_split_computes_only_those(ta, tb, axis):
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((6, 5)), rng.standard_normal((5, 7))
    a = tf.placeholder(tf.float64, (6, 5) if not ta else (5, 6))
    b = tf.constant(b0.T if tb else b0)
    z = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)
    pieces = tf.split(z, [1, 2, 3] if axis == 0 else [2, 3, 2], axis=axis)
    y = tf.exp(pieces[1])  # only the middle piece is read
    feed = {a: a0.T if ta else a0}
    on, plan = _run(y, feed)
    off, _ = _run(y, feed, optimize=False)
    assert plan.rewrites["narrow"] == [(z.op.name, pieces[0].op.name)]
    np.testing.assert_allclose(on, off, rtol=1e-14)
    want = np.exp((a0 @ b0)[1:3] if axis == 0 else (a0 @ b0)[:, 2:5])
    np.testing.assert_allclose(on, want, rtol=1e-14)


def test_no_narrowing_when_every_piece_is_read_or_the_product_is_read_elsewhere():
    a = tf.placeholder(tf.float32, (None, 4))
    b = tf.constant(np.ones((4, 6), np.float32))
    z = tf.matmul(a, b)
    p, q = tf.split(z, 2, axis=1)
    feed = {a: np.ones((2, 4), np.float32)}
    _, plan = _run([p, q], feed)
    assert plan.rewrites["narrow"] == []
    (out_p, out_z), plan = _run([p, z], feed)  # the whole product is fetched
    assert plan.rewrites["narrow"] == [] and out_z.shape == (2, 6) and out_p.shape == (2, 3)
    out, plan = _run(p + tf.reduce_sum(z), feed)  # and read by another op
    assert plan.rewrites["narrow"] == [] and out.shape == (2, 3)


def test_the_gradient_of_a_concat_input_nobody_reads_is_not_computed():
    """concat([x, h])·K: d h alone multiplies only K's rows of h (d[x, h] = dz·Kᵀ, split)."""
    rng = np.random.default_rng(1)
    x = tf.placeholder(tf.float64, (None, 2))
    h = tf.placeholder(tf.float64, (None, 3))
    k0 = rng.standard_normal((5, 4))
    k = tf.constant(k0)
    loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([x, h], 1), k)))
    gx, gh = tf.gradients(loss, [x, h])
    feed = {x: rng.standard_normal((3, 2)), h: rng.standard_normal((3, 3))}
    only_h, plan = _run(gh, feed)
    assert len(plan.rewrites["narrow"]) == 1
    both, plan = _run([gx, gh], feed)
    assert plan.rewrites["narrow"] == []
    np.testing.assert_allclose(only_h, both[1], rtol=1e-14)
    check_gradients(lambda x_, h_: tf.reduce_sum(tf.tanh(tf.matmul(tf.concat([x_, h_], 1), tf.constant(k0)))),
                    [feed[x], feed[h]])


def _loop(xs, k, h0, steps):
    """h' = tanh(concat([xs[i], h])·k), as dynamic_rnn's cells do; xs and k are the loop's captures."""
    return tf.while_loop(lambda i, h: i < steps,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(tf.concat([xs[i], h], 1), k))), [0, h0])[1]


def test_a_loop_computes_the_gradient_of_a_loop_invariant_input_only_when_it_is_read(inner_plans):
    rng = np.random.default_rng(2)
    xs0, h00, k0 = rng.standard_normal((4, 3, 2)), rng.standard_normal((3, 3)), rng.standard_normal((5, 3)) * 0.5
    xs = tf.placeholder(tf.float64, (4, 3, 2))
    k = tf.Variable(k0)
    h0 = tf.constant(h00)
    loss = tf.reduce_sum(tf.sin(_loop(xs, k, h0, 4)))
    gk, gxs = tf.gradients(loss, [k, xs])
    h = h0
    for i in range(4):  # the same recurrence unrolled
        h = tf.tanh(tf.matmul(tf.concat([xs[i], h], 1), k))
    want_k, want_xs = tf.gradients(tf.reduce_sum(tf.sin(h)), [k, xs])
    feed = {xs: xs0}
    (wg,) = [op for op in tf.get_default_graph().get_operations() if op.type == "WhileGrad"]

    def reverse_body():
        (body,) = [p for p in inner_plans if any(op._branch is wg.attrs["grad"] for op in p.steps)]
        del inner_plans[:]
        return body

    only_k, plan = _run(gk, feed, setup=k.initializer)
    assert wg.name in plan.rewrites["narrow"]  # xs's gradient: not computed
    body = reverse_body()  # d h only: dz multiplied by k's rows of h, no slice of xs's gradient
    assert "StridedSliceGrad" not in [op.type for op in body.steps] and len(body.rewrites["narrow"]) == 1
    both, plan = _run([gk, gxs], feed, setup=k.initializer)
    assert wg.name not in plan.rewrites["narrow"]
    body = reverse_body()
    assert "StridedSliceGrad" in [op.type for op in body.steps] and body.rewrites["narrow"] == []
    unrolled, _ = _run([want_k, want_xs], feed, setup=k.initializer)
    np.testing.assert_allclose(only_k, both[0], rtol=1e-14)
    for got, want in zip(both, unrolled):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    check_gradients(lambda xs_: tf.reduce_sum(tf.sin(_loop(xs_, tf.constant(k0), tf.constant(h00), 4))), [xs0])


def test_second_derivatives_through_a_pruned_loop_gradient():
    """The first derivative w.r.t. k alone (xs's pruned), differentiated again w.r.t. h0."""
    rng = np.random.default_rng(3)
    xs0 = rng.standard_normal((3, 2, 2))
    k0 = rng.standard_normal((4, 2)) * 0.5

    def build(h0, k):
        (gk,) = tf.gradients(tf.reduce_sum(tf.sin(_loop(tf.constant(xs0), k, h0, 3))), [k])
        return tf.reduce_sum(gk * gk)
    check_gradients(build, [rng.standard_normal((2, 2)), k0])


def test_dynamic_rnn_gradients_of_the_inputs_alone_and_of_the_weights_alone():
    """What a training step fetches (the weights' gradients, not the inputs') and the converse, each against the
    run that fetches both; the inputs' gradient against finite differences."""
    from test_rnn import _numeric

    rng = np.random.default_rng(4)
    x0 = rng.uniform(-1, 1, (2, 3, 2))
    x = tf.placeholder(tf.float64, [2, 3, 2])
    with tf.variable_scope("narrow", initializer=tf.random_uniform_initializer(-0.6, 0.6, seed=3)):
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float64)
    loss = tf.reduce_sum(out * np.cos(np.arange(18)).reshape(2, 3, 3))
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, variables + [x])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        both = s.run(grads, {x: x0})
        weights = s.run(grads[:-1], {x: x0})
        gx = s.run(grads[-1], {x: x0})
        box = {"x": x0}
        num_x = _numeric(lambda: s.run(loss, {x: box["x"]}), x0, lambda w: box.update(x=w))
    for a, b in zip(weights, both[:-1]):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    np.testing.assert_allclose(gx, both[-1], rtol=1e-14)
    np.testing.assert_allclose(gx, num_x, rtol=1e-5, atol=1e-7)

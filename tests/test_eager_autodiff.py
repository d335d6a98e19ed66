"""GradientTape (the ops' own gradient rules replayed on recorded eager ops), Jacobians, tf.function and eager
training, checked against graph mode and finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode

RNG = np.random.default_rng(5)
X = RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 2))


@pytest.fixture
def eager():
    with eager_mode():
        yield


def f(x, w):
    """A small network with fan-out (x used twice), broadcasting and a reduction."""
    h = tf.tanh(tf.matmul(x, w))
    return tf.reduce_sum(h * h + tf.sigmoid(tf.matmul(x, w) * 0.5)) + tf.reduce_mean(x * x)


def _graph_grads(fn, arrays):
    with tf.Graph().as_default():
        ts = [tf.constant(a) for a in arrays]
        y = fn(*ts)
        with tf.Session() as s:
            return s.run(tf.gradients(y, ts))


def _numeric_grad(fn, arrays, i, eps=1e-6):
    base = [a.copy() for a in arrays]
    g = np.zeros_like(base[i])
    for idx in np.ndindex(base[i].shape):
        up = [a.copy() for a in base]
        down = [a.copy() for a in base]
        up[i][idx] += eps
        down[i][idx] -= eps
        g[idx] = (float(fn(*up)) - float(fn(*down))) / (2 * eps)
    return g


def test_tape_gradients_equal_graph_mode_and_finite_differences(eager):
    x, w = tf.constant(X), tf.Variable(W)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x, w)
    gx, gw = tape.gradient(y, [x, w])
    expected = _graph_grads(f, [X, W])
    np.testing.assert_allclose(gx.numpy(), expected[0], rtol=1e-10)
    np.testing.assert_allclose(gw.numpy(), expected[1], rtol=1e-10)
    np.testing.assert_allclose(gw.numpy(), _numeric_grad(lambda a, b: f(tf.constant(a), tf.constant(b)), [X, W], 1),
                               rtol=1e-6, atol=1e-8)


def test_nested_sources_output_gradients_and_unconnected(eager):
    a, b, c = tf.constant(2.0), tf.constant(3.0), tf.constant(4.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b, c])
        y = a * b
        z = a + a
    g = tape.gradient(y, {"a": a, "pair": (b, c)})
    assert float(g["a"]) == 3.0 and float(g["pair"][0]) == 2.0 and g["pair"][1] is None
    zero = tape.gradient(y, c, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert float(zero) == 0.0
    assert float(tape.gradient([y, z], a, output_gradients=[tf.constant(10.0), tf.constant(1.0)])) == 32.0


def test_non_persistent_tape_is_used_once(eager):
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 2.0
    with pytest.raises(RuntimeError, match="only be called once on non-persistent tapes"):
        tape.gradient(y, x)


def test_watched_variables_stop_recording_and_watch_accessed(eager):
    v, u = tf.Variable(2.0), tf.Variable(3.0, trainable=False)
    with tf.GradientTape(persistent=True) as tape:
        y = v * u
        with tape.stop_recording():
            z = v * v
    assert tape.watched_variables() == [v]
    assert float(tape.gradient(y, v)) == 3.0 and tape.gradient(y, u) is None and tape.gradient(z, v) is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(u)
        y = v * u
    gv, gu = tape.gradient(y, [v, u])
    assert gv is None and float(gu) == 2.0


def test_second_order_with_nested_tapes(eager):
    x = tf.constant(1.5, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x + tf.sin(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert np.isclose(float(dy), 3 * 1.5 ** 2 + np.cos(1.5))
    assert np.isclose(float(d2y), 6 * 1.5 - np.sin(1.5))


def vector_fn(x):
    """R^3 -> R^2: the Jacobian lecture's kind of vector function."""
    return tf.stack([tf.reduce_sum(x * x), tf.reduce_prod(tf.sin(x))])


def test_jacobian_against_finite_differences_and_graph_mode(eager):
    x0 = np.array([0.3, -1.2, 2.0])
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = vector_fn(x)
    jac = tape.jacobian(y, x).numpy()
    assert jac.shape == (2, 3)
    numeric = np.stack([_numeric_grad(lambda a, i=i: vector_fn(tf.constant(a))[i], [x0], 0) for i in range(2)])
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)
    with tf.Graph().as_default():
        xg = tf.constant(x0)
        with tf.Session() as s:
            graph_jac = s.run(tf.jacobian(vector_fn(xg), xg))
    np.testing.assert_allclose(jac, graph_jac, rtol=1e-12)


def test_hessian_as_jacobian_of_gradient(eager):
    x0 = np.array([0.5, -0.7])
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x * x * x) + x[0] * x[1]
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x).numpy()
    np.testing.assert_allclose(hess, [[6 * 0.5, 1.0], [1.0, 6 * -0.7]], rtol=1e-12)
    with tf.Graph().as_default():
        xg = tf.constant(x0)
        yg = tf.reduce_sum(xg * xg * xg) + xg[0] * xg[1]
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(tf.hessians(yg, xg)[0]), hess, rtol=1e-12)


def test_batch_jacobian(eager):
    x0 = RNG.normal(size=(5, 3))
    w0 = RNG.normal(size=(3, 2))
    x = tf.constant(x0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(w0)))
    bj = tape.batch_jacobian(y, x).numpy()
    full = tape.jacobian(y, x).numpy()  # (5, 2, 5, 3): zero across examples
    assert bj.shape == (5, 2, 3)
    for b in range(5):
        np.testing.assert_allclose(bj[b], full[b, :, b, :], rtol=1e-12)
    with tf.Graph().as_default():
        xg = tf.constant(x0)
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(tf.batch_jacobian(tf.tanh(tf.matmul(xg, tf.constant(w0))), xg)), bj,
                                       rtol=1e-12)


def test_graph_mode_jacobian_of_a_matrix_function():
    x0 = RNG.normal(size=(2, 2))
    x = tf.constant(x0)
    y = tf.matmul(x, x)
    with tf.Session() as s:
        jac = s.run(tf.jacobian(y, x))
    assert jac.shape == (2, 2, 2, 2)
    numeric = np.zeros((2, 2, 2, 2))
    for i, j in np.ndindex(2, 2):
        d = np.zeros((2, 2))
        d[i, j] = 1e-6
        numeric[:, :, i, j] = ((x0 + d) @ (x0 + d) - (x0 - d) @ (x0 - d)) / 2e-6
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)


def test_tape_in_graph_mode_uses_tf_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with tf.Session() as s:
        assert s.run(tape.gradient(y, x)) == 6.0


# --- tf.function ------------------------------------------------------------------------------------------

def test_function_traces_once_per_signature(eager, capsys):
    w = tf.Variable(np.ones((3, 2), np.float32))

    @tf.function
    def layer(x, scale=1.0):
        print("tracing")
        return tf.tanh(tf.matmul(x, w)) * scale

    x = np.ones((4, 3), np.float32)
    a = layer(tf.constant(x))
    b = layer(tf.constant(x * 2))
    assert layer.trace_count == 1 and capsys.readouterr().out.count("tracing") == 1  # side effects at trace
    np.testing.assert_allclose(a.numpy(), np.tanh(x @ np.ones((3, 2))), rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), np.tanh(2 * x @ np.ones((3, 2))), rtol=1e-6)
    layer(tf.constant(np.ones((7, 3), np.float32)))  # a new shape: traced again
    assert layer.trace_count == 2
    layer(tf.constant(x), scale=2.0)  # a new Python value: traced again
    assert layer.trace_count == 3
    layer(tf.constant(x), scale=2.0)
    assert layer.trace_count == 3
    w.assign(np.zeros((3, 2), np.float32))  # the traced graph reads the variable's current value
    assert np.all(layer(tf.constant(x)).numpy() == 0)


def test_function_updates_variables_in_place_and_reads_after_writes(eager):
    v = tf.Variable(1.0)

    @tf.function
    def bump(d):
        v.assign_add(d)
        return v.read_value() * 10.0

    assert float(bump(tf.constant(2.0))) == 30.0 and float(v) == 3.0
    assert float(bump(tf.constant(1.0))) == 40.0 and float(v) == 4.0
    assert bump.trace_count == 1


def _mlp_params():
    rng = np.random.default_rng(0)
    return [(rng.normal(size=(2, 8)).astype(np.float32) * 0.5, np.zeros(8, np.float32)),
            (rng.normal(size=(8, 1)).astype(np.float32) * 0.5, np.zeros(1, np.float32))]


def _data():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(64, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    return x, y


def _mlp(x, params):
    (w1, b1), (w2, b2) = params
    return tf.matmul(tf.tanh(tf.matmul(x, w1) + b1), w2) + b2


def _loss(x, y, params):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=_mlp(x, params)))


def _train_graph(steps):
    x, y = _data()
    with tf.Graph().as_default():
        params = [(tf.Variable(w), tf.Variable(b)) for w, b in _mlp_params()]
        loss = _loss(tf.constant(x), tf.constant(y), params)
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            losses = [s.run([train, loss])[1] for _ in range(steps)]
            return losses, s.run([v for p in params for v in p])


def test_eager_adam_training_equals_graph_mode(eager):
    x, y = _data()
    params = [(tf.Variable(w), tf.Variable(b)) for w, b in _mlp_params()]
    variables = [v for p in params for v in p]
    opt = tf.train.AdamOptimizer(0.05)
    losses = []
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = _loss(x, y, params)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(float(loss))
    graph_losses, graph_values = _train_graph(30)
    assert losses[-1] < 0.8 * losses[0]
    np.testing.assert_allclose(losses, graph_losses, rtol=1e-5)
    for v, g in zip(variables, graph_values):
        np.testing.assert_allclose(v.numpy(), g, rtol=1e-4, atol=1e-6)


def test_minimize_with_a_callable_and_a_traced_step(eager):
    x, y = _data()
    params = [(tf.Variable(w), tf.Variable(b)) for w, b in _mlp_params()]
    opt = tf.train.AdamOptimizer(0.05)
    eager_losses = []
    for _ in range(10):
        opt.minimize(lambda: _loss(x, y, params))  # var_list: the variables the loss read
        eager_losses.append(float(_loss(x, y, params)))

    params2 = [(tf.Variable(w), tf.Variable(b)) for w, b in _mlp_params()]
    variables2 = [v for p in params2 for v in p]
    opt2 = tf.train.AdamOptimizer(0.05)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = _loss(xb, yb, params2)
        opt2.apply_gradients(zip(tape.gradient(loss, variables2), variables2))
        return loss

    traced = [float(step(x, y)) for _ in range(10)]
    assert step.trace_count == 1
    graph_losses, _ = _train_graph(11)
    np.testing.assert_allclose(traced, graph_losses[:10], rtol=1e-5)
    np.testing.assert_allclose(eager_losses, graph_losses[1:], rtol=1e-5)
    for v, g in zip(variables2, _train_graph(10)[1]):
        np.testing.assert_allclose(v.numpy(), g, rtol=1e-4, atol=1e-6)
    assert float(opt2._get_non_slot_variable("beta1_power", None)) == pytest.approx(0.9 ** 11)


def test_sgd_minimize_with_explicit_var_list(eager):
    w = tf.Variable(5.0)
    opt = tf.train.GradientDescentOptimizer(0.1)
    for _ in range(3):
        opt.minimize(lambda: (w - 2.0) ** 2, var_list=[w])
    assert float(w) == pytest.approx(2.0 + 3.0 * 0.8 ** 3)
    with pytest.raises(RuntimeError, match="should be a function when eager execution is enabled"):
        opt.minimize((w - 2.0) ** 2)


def test_function_gives_the_eager_numbers(eager):
    x, y = _data()
    results = []
    for wrap in (lambda fn: fn, tf.function):
        params = [(tf.Variable(w), tf.Variable(b)) for w, b in _mlp_params()]
        variables = [v for p in params for v in p]
        opt = tf.train.GradientDescentOptimizer(0.5)

        def step(xb, yb, params=params, variables=variables, opt=opt):
            with tf.GradientTape() as tape:
                loss = _loss(xb, yb, params)
            grads = tape.gradient(loss, variables)
            opt.apply_gradients(zip(grads, variables))
            return loss, grads[0]

        step = wrap(step)
        out = [step(tf.constant(x), tf.constant(y)) for _ in range(5)]
        results.append(([float(l) for l, _ in out], out[-1][1].numpy(), [v.numpy() for v in variables]))
    (el, eg, ev), (fl, fg, fv) = results
    np.testing.assert_allclose(fl, el, rtol=1e-6)
    np.testing.assert_allclose(fg, eg, rtol=1e-5, atol=1e-7)
    for a, b in zip(fv, ev):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_variables_created_in_a_function_are_lifted(eager):
    made = []

    @tf.function
    def f(x):
        if not made:
            made.append(tf.Variable(lambda: tf.ones([2]) * 3.0))
        made[0].assign_add(x)
        return made[0].read_value()

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [4.0, 5.0]
    assert f(tf.constant([1.0, 1.0])).numpy().tolist() == [5.0, 6.0]
    assert isinstance(made[0], tf.eager.EagerVariable) and made[0].numpy().tolist() == [5.0, 6.0]

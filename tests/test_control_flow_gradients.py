"""Gradients through nested control flow (conds in loops, loops in conds, captures computed from each other,
case, map_fn, scan): first and second order in graph mode and first order on an eager tape, against central
differences."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode

X0 = np.random.default_rng(0).standard_normal(4)
WEIGHTS = np.arange(1.0, 5.0)

CASES = {
    "nested conds": lambda x: tf.cond(x[0] > -5, lambda: tf.cond(
        x[1] > -5, lambda: tf.reduce_sum(x[:2] * x[0]) + tf.reduce_sum(tf.sin(x)), lambda: x[0]), lambda: x[1]),
    "a cond in a loop": lambda x: tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.cond(
        a > 100.0, lambda: a, lambda: a * x[0] + tf.reduce_sum(x[1:] ** 2))), [0, tf.reduce_sum(x)])[1],
    "a loop in a cond": lambda x: tf.cond(x[0] > -5, lambda: tf.while_loop(
        lambda i, a: i < 2, lambda i, a: (i + 1, a * tf.tanh(x[2]) + x[3]), [0, x[0] * 2.0])[1] + tf.reduce_sum(x),
        lambda: x[0]),
    "captures computed from each other": lambda x: (lambda y: tf.cond(
        y[0] > -5, lambda: tf.reduce_sum(y * x) + tf.reduce_sum(y ** 2), lambda: y[0]))(tf.exp(x) * 0.5),
    "case": lambda x: tf.case([(x[0] > 10.0, lambda: x[0]), (x[1] > -10.0, lambda: tf.reduce_sum(x * x[2]))],
                              default=lambda: x[3]),
    "map_fn": lambda x: tf.reduce_sum(tf.map_fn(lambda v: v * x[0] + tf.sin(v), x)),
    "scan": lambda x: tf.reduce_sum(tf.scan(lambda a, v: a * v + x[1], x, initializer=tf.constant(1.0, tf.float64))),
}


def _numeric(f, x, eps=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = eps
        out[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_first_and_second_order_gradients_in_graph_mode(name):
    with tf.Graph().as_default(), tf.Session() as s:
        x = tf.placeholder(tf.float64, [4])
        y = CASES[name](x)
        g = tf.gradients(y, x)[0]
        gg = tf.gradients(tf.reduce_sum(g * WEIGHTS), x)[0]
        first, second = s.run([g, gg], {x: X0})
        np.testing.assert_allclose(first, _numeric(lambda v: s.run(y, {x: v}), X0), atol=1e-5)
        np.testing.assert_allclose(second, _numeric(lambda v: s.run(g, {x: v}) @ WEIGHTS, X0), atol=1e-4)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_on_an_eager_tape(name):
    f = CASES[name]
    with eager_mode():
        x = tf.constant(X0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        got = tape.gradient(y, x).numpy()
        want = _numeric(lambda v: f(tf.constant(v)).numpy(), X0)
    np.testing.assert_allclose(got, want, atol=1e-5)

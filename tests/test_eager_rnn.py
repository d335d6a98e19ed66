"""tf.nn.dynamic_rnn executing eagerly (the loop's body as Python, as TF eager runs it) and traced by tf.function
(one While op): outputs, final state and gradients equal graph mode's."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5, 4)).astype(np.float32)
LENGTHS = np.array([5, 2, 0], np.int32)
KERNEL = RNG.normal(size=(4 + 6, 24)).astype(np.float32) * 0.3


def _rnn(x):
    cell = tf.nn.rnn_cell.BasicLSTMCell(6)
    with tf.variable_scope("rnn", initializer=tf.constant_initializer(KERNEL)):
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float32)
    return cell, out, state


def _graph_mode():
    with tf.Graph().as_default():
        _, out, state = _rnn(tf.constant(X))
        loss = tf.reduce_sum(out ** 2) + tf.reduce_sum(state.h)
        grads = tf.gradients(loss, tf.trainable_variables())
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            return s.run([out, state.c, state.h, loss, grads])


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
def test_dynamic_rnn_eagerly_and_traced_equals_graph_mode(traced):
    expected = _graph_mode()
    with eager_mode():
        cells = []

        def step(x):
            with tf.GradientTape() as tape:
                cell, out, state = _rnn(x)
                loss = tf.reduce_sum(out ** 2) + tf.reduce_sum(state.h)
            cells.append(cell)
            return out, state.c, state.h, loss, tape.gradient(loss, cell.trainable_variables)

        if traced:
            step = tf.function(step)
        got = step(tf.constant(X))
        assert len(cells[0].trainable_variables) == 2
    out, c, h, loss, grads = got
    for a, b in zip((out, c, h, loss), expected[:4]):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-6)
    assert np.all(out.numpy()[2] == 0) and np.all(out.numpy()[1, 2:] == 0)  # zeros past each sequence's length
    for a, b in zip(grads, expected[4]):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-4, atol=1e-6)

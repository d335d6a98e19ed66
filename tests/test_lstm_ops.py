"""The fused LSTM gate ops (ops/lstm_ops.py): the same values, gradients and second derivatives as the
written-out cell arithmetic, and finite differences through every output, first and second order."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.nn import rnn_cell as rc
from graphgrad.ops.lstm_ops import LSTMGates


def _op(gates, c, bias=None, forget_bias=0.7):
    inputs = [gates, c] + ([bias] if bias is not None else [])
    return tf.get_default_graph().create_op(LSTMGates, inputs, {"num_units": 3, "forget_bias": forget_bias},
                                            name="LSTMGates")


def _all_outputs(gates, c, bias):
    """The four outputs (c, h, activations, tanh(c)) in one tensor, so every output's gradient is checked."""
    new_c, new_h, acts, tc = _op(gates, c, bias).outputs
    return tf.concat([new_c, new_h * 1.3, acts, tc * 0.6], 1)


def _lstm(fused):
    """A 4-step dynamic_rnn of BasicLSTMCell and LSTMCell stacked: the fused op, or (a tanh that is not
    tf.tanh itself) the written-out arithmetic."""
    act = None if fused else (lambda z: tf.tanh(z))
    x = tf.placeholder(tf.float64, [2, 4, 3])
    with tf.variable_scope("lstm", initializer=tf.random_uniform_initializer(-0.8, 0.8, seed=5)):
        cell = rc.MultiRNNCell([rc.BasicLSTMCell(3, forget_bias=0.4, activation=act),
                                rc.LSTMCell(2, num_proj=2, activation=act)])
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[4, 2], dtype=tf.float64)
    loss = tf.reduce_sum(tf.sin(out)) + tf.reduce_sum(state[0].c * state[1].h[:, :1])
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, variables + [x])
    second = tf.gradients(tf.add_n([tf.reduce_sum(g * g) for g in grads]), variables + [x])
    types = {op.type for op in tf.get_default_graph().get_operations()}
    return x, [out, loss] + grads + second, types


def test_fused_matches_the_written_out_cell_values_gradients_and_second_derivatives():
    x0 = np.random.RandomState(1).uniform(-1, 1, (2, 4, 3))
    got = {}
    for fused in (True, False):
        with tf.Graph().as_default():
            x, fetches, types = _lstm(fused)
            assert ("LSTMGates" in types) == fused
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                got[fused] = s.run(fetches, {x: x0})
    for a, b in zip(got[True], got[False]):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("order", [1, 2])
def test_gradients_match_finite_differences(order):
    rng = np.random.default_rng(2)
    gates, c, bias = rng.uniform(-2, 2, (2, 12)), rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (12,))
    if order == 1:
        check_gradients(_all_outputs, [gates, c, bias])
    else:
        def grad(g, cp, b):
            y = _all_outputs(g, cp, b)
            dg, dc, db = tf.gradients(tf.reduce_sum(tf.sin(y) * y), [g, cp, b])
            return tf.concat([dg, dc, db[None, :] + dg], 1)
        check_gradients(grad, [gates, c, bias])


def test_shapes_checked_and_no_gradient_when_no_output_has_one():
    with pytest.raises(ValueError, match="bias must be"):
        _op(tf.zeros((2, 12)), tf.zeros((2, 3)), tf.zeros((4,)))
    g, c, b = tf.zeros((2, 12)), tf.zeros((2, 3)), tf.zeros((12,))
    op = _op(g, c, b)
    assert LSTMGates.gradient(op, None, None, None, None) == [None] * 3  # one entry per input, the bias's too


def test_float32_and_forget_bias_as_the_cell_computes_them():
    """float32: within a few ulps of sigmoid/tanh written out (σ is evaluated as tanh(x/2)/2 + 1/2)."""
    rng = np.random.default_rng(3)
    g0, c0 = rng.uniform(-30, 30, (5, 12)).astype(np.float32), rng.uniform(-2, 2, (5, 3)).astype(np.float32)
    gates, c = tf.constant(g0), tf.constant(c0)
    new_c, new_h, acts, tc = _op(gates, c, forget_bias=1.0).outputs  # no bias input: the gates as they are
    i, j, f, o = tf.split(gates, 4, axis=1)
    want_c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
    want = [want_c, tf.tanh(want_c) * tf.sigmoid(o)]
    with tf.Session() as s:
        got, ref = s.run([new_c, new_h], ), s.run(want)
    for a, b in zip(got, ref):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_eager_tapes_second_order_match_the_written_out_cell():
    """Nested GradientTapes replay LSTMGatesGrad's own gradient rule (graph ops, no graph autodiff inside)."""
    from graphgrad.eager import eager_mode

    got = []
    with eager_mode():
        for act in (None, lambda z: tf.tanh(z)):
            cell = rc.BasicLSTMCell(3, forget_bias=0.6, activation=act)
            x = tf.constant(np.random.RandomState(0).randn(2, 4))
            state = cell.zero_state(2, tf.float64)
            cell(x, state)
            kernel = cell.variables[0]
            kernel.assign(np.random.RandomState(1).randn(*kernel.shape.as_list()) * 0.5)
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    out, s = cell(x, state)
                    out, s = cell(x, s)
                    loss = tf.reduce_sum(out * out) + tf.reduce_sum(s.c)
                g = inner.gradient(loss, kernel)
                gg = tf.reduce_sum(g * g)
            got.append([loss.numpy(), g.numpy(), outer.gradient(gg, kernel).numpy()])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)

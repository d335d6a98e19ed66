"""Eager replays (graphgrad/eager/replay.py): a training step's reverse pass and update run as captured bound
kernels once two captures agree, and give exactly the numbers of the Python path; blocks whose ops depend on values,
tapes that record the gradient, and changed operands fall back to Python or to a new program."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode, replay, tape
from graphgrad.framework.op_def import OpDef, static_shape
from graphgrad.ops.core import apply_op

RNG = np.random.default_rng(11)
BATCHES = [(RNG.normal(size=(16, 3)).astype(np.float32), RNG.integers(0, 2, (16, 1)).astype(np.float32))
           for _ in range(4)]


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setattr(replay, "ENABLED", True)  # also under GRAPHGRAD_EAGER_REPLAY=0
    with eager_mode():
        yield


class _Elementwise(OpDef):
    def infer(op):
        return [(static_shape(op.inputs[0]), op.inputs[0].dtype.base_dtype)]


class _TimesSumOfInput(_Elementwise):
    """y = x * sum(x) whose (deliberately simplified) gradient rule bakes sum(x) into a constant: the rule's
    ops depend on the value of its input, so no program may serve it."""

    type = "TestReplayTimesSumOfInput"

    def kernel(op, ctx):
        return lambda x: x * x.sum()

    def gradient(op, dy):
        return [dy * tf.constant(float(np.sum(op.inputs[0].numpy())), dtype=dy.dtype)]


class _Double(_Elementwise):
    """y = 2x whose gradient rule multiplies by the Python scalar 2.0 (the cached eager constant)."""

    type = "TestReplayDouble"

    def kernel(op, ctx):
        return lambda x: x * 2

    def gradient(op, dy):
        return [dy * 2.0]


def _train(optimizer, steps, seed=3):
    """(losses, final variable values) of an eager MLP trained on BATCHES."""
    rng = np.random.default_rng(seed)
    w1 = tf.Variable(rng.normal(size=(3, 8)).astype(np.float32))
    b1 = tf.Variable(np.zeros(8, np.float32))
    w2 = tf.Variable(rng.normal(size=(8, 1)).astype(np.float32))
    b2 = tf.Variable(np.zeros(1, np.float32))
    variables = [w1, b1, w2, b2]
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    opt = optimizer()
    losses = []
    for i in range(steps):
        x, y = BATCHES[i % len(BATCHES)]
        with tf.GradientTape() as t:
            h = tf.tanh(tf.matmul(x, w1) + b1)
            logits = tf.matmul(h, w2) + b2
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        opt.apply_gradients(zip(t.gradient(loss, variables), variables), global_step=step)
        losses.append(loss.numpy())
    return np.array(losses), [v.numpy() for v in variables] + [step.numpy()]


@pytest.mark.parametrize("optimizer", [lambda: tf.train.GradientDescentOptimizer(0.1),
                                       lambda: tf.train.AdamOptimizer(0.01),
                                       lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)])
def test_replayed_training_gives_exactly_the_python_numbers(eager, optimizer, monkeypatch):
    before = tape._TAPES.replays
    losses, values = _train(optimizer, 8)
    assert tape._TAPES.replays - before >= 5  # step 1 runs, 2 and 3 capture (unless an earlier run did), 4-8 replay
    monkeypatch.setattr(replay, "ENABLED", False)
    plain_losses, plain_values = _train(optimizer, 8)
    np.testing.assert_array_equal(losses, plain_losses)
    for a, b in zip(values, plain_values):
        np.testing.assert_array_equal(a, b)
    assert values[-1] == 8


def test_replayed_gradients_are_whole_eager_tensors(eager):
    w = tf.Variable(np.ones((3, 2), np.float32))
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    before = tape._TAPES.replays
    for _ in range(5):
        with tf.GradientTape() as t:
            y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
        g = t.gradient(y, w)
        assert g.shape == (3, 2) and g.dtype == tf.float32 and g.numpy().shape == (3, 2)
        assert str(g).startswith("tf.Tensor([[") and (g + 1.0).shape == (3, 2)
    assert tape._TAPES.replays - before >= 2


def test_a_rule_whose_ops_depend_on_values_keeps_running_as_python(eager):
    for i in range(5):
        x = tf.constant(np.arange(12, dtype=np.float32) + i)  # more than 8 values: not part of the replay key
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(apply_op(_TimesSumOfInput, [x]))
        np.testing.assert_array_equal(t.gradient(y, x).numpy(), np.full(12, float(np.sum(x.numpy())), np.float32))


def test_a_fed_constant_that_equals_a_rules_scalar_is_keyed_by_value(eager):
    x = tf.constant(np.ones(4, np.float32))
    for c in [2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 2.0]:
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(apply_op(_Double, [x]) * c)
        np.testing.assert_array_equal(t.gradient(y, x).numpy(), np.full(4, 2 * c, np.float32))


def test_the_same_tensor_twice_is_not_confused_with_two_tensors(eager):
    a = tf.constant(np.arange(12, dtype=np.float32))  # more than 8 values: not part of the replay key
    b = tf.constant(np.arange(12, dtype=np.float32) * 3 - 5)
    for u, v in [(a, a)] * 3 + [(a, b)] * 3 + [(a, a)]:
        with tf.GradientTape(persistent=True) as t:
            t.watch([u, v])
            y = tf.reduce_sum(u * v)
        gu, gv = t.gradient(y, [u, v])
        expected = (2 * a.numpy(), 2 * a.numpy()) if u is v else (v.numpy(), u.numpy())
        np.testing.assert_array_equal(gu.numpy(), expected[0])
        np.testing.assert_array_equal(gv.numpy(), expected[1])


def test_second_order_after_the_first_order_pass_is_replayed(eager):
    x = tf.Variable(np.array([0.5, -0.7]))
    for _ in range(4):
        with tf.GradientTape() as t:
            y = tf.reduce_sum(x ** 3)
        np.testing.assert_allclose(t.gradient(y, x).numpy(), 3 * x.numpy() ** 2)
    for _ in range(3):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = tf.reduce_sum(x ** 3)
            g = inner.gradient(y, x)
        np.testing.assert_allclose(outer.gradient(g, x).numpy(), 6 * x.numpy())


def test_a_changed_learning_rate_is_used_by_a_replayed_update(eager):
    v = tf.Variable(np.zeros(3, np.float32))
    lr = tf.Variable(0.5)
    opt = tf.train.GradientDescentOptimizer(lr)
    g = tf.constant(np.ones(3, np.float32))
    expected = np.zeros(3, np.float32)
    for rate in [0.5, 0.5, 0.5, 0.25, 0.125, 1.0]:
        lr.assign(rate)
        opt.apply_gradients([(g, v)])
        expected -= np.float32(rate)
        np.testing.assert_array_equal(v.numpy(), expected)
    rates = iter([0.1, 0.2, 0.3, 0.4])
    opt = tf.train.GradientDescentOptimizer(lambda: next(rates))
    for rate in [0.1, 0.2, 0.3, 0.4]:
        opt.apply_gradients([(g, v)])
        expected -= np.float32(rate)
        np.testing.assert_array_equal(v.numpy(), expected)


def test_a_custom_optimizer_and_constraints_are_not_replayed(eager):
    class Halving(tf.train.GradientDescentOptimizer):
        calls = 0

        def _apply_dense(self, grad, var):
            Halving.calls += 1  # a Python side effect a replay would skip
            return super()._apply_dense(grad, var)

    v = tf.Variable(np.ones(2, np.float32), constraint=lambda t: tf.clip_by_value(t, 0.0, 0.8))
    w = tf.Variable(np.ones(2, np.float32))
    opt = Halving(0.1)
    for _ in range(4):
        opt.apply_gradients([(tf.constant(np.ones(2, np.float32)), w)])
    assert Halving.calls == 4
    sgd = tf.train.GradientDescentOptimizer(0.1)
    for _ in range(4):
        sgd.apply_gradients([(tf.constant(np.full(2, -1.0, np.float32)), v)])
    np.testing.assert_array_equal(v.numpy(), np.full(2, 0.8, np.float32))


def test_jacobian_rows_share_a_program(eager):
    x = tf.constant(np.array([0.3, -1.2, 2.0]))
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.tanh(x) * 3.0
    for _ in range(3):
        np.testing.assert_allclose(t.jacobian(y, x).numpy(), np.diag(3 * (1 - np.tanh(x.numpy()) ** 2)))

"""CUDA-graph replay of compiled plans (runtime/graph_replay.py), on the fake GPU of tests/fakegpu.py: its
"graph" re-runs the captured function and writes into the captured arrays, and it refuses any host read while
capturing, as CuPy does. Replayed runs must give exactly what normal runs give."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.framework.op_def import OpDef, static_shape
from graphgrad.ops.core import apply_op
from graphgrad.runtime.graph_replay import ENV_VAR, WARMUP_RUNS
from graphgrad.runtime.plan import Plan

sys.path.insert(0, os.path.dirname(__file__))
import fakegpu  # noqa: E402

fakegpu.register()


def _mlp(dropout=False):
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (None, 6), name="x")
    y = tf.placeholder(tf.int32, (None,), name="y")
    w0 = tf.Variable(rng.standard_normal((6, 16)).astype(np.float32) * 0.5, name="w0")
    w1 = tf.Variable(rng.standard_normal((16, 3)).astype(np.float32) * 0.5, name="w1")
    h = tf.nn.relu(tf.matmul(x, w0))
    if dropout:
        h = tf.nn.dropout(h, keep_prob=0.5, seed=1)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(h, w1)))
    step = tf.train.AdamOptimizer(0.05).minimize(loss)
    return x, y, loss, step


def _batches(sizes, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n, 6)).astype(np.float32), rng.integers(0, 3, n).astype(np.int32)) for n in sizes]


def _train(device, sizes, make_callable=False):
    """Loss of each step and the final variables; the session, for its plans."""
    g = tf.Graph()
    with g.as_default():
        x, y, loss, step = _mlp()
        s = tf.Session(device=device)
        s.run(tf.global_variables_initializer())
        run = s.make_callable([loss, step], [x, y]) if make_callable else (
            lambda xb, yb: s.run([loss, step], {x: xb, y: yb}))
        losses = [run(xb, yb)[0] for xb, yb in _batches(sizes)]
        if make_callable:  # its plan is not among the session's cached ones: the callable holds it
            s.callable_plan = next(c.cell_contents for c in run.__closure__ if isinstance(c.cell_contents, Plan))
        return losses, s.run(tf.trainable_variables()), s


def _replays(s):
    plans = [p for p, _ in s._plans.values()] + [getattr(s, "callable_plan", None)]
    return [p.replay for p in plans if p is not None and p.replay is not None and p.replay.captures]


@pytest.mark.parametrize("make_callable", [False, True])
def test_a_training_loop_is_captured_once_and_replayed_bit_for_bit(make_callable):
    cpu_losses, cpu_vars, _ = _train("cpu", [8] * 7, make_callable)
    gpu_losses, gpu_vars, s = _train("fakegpu", [8] * 7, make_callable)
    assert gpu_losses == cpu_losses
    for a, b in zip(gpu_vars, cpu_vars):
        np.testing.assert_array_equal(a, b)
    (replay,) = _replays(s)
    assert replay.failed is None and replay.captures == 1
    assert replay.launches == 7 - WARMUP_RUNS
    assert all(type(v) is np.float32 or isinstance(v, float) for v in gpu_losses)


def test_new_feed_shapes_warm_up_and_capture_again():
    sizes = [8] * 4 + [5] * 4 + [8] * 4
    cpu_losses, cpu_vars, _ = _train("cpu", sizes)
    gpu_losses, gpu_vars, s = _train("fakegpu", sizes)
    assert gpu_losses == cpu_losses
    for a, b in zip(gpu_vars, cpu_vars):
        np.testing.assert_array_equal(a, b)
    (replay,) = _replays(s)
    assert replay.captures == 3 and replay.launches == 3 * (4 - WARMUP_RUNS)


def test_random_and_host_ops_keep_the_plan_uncaptured():
    with tf.Graph().as_default():
        x, y, loss, step = _mlp(dropout=True)
        s = tf.Session(device="fakegpu")
        s.run(tf.global_variables_initializer())
        for xb, yb in _batches([8] * 4):
            s.run([loss, step], {x: xb, y: yb})
        plan = list(s._plans.values())[-1][0]
        assert plan.replay is None


class _HostRead(OpDef):
    """An op whose kernel reads a value on the host (as a data-dependent shape would)."""

    type = "TestHostRead"

    def infer(op):
        return [(static_shape(op.inputs[0]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        return lambda x: x * float(x.sum())

    gradient = None


def test_a_capture_that_needs_the_host_fails_once_and_the_plan_runs_normally():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (3,))
        z = apply_op(_HostRead, [x * 2.0], None, "host_read")
        s = tf.Session(device="fakegpu")
        got = [s.run(z, {x: np.full(3, i, np.float32)}) for i in range(5)]
        for i, v in enumerate(got):
            np.testing.assert_array_equal(v, np.full(3, 2.0 * i * 6.0 * i, np.float32))
        plan = list(s._plans.values())[-1][0]
        assert plan.replay.failed and "captured" in plan.replay.failed and plan.replay.captures == 0


def test_replaced_variable_buffers_are_noticed_and_loaded_values_are_seen():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (None, 2))
        v = tf.Variable(np.ones((2, 2), np.float32), validate_shape=False, name="v")
        out = tf.reduce_sum(tf.matmul(x, v), axis=1)
        s = tf.Session(device="fakegpu")
        s.run(v.initializer)
        xb = np.ones((1, 2), np.float32)
        for _ in range(4):
            assert s.run(out, {x: xb}).tolist() == [4.0]
        v.load(np.full((2, 2), 2.0, np.float32), s)  # same buffer, new values: the graph reads them
        assert s.run(out, {x: xb}).tolist() == [8.0]
        s.run(tf.assign(v, np.full((2, 3), 3.0, np.float32), validate_shape=False))  # a new buffer
        for _ in range(4):
            assert s.run(out, {x: xb}).tolist() == [18.0]
        replay = _replays(s)[0]
        assert replay.captures == 2


def test_the_switch_turns_replay_off(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "0")
    _, _, s = _train("fakegpu", [8] * 4)
    assert all(p.replay is None for p, _ in s._plans.values())


def test_out_of_range_labels_are_nan_rows_on_a_gpu_and_an_error_on_the_cpu():
    with tf.Graph().as_default():
        logits = tf.constant(np.zeros((3, 4), np.float32))
        labels = tf.placeholder(tf.int32, (3,))
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        (g,) = tf.gradients(tf.reduce_sum(loss), [logits])
        got, grad = tf.Session(device="fakegpu").run([loss, g], {labels: [0, 7, -1]})
        assert got[0] == pytest.approx(np.log(4)) and np.isnan(got[1:]).all()
        assert np.isfinite(grad[0]).all() and np.isnan(grad[1:]).all()
        with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 7"):
            tf.Session(device="cpu").run(loss, {labels: [0, 7, -1]})

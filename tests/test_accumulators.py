"""tf.ConditionalAccumulator / SparseConditionalAccumulator (ops/accumulator_ops.py): take_grad waits inside
Session.run for the gradients other threads apply, a session's close cancels it, each session has its own
accumulators, and a workers-and-chief loop averages as SyncReplicasOptimizer would. TF's values and errors:
tf1_reference's accumulators. Every wait has a timeout, so a broken wake-up fails instead of hanging."""
import threading

import numpy as np
import pytest

import graphgrad as tf


def in_thread(fn):
    out = {}
    t = threading.Thread(target=lambda: out.update(value=_call(fn)), daemon=True)
    t.start()

    def finish():
        t.join(10)
        assert not t.is_alive(), "still waiting"
        if isinstance(out["value"], BaseException):
            raise out["value"]
        return out["value"]
    finish.thread = t
    return finish


def _call(fn):
    try:
        return fn()
    except BaseException as e:  # noqa: BLE001 -- handed to the test
        return e


def test_take_grad_waits_for_the_gradients_other_threads_apply():
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    g = tf.placeholder(tf.float32, [2])
    apply, take = acc.apply_grad(g), acc.take_grad(3)
    with tf.Session() as s:
        taken = in_thread(lambda: s.run(take))
        for i in range(3):
            taken.thread.join(0.1)
            assert taken.thread.is_alive()
            s.run(apply, {g: [i, 2 * i]})
        assert taken().tolist() == [1.0, 2.0]
        assert s.run(acc.num_accumulated()) == 0


def test_closing_the_session_cancels_a_waiting_take_and_sessions_are_separate():
    acc = tf.SparseConditionalAccumulator(tf.float64, shape=[3])
    a, b = tf.Session(), tf.Session()
    a.run(acc.apply_grad([1], [2.0]))
    assert a.run(acc.num_accumulated()) == 1 and b.run(acc.num_accumulated()) == 0
    waiting = in_thread(lambda: b.run(acc.take_grad(1).values))
    waiting.thread.join(0.2)
    assert waiting.thread.is_alive()
    b.close()
    with pytest.raises(tf.errors.CancelledError):
        waiting()
    assert a.run(acc.take_grad(1).values).tolist() == [2.0]
    a.close()


def test_workers_and_chief_average_fresh_gradients_only():
    """Two workers compute gradients at the step they read; the chief takes two, applies the mean, and bumps
    the step: a gradient computed before the bump arrives stale and is dropped."""
    w = tf.Variable([1.0, -1.0])
    loss = tf.reduce_sum(tf.square(w))
    grad, = tf.gradients(loss, [w])
    acc = tf.ConditionalAccumulator(tf.float32, shape=[2])
    step = tf.placeholder(tf.int64, [])
    apply = acc.apply_grad(grad, local_step=step)
    train = tf.assign_sub(w, 0.25 * acc.take_grad(2))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(apply, {step: 0})
        s.run(apply, {step: 0})
        s.run(train)  # mean of two 2w at w = [1, -1]: w - 0.25 * [2, -2]
        np.testing.assert_allclose(s.run(w), [0.5, -0.5])
        s.run(apply, {step: 0})  # stale: the chief has taken once
        assert s.run(acc.num_accumulated()) == 0

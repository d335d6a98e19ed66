"""tf.train.ExponentialMovingAverage (train/moving_averages.py). Names, ops and values are recorded under TF
(tools/record_tf1_reference.py: exponential_moving_average); here the CIFAR-10 evaluation idiom restores the
averages of a checkpoint real TensorFlow wrote (tools/record_tf_checkpoints.py: ema) into the model's variables,
and graphgrad's own checkpoints round-trip the same way."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.train.moving_averages import assign_moving_average

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_checkpoints import EMA, STEP, expected  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_checkpoints", "ema")


def _model():
    vs = [tf.get_variable(n, s, getattr(tf, d), tf.zeros_initializer()) for n, (s, d) in EMA.items()]
    return vs, tf.train.get_or_create_global_step()


def test_the_evaluation_idiom_restores_tensorflows_averages_into_the_variables():
    vs, step = _model()
    ema = tf.train.ExponentialMovingAverage(0.9999, step)
    saver = tf.train.Saver(ema.variables_to_restore())
    with tf.Session() as s:
        saver.restore(s, tf.train.latest_checkpoint(DATA))
        for v in vs:
            want = expected(f"{v.op.name}/ExponentialMovingAverage", *EMA[v.op.name])
            np.testing.assert_array_equal(s.run(v), want)
        assert s.run(step) == STEP


def test_training_resumes_with_the_averages_of_a_tensorflow_checkpoint():
    vs, step = _model()
    ema = tf.train.ExponentialMovingAverage(0.9999, step)
    update = ema.apply(vs)
    with tf.Session() as s:
        tf.train.Saver().restore(s, os.path.join(DATA, f"model.ckpt-{STEP}"))
        for v in vs:
            np.testing.assert_array_equal(s.run(v), expected(v.op.name, *EMA[v.op.name]))
        s.run(update)
        decay = min(0.9999, (1 + STEP) / (10 + STEP))
        v = vs[0]
        avg = expected(f"{v.op.name}/ExponentialMovingAverage", *EMA[v.op.name])
        want = avg - (avg - expected(v.op.name, *EMA[v.op.name])) * np.float32(1 - np.float32(decay))
        np.testing.assert_allclose(s.run(ema.average(v)), want, rtol=1e-6)


def test_graphgrad_checkpoints_round_trip_the_averages(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.5)
    assign = w.assign([3.0, 6.0])
    with tf.control_dependencies([assign]):
        update = ema.apply([w])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(update)
        path = tf.train.Saver().save(s, str(tmp_path / "model.ckpt"))
    assert dict(tf.train.list_variables(path)) == {"w": [2], "w/ExponentialMovingAverage": [2]}
    with tf.Graph().as_default():
        w = tf.Variable([0.0, 0.0], name="w")
        ema = tf.train.ExponentialMovingAverage(0.5)
        with tf.Session() as s:
            tf.train.Saver(ema.variables_to_restore()).restore(s, path)
            np.testing.assert_array_equal(s.run(w), [2.0, 4.0])  # the average of 1, 2 and 3, 6 at decay 0.5


def test_the_average_starts_from_the_value_a_variable_already_has():
    """The slot's initializer reads the variable when it is initialized (TF's cond on is_variable_initialized)."""
    w = tf.Variable([1.0, 2.0], name="w")
    with tf.Session() as s:
        s.run(w.initializer)
        s.run(w.assign([5.0, 7.0]))
        ema = tf.train.ExponentialMovingAverage(0.9)
        ema.apply([w])
        s.run(ema.average(w).initializer)
        np.testing.assert_array_equal(s.run(ema.average(w)), [5.0, 7.0])


def test_a_tensor_average_without_debiasing_starts_at_zero():
    x = tf.placeholder(tf.float32, (), name="x")
    ema = tf.train.ExponentialMovingAverage(tf.constant(0.75))
    update = ema.apply([x])
    assert ema.average(x).op.name == "x/ExponentialMovingAverage"
    assert tf.moving_average_variables() == []  # only variables are collected
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(update, {x: 4.0})
        assert s.run(ema.average(x)) == pytest.approx(1.0)


def test_assign_moving_average():
    v = tf.Variable(10.0, name="v")
    op = assign_moving_average(v, 20.0, 0.9, zero_debias=False)
    assert op.op.name == "AssignMovingAvg" and op.op.type == "AssignSub"
    with tf.Session() as s:
        s.run(v.initializer)
        assert s.run(op) == pytest.approx(11.0)

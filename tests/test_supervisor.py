"""tf.train.Supervisor's services (timer threads writing checkpoints and summaries), LooperThread, and TF-Slim's
training and evaluation loops around them — what tests/test_slim.py's recorded programs leave out because it
depends on timers."""
import os
import threading
import time

import numpy as np
import pytest
from test_summary import load

import graphgrad as tf

slim = tf.contrib.slim


def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(2.0, name="w")
    loss = tf.square(w - 1.0, name="squared_error")
    tf.summary.scalar("loss", loss)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return step, w, loss, train


def test_standard_services_write_a_checkpoint_and_summaries_at_the_start(tmp_path):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=600, save_summaries_secs=600)
        with sv.managed_session() as s:
            deadline = time.time() + 10
            while not tf.train.latest_checkpoint(str(tmp_path)) and time.time() < deadline:
                time.sleep(0.02)
            s.run(train)
    assert os.path.basename(tf.train.latest_checkpoint(str(tmp_path))).startswith("model.ckpt-")
    assert (tmp_path / "graph.pbtxt").read_text().startswith("node {")
    acc = load(tmp_path)
    assert "loss" in acc.Tags()["scalars"]
    assert acc.Scalars("loss")[0].value == pytest.approx(1.0)


def test_services_stop_with_the_session_and_a_thread_error_reaches_the_caller(tmp_path):
    with tf.Graph().as_default():
        _model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
        ticks = []
        with sv.managed_session():
            sv.loop(0.01, ticks.append, args=(1,))
            deadline = time.time() + 10
            while len(ticks) < 3 and time.time() < deadline:
                time.sleep(0.01)
        assert len(ticks) >= 3 and sv.should_stop()
        assert not any(t.name.startswith("LooperThread") and t.is_alive() for t in threading.enumerate()
                       if isinstance(t, tf.train.LooperThread))

        def fail():
            raise RuntimeError("thread failed")

        with pytest.raises(RuntimeError, match="thread failed"):
            with sv.managed_session():
                sv.loop(0.01, fail)
                sv.coord.wait_for_stop(10)


def test_looper_thread_needs_a_coordinator_and_runs_back_to_back_without_an_interval():
    with pytest.raises(ValueError, match="must be a Coordinator"):
        tf.train.LooperThread(None, 1.0)
    coord = tf.train.Coordinator()
    count = []

    def step():
        count.append(1)
        if len(count) == 5:
            coord.request_stop()

    thread = tf.train.LooperThread.loop(coord, None, step)
    coord.join([thread], stop_grace_period_secs=10)
    assert len(count) == 5


def test_supervisor_runs_init_fn_and_reports_uninitialized_variables(tmp_path):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        calls = []
        sv = tf.train.Supervisor(logdir=None, init_fn=lambda sess: calls.append(sess.run(w)))
        with sv.managed_session() as s:
            assert s.run(step) == 0
        assert calls == [2.0]
    with tf.Graph().as_default():
        _model()
        sv = tf.train.Supervisor(logdir=None, init_op=tf.no_op())
        with pytest.raises(RuntimeError, match="Variables not initialized: .*w"):
            sv.prepare_or_wait_for_session()


def test_learning_train_writes_summaries_and_logs_the_loss(tmp_path, caplog):
    with tf.Graph().as_default():
        x = tf.constant(np.ones((4, 2), np.float32))
        pred = slim.fully_connected(x, 1, activation_fn=None)
        slim.losses.mean_squared_error(pred, tf.zeros([4, 1]))
        total = slim.losses.get_total_loss()
        tf.summary.scalar("total", total)
        train_op = slim.learning.create_train_op(total, tf.train.GradientDescentOptimizer(0.05),
                                                 summarize_gradients=True)
        with caplog.at_level("INFO", logger="graphgrad"):
            slim.learning.train(train_op, str(tmp_path), number_of_steps=3, save_interval_secs=0,
                                save_summaries_secs=600)
    assert any("global step 3: loss = " in r.getMessage() for r in caplog.records)
    tags = load(tmp_path).Tags()
    assert "total" in tags["scalars"]
    assert "summarize_grads/fully_connected/weights/gradient_norm" in tags["scalars"]  # scoped, as TF1
    assert "summarize_grads/fully_connected/weights/gradient" in tags["histograms"]
    assert os.path.basename(tf.train.latest_checkpoint(str(tmp_path))) == "model.ckpt-3"


def test_evaluation_loop_evaluates_each_new_checkpoint_and_stops_at_the_timeout(tmp_path):
    train_dir, eval_dir = tmp_path / "train", tmp_path / "eval"
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        saver = tf.train.Saver()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            saver.save(s, str(train_dir / "model.ckpt"), global_step=step)
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        value, update = slim.metrics.streaming_mean(loss)
        tf.summary.scalar("eval_loss", value)
        got = slim.evaluation.evaluation_loop("", str(train_dir), str(eval_dir), num_evals=2, eval_op=update,
                                              final_op=[value, step], eval_interval_secs=0, timeout=0.5)
    assert got[0] == pytest.approx(1.0) and got[1] == 0
    assert load(eval_dir).Scalars("eval_loss")[0].value == pytest.approx(1.0)
    assert slim.evaluation.wait_for_new_checkpoint(str(tmp_path / "empty"), timeout=0.1,
                                                   seconds_to_sleep=0.05) is None
    with pytest.raises(NotImplementedError, match="hooks"):
        with tf.Graph().as_default():
            _model()
            slim.evaluation.evaluate_once("", "x", None, hooks=[tf.train.StopAtStepHook(num_steps=1)])


def test_managed_session_starts_the_queue_runners_and_ends_quietly_with_the_input():
    with tf.Graph().as_default():
        queue = tf.train.string_input_producer(["a", "b", "c"], num_epochs=2, shuffle=False)
        item = queue.dequeue()
        sv = tf.train.Supervisor(logdir=None)
        got = []
        with sv.managed_session() as s:
            while not sv.should_stop():
                got.append(s.run(item))
        assert got == [b"a", b"b", b"c"] * 2

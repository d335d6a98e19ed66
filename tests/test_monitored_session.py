"""MonitoredSession, MonitoredTrainingSession and the session-run hooks.

tools/record_monitored_session_reference.py holds small programs; run under real TensorFlow (tensorflow-cpu 2.21,
`compat.v1`) it recorded what each observes into tests/monitored_session_reference.json (hook call order, values
the hooks see, checkpoint steps, errors). Here the same programs run under graphgrad and must observe the same.
The rest checks what the recording does not reach: log lines, summary files, listeners, timers, the Coordinator.
"""
import json
import logging
import os
import sys
import threading

import numpy as np
import pytest
from test_summary import load

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import record_monitored_session_reference as recorder  # noqa: E402

with open(os.path.join(HERE, "monitored_session_reference.json")) as _f:
    REFERENCE = json.load(_f)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_program_observes_what_tensorflow_observed(name):
    assert recorder.run_all(tf, [name])[name] == REFERENCE[name]


def test_every_program_is_recorded():
    assert sorted(recorder.PROGRAMS) == sorted(REFERENCE)


def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(3.0, name="w")
    loss = tf.square(w, name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return step, w, loss, train


def test_logging_tensor_hook_writes_tf1_lines(caplog):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        hook = tf.train.LoggingTensorHook({"loss": loss, "w": "w:0"}, every_n_iter=2)
        with caplog.at_level(logging.INFO, logger="graphgrad"):
            with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=3)]) as s:
                while not s.should_stop():
                    s.run(train)
    lines = [r.getMessage() for r in caplog.records if "loss =" in r.getMessage()]
    # Sorted tags, str() of the values; the variable fetched directly comes back with the run's step applied,
    # the loss is from before it (graphgrad's order within a run, docs/design.md).
    assert lines[0] == "loss = 9.0, w = 2.4"
    assert len(lines) == 2 and lines[1].startswith("loss = 3.6864002, w = 1.536 (") and lines[1].endswith(" sec)")


def test_logging_tensor_hook_of_a_list_keeps_its_order_and_checks_the_graph():
    with tf.Graph().as_default():
        a = tf.constant(1.0, name="a")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="should have graph attribute that is equal to current graph"):
            tf.train.LoggingTensorHook([a], every_n_iter=1).begin()


def test_stop_at_step_hook_arguments_and_missing_global_step():
    with pytest.raises(ValueError, match="One of num_steps or last_step must be specified."):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step can be specified."):
        tf.train.StopAtStepHook(1, 2)
    with tf.Graph().as_default():
        with pytest.raises(RuntimeError, match="Global step should be created to use StopAtStepHook."):
            tf.train.StopAtStepHook(num_steps=1).begin()


def test_training_session_writes_summaries_and_steps_per_second(tmp_path):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        tf.summary.scalar("weight", w)
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_summaries_steps=2,
                                               log_step_count_steps=2,
                                               hooks=[tf.train.StopAtStepHook(last_step=5)]) as s:
            while not s.should_stop():
                s.run(train)
    acc = load(tmp_path)
    w_events = acc.Scalars("weight")
    # Written after steps 1, 3, 5 (the first run, then every 2 steps), each from the value before that step.
    assert [e.step for e in w_events] == [1, 3, 5]
    np.testing.assert_allclose([e.value for e in w_events], [3.0, 3.0 * 0.8 ** 2, 3.0 * 0.8 ** 4], rtol=1e-6)
    assert [e.step for e in acc.Scalars("global_step/sec")] == [3, 5]
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-5")


def test_checkpoint_saver_hook_calls_its_listeners_and_a_listener_can_stop(tmp_path):
    calls = []

    class Listener(tf.train.CheckpointSaverListener):
        def begin(self):
            calls.append("begin")

        def before_save(self, session, step):
            calls.append(("before", int(step)))

        def after_save(self, session, step):
            calls.append(("after", int(step)))
            return step >= 4

        def end(self, session, step):
            calls.append(("end", int(step)))

    with tf.Graph().as_default():
        step, w, loss, train = _model()
        hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=2, listeners=[Listener()],
                                            saver=tf.train.Saver())
        runs = 0
        with tf.train.MonitoredSession(hooks=[hook]) as s:
            while not s.should_stop():
                s.run(train)
                runs += 1
    assert runs == 4
    assert calls == ["begin", ("before", 0), ("after", 0), ("before", 2), ("after", 2), ("before", 4),
                     ("after", 4), ("end", 4)]
    assert tf.train.load_variable(str(tmp_path), "global_step") == 4


def test_checkpoint_saver_hook_needs_one_saver():
    with pytest.raises(ValueError, match="You cannot provide both saver and scaffold."):
        tf.train.CheckpointSaverHook("d", save_steps=1, saver=object(), scaffold=tf.train.Scaffold())
    with pytest.raises(ValueError, match="Either every_secs or every_steps should be provided."):
        tf.train.CheckpointSaverHook("d")


def test_summary_saver_hook_needs_a_scaffold_or_an_op():
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op must be provided."):
        tf.train.SummarySaverHook(save_steps=1)


def test_second_or_step_timer():
    timer = tf.train.SecondOrStepTimer(every_steps=3)
    assert timer.should_trigger_for_step(0)
    assert timer.update_last_triggered_step(0) == (None, None)
    assert not timer.should_trigger_for_step(0) and not timer.should_trigger_for_step(2)
    assert timer.should_trigger_for_step(3)
    assert timer.update_last_triggered_step(3)[1] == 3
    assert timer.last_triggered_step() == 3
    with pytest.raises(ValueError, match="Can not provide both every_secs and every_steps."):
        tf.train.SecondOrStepTimer(every_secs=1, every_steps=1)


def test_an_error_in_run_skips_end_and_propagates():
    ended = []

    class Hook(tf.train.SessionRunHook):
        def end(self, session):
            ended.append(True)

    with tf.Graph().as_default():
        y = tf.placeholder(tf.float32, []) * 2.0
        with pytest.raises(tf.errors.InvalidArgumentError):
            with tf.train.MonitoredSession(hooks=[Hook()]) as s:
                s.run(y)
        assert ended == []
        assert not tf.get_default_graph().finalized


def test_restore_without_every_variable_is_not_ready(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        with tf.Session() as s:
            s.run(v.initializer)
            tf.train.Saver([v]).save(s, str(tmp_path / "model.ckpt"))
    with tf.Graph().as_default():
        tf.Variable(1.0, name="v")
        tf.Variable(2.0, name="u")
        saver = tf.train.Saver({"v": tf.global_variables()[0]})
        scaffold = tf.train.Scaffold(saver=saver)
        with pytest.raises(RuntimeError, match="did not make model ready.*Variables not initialized: u"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold, checkpoint_dir=str(tmp_path)))
        assert not tf.get_default_graph().finalized          # a session that could not start leaves it writable


def test_scaffold_wants_one_item_per_collection():
    with tf.Graph().as_default() as g:
        tf.Variable(1.0)
        g.add_to_collection(tf.GraphKeys.INIT_OP, tf.no_op())
        g.add_to_collection(tf.GraphKeys.INIT_OP, tf.no_op())
        with pytest.raises(RuntimeError, match='More than one item in the collection "init_op"'):
            tf.train.Scaffold().finalize()


def test_singular_monitored_session_gives_its_raw_session(tmp_path):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        with tf.train.SingularMonitoredSession() as s:
            s.run(train)
            assert s.raw_session().run(w) == pytest.approx(2.4)
            assert s.graph is tf.get_default_graph()


def test_coordinator_carries_the_first_exception_to_join():
    coord = tf.train.Coordinator()

    def work():
        with coord.stop_on_exception():
            raise ValueError("boom")

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    with pytest.raises(ValueError, match="boom"):
        coord.join(threads)
    assert coord.should_stop()
    quiet = tf.train.Coordinator()
    quiet.request_stop(tf.errors.OutOfRangeError(None, None, "end"))
    quiet.join([])                                     # the end of the input is no error
    assert quiet.should_stop()


def test_the_benchmark_of_monitored_sessions_runs(capsys):
    from bench import monitored

    monitored.main(["--steps", "3", "--repeat", "1", "--peers", "graphgrad"])
    assert "| graphgrad |" in capsys.readouterr().out


def test_a_worker_initializes_itself_and_writes_nothing(tmp_path):
    with tf.Graph().as_default():
        step, w, loss, train = _model()
        with tf.train.MonitoredTrainingSession(is_chief=False, checkpoint_dir=str(tmp_path),
                                               hooks=[tf.train.StopAtStepHook(last_step=2)]) as s:
            while not s.should_stop():
                s.run(train)
    assert os.listdir(tmp_path) == []

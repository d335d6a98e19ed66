"""Record how TensorFlow 1.x's MonitoredSession, MonitoredTrainingSession and session-run hooks behave, as the
reference tests/test_monitored_session.py holds graphgrad to.

Each program is written once against the TF1 API (`tf` is `tensorflow.compat.v1` here, `graphgrad` in the test),
gets a fresh temporary folder, and returns plain JSON observations: the order of hook calls, the values hooks
see, the steps checkpoints are written at, errors by class name and message. tensorflow_estimator is gone from
TF 2.16+, so only core TF's monitored session and hooks are recorded; the Estimator is tested by hand.

    python tools/record_monitored_session_reference.py              # writes tests/monitored_session_reference.json
    python tools/record_monitored_session_reference.py --graphgrad  # prints what graphgrad observes instead
"""
from __future__ import annotations

import glob
import json
import os
import sys
import tempfile

import numpy as np

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                         "monitored_session_reference.json")
PROGRAMS = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


def _error(e):
    return [type(e).__name__, str(e)]


def _recording_hook(tf, events, fetch=None):
    class Recorder(tf.train.SessionRunHook):
        def begin(self):
            events.append("begin")

        def after_create_session(self, session, coord):
            events.append("after_create_session")

        def before_run(self, run_context):
            events.append("before_run")
            return tf.train.SessionRunArgs(fetch) if fetch is not None else None

        def after_run(self, run_context, run_values):
            events.append(["after_run", None if run_values.results is None else int(run_values.results)])

        def end(self, session):
            events.append("end")

    return Recorder()


def _counter_model(tf):
    """A global step and a train op that increments it (and a counter variable)."""
    step = tf.train.get_or_create_global_step()
    count = tf.Variable(0, name="count")
    train = tf.group(tf.assign_add(count, 1), tf.assign_add(step, 1))
    return step, count, train


def _checkpoint_steps(tf, folder):
    state = tf.train.get_checkpoint_state(folder)
    if state is None:
        return []
    return [int(os.path.basename(p).rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths]


@program
def hook_order(tf, folder):
    """begin, after_create_session, then before/after_run per run; StopAtStepHook(num_steps=3) stops after 3."""
    events = []
    with tf.Graph().as_default():
        step, count, train = _counter_model(tf)
        hooks = [_recording_hook(tf, events, fetch=count), tf.train.StopAtStepHook(num_steps=3)]
        outs = []
        with tf.train.MonitoredSession(hooks=hooks) as s:
            while not s.should_stop():
                outs.append(int(s.run([train, count])[1]))
            stopped = s.should_stop()
        return {"events": events, "outs": outs, "stopped": stopped}


@program
def stop_at_last_step(tf, folder):
    """last_step counts the global step, not the runs of this session: a run not stepping it does not count."""
    with tf.Graph().as_default():
        step, count, train = _counter_model(tf)
        runs = 0
        with tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=4)]) as s:
            s.run(count)                                    # no step
            runs += 1
            while not s.should_stop():
                s.run(train)
                runs += 1
        return {"runs": runs}


@program
def end_of_input(tf, folder):
    """OutOfRangeError from the input ends the with block quietly, and the hooks' end() runs."""
    events = []
    with tf.Graph().as_default():
        x = tf.data.make_one_shot_iterator(tf.data.Dataset.range(5).batch(2)).get_next()
        got = []
        with tf.train.MonitoredSession(hooks=[_recording_hook(tf, events)]) as s:
            while not s.should_stop():
                got.append(s.run(x).tolist())
        return {"got": got, "events": events[-3:]}


@program
def end_of_input_without_with(tf, folder):
    """Without a with block the OutOfRangeError reaches the caller; should_stop() stays False until close."""
    with tf.Graph().as_default():
        x = tf.data.make_one_shot_iterator(tf.data.Dataset.range(2)).get_next()
        s = tf.train.MonitoredSession()
        got, err = [], None
        try:
            while not s.should_stop():
                got.append(int(s.run(x)))
        except Exception as e:  # noqa: BLE001
            err = type(e).__name__
        after = s.should_stop()
        s.close()
        return {"got": got, "error": err, "should_stop_after_error": after, "after_close": s.should_stop()}


@program
def training_session_checkpoints(tf, folder):
    """save_checkpoint_steps=2: a checkpoint at the start, every 2 steps and at the end; a second session
    restores the newest and continues its global step."""
    observed = {}
    for round_ in (1, 2):
        with tf.Graph().as_default():
            step, count, train = _counter_model(tf)
            runs = 0
            hooks = [tf.train.StopAtStepHook(last_step=5 * round_)]
            with tf.train.MonitoredTrainingSession(checkpoint_dir=folder, hooks=hooks, save_checkpoint_steps=2,
                                                   save_summaries_steps=None, log_step_count_steps=None) as s:
                observed[f"start_{round_}"] = int(s.run(step))
                while not s.should_stop():
                    s.run(train)
                    runs += 1
            observed[f"runs_{round_}"] = runs
            observed[f"saved_step_{round_}"] = int(tf.train.load_variable(folder, "global_step"))
            observed[f"checkpoints_{round_}"] = _checkpoint_steps(tf, folder)
    return observed


def _events(tf, folder):
    """The events written to `folder`, read by TF's summary_iterator, or by TensorBoard's loader for graphgrad."""
    paths = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    if hasattr(tf.train, "summary_iterator"):
        return [e for p in paths for e in tf.train.summary_iterator(p)]
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

    return [e for p in paths for e in LegacyEventFileLoader(p).Load()]


@program
def training_session_summaries(tf, folder):
    """save_summaries_steps=2 and log_step_count_steps=2: the steps each summary and session log is written at
    (values are left out: a summary of a variable updated in the same run is racy in TF, steps/sec is timing)."""
    with tf.Graph().as_default():
        step, count, train = _counter_model(tf)
        tf.summary.scalar("count", tf.cast(count, tf.float32))
        with tf.train.MonitoredTrainingSession(checkpoint_dir=folder, save_summaries_steps=2, log_step_count_steps=2,
                                               save_checkpoint_secs=None,
                                               hooks=[tf.train.StopAtStepHook(last_step=5)]) as s:
            while not s.should_stop():
                s.run(train)
    scalars, logs = [], []
    for e in _events(tf, folder):
        scalars += [[v.tag, int(e.step)] for v in e.summary.value]
        if e.HasField("session_log"):
            logs.append([int(e.session_log.status), int(e.step)])
    return {"scalars": sorted(scalars), "session_logs": logs}


@program
def logging_tensor_hook(tf, folder):
    """every_n_iter=2 logs at local iterations 0, 2, 4 with the values of that run; at_end once more."""
    logged = []
    with tf.Graph().as_default():
        step, count, train = _counter_model(tf)
        doubled = tf.identity(count * 2, name="doubled")

        def formatter(values):
            logged.append({k: int(v) for k, v in values.items()})
            return "x"

        hook = tf.train.LoggingTensorHook({"c": "doubled:0", "d": doubled}, every_n_iter=2, at_end=True,
                                          formatter=formatter)
        noop = tf.no_op()
        with tf.train.MonitoredSession(hooks=[hook]) as s:
            for _ in range(5):   # the count steps outside the hooked runs: TF would read it racily beside an update
                s.run_step_fn(lambda step_context: step_context.session.run(train))
                s.run(noop)
    errors = []
    for kwargs in ({}, {"every_n_iter": 0}, {"every_n_iter": 1, "every_n_secs": 1}):
        try:
            tf.train.LoggingTensorHook({"c": "c"}, **kwargs)
        except ValueError as e:
            errors.append(str(e))
    return {"logged": logged, "errors": errors}


@program
def feeds_and_errors(tf, folder):
    """A hook's feed reaches the run; the same tensor fed by a hook and the caller, or running after a stop,
    is a RuntimeError."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [], name="p")
        y = p * 3.0
        step = tf.train.get_or_create_global_step()
        inc = tf.assign_add(step, 1)
        hook = tf.train.FeedFnHook(lambda: {p: 2.0})
        out = {}
        with tf.train.MonitoredSession(hooks=[hook]) as s:
            out["fed"] = float(s.run(y))
            try:
                s.run(y, feed_dict={p: 1.0})
            except RuntimeError as e:
                out["conflict"] = _error(e)
        stop = tf.train.StopAtStepHook(num_steps=1)
        with tf.train.MonitoredSession(hooks=[stop, hook]) as s:
            s.run(inc)
            try:
                s.run(inc)
            except RuntimeError as e:
                out["after_stop"] = _error(e)
    return out


@program
def nan_and_final_ops(tf, folder):
    """NanTensorHook raises NanLossDuringTrainingError (or only stops); FinalOpsHook's values at the end."""
    out = {}
    with tf.Graph().as_default(), np.errstate(divide="ignore", invalid="ignore"):
        v = tf.Variable(1.0)
        loss = tf.log(v - 1.0) * 0.0      # 0 * -inf = nan
        try:
            with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as s:
                s.run(loss)
        except tf.train.NanLossDuringTrainingError as e:
            out["raised"] = _error(e)
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss, fail_on_nan_loss=False)]) as s:
            s.run(loss)
            out["stopped"] = s.should_stop()
        final = tf.train.FinalOpsHook({"v": v * 4.0})
        with tf.train.MonitoredSession(hooks=[final]) as s:
            pass
        out["final"] = {k: float(x) for k, x in final.final_ops_values.items()}
    return out


@program
def step_fn(tf, folder):
    """run_step_fn: step_context.session is raw (no hooks), run_with_hooks calls them, request_stop raises
    StopIteration (which a with block takes as the end)."""
    events = []
    with tf.Graph().as_default():
        step, count, train = _counter_model(tf)
        out = {}
        with tf.train.MonitoredSession(hooks=[_recording_hook(tf, events)]) as s:
            out["raw"] = s.run_step_fn(lambda step_context: int(step_context.session.run(count)))
            out["hooked"] = s.run_step_fn(lambda step_context: int(step_context.run_with_hooks(count)))
            try:
                s.run_step_fn(lambda a, b: None)
            except ValueError as e:
                out["bad"] = _error(e)
            try:
                s.run_step_fn(lambda step_context: step_context.request_stop())
            except StopIteration as e:
                out["stop"] = _error(e)
            out["should_stop"] = s.should_stop()
        out["events"] = events
    return out


@program
def scaffold_and_init(tf, folder):
    """The Scaffold's init_fn runs after init_op; local variables are initialized; the graph is finalized
    inside and writable again after the close."""
    out = {}
    with tf.Graph().as_default() as g:
        v = tf.Variable(1.0)
        loc = tf.Variable(5.0, collections=[tf.GraphKeys.LOCAL_VARIABLES])
        set_v = tf.assign(v, 7.0)
        scaffold = tf.train.Scaffold(init_fn=lambda scaffold, sess: sess.run(set_v))
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=scaffold)) as s:
            out["values"] = [float(x) for x in s.run([v, loc])]
            out["finalized_inside"] = g.finalized
        out["finalized_after"] = g.finalized
    return out


def run_all(tf, names=None):
    results = {}
    for name in names or PROGRAMS:
        with tempfile.TemporaryDirectory() as folder:
            results[name] = json.loads(json.dumps(PROGRAMS[name](tf, folder)))
    return results


if __name__ == "__main__":
    if "--graphgrad" in sys.argv:
        import graphgrad as tf

        print(json.dumps(run_all(tf), indent=1))
    else:
        import tensorflow.compat.v1 as tf

        tf.disable_v2_behavior()
        results = run_all(tf)
        with open(REFERENCE, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {len(results)} programs to {REFERENCE}")

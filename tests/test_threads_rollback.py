"""Concurrent runs on one Session, and "a failed run leaves every variable as it was" in every case (issue 11).

Each test reproduces a way the promise was broken: Adam/RMSProp turning NaN under 4 threads (shared scratch
buffers), a failing thread's rollback wiping another thread's updates, an update failing after another update
of the same run, a learning rate fed as a vector, and Ctrl-C in the middle of a run."""
from __future__ import annotations

import signal
import sys
import threading
import time

import numpy as np
import pytest

import graphgrad as tf
from graphgrad import errors

OPTIMIZERS = {
    "sgd": lambda lr: tf.train.GradientDescentOptimizer(lr),
    "momentum": lambda lr: tf.train.MomentumOptimizer(lr, 0.9),
    "nesterov": lambda lr: tf.train.MomentumOptimizer(lr, 0.9, use_nesterov=True),
    "adam": lambda lr: tf.train.AdamOptimizer(lr),
    "rmsprop": lambda lr: tf.train.RMSPropOptimizer(lr),
    "rmsprop-centered": lambda lr: tf.train.RMSPropOptimizer(lr, momentum=0.5, centered=True),
    "adagrad": lambda lr: tf.train.AdagradOptimizer(lr),
    "adadelta": lambda lr: tf.train.AdadeltaOptimizer(lr),
}

RNG = np.random.default_rng(0)
X = RNG.normal(size=(256, 8)).astype(np.float32)
Y = (X[:, :1] * 2 - X[:, 1:2]).astype(np.float32)


def _regression(make_opt, lr=0.01):
    x = tf.placeholder(tf.float32, (None, 8), name="x")
    y = tf.placeholder(tf.float32, (None, 1), name="y")
    h = tf.layers.dense(x, 64, tf.nn.relu)
    out = tf.layers.dense(h, 1)
    loss = tf.reduce_mean((out - y) ** 2)
    gs = tf.train.get_or_create_global_step()
    train = make_opt(lr).minimize(loss, global_step=gs)
    return x, y, loss, gs, train


def _run_threads(n, target):
    _run_threads_of([target] * n)


def _run_threads_of(targets):
    errors_seen = []

    def guarded(target):
        try:
            target()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors_seen.append(e)
    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors_seen, errors_seen


# --- concurrent runs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", OPTIMIZERS)
def test_threads_training_one_session_stay_finite_and_count_every_step(name):
    x, y, loss, gs, train = _regression(OPTIMIZERS[name])
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    steps = 100

    def work():
        for _ in range(steps):
            s.run(train, {x: X, y: Y})
    _run_threads(4, work)
    assert s.run(gs) == 4 * steps
    for v in tf.global_variables():
        assert np.isfinite(s.run(v)).all(), v.name
    assert np.isfinite(s.run(loss, {x: X, y: Y}))


def test_a_failing_thread_undoes_only_its_own_writes():
    """One thread trains, another runs [train, check that fails]: every good step must stay counted."""
    x, y, loss, gs, train = _regression(OPTIMIZERS["momentum"])
    scale = tf.placeholder(tf.float32, (), name="scale")
    with tf.control_dependencies([train]):  # reads the step's result, so it fails after the writes
        bad = tf.check_numerics(tf.sqrt(scale) + tf.reduce_sum(tf.trainable_variables()[0]), "bad")
    counter = tf.Variable(0, name="counter")
    with tf.control_dependencies([train]):
        good = tf.assign_add(counter, 1)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    good_runs, failed_runs = 80, 80

    def trainer():
        for _ in range(good_runs):
            s.run(good, {x: X, y: Y})

    def failer():
        for _ in range(failed_runs):
            with pytest.raises(errors.InvalidArgumentError, match="bad : Tensor had NaN values"):
                s.run([train, bad], {x: X, y: Y, scale: -1.0})
    _run_threads_of([trainer, failer])
    assert s.run(counter) == good_runs
    assert s.run(gs) == good_runs  # no failed run counted, no good one lost


def test_readers_see_only_values_a_serial_order_could_produce(monkeypatch):
    """A reader reads `a`, then waits (a Print whose output stream sleeps, releasing the GIL), then reads `b`;
    a writer adds 1 to both in one run. Interleaved runs would show a != b."""
    a = tf.Variable(0.0, name="a")
    b = tf.Variable(0.0, name="b")
    step = tf.group(tf.assign_add(a, 1.0), tf.assign_add(b, 1.0))
    read_a = a * 2.0  # (x * 1 would be simplified into a view of a, read at the end of the run)
    pause = tf.Print(read_a, [read_a], "reader")
    with tf.control_dependencies([pause]):
        read_b = b * 2.0
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    monkeypatch.setattr(sys, "stderr", _Sleepy())
    seen, readers_done, steps = [], threading.Semaphore(0), []

    def writer():  # until both readers are done, so that their runs overlap with writes
        while not readers_done.acquire(blocking=False):
            s.run(step)
            steps.append(1)
        readers_done.acquire()

    def reader():
        for _ in range(30):
            seen.append(s.run([read_a, read_b, a, b]))
        readers_done.release()
    _run_threads_of([writer, reader, reader])
    assert len(seen) == 60 and len({x[2] for x in seen}) > 1  # the readers saw writes happen
    for ra, rb, va, vb in seen:
        assert ra == rb == 2 * va == 2 * vb
    assert s.run(a) == len(steps)


class _Sleepy:
    def write(self, text):
        time.sleep(0.0005)

    def flush(self):
        pass


def test_two_sessions_on_one_graph_stay_independent_under_threads():
    v = tf.Variable(0, name="v")
    inc = tf.assign_add(v, 1)
    sessions = [tf.Session() for _ in range(3)]
    for s in sessions:
        s.run(tf.global_variables_initializer())
    counts = [50, 120, 7]
    threads = [threading.Thread(target=lambda s=s, n=n: [s.run(inc) for _ in range(n)])
               for s, n in zip(sessions, counts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.run(v) for s in sessions] == counts


# --- rollback: every optimizer x every failure kind ------------------------------------------------------------

def _failing_run(kind, name):
    """(session, the run that fails, the variables it must leave as they were, the expected error)."""
    x = tf.placeholder(tf.float32, (None, 8), name="x")
    y = tf.placeholder(tf.float32, (None, 1), name="y")
    out = tf.layers.dense(tf.layers.dense(x, 4, tf.nn.tanh), 1)
    loss = tf.reduce_mean((out - y) ** 2)
    gs = tf.train.get_or_create_global_step()
    feed = {x: X, y: Y}
    if kind == "learning-rate-vector":
        lr = tf.placeholder(tf.float32, name="lr")  # unknown shape: checked when the run feeds it
        train = OPTIMIZERS[name](lr).minimize(loss, global_step=gs)
        fetch, bad_feed = train, {**feed, lr: np.array([0.1, 0.2], np.float32)}
        good_feed, error = {**feed, lr: 0.01}, (errors.InvalidArgumentError, "is not a scalar")
    else:
        train = OPTIMIZERS[name](0.01).minimize(loss, global_step=gs)
        good_feed = feed
        if kind == "later-update-fails":
            a = tf.Variable(0.0, name="a")
            c = tf.Variable(np.zeros(3, np.float32), name="c")
            p = tf.placeholder(tf.float32, (None,), name="p")
            fetch = [train, tf.group(tf.assign_add(a, 1.0), tf.assign_add(c, p))]
            good_feed = {**feed, p: np.ones(3, np.float32)}
            bad_feed, error = {**feed, p: np.ones(2, np.float32)}, (errors.InvalidArgumentError, "AssignAdd")
        elif kind == "check-after-step":
            scale = tf.placeholder(tf.float32, (), name="scale")
            with tf.control_dependencies([train]):
                check = tf.check_numerics(tf.sqrt(scale) + 1.0, "after")
            fetch, bad_feed = [train, check], {**feed, scale: -1.0}
            good_feed, error = {**feed, scale: 1.0}, (errors.InvalidArgumentError, "after : Tensor had NaN")
        elif kind == "ctrl-c":
            with tf.control_dependencies([train]):
                printed = tf.Print(tf.constant(1.0), [gs], "after the step")
            fetch, bad_feed, error = [train, printed], feed, (KeyboardInterrupt, None)
        else:
            raise AssertionError(kind)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(fetch, good_feed)  # slots and powers away from their initial values
    return s, fetch, bad_feed, good_feed, error


class _Interrupting:
    """A stderr whose write raises KeyboardInterrupt (Ctrl-C landing inside the Print kernel)."""

    def write(self, text):
        raise KeyboardInterrupt

    def flush(self):
        pass


@pytest.mark.parametrize("kind", ["later-update-fails", "learning-rate-vector", "check-after-step", "ctrl-c"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_failed_run_leaves_every_variable_as_it_was(name, kind, monkeypatch):
    s, fetch, bad_feed, good_feed, (exc, match) = _failing_run(kind, name)
    variables = tf.global_variables()  # weights, slots, beta powers, global_step
    before = s.run(variables)
    if kind == "ctrl-c":
        monkeypatch.setattr(sys, "stderr", _Interrupting())
    with pytest.raises(exc, match=match):
        s.run(fetch, bad_feed)
    monkeypatch.undo()
    for v, b, a in zip(variables, before, s.run(variables)):
        np.testing.assert_array_equal(b, a, err_msg=f"{v.name} changed by a failed run ({kind})")
    s.run(fetch, good_feed)  # the session still trains
    assert not all(np.array_equal(b, a) for b, a in zip(before, s.run(variables)))


def test_an_unknown_shape_learning_rate_that_is_scalar_trains_as_a_constant_one():
    v1 = tf.Variable([1.0, 2.0], name="v1")
    lr = tf.placeholder(tf.float32, name="lr")
    step = tf.train.GradientDescentOptimizer(lr).minimize(tf.reduce_sum(v1 ** 2))
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step, {lr: 0.25})
    np.testing.assert_allclose(s.run(v1), [0.5, 1.0])


class _SigintOnWrite:
    """A stderr whose write sends this process a real SIGINT (Ctrl-C pressed while Print runs)."""

    def write(self, text):
        signal.raise_signal(signal.SIGINT)

    def flush(self):
        pass


def _run_pressing_ctrl_c_in_print(s, fetch):
    old = sys.stderr
    sys.stderr = _SigintOnWrite()
    try:
        with pytest.raises(KeyboardInterrupt):
            s.run(fetch)
    finally:
        sys.stderr = old


def test_sigint_during_the_writes_is_delivered_after_the_whole_step():
    """A real SIGINT that lands between two updates of one run: the run finishes both updates (nothing is
    half-applied), then KeyboardInterrupt is raised, as a TF1 run is interrupted only when it returns."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    a = tf.Variable(0.0, name="a")
    b = tf.Variable(0.0, name="b")
    first = tf.assign_add(a, 1.0)
    with tf.control_dependencies([first]):
        marker = tf.Print(tf.constant(0.0), [a], "between")
    with tf.control_dependencies([marker]):
        second = tf.assign_add(b, 1.0)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run([first, second])  # builds the plan (and installs the handler) before Ctrl-C is pressed

    _run_pressing_ctrl_c_in_print(s, [first, second])
    assert s.run([a, b]) == [2.0, 2.0]  # the interrupted run is whole


def test_sigint_before_the_writes_stops_the_run_and_changes_nothing():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    a = tf.Variable(0.0, name="a")
    marker = tf.Print(tf.constant(0.0), [a], "before")
    with tf.control_dependencies([marker]):
        inc = tf.assign_add(a, 1.0)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(inc)

    _run_pressing_ctrl_c_in_print(s, inc)
    assert s.run(a) == 1.0


# --- the Session's public API for values outside a run (Saver, Variable.load, the trainer) ----------------------

def test_saver_beside_a_training_thread_saves_whole_steps(tmp_path):
    a = tf.Variable(0.0, name="a")
    b = tf.Variable(0.0, name="b")
    first = tf.assign_add(a, 1.0)
    with tf.control_dependencies([first]):
        pause = tf.Print(tf.constant(0.0), [a], "between")  # the writer sleeps between its two updates
    with tf.control_dependencies([pause]):
        second = tf.assign_add(b, 1.0)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s._ctx.stderr = _Sleepy()
    saver = tf.train.Saver(max_to_keep=None)
    done = threading.Event()

    def writer():
        while not done.is_set():
            s.run([first, second])

    def saver_thread():
        for i in range(20):
            saver.save(s, str(tmp_path / "m"), global_step=i)
        done.set()
    _run_threads_of([writer, saver_thread])
    for i in range(20):
        reader = tf.train.load_checkpoint(str(tmp_path / f"m-{i}"))
        assert reader.get_tensor("a") == reader.get_tensor("b")


def test_variable_values_load_and_reseed():
    v = tf.Variable(np.arange(3, dtype=np.float32), name="v")
    drop = tf.nn.dropout(tf.ones((1000,)), keep_prob=0.5, seed=1)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    values = s.variable_values([v])
    np.testing.assert_array_equal(values[v.op], [0, 1, 2])
    values[v.op][0] = 99  # a copy: the session's value is untouched
    assert s.run(v)[0] == 0
    s.load_variable_values({v: [5, 6, 7]})
    np.testing.assert_array_equal(s.run(v), [5, 6, 7])
    s.load_variable_values({v.op: np.zeros(4)})  # another shape replaces the buffer, as Assign does
    assert s.run(v).shape == (4,)
    random_op = next(op for op in tf.get_default_graph().get_operations() if "seed" in op.attrs)
    s.reseed(random_op, [1, 2])
    first = s.run(drop)
    s.reseed(random_op, [1, 2])
    np.testing.assert_array_equal(s.run(drop), first)
    s.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        s.variable_values([v])

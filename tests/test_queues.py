"""TF1's queue input pipeline under threads: blocking enqueues and dequeues inside `Session.run`, the session's
lock released while they wait, closing and cancelling, QueueRunner with a Coordinator, batching with several
threads, readers shared by threads (the deterministic parts are recorded under real TF in
tests/test_tf1_conformance.py: queue_ops, queue_pipeline, queue_readers_decode). Every wait here has a timeout,
so a bug fails a test instead of hanging it."""
import threading
import time

import numpy as np
import pytest

import graphgrad as tf

WAIT = 20  # seconds a thread may take before the test calls it hung


def in_thread(fn):
    """Start `fn` in a daemon thread; `finish()` joins it (failing after WAIT seconds) and returns its result or
    raises its exception."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 -- handed to the test
            out["error"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()

    def finish():
        t.join(WAIT)
        assert not t.is_alive(), "the thread hung"
        if "error" in out:
            raise out["error"]
        return out["value"]
    finish.thread = t
    return finish


def still_waiting(finish, seconds=0.3):
    finish.thread.join(seconds)
    return finish.thread.is_alive()


def drain(s, fetch):
    """Every value of `fetch` up to OutOfRangeError, with the graph's queue runners running (then stopped)."""
    s.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(s, coord)
    out = []
    try:
        while True:
            out.append(s.run(fetch))
    except tf.errors.OutOfRangeError:
        pass
    finally:
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=WAIT)
    return out


def test_a_dequeue_waits_for_an_enqueue_from_another_thread_while_runs_with_variables_go_on():
    q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
    x = tf.placeholder(tf.float32, [])
    v = tf.Variable(0.0)
    step = tf.assign_add(v, 1.0)
    got = q.dequeue() + v  # a run touching a variable: it holds the session's lock until it waits
    with tf.Session() as s:
        s.run(v.initializer)
        consumer = in_thread(lambda: s.run(got))
        assert still_waiting(consumer)
        s.run(step)  # would deadlock if the waiting run kept the lock
        s.run(q.enqueue(x), {x: 10.0})
        assert consumer() in (10.0, 11.0)  # v read before or after the step: the waiting run is not atomic
        assert s.run(v) == 1.0


def test_an_enqueue_into_a_full_queue_waits_for_a_dequeue():
    q = tf.FIFOQueue(2, tf.int32, shapes=[[]])
    fill, take = q.enqueue_many([[1, 2]]), q.dequeue()
    more = q.enqueue(3)
    with tf.Session() as s:
        s.run(fill)
        producer = in_thread(lambda: s.run(more))
        assert still_waiting(producer)
        assert s.run(take) == 1
        producer()
        assert [s.run(take), s.run(take)] == [2, 3]


def test_close_lets_pending_enqueues_finish_and_cancel_pending_enqueues_cancels_them():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    with tf.Session() as s:
        s.run(q.enqueue(1))
        pending = in_thread(lambda: s.run(q.enqueue(2)))
        assert still_waiting(pending)
        s.run(q.close())
        assert still_waiting(pending)  # a plain close waits for room, as TF's
        assert s.run(q.dequeue()) == 1
        pending()
        assert s.run(q.dequeue()) == 2
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(q.dequeue())
    q2 = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    with tf.Session() as s:
        s.run(q2.enqueue(1))
        pending = in_thread(lambda: s.run(q2.enqueue(2)))
        assert still_waiting(pending)
        s.run(q2.close(cancel_pending_enqueues=True))
        with pytest.raises(tf.errors.CancelledError, match="Enqueue operation was cancelled"):
            pending()
        with pytest.raises(tf.errors.CancelledError, match="is closed"):  # a new one: the queue is closed
            s.run(q2.enqueue(3))


def test_a_dequeue_waiting_when_the_queue_closes_gets_out_of_range_and_dequeue_up_to_takes_what_is_left():
    q = tf.FIFOQueue(5, tf.int32, shapes=[[]])
    with tf.Session() as s:
        s.run(q.enqueue_many([[1, 2]]))
        many = in_thread(lambda: s.run(q.dequeue_many(3)))
        assert still_waiting(many)
        s.run(q.close())
        with pytest.raises(tf.errors.OutOfRangeError, match=r"requested 3, current size 2"):
            many()
        assert s.run(q.dequeue_up_to(3)).tolist() == [1, 2]  # the failed dequeue_many took nothing


def test_closing_the_session_cancels_a_waiting_dequeue():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    s = tf.Session()
    waiting = in_thread(lambda: s.run(q.dequeue()))
    assert still_waiting(waiting)
    s.close()
    with pytest.raises(tf.errors.CancelledError):
        waiting()


def test_queues_live_in_the_session():
    q = tf.FIFOQueue(3, tf.int32, shapes=[[]])
    a, b = tf.Session(), tf.Session()
    a.run(q.enqueue(7))
    assert a.run(q.size()) == 1 and b.run(q.size()) == 0
    a.close()
    b.close()


def test_queue_ops_are_not_differentiable():
    q = tf.FIFOQueue(3, tf.float32, shapes=[[]])
    x = tf.Variable(1.0)
    assert tf.gradients(q.dequeue() * x, [x])[0] is not None
    y = q.dequeue_many(2)
    assert tf.gradients(tf.reduce_sum(y), [q.queue_ref]) == [None]


def test_a_seeded_random_shuffle_queue_repeats_its_order_in_a_new_session():
    q = tf.RandomShuffleQueue(20, 0, tf.int32, shapes=[[]], seed=5)
    fill, take = q.enqueue_many([list(range(10))]), q.dequeue_many(10)
    orders = []
    for _ in range(2):
        with tf.Session() as s:
            s.run(fill)
            orders.append(s.run(take).tolist())
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(10)) and orders[0] != list(range(10))


def test_padding_fifo_queue_pads_strings_and_numbers():
    q = tf.PaddingFIFOQueue(4, [tf.string, tf.int32], shapes=[[None], [None, 2]])
    with tf.Session() as s:
        s.run(q.enqueue([["a", "b"], [[1, 2]]]))
        s.run(q.enqueue([["c"], [[3, 4], [5, 6]]]))
        words, numbers = s.run(q.dequeue_many(2))
    assert words.tolist() == [[b"a", b"b"], [b"c", b""]]
    assert numbers.tolist() == [[[1, 2], [0, 0]], [[3, 4], [5, 6]]]


def test_queue_runner_stops_on_request_and_cancels_its_blocked_enqueues():
    q = tf.FIFOQueue(2, tf.int32, shapes=[[]])
    enqueue = q.enqueue(1)
    qr = tf.train.QueueRunner(q, [enqueue] * 3)
    with tf.Session() as s:
        coord = tf.train.Coordinator()
        threads = qr.create_threads(s, coord=coord, start=True)
        assert len(threads) == 4  # three enqueue threads and the closer
        time.sleep(0.2)  # the queue fills and the enqueues wait
        assert s.run(q.size()) == 2
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=WAIT)
        assert not any(t.is_alive() for t in threads)
        assert s.run(q.is_closed())


def test_queue_runner_closes_the_queue_at_the_end_of_input_and_reports_other_errors():
    data = tf.train.range_input_producer(5, num_epochs=2, shuffle=False)
    with tf.Session() as s:
        assert drain(s, data.dequeue()) == [0, 1, 2, 3, 4] * 2
    with tf.Session() as s:  # local variables not initialized: the runner's error reaches the coordinator
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(s, coord)
        assert coord.wait_for_stop(WAIT)
        with pytest.raises(tf.errors.FailedPreconditionError, match="limit_epochs/epochs"):
            coord.join(threads, stop_grace_period_secs=WAIT)


def test_start_queue_runners_needs_a_session():
    tf.train.range_input_producer(3)
    with pytest.raises(ValueError, match="No default session"):
        tf.train.start_queue_runners()


def test_shuffle_batch_with_four_threads_delivers_every_example_once():
    value, square = tf.train.slice_input_producer([np.arange(40), np.arange(40) ** 2], num_epochs=1, seed=1)
    v, sq = tf.train.shuffle_batch([value, square], 6, capacity=20, min_after_dequeue=5, num_threads=4,
                                   allow_smaller_final_batch=True)
    with tf.Session() as s:
        batches = drain(s, [v, sq])
    assert all((a ** 2 == b).all() for a, b in batches)
    got = [x for a, _ in batches for x in a.tolist()]
    assert sorted(got) == list(range(40)) and got != list(range(40))


def test_training_from_a_batch_queue_updates_in_the_same_run_as_the_dequeue():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 3)).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    x, y = tf.train.slice_input_producer([xs, ys], num_epochs=20, seed=2)
    xb, yb = tf.train.batch([x, y], 8, num_threads=2, allow_smaller_final_batch=True)
    w = tf.Variable(tf.zeros([3, 1]))
    loss = tf.reduce_mean((xb @ w - yb) ** 2)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(s, coord)
        losses, steps = [], 0
        try:
            while not coord.should_stop():
                losses.append(s.run([step, loss])[1])
                steps += 1
        except tf.errors.OutOfRangeError:
            before = s.run(w)
            with pytest.raises(tf.errors.OutOfRangeError):
                s.run(step)  # the failed run leaves the weights as they were
            assert (s.run(w) == before).all()
        finally:
            coord.request_stop()
            coord.join(threads, stop_grace_period_secs=WAIT)
    assert steps == 160 and losses[-1] < 0.01 * losses[0]


def test_two_threads_reading_one_reader_share_its_records(tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"f{i}.txt"
        p.write_text("".join(f"{i}-{j}\n" for j in range(20)))
        paths.append(str(p))
    files = tf.train.string_input_producer(paths, num_epochs=1, shuffle=False)
    reader = tf.TextLineReader()
    key, value = reader.read(files)
    produced, done = reader.num_records_produced(), reader.num_work_units_completed()
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(s, coord)

        def drain():
            out = []
            try:
                while True:
                    out.append(s.run(value))
            except tf.errors.OutOfRangeError:
                return out
        readers = [in_thread(drain) for _ in range(2)]
        got = readers[0]() + readers[1]()
        assert s.run([produced, done]) == [60, 3]
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=WAIT)
    assert sorted(got) == sorted(f"{i}-{j}".encode() for i in range(3) for j in range(20))


def test_read_up_to_and_reset(tmp_path):
    p = tmp_path / "lines.txt"
    p.write_text("a\nb\nc\n")
    q = tf.FIFOQueue(4, tf.string, shapes=[[]])
    reader = tf.TextLineReader()
    keys, values = reader.read_up_to(q, 2)
    assert keys.shape.as_list() == [None]
    with tf.Session() as s:
        s.run(q.enqueue_many([[str(p), str(p)]]))
        s.run(q.close())
        assert s.run(values).tolist() == [b"a", b"b"]
        assert s.run(values).tolist() == [b"c", b"a"]
        assert s.run(reader.num_records_produced()) == 4
        s.run(reader.reset())  # drops the rest of the second file; the queue has no third
        assert s.run(reader.num_records_produced()) == 0
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(values)


def test_count_up_to_counts_and_stops():
    v = tf.Variable(0, dtype=tf.int64)
    c = v.count_up_to(2)
    with tf.Session() as s:
        s.run(v.initializer)
        assert [s.run(c), s.run(c)] == [0, 1]
        with pytest.raises(tf.errors.OutOfRangeError, match="Reached limit of 2"):
            s.run(c)
        assert s.run(v) == 2


def test_decode_csv_feeds_a_batch_from_a_csv_file(tmp_path):
    p = tmp_path / "data.csv"
    p.write_text("a,b\n" + "".join(f"{i},{i * 0.5}\n" for i in range(7)))
    files = tf.train.string_input_producer([str(p)], num_epochs=1, shuffle=False)
    _, line = tf.TextLineReader(skip_header_lines=1).read(files)
    a, b = tf.decode_csv(line, [[0], [0.0]])
    ab, bb = tf.train.batch([a, b], 3, allow_smaller_final_batch=True)
    with tf.Session() as s:
        batches = drain(s, [ab, bb])
    assert all(np.allclose(x * 0.5, y) for x, y in batches)
    assert [len(x) for x, _ in batches] == [3, 3, 1]



def test_monitored_training_session_starts_the_queue_runners_and_stops_them_at_close():
    data = tf.train.range_input_producer(5, num_epochs=2, shuffle=False)
    x = data.dequeue()
    out = []
    with tf.train.MonitoredTrainingSession() as s:
        while not s.should_stop():
            out.append(int(s.run(x)))
    assert out == [0, 1, 2, 3, 4] * 2
    assert not any(t.name.startswith("QueueRunnerThread") and t.is_alive() for t in threading.enumerate())


def test_queue_pipelines_are_refused_under_eager_execution_as_in_tf():
    from graphgrad.eager import context

    with context.eager_mode():
        with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
            tf.train.string_input_producer(["a"])
        with pytest.raises(ValueError, match="not supported when eager execution is enabled"):
            tf.train.batch([tf.constant(1)], 2)
        q = tf.FIFOQueue(2, tf.int32, shapes=[[]])  # the queue itself works eagerly, as TF 2's
        q.enqueue(5)
        assert int(q.dequeue()) == 5

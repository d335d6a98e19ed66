"""`tf.train.QueueRunner`, `add_queue_runner`, `start_queue_runners`: threads that run a queue's enqueue ops
until the input ends or a `Coordinator` asks them to stop (docs/queues.md).

As in TF, each enqueue op gets a daemon thread looping `sess.run(enqueue_op)`; when one ends with
`OutOfRangeError` or `CancelledError` (its input ran out, its queue was closed) and it was the last one running,
it closes the queue, so consumers drain what is left and then get `OutOfRangeError`. With a coordinator, one
more thread waits for the stop request and runs the cancel op (close with `cancel_pending_enqueues`), which
wakes the enqueues blocked on a full queue; any other exception is reported to the coordinator.
"""
from __future__ import annotations

import threading

from ..framework import errors
from ..framework.graph import GraphKeys, add_to_collection, get_collection, get_default_graph
from ..logging import error as log_error
from ..runtime.session import get_default_session

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]


class QueueRunner:
    """Holds a queue and the enqueue ops that fill it (one thread each); `create_threads(sess, coord)` starts
    them."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None, import_scope=None):
        if queue_runner_def is not None:
            raise NotImplementedError("QueueRunner from a QueueRunnerDef: build it from its queue and ops instead")
        if queue is None or not enqueue_ops:
            raise ValueError("Either queue_runner_def or queue must be specified.")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        self._exception_types = tuple(queue_closed_exception_types or
                                      (errors.OutOfRangeError, errors.CancelledError))
        self._lock = threading.Lock()
        self._runs_per_session = {}
        self._exceptions_raised = []

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: self._enqueue_ops)
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    queue_closed_exception_types = property(lambda self: self._exception_types)
    exceptions_raised = property(lambda self: self._exceptions_raised)
    name = property(lambda self: self._queue.name)

    def _run(self, sess, enqueue_op, coord):
        decremented = False
        try:
            run = sess.make_callable(enqueue_op)
            while not (coord and coord.should_stop()):
                try:
                    run()
                except self._exception_types:
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception:  # noqa: BLE001 -- as TF: a close that fails is ignored
                                pass
                    return
        except Exception as e:  # noqa: BLE001 -- reported to the coordinator, or kept and logged as TF does
            if coord:
                coord.request_stop(e)
            else:
                log_error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, coord):
        coord.wait_for_stop()
        try:
            sess.run(self._cancel_op)
        except Exception:  # noqa: BLE001 -- as TF: the session may be closed already
            pass

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """The threads running the enqueue ops in `sess` (none when they still run from an earlier call), plus a
        closer when `coord` is given; each registered with `coord`, started when `start`. They are daemon threads
        whatever `daemon` says (TF's are only when asked), so a program that never stops them can still exit."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord), daemon=True,
                                    name=f"QueueRunnerThread-{self.name}-{op.name}") for op in self._enqueue_ops]
        if coord:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord), daemon=True,
                                            name=f"QueueRunnerThread-{self.name}-close_on_stop"))
        for t in threads:
            if coord:
                coord.register_thread(t)
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Add `qr` to the graph's `queue_runners` collection, which `start_queue_runners` starts."""
    add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True, collection=GraphKeys.QUEUE_RUNNERS):
    """Start the threads of every QueueRunner in the graph's collection for `sess` (the default session) and
    return them all."""
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. Use `with "
                             "sess.as_default()` or pass an explicit session to tf.start_queue_runners(sess=sess)")
    graph = getattr(sess, "graph", None) or get_default_graph()
    threads = []
    with graph.as_default():
        for qr in get_collection(collection):
            threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads

"""`tf.train.Supervisor`: TF1's pre-MonitoredSession training harness, which classic programs (and TF-Slim's
`slim.learning.train`) still use:

    sv = tf.train.Supervisor(logdir=d)            # finalizes the graph
    with sv.managed_session() as sess:            # restores d's newest checkpoint, else runs the init op
        while not sv.should_stop():
            sess.run(train_op)

With a `logdir` the chief writes `graph.pbtxt` and an event file there and starts its "standard services":
threads that save a checkpoint every `save_model_secs` and the summaries every `save_summaries_secs`, each first
right at the start (as TF's timer threads do), and one that logs global_step/sec. Queue runners in the
QUEUE_RUNNERS collection are started with the session. Leaving `managed_session` stops and joins them; an
`OutOfRangeError` (the end of the input) ends it quietly, any other exception propagates after the stop.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time

from .. import logging
from ..framework.graph import GraphKeys, get_default_graph
from ..ops.core import group
from ..runtime.session import Session
from ..variables import (
    global_variables,
    global_variables_initializer,
    local_variables_initializer,
    report_uninitialized_variables,
)
from .coordinator import Coordinator
from .global_step import get_global_step
from .saver import Saver, latest_checkpoint

__all__ = ["Supervisor", "LooperThread"]


class LooperThread(threading.Thread):
    """`tf.train.LooperThread`: calls `target(*args)` (or `run_loop()`) every `timer_interval_secs` — the first
    time at once — or back to back when it is None, until the coordinator stops; an exception stops it too."""

    def __init__(self, coord, timer_interval_secs, target=None, args=None, kwargs=None):
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord}")
        super().__init__(daemon=True)
        self._coord, self._interval = coord, timer_interval_secs
        self._target, self._args, self._kwargs = target, args or (), kwargs or {}
        coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None):
        thread = LooperThread(coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        thread.start()
        return thread

    def run(self):
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._interval is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_time = time.time()
                while not self._coord.wait_for_stop(max(0.0, next_time - time.time())):
                    next_time += self._interval
                    self.run_loop()
            self.stop_loop()

    def start_loop(self):
        pass

    def stop_loop(self):
        pass

    def run_loop(self):
        if self._target is not None:
            self._target(*self._args, **self._kwargs)


class Supervisor:
    """Owns a Coordinator, a Saver and a summary writer for one training run in `logdir` (see the module)."""

    USE_DEFAULT = 0

    def __init__(self, graph=None, ready_op=USE_DEFAULT, ready_for_local_init_op=USE_DEFAULT, is_chief=True,
                 init_op=USE_DEFAULT, init_feed_dict=None, local_init_op=USE_DEFAULT, logdir=None,
                 summary_op=USE_DEFAULT, saver=USE_DEFAULT, global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30, stop_grace_secs=120, checkpoint_basename="model.ckpt",
                 session_manager=None, summary_writer=USE_DEFAULT, init_fn=None, local_init_run_options=None):
        self._graph = graph = graph or get_default_graph()
        d = Supervisor.USE_DEFAULT
        with graph.as_default():
            self._ready_op = report_uninitialized_variables() if ready_op is d else ready_op
            self._init_op = global_variables_initializer() if init_op is d else init_op
            self._local_init_op = (group(local_variables_initializer()) if local_init_op is d else local_init_op)
            self._global_step = get_global_step(graph) if global_step is d else global_step
            if summary_op is d:
                summary_op = None
                if graph.get_collection(GraphKeys.SUMMARIES):
                    from ..summary import merge_all  # late: the summary protobufs only when summaries exist

                    summary_op = merge_all()
            self._summary_op = summary_op
            if saver is d:  # the SAVERS collection's, else a new one when there are variables to save
                savers = graph.get_collection(GraphKeys.SAVERS)
                saver = savers[0] if savers else None
                if saver is None and global_variables():
                    saver = Saver()
                    graph.add_to_collection(GraphKeys.SAVERS, saver)
            self._saver = saver
        self._init_feed_dict, self._init_fn = init_feed_dict, init_fn
        self._is_chief, self._logdir = is_chief, logdir
        self._save_summaries_secs, self._save_model_secs = save_summaries_secs, save_model_secs
        self._stop_grace_secs = stop_grace_secs
        self._save_path = os.path.join(logdir, checkpoint_basename) if logdir else None
        self._summary_writer = None
        if is_chief and logdir:
            if summary_writer is d:
                from ..summary import FileWriter

                summary_writer = FileWriter(logdir)
            self._summary_writer = summary_writer
        self._coord = Coordinator()
        self._started_threads = []
        graph.finalize()
        if is_chief and logdir:
            self._write_graph()

    def _write_graph(self):
        from ..graph_io.graph_util import write_graph

        write_graph(self._graph.as_graph_def(add_shapes=True), self._logdir, "graph.pbtxt")
        if self._summary_writer is not None:
            self._summary_writer.add_graph(self._graph)

    # --- what it holds ------------------------------------------------------------------------------------
    graph = property(lambda self: self._graph)
    is_chief = property(lambda self: self._is_chief)
    coord = property(lambda self: self._coord)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    summary_op = property(lambda self: self._summary_op)
    summary_writer = property(lambda self: self._summary_writer)
    saver = property(lambda self: self._saver)
    global_step = property(lambda self: self._global_step)
    save_path = property(lambda self: self._save_path)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    save_model_secs = property(lambda self: self._save_model_secs)

    # --- the session ------------------------------------------------------------------------------------------
    def prepare_or_wait_for_session(self, master="", config=None, wait_for_checkpoint=False, max_wait_secs=7200,
                                    start_standard_services=True):
        """A Session ready to train: `logdir`'s newest checkpoint restored, else the init op run (then
        `init_fn`); then the local init op; then the standard services and queue runners started."""
        self._coord.clear_stop()
        sess = Session(graph=self._graph, config=config)
        checkpoint = latest_checkpoint(self._logdir) if self._logdir and self._saver is not None else None
        if checkpoint:
            self._saver.restore(sess, checkpoint)
        else:
            if self._init_op is not None:
                sess.run(self._init_op, feed_dict=self._init_feed_dict)
            if self._init_fn is not None:
                self._init_fn(sess)
        if self._local_init_op is not None:
            sess.run(self._local_init_op)
        if self._ready_op is not None:
            missing = [m.decode() if isinstance(m, bytes) else str(m) for m in sess.run(self._ready_op)]
            if missing:
                raise RuntimeError(f"Init operations did not make model ready.  Variables not initialized: "
                                   f"{', '.join(missing)}")
        if self._is_chief and start_standard_services:
            self.start_standard_services(sess)
        self.start_queue_runners(sess)
        return sess

    def start_standard_services(self, sess):
        """The chief's checkpoint, summary and step-counter threads (each only when its interval and what it
        writes exist)."""
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services. Because only chief "
                               "supervisors can write events.")
        threads = []
        if self._logdir and self._save_model_secs and self._saver is not None:
            threads.append(LooperThread.loop(self._coord, self._save_model_secs, self._save_checkpoint, (sess,)))
        if self._summary_writer is not None and self._save_summaries_secs:
            if self._summary_op is not None:
                threads.append(LooperThread.loop(self._coord, self._save_summaries_secs, self._save_summaries,
                                                 (sess,)))
            if self._global_step is not None:
                threads.append(_StepCounter(self, sess))
        self._started_threads.extend(threads)
        return threads

    def _save_checkpoint(self, sess):
        self._saver.save(sess, self._save_path, global_step=self._global_step)

    def _save_summaries(self, sess):
        if self._global_step is not None:
            summary, step = sess.run([self._summary_op, self._global_step])
        else:
            summary, step = sess.run(self._summary_op), None
        self.summary_computed(sess, summary, global_step=step)

    def start_queue_runners(self, sess, queue_runners=None):
        """Start the QUEUE_RUNNERS collection's runners (or `queue_runners`) on this supervisor's coordinator."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord, daemon=True, start=True))
        self._started_threads.extend(threads)
        return threads

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Run `target(*args, **kwargs)` every `timer_interval_secs` on a thread the supervisor stops."""
        thread = LooperThread.loop(self._coord, timer_interval_secs, target, args, kwargs)
        self._started_threads.append(thread)
        return thread

    def summary_computed(self, sess, summary, global_step=None):
        """Write a computed summary (a serialized Summary) at `global_step` (default: the global step's value)."""
        if self._summary_writer is None:
            raise RuntimeError("Writing a summary requires a summary writer.")
        if global_step is None and self._global_step is not None:
            global_step = sess.run(self._global_step)
        self._summary_writer.add_summary(summary, global_step)

    # --- stopping -----------------------------------------------------------------------------------------
    def should_stop(self):
        return self._coord.should_stop()

    def request_stop(self, ex=None):
        self._coord.request_stop(ex=ex)

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self):
        self._coord.wait_for_stop()

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False):
        """Request a stop, join the supervisor's threads (and `threads`), close the summary writer; raises what
        a thread reported (not an OutOfRangeError)."""
        self._coord.request_stop()
        try:
            self._coord.join(list(threads or ()) + self._started_threads,
                             stop_grace_period_secs=self._stop_grace_secs, ignore_live_threads=ignore_live_threads)
        finally:
            self._started_threads = []
            if close_summary_writer and self._summary_writer is not None:
                self._summary_writer.close()

    @contextlib.contextmanager
    def managed_session(self, master="", config=None, start_standard_services=True, close_summary_writer=True):
        """A prepared session that is stopped and closed on leaving; the end of the input ends it quietly."""
        sess = self.prepare_or_wait_for_session(master=master, config=config,
                                                start_standard_services=start_standard_services)
        try:
            yield sess
        except Exception as e:  # noqa: BLE001 - handed to the coordinator, which raises all but the clean ones
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                sess.close()


class _StepCounter(LooperThread):
    """Writes `global_step/sec` every `save_summaries_secs`, as TF's SVStepCounterThread."""

    def __init__(self, sv, sess):
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv, self._sess = sv, sess
        self._last_step, self._last_time = None, None
        self._tag = f"{sv.global_step.op.name}/sec"
        self.start()

    def run_loop(self):
        from ..summary import Summary

        now, step = time.time(), int(self._sess.run(self._sv.global_step))
        if self._last_step is not None and now > self._last_time:
            rate = (step - self._last_step) / (now - self._last_time)
            self._sv.summary_writer.add_summary(Summary(value=[Summary.Value(tag=self._tag, simple_value=rate)]), step)
            logging.info("%s: %g", self._tag, rate)
        self._last_step, self._last_time = step, now


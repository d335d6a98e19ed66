"""`tf.train.MonitoredSession` and `MonitoredTrainingSession`: a Session that initializes or restores itself,
runs hooks around every `run`, and ends quietly at the end of the input.

    with tf.train.MonitoredTrainingSession(checkpoint_dir=d, hooks=[tf.train.StopAtStepHook(last_step=100)]) as s:
        while not s.should_stop():
            s.run(train_op)

A `Scaffold` holds what the session needs to start (init op, local init op, ready op, saver, summary op),
made from the graph's collections or defaults when the session is created, after which the graph is finalized.
"""
from __future__ import annotations

import inspect

from .. import logging
from ..framework import errors
from ..framework.graph import GraphKeys, get_default_graph
from ..ops.array_ops import concat
from ..ops.core import group
from ..ops.lookup_ops import tables_initializer
from ..python.ops import resources
from ..runtime.session import Session
from ..variables import (
    global_variables,
    global_variables_initializer,
    local_variables_initializer,
    report_uninitialized_variables,
)
from .coordinator import Coordinator
from .hooks import CheckpointSaverHook, StepCounterHook, SummarySaverHook
from .queue_runner import start_queue_runners
from .saver import Saver, get_checkpoint_state, latest_checkpoint
from .session_run_hook import SessionRunArgs, SessionRunContext, SessionRunValues

__all__ = ["Scaffold", "SessionCreator", "ChiefSessionCreator", "WorkerSessionCreator", "MonitoredSession",
           "SingularMonitoredSession", "MonitoredTrainingSession"]

USE_DEFAULT = object()
_READY_OP, _READY_FOR_LOCAL_INIT_OP = "ready_op", "ready_for_local_init_op"
_LOCAL_INIT_OP, _SUMMARY_OP = "local_init_op", "summary_op"


def _merge_all_summaries():
    """`tf.summary.merge_all()`, importing the summary module (and its protobufs) only when summaries exist."""
    if not get_default_graph().get_collection(GraphKeys.SUMMARIES):
        return None
    from ..summary import merge_all

    return merge_all()


def _default_saver():
    """The one Saver in the SAVERS collection, else a new one of all global variables, added there."""
    savers = get_default_graph().get_collection(GraphKeys.SAVERS)
    if savers:
        if len(savers) > 1:
            raise RuntimeError(f"More than one item in collection {GraphKeys.SAVERS}. Please indicate which one to "
                               "use by passing it to the constructor.")
        return savers[0]
    saver = Saver(sharded=True, allow_empty=True)
    get_default_graph().add_to_collection(GraphKeys.SAVERS, saver)
    return saver


class Scaffold:
    """What a monitored session needs to create its session; anything left None is taken from the graph's
    collection of that name (INIT_OP, "local_init_op", SAVERS, ...) or built by `finalize()`. `init_fn(scaffold,
    session)` runs after `init_op` when no checkpoint was restored."""

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None, ready_for_local_init_op=None,
                 local_init_op=None, summary_op=None, saver=None, copy_from_scaffold=None,
                 local_init_feed_dict=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            c = copy_from_scaffold
            init_op = init_op if init_op is not None else c.init_op
            init_feed_dict = init_feed_dict if init_feed_dict is not None else c.init_feed_dict
            init_fn = init_fn if init_fn is not None else c._user_init_fn
            ready_op = ready_op if ready_op is not None else c.ready_op
            if ready_for_local_init_op is None:
                ready_for_local_init_op = c.ready_for_local_init_op
            local_init_op = local_init_op if local_init_op is not None else c.local_init_op
            if local_init_feed_dict is None:
                local_init_feed_dict = c.local_init_feed_dict
            summary_op = summary_op if summary_op is not None else c.summary_op
            saver = saver if saver is not None else c.saver
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op, self._init_feed_dict = init_op, init_feed_dict
        self._ready_op, self._ready_for_local_init_op = ready_op, ready_for_local_init_op
        self._local_init_op, self._local_init_feed_dict = local_init_op, local_init_feed_dict
        self._summary_op, self._saver = summary_op, saver

    def finalize(self):
        """Create what is missing, then finalize the default graph (an op built later is a RuntimeError)."""
        graph = get_default_graph()
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default("init_op", GraphKeys.INIT_OP, lambda: group(
                global_variables_initializer(), resources.initialize_resources(resources.shared_resources())))
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default("ready_op", _READY_OP, lambda: concat(
                [report_uninitialized_variables(), resources.report_uninitialized_resources()], 0))
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op", _READY_FOR_LOCAL_INIT_OP,
                lambda: report_uninitialized_variables(global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default("local_init_op", _LOCAL_INIT_OP,
                                                          Scaffold.default_local_init_op)
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default("summary_op", _SUMMARY_OP, _merge_all_summaries)
        if self._saver is None:
            self._saver = _default_saver()
        self._saver.build()
        graph.finalize()
        logging.info("Graph was finalized.")
        return self

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The one item of `collection_key`, else `default_constructor()` (added to the collection)."""
        graph = get_default_graph()
        elements = graph.get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise RuntimeError(f'More than one item in the collection "{collection_key}". Please indicate which '
                                   f"one to use by passing it to the tf.Scaffold constructor as:  "
                                   f"tf.Scaffold({arg_name}=item to use)")
            return elements[0]
        op = default_constructor()
        if op is not None:
            graph.add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op():
        """TF's: the local variables', the local resources' and the lookup tables' (TABLE_INITIALIZERS) initializers."""
        return group(local_variables_initializer(), resources.initialize_resources(resources.local_resources()),
                     tables_initializer())

    init_fn = property(lambda self: self._init_fn)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    local_init_feed_dict = property(lambda self: self._local_init_feed_dict)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)


class SessionCreator:
    """Makes the session a MonitoredSession runs."""

    def create_session(self):
        raise NotImplementedError(f"create_session is not implemented for {self}.")


def _op_name(op):
    return getattr(op, "name", op)


class ChiefSessionCreator(SessionCreator):
    """Finalizes the scaffold, then restores `checkpoint_filename_with_path` or the newest checkpoint of
    `checkpoint_dir`, or, without one, runs the init op and `init_fn`; then the local init op. `master` is
    accepted for compatibility (graphgrad runs in-process)."""

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None):
        self._scaffold = scaffold or Scaffold()
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_path = checkpoint_filename_with_path

    def _restore(self, sess):
        """Restore a checkpoint if there is one; True when one was."""
        saver = self._scaffold.saver
        if self._checkpoint_path:
            saver.restore(sess, self._checkpoint_path)
            return True
        if not self._checkpoint_dir or not latest_checkpoint(self._checkpoint_dir):
            return False
        state = get_checkpoint_state(self._checkpoint_dir)
        saver.restore(sess, latest_checkpoint(self._checkpoint_dir))
        saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
        return True

    def create_session(self):
        scaffold = self._scaffold.finalize()
        sess = Session(graph=get_default_graph(), config=self._config)
        if not self._restore(sess):
            if scaffold.init_op is None and not scaffold.init_fn and scaffold.local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or local_init_op was given")
            if scaffold.init_op is not None:
                sess.run(scaffold.init_op, feed_dict=scaffold.init_feed_dict)
            if scaffold.init_fn:
                scaffold.init_fn(sess)
        if scaffold.local_init_op is not None:
            logging.info("Running local_init_op.")
            sess.run(scaffold.local_init_op, feed_dict=scaffold.local_init_feed_dict)
            logging.info("Done running local_init_op.")
        if scaffold.ready_op is not None:
            missing = [m.decode() if isinstance(m, bytes) else str(m) for m in sess.run(scaffold.ready_op)]
            if missing:
                raise RuntimeError(
                    f"Init operations did not make model ready.  Init op: {_op_name(scaffold.init_op)}, init fn: "
                    f"{scaffold.init_fn}, local_init_op: {_op_name(scaffold.local_init_op)}, error: Variables not "
                    f"initialized: {', '.join(missing)}")
        return sess


class WorkerSessionCreator(ChiefSessionCreator):
    """A non-chief worker's session. graphgrad has no shared server whose chief a worker could wait for, so a
    worker initializes its own variables as the chief does (without restoring: checkpoints are the chief's)."""

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60):
        super().__init__(scaffold, master, config)


class _StepContext:
    """What `run_step_fn` passes to `step_fn`: the raw `session`, `run_with_hooks` and `request_stop`."""

    def __init__(self, session, run_with_hooks_fn):
        self._session, self._run_with_hooks_fn = session, run_with_hooks_fn

    @property
    def session(self):
        return self._session

    def run_with_hooks(self, *args, **kwargs):
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        raise StopIteration("step_fn has requested the iterations to stop.")


def _merged_options(options, requested, run_metadata):
    """The caller's RunOptions with what hooks asked for (the highest trace level, the shortest timeout, as TF's
    _HookedSession), and a RunMetadata for the hooks to read when the caller gave none."""
    from ..client import RunMetadata, RunOptions

    merged = RunOptions()
    if options is not None:
        merged.CopyFrom(options)
    for o in requested:
        merged.trace_level = max(merged.trace_level, o.trace_level)
        if o.timeout_in_ms and (not merged.timeout_in_ms or o.timeout_in_ms < merged.timeout_in_ms):
            merged.timeout_in_ms = o.timeout_in_ms
    return merged, run_metadata if run_metadata is not None else RunMetadata()


def _merge_feeds(into, more, message):
    both = set(into) & set(more)
    if both:
        raise RuntimeError(f"{message} Conflict(s): {list(both)}")
    into.update(more)


class _MonitoredSession:
    """Calls the hooks' `begin`, creates the session (`after_create_session`), runs `before_run`/`after_run`
    around each `run`, and `end` at a clean close. Leaving its `with` block on an OutOfRangeError or
    StopIteration (the end of the input) is a clean close; any other error propagates, without `end`."""

    def __init__(self, session_creator, hooks, stop_grace_period_secs=120):
        self._graph = get_default_graph()
        self._graph_was_finalized = self._graph.finalized
        self._hooks = list(hooks or [])
        for h in self._hooks:
            h.begin()
        self._coord = Coordinator(clean_stop_exception_types=[])
        self._tf_sess = None
        try:
            self._tf_sess = (session_creator or ChiefSessionCreator()).create_session()
            # As TF's coordinated session: the graph's queue runners feed it until `close` stops them.
            self._threads = start_queue_runners(self._tf_sess, self._coord)
            for h in self._hooks:
                h.after_create_session(self._tf_sess, self._coord)
        except BaseException:
            # A session that could not start leaves the graph as it found it (the caller may fix and retry).
            if self._tf_sess is not None:
                self._stop_queue_runners()
                self._tf_sess.close()
            if not self._graph_was_finalized:
                self._graph._unsafe_unfinalize()
            raise
        self._stop_requested = False

    @property
    def graph(self):
        return self._graph

    def should_stop(self):
        return self._tf_sess is None or self._stop_requested or self._coord.should_stop()

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """`Session.run` of `fetches` together with what the hooks ask for; returns the value of `fetches`."""
        if self._tf_sess is None:
            raise RuntimeError("Attempted to use a closed Session.")
        if self.should_stop():
            raise RuntimeError("Run called even after should_stop requested.")
        context = SessionRunContext(original_args=SessionRunArgs(fetches, feed_dict), session=self._tf_sess)
        all_fetches, hook_feeds, hook_options = {"caller": fetches}, {}, []
        for h in self._hooks:
            request = h.before_run(context)
            if request is None:
                continue
            if request.fetches is not None:
                all_fetches[h] = request.fetches
            if request.feed_dict:
                _merge_feeds(hook_feeds, request.feed_dict, "Same tensor is fed by two hooks.")
            if request.options is not None:
                hook_options.append(request.options)
        if hook_options:
            options, run_metadata = _merged_options(options, hook_options, run_metadata)
        feeds = dict(feed_dict or {})
        if hook_feeds:
            _merge_feeds(feeds, hook_feeds, "Same tensor is fed by a SessionRunHook and user.")
        outputs = self._tf_sess.run(all_fetches, feed_dict=feeds or None, options=options,
                                    run_metadata=run_metadata)
        for h in self._hooks:
            h.after_run(context, SessionRunValues(results=outputs.get(h), options=options,
                                                  run_metadata=run_metadata))
        self._stop_requested = self._stop_requested or context.stop_requested
        return outputs["caller"]

    def run_step_fn(self, step_fn):
        """`step_fn(step_context)`: one step of the caller's own making (`step_context.session` is the raw
        session, `step_context.run_with_hooks(...)` a hooked run). `step_context.request_stop()` raises
        StopIteration, which the monitored session's `with` block takes as a clean end, as in TF."""
        args = tuple(inspect.signature(step_fn).parameters)
        if args not in (("step_context",), ("self", "step_context")):
            raise ValueError("`step_fn` may either have one `step_context` argument, or `self` and `step_context` "
                             f"arguments if it's an instance method. Got {args} instead.")
        return step_fn(_StepContext(self._tf_sess, self.run))

    def close(self):
        self._close_internal()

    def _close_internal(self, exception_type=None):
        if self._tf_sess is None:
            raise RuntimeError("Session is already closed.")
        try:
            if not exception_type:
                for h in self._hooks:
                    h.end(self._tf_sess)
        finally:
            try:
                self._stop_queue_runners(report=not exception_type)
            finally:
                try:
                    self._tf_sess.close()
                finally:
                    self._tf_sess = None
                    if not self._graph_was_finalized:
                        self._graph._unsafe_unfinalize()

    def _stop_queue_runners(self, report=False):
        """Ask the queue runners' threads to stop and wait for them (their closers cancel blocked enqueues); with
        `report`, raise what one of them reported, as TF's close does, after the session is closed."""
        self._coord.request_stop()
        try:
            self._coord.join(getattr(self, "_threads", ()), stop_grace_period_secs=120, ignore_live_threads=True)
        except Exception:
            if report:
                raise

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if exception_type is not None and issubclass(exception_type, (errors.OutOfRangeError, StopIteration)):
            exception_type = None
        self._close_internal(exception_type)
        return exception_type is None

    def _tf_session(self):
        return self._tf_sess


class MonitoredSession(_MonitoredSession):
    """A session made by `session_creator` (default `ChiefSessionCreator()`) with `hooks` around each run."""

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        super().__init__(session_creator, hooks, stop_grace_period_secs)


class SingularMonitoredSession(_MonitoredSession):
    """A MonitoredSession of a chief session made from `scaffold`, `checkpoint_dir` or
    `checkpoint_filename_with_path`; `raw_session()` is the Session underneath."""

    def __init__(self, hooks=None, scaffold=None, master="", config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None):
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config, checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path)
        super().__init__(creator, hooks, stop_grace_period_secs)

    def raw_session(self):
        return self._tf_sess


def _resolve(steps, secs, default_steps, default_secs):
    """TF's defaults of a (steps, secs) pair: both unset -> the defaults; one set -> the other off."""
    if steps is USE_DEFAULT and secs is USE_DEFAULT:
        return default_steps, default_secs
    return (None if steps is USE_DEFAULT else steps), (None if secs is USE_DEFAULT else secs)


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None, hooks=None,  # noqa: N802
                             chief_only_hooks=None, save_checkpoint_secs=USE_DEFAULT, save_summaries_steps=USE_DEFAULT,
                             save_summaries_secs=USE_DEFAULT, config=None, stop_grace_period_secs=120,
                             log_step_count_steps=100, max_wait_secs=7200, save_checkpoint_steps=USE_DEFAULT,
                             summary_dir=None, save_graph_def=True):
    """A MonitoredSession for training. On the chief with a `checkpoint_dir` it restores the newest checkpoint
    there (else initializes) and adds, before `hooks` and after `chief_only_hooks`: a StepCounterHook every
    `log_step_count_steps`, a SummarySaverHook every `save_summaries_steps` (100) or `_secs`, both writing to
    `summary_dir` (default `checkpoint_dir`), and a CheckpointSaverHook every `save_checkpoint_secs` (600) or
    `_steps`. A value of 0 or None turns each off."""
    save_summaries_steps, save_summaries_secs = _resolve(save_summaries_steps, save_summaries_secs, 100, None)
    save_checkpoint_steps, save_checkpoint_secs = _resolve(save_checkpoint_steps, save_checkpoint_secs, None, 600)
    scaffold = scaffold or Scaffold()
    if not is_chief:
        creator = WorkerSessionCreator(scaffold=scaffold, master=master, config=config, max_wait_secs=max_wait_secs)
        return MonitoredSession(session_creator=creator, hooks=hooks or [],
                                stop_grace_period_secs=stop_grace_period_secs)
    all_hooks = list(chief_only_hooks or [])
    creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_dir=checkpoint_dir, master=master, config=config)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(StepCounterHook(output_dir=summary_dir, every_n_steps=log_step_count_steps))
        if (save_summaries_steps and save_summaries_steps > 0) or (save_summaries_secs and save_summaries_secs > 0):
            all_hooks.append(SummarySaverHook(scaffold=scaffold, save_steps=save_summaries_steps,
                                              save_secs=save_summaries_secs, output_dir=summary_dir))
    if checkpoint_dir and ((save_checkpoint_secs and save_checkpoint_secs > 0)
                           or (save_checkpoint_steps and save_checkpoint_steps > 0)):
        all_hooks.append(CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps,
                                             save_secs=save_checkpoint_secs, scaffold=scaffold,
                                             save_graph_def=save_graph_def))
    all_hooks.extend(hooks or [])
    return MonitoredSession(session_creator=creator, hooks=all_hooks, stop_grace_period_secs=stop_grace_period_secs)

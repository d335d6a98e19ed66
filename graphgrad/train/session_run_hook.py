"""`tf.train.SessionRunHook` and the values it trades with a `MonitoredSession` around each `run`.

A hook sees a session's life: `begin` (the graph may still grow), `after_create_session`, then for every
`run` a `before_run` that may add fetches and feeds (`SessionRunArgs`) and an `after_run` that gets their values
(`SessionRunValues`) and may ask to stop (`run_context.request_stop()`), and `end` when the session closes
without an error.
"""
from __future__ import annotations

import collections

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues"]


class SessionRunHook:
    """Extends a `MonitoredSession.run` call; every method is a no-op by default."""

    def begin(self):
        """Called once before the session exists; the graph can still be changed here."""

    def after_create_session(self, session, coord):
        """Called once the session is created and initialized (or restored); the graph is finalized."""

    def before_run(self, run_context):
        """Called before each `run`; returns None or a `SessionRunArgs` to fetch and feed more."""
        return None

    def after_run(self, run_context, run_values):
        """Called after each `run` that did not raise, with what `before_run` asked for."""

    def end(self, session):
        """Called at the end of the session, unless it ends by an error (an end of input is no error)."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """What a hook adds to a `run`: `fetches` (any structure `Session.run` takes) and a `feed_dict`."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunContext:
    """The `run` call a hook takes part in: its original args, the raw session, and a way to stop."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    original_args = property(lambda self: self._original_args)
    session = property(lambda self: self._session)
    stop_requested = property(lambda self: self._stop_requested)

    def request_stop(self):
        """Ask the monitored session to stop after this run: `should_stop()` becomes True."""
        self._stop_requested = True


class SessionRunValues(collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])):
    """The values of a hook's `SessionRunArgs.fetches`, in their structure."""

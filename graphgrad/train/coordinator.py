"""`tf.train.Coordinator`: one stop flag shared by a training loop and its helper threads, carrying the first
exception any of them reported so the main thread can raise it."""
from __future__ import annotations

import contextlib
import sys
import threading

from ..framework import errors

__all__ = ["Coordinator"]


class Coordinator:
    """`request_stop(ex)` sets the flag (keeping the first exception); `should_stop()` reads it; `join(threads)`
    waits for them and raises that exception. An `OutOfRangeError` (or the `clean_stop_exception_types`) stops
    without being an error: it is the end of the input."""

    def __init__(self, clean_stop_exception_types=None):
        self._clean = tuple(clean_stop_exception_types or (errors.OutOfRangeError,))
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info = None
        self._registered = set()

    def request_stop(self, ex=None):
        with self._lock:
            if isinstance(ex, tuple):
                ex = ex[1]
            if ex is not None and self._exc_info is None and not isinstance(ex, self._clean):
                self._exc_info = (type(ex), ex, ex.__traceback__)
            self._stop_event.set()

    def clear_stop(self):
        with self._lock:
            self._exc_info = None
            self._stop_event.clear()

    def should_stop(self):
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """Within it an exception requests a stop (with that exception) instead of propagating."""
        try:
            yield
        except BaseException:
            self.request_stop(sys.exc_info()[1])

    def wait_for_stop(self, timeout=None):
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        with self._lock:
            self._registered.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Wait for `threads` (and the registered ones) after a stop was requested; raise the reported exception,
        else RuntimeError when a thread outlives the grace period (unless `ignore_live_threads`)."""
        threads = set(threads or ()) | self._registered
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(0.1):
            pass
        for t in threads:
            t.join(stop_grace_period_secs)
        alive = [t.name for t in threads if t.is_alive()]
        if self._exc_info:
            raise self._exc_info[1].with_traceback(self._exc_info[2])
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {' '.join(alive)}")

    def raise_requested_exception(self):
        if self._exc_info:
            raise self._exc_info[1].with_traceback(self._exc_info[2])

"""`tf.logging`: TensorFlow 1.x's logging functions on Python's standard `logging`, logger "graphgrad".

    tf.logging.set_verbosity(tf.logging.INFO)
    tf.logging.info("step %d: loss %.3f", step, loss)   # INFO:graphgrad:step 10: loss 0.123

The default verbosity is the root logger's, WARN unless configured, as in TensorFlow (info and debug messages
are dropped). Messages go to
stderr through a handler of our own only while the root logger has no handlers; once the program (or
pytest) configures logging, records simply propagate to it.
"""
from __future__ import annotations

import logging as _logging
import sys as _sys
import threading as _threading

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = None
_lock = _threading.Lock()


class _StderrHandler(_logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of each record (so redirections and capsys see it)."""

    def __init__(self):
        super().__init__(_sys.stderr)

    @property
    def stream(self):
        return _sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class _OwnHandlerFilter(_logging.Filter):
    """Our handler stays quiet once the root logger has handlers of its own (no message shown twice)."""

    def filter(self, record):
        return not _logging.getLogger().handlers


def get_logger() -> _logging.Logger:
    """The "graphgrad" logger. Like TensorFlow's it has no level of its own until `set_verbosity`, so it
    follows the root logger's (WARN by default)."""
    global _logger
    if _logger is not None:
        return _logger
    with _lock:
        if _logger is None:
            logger = _logging.getLogger("graphgrad")
            handler = _StderrHandler()
            handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
            handler.addFilter(_OwnHandlerFilter())
            logger.addHandler(handler)
            _logger = logger
    return _logger


def set_verbosity(v):
    """Show messages of level `v` (DEBUG, INFO, WARN, ERROR, FATAL) and above."""
    get_logger().setLevel(v)


def get_verbosity():
    return get_logger().getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, stacklevel=2, **kwargs)


def debug(msg, *args, **kwargs):
    get_logger().debug(msg, *args, stacklevel=2, **kwargs)


def info(msg, *args, **kwargs):
    get_logger().info(msg, *args, stacklevel=2, **kwargs)


def warning(msg, *args, **kwargs):
    get_logger().warning(msg, *args, stacklevel=2, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    get_logger().error(msg, *args, stacklevel=2, **kwargs)


def fatal(msg, *args, **kwargs):
    """Log at FATAL level (like TensorFlow's, this does not exit)."""
    get_logger().fatal(msg, *args, stacklevel=2, **kwargs)


def vlog(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, stacklevel=2, **kwargs)


def log_if(level, msg, condition, *args):
    """Log only when `condition` is true."""
    if condition:
        get_logger().log(level, msg, *args, stacklevel=2)


_counts: dict = {}


def _next_count(depth=2):
    """How many times the caller's line (file, line number) asked before: the token TF counts per."""
    frame = _sys._getframe(depth)
    key = (frame.f_code.co_filename, frame.f_lineno)
    with _lock:
        n = _counts.get(key, 0)
        _counts[key] = n + 1
    return n


def log_every_n(level, msg, n, *args):
    """Log on the 1st, (n+1)th, (2n+1)th, ... call from the same line of code."""
    count = _next_count()
    if count % max(int(n), 1) == 0:
        get_logger().log(level, msg, *args, stacklevel=2)


def log_first_n(level, msg, n, *args):
    """Log only the first `n` calls from the same line of code."""
    count = _next_count()
    if count < n:
        get_logger().log(level, msg, *args, stacklevel=2)


def flush():
    for h in get_logger().handlers:
        h.flush()


def TaskLevelStatusMessage(msg):  # noqa: N802 - TensorFlow's name
    error(msg)


__all__ = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL", "get_logger", "set_verbosity", "get_verbosity", "log",
           "debug", "info", "warn", "warning", "error", "fatal", "vlog", "log_if", "log_every_n", "log_first_n",
           "flush", "TaskLevelStatusMessage"]

"""Ctrl-C never leaves a half-applied step: a KeyboardInterrupt that lands while a plan writes variables waits
until the writes are done.

A run that is interrupted before its first variable update raises KeyboardInterrupt at once (and rolls back,
if it took a snapshot); one interrupted during its updates finishes them and then raises, as TensorFlow 1.x
does (its runs are not interruptible at all: the interrupt arrives when `run` returns). The hot path costs
nothing: Python runs signal handlers in the main thread only, so the handler itself looks at the interrupted
frame stack to see whether a plan is inside its write section (each plan registers the line where its writes
begin), and the plan checks one module attribute after each run.

The handler is installed once, from the main thread, and only over Python's default SIGINT handler: a program
that installed its own keeps it unchanged.
"""
from __future__ import annotations

import _thread
import signal
import sys
import threading

#: generated file name of a plan -> first line of its write section
_write_lines: dict[str, int] = {}
_installed = False
pending = False  # a deferred Ctrl-C, delivered by `deliver` when the write section ends


def register(filename: str, first_write_line: int) -> None:
    """Note where a plan's writes begin, and install the handler when possible."""
    _write_lines[filename] = first_write_line
    if not _installed:
        _install()


def forget(filename: str) -> None:
    _write_lines.pop(filename, None)


def _install() -> None:
    global _installed
    if threading.current_thread() is not threading.main_thread():
        return  # signal.signal only works from the main thread; a later plan built there installs it
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _handler)
    except (ValueError, OSError):  # no signals here (an embedded interpreter)
        pass
    _installed = True


def in_write_section(frame) -> bool:
    """Whether some plan on the stack ending at `frame` has started writing variables."""
    while frame is not None:
        line = _write_lines.get(frame.f_code.co_filename)
        if line is not None and frame.f_lineno >= line:
            return True
        frame = frame.f_back
    return False


def _handler(signum, frame):
    global pending
    if in_write_section(frame):
        pending = True
        return
    raise KeyboardInterrupt


def deliver() -> None:
    """Raise the deferred interrupt now that the writes are done (in the main thread; from another thread,
    hand it to the main thread, where the interrupt belongs)."""
    global pending
    if threading.current_thread() is threading.main_thread():
        if in_write_section(sys._getframe(1)):
            return  # a plan further out is still writing (a tf.cond branch ended): it delivers
        pending = False
        raise KeyboardInterrupt
    pending = False
    _thread.interrupt_main()

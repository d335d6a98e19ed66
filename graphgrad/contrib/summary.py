"""`tf.contrib.summary`: TF 1.x's summaries that write themselves (eagerly, or in graph mode when their op runs).

    writer = tf.contrib.summary.create_file_writer("logs/run1")
    with writer.as_default(), tf.contrib.summary.always_record_summaries():
        tf.contrib.summary.scalar("loss", loss, step=step)

Each summary is the `tf.summary` op of the same kind (same serialized protobuf, same tag rules) handed to the
default writer, a `tf.summary.FileWriter` (same event files). Eagerly it is written at once; in a graph it is a
`py_func` that writes when run (`all_summary_ops()` lists them). Whether to record is decided at write time:
`always_record_summaries()`, `never_record_summaries()`, `record_summaries_every_n_global_steps(n)` (the global step
read when the summary is written, as TF 1.x does eagerly). The default writer and recording condition belong to
the thread, as in TF (its summary state is thread-local). tf.summary (and its protobufs) load on first use."""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..eager import executing_eagerly
from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..ops.core import convert_to_tensor
from ..ops.script_ops import py_func
from ..train.global_step import get_or_create_global_step

__all__ = ["SummaryWriter", "create_file_writer", "always_record_summaries", "never_record_summaries",
           "record_summaries_every_n_global_steps", "should_record_summaries", "scalar", "histogram", "image",
           "flush", "all_summary_ops"]

_ALL_SUMMARY_OPS = "_contrib_summary_ops"
_state = threading.local()


def _writer():
    return getattr(_state, "writer", None)


def _condition():
    """(kind, n, global step): whether summaries are recorded now ("always", "never" or "every")."""
    return getattr(_state, "condition", None) or ("never", None, None)


@contextlib.contextmanager
def _set(**values):
    old = {k: getattr(_state, k, None) for k in values}
    for k, v in values.items():
        setattr(_state, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(_state, k, v)


class SummaryWriter:
    """A writer of one event file in `logdir` (a `tf.summary.FileWriter`); `as_default()` makes the summaries of
    this thread go to it."""

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None):
        from ..summary.writer import FileWriter

        self._writer = FileWriter(logdir, max_queue=10 if max_queue is None else max_queue,
                                  flush_secs=120 if flush_millis is None else flush_millis / 1000.0,
                                  filename_suffix=".v2" if filename_suffix is None else filename_suffix)

    def as_default(self):
        return _set(writer=self)

    def set_as_default(self):
        _state.writer = self

    def init(self):
        """TF's resource initializer: the file is open from the start here, so nothing to do."""

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()

    def _write(self, summary, step):
        self._writer.add_summary(summary, int(step))

    def get_logdir(self):
        return self._writer.get_logdir()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None):
    """A SummaryWriter of `logdir` (made if missing); flushed every `flush_millis` (120 s) or `max_queue` events."""
    return SummaryWriter(logdir, max_queue, flush_millis, filename_suffix)


def always_record_summaries():
    return _set(condition=("always", None, None))


def never_record_summaries():
    return _set(condition=("never", None, None))


def record_summaries_every_n_global_steps(n, global_step=None):
    """Record while `global_step % n == 0` (the global step as it is when each summary is written)."""
    return _set(condition=("every", int(n), get_or_create_global_step() if global_step is None else global_step))


def _value(x):
    return int(np.asarray(x.numpy() if hasattr(x, "numpy") else x))


def _records(kind, n, step_value):
    return kind == "always" or kind == "every" and step_value % n == 0


def should_record_summaries():
    """Whether a summary written now would be recorded (a Python bool; eagerly and for "always"/"never")."""
    kind, n, step = _condition()
    if _writer() is None:
        return False
    return _records(kind, n, _value(step)) if kind == "every" else kind == "always"


def _write(summary, step):
    """Hand the serialized `summary` to the default writer (now, or when the graph's op runs)."""
    writer, (kind, n, gstep) = _writer(), _condition()
    if writer is None or kind == "never":
        return convert_to_tensor(False) if executing_eagerly() else None
    step = get_or_create_global_step() if step is None else step
    if executing_eagerly():
        record = kind == "always" or _records(kind, n, _value(gstep))
        if record:
            writer._write(summary.numpy(), _value(step))
        return convert_to_tensor(record)

    def run(data, step_value, gstep_value):
        record = kind == "always" or _records(kind, n, int(gstep_value))
        if record:
            writer._write(np.asarray(data).item(), int(step_value))
        return np.asarray(record)
    gstep = step if gstep is None else gstep
    op = py_func(run, [summary, step, gstep], dtypes.bool_, name="write_summary")
    get_default_graph().add_to_collection(_ALL_SUMMARY_OPS, op)
    return op


def _ops():
    from ..summary import summary_ops

    return summary_ops


def scalar(name, tensor, family=None, step=None):
    """Write the 0-d `tensor` under tag `name` at `step` (default: the global step)."""
    return _write(_ops().scalar(name, tensor, collections=[], family=family), step)


def histogram(name, tensor, family=None, step=None):
    """Write the distribution of `tensor` (TF's exponential buckets) under tag `name`."""
    return _write(_ops().histogram(name, tensor, collections=[], family=family), step)


def image(name, tensor, bad_color=None, max_images=3, family=None, step=None):
    """Write up to `max_images` images of the `[batch, height, width, channels]` tensor (PNG, as tf.summary)."""
    return _write(_ops().image(name, tensor, max_images, [], family, bad_color), step)


def flush(writer=None, name=None):
    """Flush `writer` (the default writer when None) to its event file."""
    writer = writer or _writer()
    if writer is not None:
        writer.flush()


def all_summary_ops():
    """The graph's contrib summary write ops (run them with the training step)."""
    return list(get_default_graph().get_collection(_ALL_SUMMARY_OPS))

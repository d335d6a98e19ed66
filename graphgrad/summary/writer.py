"""FileWriter: TensorBoard event files (`events.out.tfevents.<time>.<host>`) that real TensorBoard reads.

An event file is a sequence of TFRecords (length, masked CRC-32C of the length, data, masked CRC-32C of
the data) holding serialized `Event` protos, the first one `file_version: "brain.Event:2"`. Events are
serialized as they are added (so their order is the order of the calls) and queued in memory; the queue
goes to the file every `max_queue` events, every `flush_secs` seconds (a small daemon thread per open
file), on `flush()`, on `close()`, when the writer is garbage-collected and at interpreter exit (atexit),
so a script that never calls close() still leaves complete, readable files.
"""
from __future__ import annotations

import atexit
import os
import socket
import threading
import time
import warnings

import numpy as np
from tensorboardX.proto import event_pb2, summary_pb2

from ..io.tfrecord import frame, masked_crc32c  # noqa: F401  (masked_crc32c: the events files' checksum, re-exported)

Event = event_pb2.Event
SessionLog = event_pb2.SessionLog
TaggedRunMetadata = event_pb2.TaggedRunMetadata
Summary = summary_pb2.Summary

FILE_VERSION = "brain.Event:2"


class _EventFile:
    """One open events file; thread-safe; flushed by time from a daemon thread that holds only this object.

    Records wait in a list of bytes (not in a buffered file object) so that a forked child, which inherits
    the list, drops it instead of writing the parent's events a second time.
    """

    def __init__(self, logdir, suffix, max_queue, flush_secs):
        os.makedirs(logdir, exist_ok=True)
        host = socket.gethostname()
        t = int(time.time())
        while True:  # never truncate another writer's file: a taken second moves to the next free one
            path = os.path.join(logdir, f"events.out.tfevents.{t:010d}.{host}{suffix}")
            try:
                self._f = open(path, "xb", buffering=0)
                break
            except FileExistsError:
                t += 1
        self.path = path
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._records = []
        self._max_queue = max(1, int(max_queue))
        self._closed = False
        self._error = None  # an OSError of the flush thread (a full disk), raised in the writer's own thread
        self._wake = threading.Event()
        self.write(Event(wall_time=time.time(), file_version=FILE_VERSION).SerializeToString())
        self.flush()
        with _registry_lock:
            _open_files.add(self)
        self._thread = threading.Thread(target=self._flush_loop, args=(float(flush_secs),),
                                        name="graphgrad-FileWriter-flush", daemon=True)
        self._thread.start()

    def write(self, data: bytes):
        record = frame(data)
        with self._lock:
            if self._closed:
                raise ValueError("I/O operation on a closed events file")
            self._raise_deferred()
            self._records.append(record)
            if len(self._records) >= self._max_queue:
                self._flush_locked()

    def _flush_locked(self):
        records, self._records = self._records, []
        if not records or os.getpid() != self._pid:  # a forked child never writes its parent's events
            return
        view = memoryview(b"".join(records))
        while view:
            view = view[self._f.write(view):]

    def flush(self):
        with self._lock:
            if not self._closed:
                self._raise_deferred()
                self._flush_locked()

    def _raise_deferred(self):
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _flush_loop(self, period):
        """Flush by time. A write error here (a full disk) is kept and raised by the next write, flush or close of
        the program's own thread, where it can be handled, instead of a traceback from this thread."""
        while not self._wake.wait(period):
            with self._lock:
                if self._closed:
                    return
                try:
                    self._flush_locked()
                except OSError as e:
                    self._error = e

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._raise_deferred()
                self._flush_locked()
                if os.getpid() == self._pid:
                    os.fsync(self._f.fileno())
            finally:
                self._f.close()
        self._wake.set()
        with _registry_lock:
            _open_files.discard(self)


_open_files: set[_EventFile] = set()
_registry_lock = threading.Lock()


@atexit.register
def _close_all_at_exit():
    """Interpreter exit: flush and close every events file still open (nothing logged is lost)."""
    with _registry_lock:
        files = list(_open_files)
    for f in files:
        try:
            f.close()
        except Exception:  # noqa: BLE001  a failing file must not stop the others from closing
            pass


def _to_summary(summary) -> summary_pb2.Summary:
    """A Summary proto from bytes (what Session.run returns), a 0-d string array, or any Summary proto."""
    if isinstance(summary, np.ndarray):
        parts = [x.encode("utf-8") if isinstance(x, str) else bytes(x) for x in summary.ravel()]
        summary = b"".join(parts)
    if isinstance(summary, (bytes, bytearray, memoryview)):
        return Summary.FromString(bytes(summary))
    if isinstance(summary, Summary):
        return summary
    if hasattr(summary, "SerializeToString"):  # a Summary from another protobuf package (tensorboard, TF)
        return Summary.FromString(summary.SerializeToString())
    raise TypeError(f"add_summary expects the bytes of a serialized Summary (what Session.run returns for a "
                    f"summary op) or a Summary proto, got {type(summary).__name__}")


def _serialized(proto, what) -> bytes:
    if proto is None:
        return b""
    if isinstance(proto, (bytes, bytearray, memoryview)):
        return bytes(proto)
    if hasattr(proto, "SerializeToString"):
        return proto.SerializeToString()
    raise TypeError(f"{what} must be a protobuf message or bytes, got {type(proto).__name__}")


class FileWriter:
    """Writes summaries, graphs and session logs to an events file in `logdir` (TensorFlow 1.x API).

        writer = tf.summary.FileWriter("logs/1", s.graph)
        writer.add_summary(s.run(summaries), step)
        writer.flush()

    The file exists (with its version event) as soon as the writer is built; `graph` (a Graph or a
    GraphDef) is written right away so TensorBoard's Graphs tab shows it. `session` is accepted for
    compatibility and ignored.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        self._logdir = os.fspath(logdir)
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._suffix = filename_suffix or ""
        self._seen_summary_tags = set()
        self._run_metadata_tags = set()
        self._warned_closed = False
        self._file = _EventFile(self._logdir, self._suffix, max_queue, flush_secs)
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    # --- events ---------------------------------------------------------------------------------------
    def add_event(self, event):
        """Write one Event proto (any protobuf package's Event, or its serialized bytes)."""
        data = _serialized(event, "event")
        if self._file is None:
            if not self._warned_closed:
                self._warned_closed = True
                warnings.warn(f"FileWriter for {self._logdir!r} is closed; events are dropped until reopen().",
                              RuntimeWarning, stacklevel=3)
            return
        self._file.write(data)

    def _add(self, event, global_step):
        event.wall_time = time.time()
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Log a summary: the bytes `Session.run` returned for a summary op, or a `Summary` proto.

        As in TensorFlow, plugin metadata is kept only on the first value of each tag (later ones drop it).
        """
        summary = _to_summary(summary)
        stripped = None
        for i, value in enumerate(summary.value):
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                if stripped is None:  # never modify the caller's proto
                    stripped = Summary()
                    stripped.CopyFrom(summary)
                stripped.value[i].ClearField("metadata")
            else:
                self._seen_summary_tags.add(value.tag)
        self._add(Event(summary=stripped or summary), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Write a Graph (converted to a GraphDef with output shapes) or a GraphDef for the Graphs tab."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        if graph is None:
            graph = graph_def
        if graph is None:
            raise TypeError("add_graph needs a Graph or a GraphDef")
        if hasattr(graph, "get_operations"):
            from .graph_def import graph_to_graph_def

            graph = graph_to_graph_def(graph, add_shapes=True)
        self._add(Event(graph_def=_serialized(graph, "graph")), global_step)

    def add_meta_graph(self, meta_graph_def, global_step=None):
        self._add(Event(meta_graph_def=_serialized(meta_graph_def, "meta_graph_def")), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Write a SessionLog (START after a restart tells TensorBoard to discard orphaned later steps)."""
        if not isinstance(session_log, SessionLog):
            session_log = SessionLog.FromString(_serialized(session_log, "session_log"))
        self._add(Event(session_log=session_log), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Write a tagged RunMetadata (proto or bytes) for TensorBoard's per-run graph view."""
        if tag in self._run_metadata_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._run_metadata_tags.add(tag)
        tagged = TaggedRunMetadata(tag=tag, run_metadata=_serialized(run_metadata, "run_metadata"))
        self._add(Event(tagged_run_metadata=tagged), global_step)

    # --- lifetime -----------------------------------------------------------------------------------------
    def get_logdir(self):
        return self._logdir

    def flush(self):
        """Push every event added so far to the file."""
        if self._file is not None:
            self._file.flush()

    def close(self):
        """Flush and close the file; add_* calls are dropped (with a warning) until reopen()."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def reopen(self):
        """After close(): continue in a new events file in the same logdir. No-op while open."""
        if self._file is None:
            self._warned_closed = False
            self._seen_summary_tags.clear()
            self._file = _EventFile(self._logdir, self._suffix, self._max_queue, self._flush_secs)

    @property
    def event_file_path(self):
        """Path of the events file currently written (None while closed)."""
        return self._file.path if self._file is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        f = getattr(self, "_file", None)
        if f is not None:
            f.close()


class FileWriterCache:
    """One FileWriter per logdir, shared by everything in the process (TF1 `tf.summary.FileWriterCache`)."""

    _cache: dict = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        from ..framework.graph import get_default_graph

        logdir = os.fspath(logdir)
        with FileWriterCache._lock:
            w = FileWriterCache._cache.get(logdir)
            if w is None:
                w = FileWriterCache._cache[logdir] = FileWriter(logdir, graph=get_default_graph())
            return w

    @staticmethod
    def clear():
        with FileWriterCache._lock:
            for w in FileWriterCache._cache.values():
                w.close()
            FileWriterCache._cache.clear()

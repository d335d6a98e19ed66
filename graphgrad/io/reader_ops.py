"""TF1's readers (`tf.TextLineReader`, `WholeFileReader`, `FixedLengthRecordReader`, `TFRecordReader`): graph ops
that take file names from a queue (a `string_input_producer`, usually) and give one record per run as
(key, value) strings, keyed as TF keys them: `file:line` (1-based, header lines counted), the file name,
`file:record` (0-based) and `file:offset` (docs/queues.md).

A reader's position (the file being read, how far) lives in the session (`RunContext.resources`), so several
threads running one reader's `read` share it, one record each, as TF's mutex makes them. When a file is used up
the reader dequeues the next name, waiting like a dequeue (the session's lock released) and ending with the
queue's `OutOfRangeError` once it is closed and empty.
"""
from __future__ import annotations

import threading

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.graph import Tensor
from ..framework.op_def import OpDef, not_differentiable
from ..ops.core import apply_op, convert_to_tensor
from ..ops.queue_ops import ResourceHandle, dequeue_strings, session_resource
from .file_records import fixed_length_records, lines
from .tfrecord import TFRecordCompressionType, _open, read_records

__all__ = ["ReaderBase", "TextLineReader", "WholeFileReader", "FixedLengthRecordReader", "TFRecordReader"]


def _named(op, exc):
    """An OpError raised without an op (the file layer's) as raised by `op`."""
    if isinstance(exc, errors.OpError) and exc.op is None:
        return op_error(type(exc), op, exc.message)
    return exc


class _ReaderState:
    """One reader's progress in one session: the records left of the current file, and TF's two counters."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = None
        self.produced = self.completed = 0

    def read(self, ctx, op, reader, queue_handle, n=1):
        """Up to `n` (key, value) pairs, taking new files from the queue as needed; the queue's OutOfRangeError
        when it has none left and nothing was read."""
        if not self.lock.acquire(blocking=False):
            with ctx.lock_released():
                self.lock.acquire()
        try:
            out = []
            while len(out) < n:
                if self.records is None:
                    try:
                        name = dequeue_strings(ctx, op, queue_handle)
                    except errors.OutOfRangeError:
                        if out:
                            return out
                        raise
                    self.records = reader._records(name)
                try:
                    record = next(self.records, None)
                except errors.OpError as e:
                    self.records = None
                    raise _named(op, e) from None
                if record is None:
                    self.records = None
                    self.completed += 1
                    continue
                self.produced += 1
                out.append(record)
            return out
        finally:
            self.lock.release()

    def reset(self):
        with self.lock:
            self.records, self.produced, self.completed = None, 0, 0


def _state(ctx, reader):
    return session_resource(ctx, ("reader", reader), _ReaderState)


class ReaderRead(OpDef):
    """ReaderReadV2(reader, queue) -> key, value; ReaderReadUpToV2(reader, queue, n) -> keys, values (up to n)."""

    type = "ReaderReadV2"
    stateful = True
    gradient = not_differentiable
    up_to = False

    def infer(op):
        shape = (None,) if op.op_def.up_to else ()
        return [(shape, dtypes.string), (shape, dtypes.string)]

    def kernel(op, ctx):
        reader, up_to = op.attrs["reader"], op.op_def.up_to

        def read(handle, queue_handle, n=1):
            pairs = _state(ctx, reader).read(ctx, op, reader, op.inputs[1], int(n))
            if not up_to:
                return [np.array(pairs[0][0], dtype=object), np.array(pairs[0][1], dtype=object)]
            keys, values = np.empty(len(pairs), dtype=object), np.empty(len(pairs), dtype=object)
            keys[:], values[:] = [k for k, _ in pairs], [v for _, v in pairs]
            return [keys, values]
        return read

    def can_fail(op):
        return True


class ReaderReadUpTo(ReaderRead):
    type = "ReaderReadUpToV2"
    up_to = True


class ReaderCounter(OpDef):
    """ReaderNumRecordsProducedV2 / ReaderNumWorkUnitsCompletedV2 (int64) and ReaderResetV2 (no output)."""

    type = "ReaderNumRecordsProducedV2"
    stateful = True
    gradient = not_differentiable
    field = "produced"

    def infer(op):
        return [((), dtypes.int64)] if op.op_def.field else []

    def kernel(op, ctx):
        reader, field = op.attrs["reader"], op.op_def.field
        if field is None:
            return lambda handle: _state(ctx, reader).reset()
        to_device = ctx.to_device
        return lambda handle: to_device(np.int64(getattr(_state(ctx, reader), field)))

    def can_fail(op):
        return False


class ReaderWorkUnits(ReaderCounter):
    type = "ReaderNumWorkUnitsCompletedV2"
    field = "completed"


class ReaderReset(ReaderCounter):
    type = "ReaderResetV2"
    field = None


class TextLineReaderHandle(ResourceHandle):
    type = "TextLineReaderV2"


class WholeFileReaderHandle(ResourceHandle):
    type = "WholeFileReaderV2"


class FixedLengthRecordReaderHandle(ResourceHandle):
    type = "FixedLengthRecordReaderV2"


class TFRecordReaderHandle(ResourceHandle):
    type = "TFRecordReaderV2"


class ReaderBase:
    """`read(queue)` gives (key, value) string scalars, one record per run; `read_up_to(queue, n)` up to n of
    them; `num_records_produced`, `num_work_units_completed` and `reset` as in TF."""

    _handle = ResourceHandle  # each reader kind names its own

    def __init__(self, name=None):
        self._reader_ref = apply_op(self._handle, [], {"reader": self}, name or self._handle.type)

    reader_ref = property(lambda self: self._reader_ref)
    supports_serialize = False

    def _queue_ref(self, queue):
        return queue if isinstance(queue, Tensor) else queue.queue_ref

    def read(self, queue, name=None):
        return tuple(apply_op(ReaderRead, [self._reader_ref, self._queue_ref(queue)], {"reader": self},
                              name or "ReaderReadV2"))

    def read_up_to(self, queue, num_records, name=None):
        n = convert_to_tensor(num_records, dtype=dtypes.int64)
        return tuple(apply_op(ReaderReadUpTo, [self._reader_ref, self._queue_ref(queue), n], {"reader": self},
                              name or "ReaderReadUpToV2"))

    def num_records_produced(self, name=None):
        return apply_op(ReaderCounter, [self._reader_ref], {"reader": self}, name or "ReaderNumRecordsProducedV2")

    def num_work_units_completed(self, name=None):
        return apply_op(ReaderWorkUnits, [self._reader_ref], {"reader": self},
                        name or "ReaderNumWorkUnitsCompletedV2")

    def reset(self, name=None):
        return apply_op(ReaderReset, [self._reader_ref], {"reader": self}, name or "ReaderResetV2")

    def _records(self, filename):
        """(key, value) bytes pairs of the file `filename` (bytes), read as they are asked for."""
        raise NotImplementedError


def _read_all(filename):
    with _open(filename.decode(), TFRecordCompressionType.NONE, None) as f:
        return f.read()


class TextLineReader(ReaderBase):
    """The lines of each file without their line ends (`\\n`, `\\r\\n`), after `skip_header_lines` of them."""

    _handle = TextLineReaderHandle

    def __init__(self, skip_header_lines=None, name=None):
        self._skip = int(skip_header_lines or 0)
        super().__init__(name)

    def _records(self, filename):
        with _open(filename.decode(), TFRecordCompressionType.NONE, None) as f:
            for n, line in enumerate(lines(f), 1):
                if n > self._skip:
                    yield b"%s:%d" % (filename, n), line


class WholeFileReader(ReaderBase):
    """Each file whole, keyed by its name."""

    _handle = WholeFileReaderHandle

    def _records(self, filename):
        yield filename, _read_all(filename)


class FixedLengthRecordReader(ReaderBase):
    """Records of `record_bytes` bytes between a header and a footer, starting every `hop_bytes` (default:
    back to back)."""

    _handle = FixedLengthRecordReaderHandle

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None, name=None,
                 encoding=None):
        if encoding:
            raise NotImplementedError("FixedLengthRecordReader(encoding=...): compressed files are not read yet")
        self._record, self._header = int(record_bytes), int(header_bytes or 0)
        self._footer, self._hop = int(footer_bytes or 0), int(hop_bytes or 0)
        super().__init__(name)

    def _records(self, filename):
        with _open(filename.decode(), TFRecordCompressionType.NONE, None) as f:
            for i, record in enumerate(fixed_length_records(f, self._record, self._header, self._footer,
                                                            self._hop)):
                yield b"%s:%d" % (filename, i), record


class TFRecordReader(ReaderBase):
    """The records of TFRecord files (GZIP or ZLIB with `options`), keyed by their offset in the file."""

    _handle = TFRecordReaderHandle

    def __init__(self, name=None, options=None):
        self._options = options
        super().__init__(name)

    def _records(self, filename):
        offset = 0
        for record in read_records(filename.decode(), self._options):
            yield b"%s:%d" % (filename, offset), record
            offset += 16 + len(record)

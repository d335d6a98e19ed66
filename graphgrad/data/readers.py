"""`tf.data`'s file datasets: `TFRecordDataset`, `TextLineDataset`, `FixedLengthRecordDataset` (docs/data.md,
"TFRecord files" and "Text and fixed-length files"): the records of files as scalar string tensors, read as the
iterator asks, a record at a time (the record formats: graphgrad/io/tfrecord.py and io/file_records.py)."""
from __future__ import annotations

import os

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor
from ..framework.tensor_shape import TensorShape
from ..io.file_records import fixed_length_records, lines
from ..io.tfrecord import TFRecordCompressionType, _open, compression_name, read_records
from . import structure as nest
from .dataset_ops import Dataset

__all__ = ["FixedLengthRecordDataset", "TFRecordDataset", "TextLineDataset"]


def _strings(value):
    """File names from a value: a name, a list of them, an array of them."""
    if isinstance(value, np.ndarray):
        return [os.fsdecode(x) for x in value.ravel().tolist()]
    if isinstance(value, (list, tuple)):
        return [os.fsdecode(x) for x in value]
    return [os.fsdecode(value)]


def _scalar(x):
    a = np.empty((), dtype=object)
    a[()] = x
    return a


class _FileDataset(Dataset):
    """The records of files, one file after the other or `num_parallel_reads` of them in turn. Subclasses define
    `_read(name, kind, buffer, env)`: the records (bytes) of one file.

    `filenames`: a name, a list of names, a string tensor (scalar or vector, e.g. a placeholder fed to an
    initializable iterator) or a Dataset of names (`Dataset.list_files`). `compression_type`: None/"" , "ZLIB" or
    "GZIP". `buffer_size`: the read buffer in bytes. `num_parallel_reads`: that many files are read in turn, one
    record from each (TF's order for it: a deterministic interleave with cycle_length num_parallel_reads and
    block_length 1)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, captures=()):
        inputs, captures = [], list(captures)
        if isinstance(filenames, Dataset):
            if filenames._types != [dtypes.string] or filenames._template is not nest.LEAF:
                raise TypeError("`filenames` must be a `tf.data.Dataset` of `tf.string` elements.")
            inputs = [filenames]
        elif isinstance(filenames, Tensor):
            if filenames.dtype.base_dtype != dtypes.string:
                raise TypeError("The `filenames` argument must contain `tf.string` elements. Got "
                                f"`tf.{filenames.dtype.base_dtype.name}` elements.")
            captures.append(filenames)
        else:
            filenames = _strings(filenames)
        self._kind = compression_name(compression_type if not isinstance(compression_type, Tensor) else None)
        if isinstance(compression_type, Tensor):
            captures.append(compression_type)
        self._compression = compression_type
        self._buffer, self._parallel = buffer_size, num_parallel_reads
        captures += [x for x in (buffer_size, num_parallel_reads) if isinstance(x, Tensor)]
        super().__init__(inputs, nest.LEAF, [dtypes.string], [TensorShape([])], captures)
        self._filenames = filenames

    def __repr__(self):
        return f"<{type(self).__name__}V2 element_spec={self.element_spec}>"

    def _names(self, env):
        if self._inputs:
            for (name,) in self._inputs[0]._iterate(env):
                yield os.fsdecode(np.asarray(name, dtype=object).item())
        else:
            yield from _strings(env.value(self._filenames))

    def _read(self, name, kind, buffer, env):
        raise NotImplementedError

    def _iterate(self, env):
        kind = self._kind
        if isinstance(self._compression, Tensor):
            kind = compression_name(np.asarray(env.value(self._compression), dtype=object).item())
        buffer = None if self._buffer is None else env.int(self._buffer)
        parallel = 1 if self._parallel is None else env.int(self._parallel)
        names = self._names(env)
        if parallel <= 1:
            for name in names:
                for record in self._read(name, kind, buffer, env):
                    yield (_scalar(record),)
            return
        # TF's interleave: `parallel` slots visited in turn, one record from each; a slot whose file ends is
        # emptied, and an empty slot opens the next file when its turn comes
        cycle, live, i, more = [None] * parallel, 0, 0, True
        while more or live:
            if cycle[i] is not None:
                record = next(cycle[i], None)
                if record is not None:
                    yield (_scalar(record),)
                else:
                    cycle[i], live = None, live - 1
                i = (i + 1) % parallel
            elif more:
                name = next(names, None)
                if name is None:
                    more = False
                else:
                    cycle[i], live = self._read(name, kind, buffer, env), live + 1
            else:
                i = (i + 1) % parallel


class TFRecordDataset(_FileDataset):
    """`tf.data.TFRecordDataset(filenames, compression_type=None, buffer_size=None, num_parallel_reads=None)`: the
    records of TFRecord files."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)

    def _read(self, name, kind, buffer, env):
        return read_records(name, kind, buffer)


class TextLineDataset(_FileDataset):
    """`tf.data.TextLineDataset(filenames, compression_type=None, buffer_size=None, num_parallel_reads=None)`: the
    lines of text files without their line ends (`\\n` or `\\r\\n`)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)

    def _read(self, name, kind, buffer, env):
        with _open(name, kind, buffer) as f:
            yield from lines(f)


class FixedLengthRecordDataset(_FileDataset):
    """`tf.data.FixedLengthRecordDataset(filenames, record_bytes, header_bytes=None, footer_bytes=None,
    buffer_size=None, compression_type=None, num_parallel_reads=None)`: records of `record_bytes` bytes between a
    header and a footer. As TF: a body that is not a whole number of records is an InvalidArgumentError before
    the file's first record (a DataLossError after its last whole one when the file is compressed, since the
    length is known only at its end)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
                 compression_type=None, num_parallel_reads=None, name=None):
        self._sizes = (record_bytes, header_bytes or 0, footer_bytes or 0)
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads,
                         [x for x in self._sizes if isinstance(x, Tensor)])

    def _read(self, name, kind, buffer, env):
        record, header, footer = (env.int(x) for x in self._sizes)
        if record <= 0:
            raise errors.InvalidArgumentError(None, None, f"record_bytes must be positive but is {record}.")
        if kind == TFRecordCompressionType.NONE:
            try:
                body = os.path.getsize(name) - header - footer
            except OSError:
                body = 0  # opening it below says why
            if body > 0 and body % record:
                raise errors.InvalidArgumentError(None, None, self._message(name, header, footer, body, record))
        with _open(name, kind, buffer) as f:
            records = fixed_length_records(f, record, header, footer)
            n = 0
            while True:
                try:
                    yield next(records)
                except StopIteration as end:
                    left = end.value
                    break
                n += 1
            if left:
                body = n * record + left
                raise errors.DataLossError(None, None, self._message(name, header, footer, body, record))

    @staticmethod
    def _message(name, header, footer, body, record):
        return (f"Excluding the header ({header} bytes) and footer ({footer} bytes), input file \"{name}\" has "
                f"body length {body} bytes, which is not an exact multiple of the record length ({record} bytes).")

"""`tf.data.TFRecordDataset`: the records of TFRecord files as scalar string tensors (docs/data.md, "TFRecord
files"). Files are read as the iterator asks, a record at a time (graphgrad/io/tfrecord.py)."""
from __future__ import annotations

import os

import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor
from ..framework.tensor_shape import TensorShape
from ..io.tfrecord import compression_name, read_records
from . import structure as nest
from .dataset_ops import Dataset

__all__ = ["TFRecordDataset"]


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


class TFRecordDataset(Dataset):
    """`tf.data.TFRecordDataset(filenames, compression_type=None, buffer_size=None, num_parallel_reads=None)`.

    `filenames`: a name, a list of names, a string tensor (scalar or vector, e.g. a placeholder fed to an
    initializable iterator) or a Dataset of names (`Dataset.list_files`). `compression_type`: None/"" , "ZLIB" or
    "GZIP". `buffer_size`: the read buffer in bytes. `num_parallel_reads`: that many files are read in turn, one
    record from each (TF's order for it: a deterministic interleave with cycle_length num_parallel_reads and
    block_length 1); without it the files are read one after the other."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        inputs, captures = [], []
        if isinstance(filenames, Dataset):
            if filenames._types != [dtypes.string] or filenames._template is not nest.LEAF:
                raise TypeError("`filenames` must be a `tf.data.Dataset` of `tf.string` elements.")
            inputs = [filenames]
        elif isinstance(filenames, Tensor):
            if filenames.dtype.base_dtype != dtypes.string:
                raise TypeError("`filenames` must be a `tf.Tensor` of `tf.string`.")
            captures = [filenames]
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

    def _names(self, env):
        if self._inputs:
            for (name,) in self._inputs[0]._iterate(env):
                yield os.fsdecode(np.asarray(name, dtype=object).item())
        else:
            yield from _strings(env.value(self._filenames))

    def _iterate(self, env):
        kind = self._kind
        if isinstance(self._compression, Tensor):
            kind = compression_name(np.asarray(env.value(self._compression), dtype=object).item())
        buffer = None if self._buffer is None else env.int(self._buffer)
        parallel = 1 if self._parallel is None else env.int(self._parallel)
        names = self._names(env)
        if parallel <= 1:
            for name in names:
                for record in read_records(name, kind, buffer):
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
                    cycle[i], live = read_records(name, kind, buffer), live + 1
            else:
                i = (i + 1) % parallel

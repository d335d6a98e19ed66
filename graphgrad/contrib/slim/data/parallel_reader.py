"""`slim.parallel_reader`: `num_readers` readers of one file-name queue, each record (key, value) put into a
common queue (a RandomShuffleQueue when shuffling) by a QueueRunner; `parallel_read` returns one (key, value)."""
from __future__ import annotations

from ....framework import dtypes as tf_dtypes
from ....framework.graph import name_scope
from ....ops import math_ops
from ....ops.queue_ops import FIFOQueue, RandomShuffleQueue
from ....train.input import string_input_producer
from ....train.queue_runner import QueueRunner, add_queue_runner

__all__ = ["ParallelReader", "get_data_files", "parallel_read", "single_pass_read"]


class ParallelReader:
    """A reader made of `num_readers` instances of `reader_class` feeding `common_queue` ([string, string])."""

    def __init__(self, reader_class, common_queue, num_readers=4, reader_kwargs=None):
        if len(common_queue.dtypes) != 2 or any(dt != tf_dtypes.string for dt in common_queue.dtypes):
            raise TypeError("common_queue.dtypes must be [tf.string, tf.string]")
        self._readers = [reader_class(**(reader_kwargs or {})) for _ in range(num_readers)]
        self._common_queue = common_queue

    num_readers = property(lambda self: len(self._readers))
    common_queue = property(lambda self: self._common_queue)

    def _configure_readers_by(self, queue):
        enqueue_ops = [self._common_queue.enqueue(reader.read(queue)) for reader in self._readers]
        add_queue_runner(QueueRunner(self._common_queue, enqueue_ops))

    def read(self, queue, name=None):
        """(key, value) of the next record any reader put into the common queue."""
        self._configure_readers_by(queue)
        return self._common_queue.dequeue(name=name)

    def read_up_to(self, queue, num_records, name=None):
        self._configure_readers_by(queue)
        return self._common_queue.dequeue_up_to(num_records, name)

    def num_records_produced(self, name=None):
        return math_ops.add_n([r.num_records_produced() for r in self._readers], name=name)

    def num_work_units_completed(self, name=None):
        return math_ops.add_n([r.num_work_units_completed() for r in self._readers], name=name)


def get_data_files(data_sources):
    """The files of `data_sources` (a path, a glob pattern, or a list of them); ValueError when none."""
    from .... import gfile

    if isinstance(data_sources, (list, tuple)):
        files = [f for source in data_sources for f in get_data_files(source)]
    elif any(c in data_sources for c in "*?["):
        files = gfile.Glob(data_sources)
    else:
        files = [data_sources]
    if not files:
        raise ValueError(f"No data files found in {data_sources}")
    return files


def parallel_read(data_sources, reader_class, num_epochs=None, num_readers=4, reader_kwargs=None, shuffle=True,
                  dtypes=None, capacity=256, min_after_dequeue=128, seed=None, scope=None):
    """(key, value) of a record read from `data_sources` by `num_readers` parallel readers; with `shuffle` the
    files and the records are shuffled; `num_epochs` passes over the files (then OutOfRangeError)."""
    from ....summary import scalar

    files = get_data_files(data_sources)
    with name_scope(scope, "parallel_read"):
        filename_queue = string_input_producer(files, num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                                               name="filenames")
        dtypes = dtypes or [tf_dtypes.string, tf_dtypes.string]
        if shuffle:
            common_queue = RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue,
                                              dtypes=dtypes, seed=seed, name="common_queue")
        else:
            common_queue = FIFOQueue(capacity=capacity, dtypes=dtypes, name="common_queue")
        scalar(f"fraction_of_{capacity}_full",
               math_ops.cast(common_queue.size(), tf_dtypes.float32) * (1.0 / capacity))
        return ParallelReader(reader_class, common_queue, num_readers=num_readers,
                              reader_kwargs=reader_kwargs).read(filename_queue)


def single_pass_read(data_sources, reader_class, reader_kwargs=None, scope=None):
    """(key, value) of the records of `data_sources` read once, in order, by one reader."""
    files = get_data_files(data_sources)
    with name_scope(scope, "single_pass_read"):
        filename_queue = string_input_producer(files, num_epochs=1, shuffle=False, capacity=1, name="filenames")
        return reader_class(**(reader_kwargs or {})).read(filename_queue)


"""`tf.data.experimental` (TF 1.15's): AUTOTUNE, `cardinality`, the helpers that are compositions of Dataset
methods (below), the grouping transformations (grouping.py), the sources (sources_experimental.py: CSV, SQLite,
counters, sampling from several datasets, TFRecord writing, parsed Example batches) and the other transformations
and iterator helpers (transformations_experimental.py: scan, unique, ignore_errors, optionals, ...)."""
from __future__ import annotations

from . import sources_experimental as _sources
from . import transformations_experimental as _transformations
from .cardinality import cardinality
from .dataset_ops import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .grouping import Reducer, bucket_by_sequence_length, group_by_reducer, group_by_window
from .options import AutoShardPolicy, AutotuneOptions, DistributeOptions, OptimizationOptions, ThreadingOptions

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "AutoShardPolicy", "AutotuneOptions",
           "DistributeOptions", "OptimizationOptions", "ThreadingOptions", "cardinality", "enumerate_dataset",
           "map_and_batch", "shuffle_and_repeat", "unbatch", "Reducer", "bucket_by_sequence_length",
           "group_by_reducer", "group_by_window", *_sources.__all__, *_transformations.__all__]
globals().update({name: getattr(m, name) for m in (_sources, _transformations) for name in m.__all__})


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """`dataset.apply(shuffle_and_repeat(n))`: shuffle (reshuffled each epoch), then repeat."""
    return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None):
    """`dataset.apply(map_and_batch(f, n))`: map, then batch."""
    return lambda ds: ds.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)


def unbatch():
    return lambda ds: ds.unbatch()


def enumerate_dataset(start=0):
    """`dataset.apply(enumerate_dataset())`: (index, element) pairs, as `dataset.enumerate(start)`."""
    return lambda ds: ds.enumerate(start)

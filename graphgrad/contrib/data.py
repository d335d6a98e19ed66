"""`tf.contrib.data` (TF 1.4-1.15): where `tf.data.experimental`'s transformations lived before it, under their
old names, and the few that only contrib had (`batch_and_drop_remainder`, `padded_batch_and_drop_remainder`,
`sliding_window_batch`, `sloppy_interleave`, `assert_element_shape`, `reduce_dataset`, `read_batch_features`)."""
from __future__ import annotations

import numpy as np

from ..data import Dataset, Iterator
from ..data import experimental as _experimental
from ..data import structure as nest
from ..framework.tensor_shape import TensorShape
from ..io.parsing_ops import parse_single_example
from ..ops.framework_ops import ensure_shape

_SHARED = ("AUTOTUNE", "Counter", "CsvDataset", "Optional", "RandomDataset", "Reducer", "SqlDataset", "TFRecordWriter",
           "bucket_by_sequence_length", "choose_from_datasets", "copy_to_device", "dense_to_sparse_batch",
           "enumerate_dataset", "get_next_as_optional", "get_single_element", "group_by_reducer", "group_by_window",
           "ignore_errors", "make_batched_features_dataset", "make_csv_dataset", "map_and_batch",
           "parallel_interleave", "parse_example_dataset", "prefetch_to_device", "rejection_resample",
           "sample_from_datasets", "scan", "shuffle_and_repeat", "unbatch", "unique")
globals().update({name: getattr(_experimental, name) for name in _SHARED})

__all__ = [*_SHARED, "Dataset", "Iterator", "assert_element_shape", "batch_and_drop_remainder",
           "padded_batch_and_drop_remainder", "parse_single_example", "read_batch_features", "reduce_dataset",
           "sliding_window_batch", "sloppy_interleave"]


def batch_and_drop_remainder(batch_size):
    """`dataset.apply(batch_and_drop_remainder(n))`: `dataset.batch(n, drop_remainder=True)`."""
    return lambda ds: ds.batch(batch_size, drop_remainder=True)


def padded_batch_and_drop_remainder(batch_size, padded_shapes, padding_values=None):
    return lambda ds: ds.padded_batch(batch_size, padded_shapes, padding_values, drop_remainder=True)


def sliding_window_batch(window_size, stride=None, window_shift=None, window_stride=1):
    """Batches of `window_size` consecutive elements (`window_stride` apart), a new one every `window_shift`
    (`stride` is its old name; default 1); only whole windows, as TF's SlidingWindowDataset gives."""
    if stride is not None and window_shift is not None:
        raise ValueError("Cannot specify both `stride` and `window_shift`")
    shift = 1 if stride is None and window_shift is None else (window_shift if stride is None else stride)
    return lambda ds: ds.window(window_size, shift, window_stride, drop_remainder=True).flat_map(
        lambda *w: Dataset.zip(tuple(c.batch(window_size) for c in w)) if len(w) > 1 else w[0].batch(window_size))


def sloppy_interleave(map_func, cycle_length, block_length=1):
    return _experimental.parallel_interleave(map_func, cycle_length, block_length, sloppy=True)


def assert_element_shape(expected_shapes):
    """`dataset.apply(assert_element_shape(shapes))`: the elements' static shapes made as specific as `shapes`
    (a ValueError where they cannot be), and each element checked against them when it comes."""
    def apply(ds):
        wanted = [TensorShape(s) for s in nest.flatten_up_to(ds._template, expected_shapes)]
        for have, want in zip(ds._shapes, wanted):
            if not have.is_compatible_with(want):
                raise ValueError(f"Shapes {have} and {want} are not compatible")
        return ds.map(lambda *e: _ensure(e, wanted) if len(e) > 1 else _ensure(e, wanted)[0])
    return apply


def _ensure(components, shapes):
    flat = nest.flatten(components)
    checked = [ensure_shape(t, s) if s.dims_tuple is not None else t for t, s in zip(flat, shapes)]
    return nest.pack(nest.template(components), checked)


def reduce_dataset(dataset, reducer):
    """The `Reducer`'s fold of the whole dataset (its `init_func` given the key 0), finalized: tensors."""
    state = dataset.reduce(reducer.init_func(np.int64(0)), reducer.reduce_func)
    return reducer.finalize_func(*state) if isinstance(state, tuple) else reducer.finalize_func(state)


def read_batch_features(file_pattern, batch_size, features, reader=None, reader_args=None, randomize_input=True,
                        num_epochs=None, capacity=10000):
    """The next batch (a dict of feature tensors) of a one-shot iterator over `make_batched_features_dataset`."""
    from ..data import TFRecordDataset

    ds = _experimental.make_batched_features_dataset(
        file_pattern, batch_size, features, reader=reader or TFRecordDataset, reader_args=reader_args,
        num_epochs=num_epochs, shuffle=randomize_input, shuffle_buffer_size=capacity)
    return ds.make_one_shot_iterator().get_next()

"""`tf.data`: TensorFlow 1.x's input pipelines (docs/data.md, "tf.data"): `Dataset`, `Iterator`,
`make_one_shot_iterator`, `make_initializable_iterator`, `TFRecordDataset`, `TextLineDataset`,
`FixedLengthRecordDataset`, `Options`, `DatasetSpec`, `NumpyIterator`, the cardinality constants,
`experimental.AUTOTUNE`.

The project's own data-set loaders moved to `graphgrad.datasets`; their old names here (`graphgrad.data.load_digits`,
`graphgrad.data.mnist1d`, ...) still work and warn (DeprecationWarning)."""
from __future__ import annotations

import importlib
import warnings

from . import experimental
from .dataset_ops import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, TensorSpec
from .dataset_spec import DatasetSpec
from .iterator_ops import (
    Iterator,
    NumpyIterator,
    get_output_classes,
    get_output_shapes,
    get_output_types,
    make_initializable_iterator,
    make_one_shot_iterator,
)
from .options import Options, ThreadingOptions
from .readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "DatasetSpec",
           "FixedLengthRecordDataset", "Iterator", "NumpyIterator", "Options", "TFRecordDataset", "TensorSpec",
           "TextLineDataset", "ThreadingOptions", "experimental", "get_output_classes", "get_output_shapes",
           "get_output_types", "make_initializable_iterator", "make_one_shot_iterator"]

#: names that now live in graphgrad.datasets
_MOVED = ("load_digits", "playground", "PLAYGROUND_SETS", "load_mnist1d", "batches", "BatchIterator")


def moved(name: str, module: str = "graphgrad.datasets"):
    """The object `name` of its new home, with the warning that says where it went."""
    warnings.warn(f"graphgrad.data.{name} moved to {module}.{name}; graphgrad.data is now TensorFlow's tf.data",
                  DeprecationWarning, stacklevel=3)
    return getattr(importlib.import_module(module), name)


def __getattr__(name):
    if name in _MOVED:
        return moved(name)
    raise AttributeError(f"module 'graphgrad.data' has no attribute {name!r}")

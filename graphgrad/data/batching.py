"""Moved to `graphgrad.datasets.batching` (`graphgrad.data` is now TensorFlow's tf.data); importing it here warns."""
import importlib
import warnings

warnings.warn("graphgrad.data.batching moved to graphgrad.datasets.batching", DeprecationWarning, stacklevel=2)
_module = importlib.import_module("graphgrad.datasets.batching")


def __getattr__(name):
    return getattr(_module, name)

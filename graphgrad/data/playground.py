"""Moved to `graphgrad.datasets.playground` (`graphgrad.data` is now TensorFlow's tf.data); importing it here warns."""
import importlib
import warnings

warnings.warn("graphgrad.data.playground moved to graphgrad.datasets.playground", DeprecationWarning, stacklevel=2)
_module = importlib.import_module("graphgrad.datasets.playground")


def __getattr__(name):
    return getattr(_module, name)

"""Moved to `graphgrad.datasets.mnist1d` (`graphgrad.data` is now TensorFlow's tf.data); importing it here warns."""
import importlib
import warnings

warnings.warn("graphgrad.data.mnist1d moved to graphgrad.datasets.mnist1d", DeprecationWarning, stacklevel=2)
_module = importlib.import_module("graphgrad.datasets.mnist1d")


def __getattr__(name):
    return getattr(_module, name)

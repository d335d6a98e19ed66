"""Moved to `graphgrad.datasets.digits` (`graphgrad.data` is now TensorFlow's tf.data); importing it here warns."""
import importlib
import warnings

warnings.warn("graphgrad.data.digits moved to graphgrad.datasets.digits", DeprecationWarning, stacklevel=2)
_module = importlib.import_module("graphgrad.datasets.digits")


def __getattr__(name):
    return getattr(_module, name)

"""Data sets and mini-batching for graphgrad: pure NumPy, independent of the rest of the framework.

(`graphgrad.data` was their home before it became TensorFlow 1.x's `tf.data`; the old import paths still work,
with a DeprecationWarning.)"""

from .batching import BatchIterator, batches
from .digits import Dataset, load_digits
from .mnist1d import load_mnist1d
from .playground import PLAYGROUND_SETS, playground

__all__ = [
    "Dataset", "load_digits", "playground", "PLAYGROUND_SETS", "load_mnist1d", "batches", "BatchIterator",
]

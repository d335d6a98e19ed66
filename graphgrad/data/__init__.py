"""Data sets and mini-batching for graphgrad: pure NumPy, independent of the rest of the framework."""

from .batching import BatchIterator, batches
from .digits import Dataset, load_digits
from .mnist1d import load_mnist1d
from .playground import PLAYGROUND_SETS, playground

__all__ = [
    "Dataset", "load_digits", "playground", "PLAYGROUND_SETS", "load_mnist1d", "batches", "BatchIterator",
]

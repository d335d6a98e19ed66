"""Data sets and mini-batching for graphgrad: pure NumPy, independent of the rest of the framework.

The 8x8 digits ship with the package; MNIST and Fashion-MNIST are downloaded once (SHA-256 checked) into the data
folder, `data_dir()`. (`graphgrad.data` was their home before it became TensorFlow 1.x's `tf.data`; the old import
paths still work, with a DeprecationWarning.)"""

from .batching import BatchIterator, batches
from .digits import Dataset, load_digits
from .download import DownloadError, data_dir
from .mnist import load_fashion_mnist, load_mnist
from .mnist1d import load_mnist1d
from .playground import PLAYGROUND_SETS, playground

__all__ = [
    "Dataset", "load_digits", "load_mnist", "load_fashion_mnist", "playground", "PLAYGROUND_SETS", "load_mnist1d",
    "batches", "BatchIterator", "data_dir", "DownloadError",
]

"""`tf.keras.datasets.cifar10`."""
from __future__ import annotations

import os

import numpy as np

from ._cache import fetch
from .cifar import finish, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data(cache_dir=None):
    """CIFAR-10 as Keras gives it: ((x_train, y_train), (x_test, y_test)), uint8 images (n, 32, 32, 3) and
    uint8 labels (n, 1), from `data_batch_1..5` and `test_batch` of Keras's tarball."""
    path = fetch("cifar-10-batches-py", ORIGIN, FILE_HASH, cache_dir, untar=True)
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return finish(x_train, y_train, x_test, np.asarray(y_test))

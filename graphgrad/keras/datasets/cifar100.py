"""`tf.keras.datasets.cifar100`."""
from __future__ import annotations

import os

from ._cache import fetch
from .cifar import finish, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine", cache_dir=None):
    """CIFAR-100 as Keras gives it: uint8 images (n, 32, 32, 3), labels (n, 1) of the 100 "fine" classes or
    the 20 "coarse" ones."""
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    path = fetch("cifar-100-python", ORIGIN, FILE_HASH, cache_dir, untar=True)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")
    return finish(x_train, y_train, x_test, y_test)

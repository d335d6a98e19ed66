"""The CIFAR python batches (pickled dicts) that `cifar10` and `cifar100` read."""
from __future__ import annotations

import pickle

import numpy as np

from .. import backend as K


def load_batch(fpath, label_key="labels"):
    """(data as (n, 3, 32, 32) uint8, labels list) from one pickled CIFAR batch."""
    with open(fpath, "rb") as f:
        d = {k.decode("utf8"): v for k, v in pickle.load(f, encoding="bytes").items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def finish(x_train, y_train, x_test, y_test):
    """Labels as (n, 1) columns, images channels-last unless the backend says otherwise (Keras's layout)."""
    y_train, y_test = np.reshape(y_train, (len(y_train), 1)), np.reshape(y_test, (len(y_test), 1))
    if K.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test.astype(y_train.dtype))

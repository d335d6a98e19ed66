"""`tf.keras.datasets.boston_housing`: 506 houses, 13 features each, the median value (k$) as the target."""
from __future__ import annotations

import numpy as np

from . import _cache

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """((x_train, y_train), (x_test, y_test)) as float64, shuffled with `seed`, the last `test_split` for test."""
    assert 0 <= test_split < 1
    path = _cache.fetch(path, _cache.ORIGIN + "boston_housing.npz", FILE_HASH, cache_dir)
    with np.load(path, allow_pickle=True) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))

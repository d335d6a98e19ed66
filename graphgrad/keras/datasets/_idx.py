"""Keras's `load_data()` over graphgrad's MNIST-format sources."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...datasets import mnist as _files


def load(source, path=None):
    """((x_train, y_train), (x_test, y_test)) as uint8. `path`: an `.npz` file in Keras's own layout (`x_train`,
    `y_train`, `x_test`, `y_test`), absolute or under `~/.keras/datasets/`, read when it exists — Keras's cache
    from an earlier TensorFlow install works as it is; otherwise the IDX files in graphgrad's data folder."""
    if path is not None:
        npz = Path(os.path.expanduser(path))
        npz = npz if npz.is_absolute() else Path(os.path.expanduser("~/.keras/datasets")) / npz
        if npz.is_file():
            with np.load(npz, allow_pickle=False) as f:
                return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    x_train, y_train, x_test, y_test = _files.read_arrays(_files.fetch_files(source))
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))

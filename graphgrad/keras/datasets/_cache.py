"""Where Keras's data sets are read from: `keras.utils.get_file` with Keras's origins, file names and hashes.
`cache_dir` when given; else Keras's own cache `~/.keras/datasets/` when the file is already there (an earlier
Keras download works as it is); else graphgrad's data folder (`$GRAPHGRAD_DATA_DIR/keras/datasets/`)."""
from __future__ import annotations

import os

from ...datasets.download import data_dir
from ..data_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(fname, origin, file_hash, cache_dir=None, untar=False):
    if not cache_dir:
        keras_home = os.path.join(os.path.expanduser("~"), ".keras")
        cached = os.path.join(keras_home, "datasets", fname + (".tar.gz" if untar else ""))
        cache_dir = keras_home if os.path.exists(cached) else data_dir() / "keras"
    cache_dir = os.path.expanduser(cache_dir)
    os.makedirs(cache_dir, exist_ok=True)   # (get_file falls back to /tmp/.keras for a folder it cannot write)
    return get_file(fname, origin=origin, file_hash=file_hash, cache_dir=cache_dir, untar=untar)

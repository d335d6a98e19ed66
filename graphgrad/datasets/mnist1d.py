"""MNIST-1D (Greydanus 2020), generated locally by the `mnist1d` package and cached as .npz.

Only the package's generator (`mnist1d.data.make_dataset`, whose digit templates are built in code) is
used, never its `get_dataset` downloader, so the data set needs no network. Generation takes a couple
of seconds, hence the cache in the data folder (`download.data_dir()`: $GRAPHGRAD_DATA_DIR, else the user cache).
"""

from __future__ import annotations

import os
import random
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from .digits import Dataset
from .download import data_dir

INSTALL_HINT = "load_mnist1d needs the mnist1d package: pip install 'graphgrad[mnist1d]'"
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def cache_dir() -> Path:
    """Where generated data sets are kept: the data folder of every loader (see `download.data_dir`)."""
    return data_dir()


def _generate(seed: int, num_samples: int) -> dict[str, np.ndarray]:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    args = get_dataset_args()
    args.seed, args.num_samples = seed, num_samples
    # make_dataset seeds NumPy's and Python's global generators; put them back so that loading data
    # does not silently change the random stream of the caller's program.
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {
        "x_train": raw["x"].astype(np.float32), "y_train": raw["y"].astype(np.int64),
        "x_test": raw["x_test"].astype(np.float32), "y_test": raw["y_test"].astype(np.int64),
    }


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path) as f:
            return {k: f[k] for k in _KEYS}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None  # unreadable or foreign file: regenerate and overwrite it


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write to a temp file in the same folder, then os.replace: readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_mnist1d(seed: int = 42, num_samples: int = 5000, cache: bool = True) -> Dataset:
    """MNIST-1D with the package's default generation arguments and its own 80/20 train/test split.

    `seed=42, num_samples=5000` is the published benchmark (4,000 train, 1,000 test signals of
    length 40, 10 classes). Features are float32 (n, 40), standardised by the generator.
    """
    try:
        version = metadata.version("mnist1d")
    except metadata.PackageNotFoundError as err:
        raise ImportError(INSTALL_HINT) from err
    if num_samples < 10:
        raise ValueError(f"num_samples must be >= 10 (one per class), got {num_samples!r}")
    # The package version is in the key because a new release may generate different signals.
    path = cache_dir() / f"mnist1d-{version}-seed{seed}-n{num_samples}.npz"
    arrays = _read_cache(path) if cache else None
    if arrays is None:
        arrays = _generate(seed, num_samples)
        if cache:
            _write_cache(path, arrays)
    return Dataset(*(arrays[k] for k in _KEYS), num_classes=10, name="mnist1d")

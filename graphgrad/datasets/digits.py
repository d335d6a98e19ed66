"""The 8x8 handwritten digits (bundled with the package), plus the `Dataset` container and split shared by all loaders.

`data/digits.csv.gz` is scikit-learn's copy of the UCI "Optical Recognition of Handwritten Digits" test set
(see `data/NOTICE.md` for its source and license); it is read here without scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """A fixed train/test split: float32 features of shape (n, d), int64 labels in [0, num_classes)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    name: str

    @property
    def num_features(self) -> int:
        return int(self.x_train.shape[1])

    def __repr__(self) -> str:
        # The default dataclass repr would print every array; shapes are what one wants to see.
        return (
            f"Dataset(name={self.name!r}, x_train={self.x_train.shape}, x_test={self.x_test.shape}, "
            f"num_classes={self.num_classes})"
        )


def check_fraction(test_fraction: float) -> None:
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction!r}")


def stratified_split(y: np.ndarray, test_fraction: float, rng: np.random.Generator):
    """Return (train_idx, test_idx) holding out `test_fraction` of every class.

    Done by hand with a NumPy permutation per class, not sklearn's train_test_split, so the split
    depends only on the seed and never changes with the installed scikit-learn version. Both index
    arrays come back shuffled so that no loader hands out class-ordered data.
    """
    check_fraction(test_fraction)
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def make_dataset(x: np.ndarray, y: np.ndarray, num_classes: int, name: str, test_fraction: float,
                 rng: np.random.Generator) -> Dataset:
    """Split (x, y) with `stratified_split` and pin the dtypes every loader promises."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    train, test = stratified_split(y, test_fraction, rng)
    return Dataset(x[train], y[train], x[test], y[test], num_classes, name)


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled file as scikit-learn reads it: (1797, 64) float64 pixel counts in 0..16 and int64 digits."""
    with resources.as_file(resources.files(__package__) / "data" / "digits.csv.gz") as path:
        raw = np.loadtxt(path, delimiter=",")
    return raw[:, :-1], raw[:, -1].astype(np.int64)


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 1,797 real 8x8 digits shipped with graphgrad (no download), features pixel/16 in [0, 1]."""
    check_fraction(test_fraction)
    data, target = read_digits()
    return make_dataset(data / 16.0, target, 10, "digits", test_fraction, np.random.default_rng(seed))

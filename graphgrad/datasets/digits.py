"""The scikit-learn 8x8 handwritten digits, plus the `Dataset` container and split shared by all loaders."""

from __future__ import annotations

from dataclasses import dataclass

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


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 1,797 real 8x8 digits shipped inside scikit-learn (no download), features pixel/16 in [0, 1]."""
    from sklearn.datasets import load_digits as sk_load_digits

    check_fraction(test_fraction)
    raw = sk_load_digits()
    x = raw.data.reshape(len(raw.data), 64) / 16.0
    return make_dataset(x, raw.target, 10, "digits", test_fraction, np.random.default_rng(seed))

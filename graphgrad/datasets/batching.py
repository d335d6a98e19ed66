"""Mini-batching with reproducible per-epoch shuffles.

The permutation of epoch `e` is a pure function of (seed, epoch), so a run resumed at epoch 7 sees
exactly the batches it would have seen without the interruption.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def _check(x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("x and y must be arrays with a leading sample axis, got a scalar")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples, got {len(x)} and {len(y)}")


def epoch_order(n: int, shuffle: bool, seed: int, epoch: int) -> np.ndarray:
    """The sample order of one epoch: identity, or a permutation seeded by (seed, epoch)."""
    if not shuffle:
        return np.arange(n)
    if seed < 0 or epoch < 0:
        raise ValueError(f"seed and epoch must be >= 0, got seed={seed!r}, epoch={epoch!r}")
    return np.random.default_rng([seed, epoch]).permutation(n)


def _iterate(x, y, batch_size, order, drop_last) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]


def batches(x, y, batch_size: int, shuffle: bool = True, seed: int = 0, epoch: int = 0,
            drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (xb, yb) mini-batches covering every sample once; the last one may be short unless drop_last.

    Arguments are checked eagerly, when `batches` is called, not at the first `next()`.
    """
    x, y = np.asarray(x), np.asarray(y)
    _check(x, y, batch_size)
    return _iterate(x, y, batch_size, epoch_order(len(x), shuffle, seed, epoch), drop_last)


class BatchIterator:
    """Batches of a fixed (x, y) over many epochs: `for xb, yb in it.epoch(i)`, `len(it)` batches each."""

    def __init__(self, x, y, batch_size: int, shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        self.x, self.y = np.asarray(x), np.asarray(y)
        _check(self.x, self.y, batch_size)
        self.batch_size, self.shuffle, self.seed, self.drop_last = batch_size, shuffle, seed, drop_last

    @property
    def num_samples(self) -> int:
        return len(self.x)

    def __len__(self) -> int:
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def epoch(self, i: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return batches(self.x, self.y, self.batch_size, self.shuffle, self.seed, i, self.drop_last)

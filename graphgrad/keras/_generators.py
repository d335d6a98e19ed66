"""Batches drawn from a `keras.utils.Sequence` or a Python generator, for `fit`/`evaluate`/`predict`."""
from __future__ import annotations

import math

import numpy as np

from .data_utils import Sequence


def is_generator_like(x):
    """A Sequence, or an iterator such as a generator or ImageDataGenerator.flow (not an array or a list)."""
    return isinstance(x, Sequence) or hasattr(x, "__next__") and not isinstance(x, np.ndarray)


def _split(item):
    """(inputs, targets) from one batch: `(x, y)`, `x` alone, or `(x,)`."""
    if not isinstance(item, tuple):
        return item, None
    if len(item) == 3:
        raise ValueError("graphgrad's fit takes no sample weights: a batch must be (x, y) or x, got (x, y, "
                         "sample_weight)")
    if len(item) not in (1, 2):
        raise ValueError(f"A batch must be (x, y) or x; got a tuple of {len(item)} items")
    return item[0], item[1] if len(item) == 2 else None


def check_steps(batches, arg_name, eager):
    """TF1's Keras needs the number of steps for a generator (a Sequence has its length); TF2's reads it out."""
    if isinstance(batches, GeneratedBatches) and batches.steps is None and not eager:
        raise ValueError(f"Please specify the number of steps via the `{arg_name}` argument.")


class GeneratedBatches:
    """`steps` batches per pass (a Sequence: all of them by default, in shuffled order with `shuffle`; a
    generator: `steps` items, or until it ends when `steps` is None). Items are (inputs list, targets, size).
    A generator's first item, read early to build the model, is kept for the first pass."""

    def __init__(self, data, steps, shuffle, arrays):
        self.data, self.shuffle, self.arrays, self.pending = data, shuffle, arrays, []
        self.steps = steps if steps is not None or not isinstance(data, Sequence) else len(data)

    def _item(self, raw):
        x, y = _split(raw)
        xs = self.arrays(x)
        return xs, None if y is None else np.asarray(y), len(xs[0])

    def first(self):
        if isinstance(self.data, Sequence):
            return self._item(self.data[0])
        if not self.pending:
            self.pending.append(self._item(next(self.data)))
        return self.pending[0]

    def __iter__(self):
        if isinstance(self.data, Sequence):
            order = np.random.permutation(len(self.data)) if self.shuffle else np.arange(len(self.data))
            for i in order[:math.ceil(self.steps)]:   # TF1 programs give len(x) / batch_size
                yield self._item(self.data[int(i)])
            return
        done = 0
        while self.steps is None or done < self.steps:
            if self.pending:
                yield self.pending.pop()
            else:
                try:
                    raw = next(self.data)
                except StopIteration:
                    return
                yield self._item(raw)
            done += 1

    def on_epoch_end(self):
        if isinstance(self.data, Sequence):
            self.data.on_epoch_end()

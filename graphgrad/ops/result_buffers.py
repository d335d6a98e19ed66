"""Result arrays a kernel writes into again on its next run once nothing else refers to them.

A large new array costs its page faults (the kernel writes every page once more than into an array it wrote
before): 40 MB of W5's patch matrix, 6.5 MB of W6's LSTM activations per step. A kernel keeps the arrays it
returned (per thread) and, on its next run, takes one back where only its own dict still refers to it: the plan
has dropped it (the gradient that read it has run) and nobody fetched or viewed it (a view keeps its base alive).
"""
from __future__ import annotations

import math
import sys
import threading
from collections import OrderedDict

import numpy as np

#: Larger buffers are not kept between calls: memory held while idle stays bounded.
KEEP_BYTES = 64 << 20
#: Eager results of at least this many bytes (a variable's read, a matrix product) are written into the array
#: returned last time once nothing refers to it (eager/variable.py, eager/context.py); smaller ones cost little.
EAGER_FROM = 1 << 20


def _refcount(d, key):
    return sys.getrefcount(d[key])


_ALONE = _refcount({"probe": np.empty(0)}, "probe")  # the count of an array only a dict refers to


def too_big_to_keep(shape, dtype) -> bool:
    return math.prod(shape) * np.dtype(dtype).itemsize > KEEP_BYTES


def recycled(bufs: dict, key, xp, shape, dtype, order="C"):
    """An array of `shape` for a result: `bufs[key]` (the one returned under `key` last time) when nothing else
    refers to it any more, else a new one, kept in `bufs` (up to KEEP_BYTES)."""
    if key in bufs and _refcount(bufs, key) == _ALONE:
        b = bufs[key]
        if b.shape == shape and b.dtype == dtype:
            return b
    b = xp.empty(shape, dtype, order=order)
    if too_big_to_keep(shape, dtype):
        bufs.pop(key, None)
    else:
        bufs[key] = b
    return b


class KeptResults:
    """`recycled` buffers for code that runs with varying keys (eager ops: one per op and input shapes), kept per
    thread and at most `limit` bytes in all: the least recently used go first, so a program that makes products
    of ever new shapes holds a bounded amount of memory between them."""

    def __init__(self, limit):
        self.limit = limit
        self._local = threading.local()

    def get(self, key, xp, shape, dtype):
        bufs = getattr(self._local, "bufs", None)
        if bufs is None:
            bufs = self._local.bufs = OrderedDict()
        b = recycled(bufs, key, xp, shape, dtype)
        if key in bufs:
            bufs.move_to_end(key)
            while len(bufs) > 1 and sum(a.nbytes for a in bufs.values()) > self.limit:
                bufs.popitem(last=False)
        return b

"""`Dataset.shuffle`'s order, exactly TensorFlow's: its Philox-4x32-10 generator, its seed generators and its
shuffle buffer (tensorflow/core/kernels/data/shuffle_dataset_op.cc, random_seed_ops.cc, lib/random/philox_random.h).

A seeded shuffle is part of what a TF1 program's results depend on (which examples land in which batch), so the
same seeds give TF's element order, checked against orders recorded under TensorFlow (tests/tf1_reference.json,
program `data_shuffle`).

- A pipeline instance (one run of an iterator's initializer) holds one *seed generator* per shuffle: with
  `reshuffle_each_iteration=True` a Philox stream seeded by the op's two seeds that gives each pass (each `repeat`
  epoch) two fresh seeds; with `False` the op's seeds every time. Re-initializing the iterator starts a new
  generator, so it repeats the first pass's order, as TensorFlow 2.x does.
- Each pass fills a buffer with `buffer_size` elements, then repeatedly draws `offset = philox() % n` among the n
  buffered ones (in arrival order), outputs that element, moves the oldest into its place and appends the next input.
"""
from __future__ import annotations

import numpy as np

from ..ops.philox import Philox


def _nondeterministic(seed, seed2):
    """TF's RandomSeeds: seeds (0, 0) (graphgrad: None) mean fresh random ones."""
    if seed is None or (seed | seed2) == 0:
        return tuple(int(x) for x in np.random.default_rng().integers(1, 2**63 - 1, size=2))
    return seed % 2**64, seed2 % 2**64


class SeedGenerator:
    """Seeds for each pass of one shuffle in one pipeline instance (TF's RandomSeedGenerator / FixedSeedGenerator)."""

    def __init__(self, seed, seed2, reshuffle_each_iteration):
        self._seeds = _nondeterministic(seed, seed2)
        self._stream = Philox(*self._seeds) if reshuffle_each_iteration else None

    def next_seeds(self):
        if self._stream is None:
            return self._seeds
        return self._stream(), self._stream()


def shuffled(elements, buffer_size, seeds):
    """The elements of the iterable `elements` in TF's shuffle order for one pass seeded by `seeds`."""
    draw = Philox(*seeds)
    upstream = iter(elements)
    ring = {}
    start = end = 0  # the buffered elements are ring[start % size], ..., ring[(end - 1) % size], oldest first
    for e in upstream:
        ring[end % buffer_size] = e
        end += 1
        if end == buffer_size:
            break
    while start < end:
        index = (start + draw() % (end - start)) % buffer_size
        first = start % buffer_size
        out = ring[index]
        oldest = ring.pop(first)
        if index != first:
            ring[index] = oldest
        start += 1
        yield out
        for e in upstream:
            ring[end % buffer_size] = e
            end += 1
            break

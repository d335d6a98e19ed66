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

_M32 = 0xFFFFFFFF
_BLOCKS = 64  # Philox blocks (4 samples each) computed per NumPy call


def _philox_blocks(counters, key):
    """Philox-4x32-10 of counters (uint64 arrays of the four 32-bit words) under `key` (two ints)."""
    c0, c1, c2, c3 = counters
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    m32, sh = np.uint64(_M32), np.uint64(32)
    for i in range(10):
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = (p1 >> sh) ^ c1 ^ k0, p1 & m32, (p0 >> sh) ^ c3 ^ k1, p0 & m32
        if i < 9:
            k0, k1 = (k0 + np.uint64(0x9E3779B9)) & m32, (k1 + np.uint64(0xBB67AE85)) & m32
    return np.stack([c0, c1, c2, c3], axis=1).ravel()


class Philox:
    """TF's `SingleSampleAdapter<PhiloxRandom>(seed, seed2)`: uint32 samples, four per counter value."""

    def __init__(self, seed: int, seed2: int):
        self._key = (seed & _M32, (seed >> 32) & _M32)
        self._counter = (seed2 & (2**64 - 1)) << 64  # the 128-bit counter: seed2 in its upper half
        self._samples = []

    def __call__(self) -> int:
        if not self._samples:
            n = [self._counter + i for i in range(_BLOCKS)]
            words = [np.array([(x >> s) & _M32 for x in n], np.uint64) for s in (0, 32, 64, 96)]
            self._counter += _BLOCKS
            self._samples = _philox_blocks(words, self._key).tolist()[::-1]
        return self._samples.pop()


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

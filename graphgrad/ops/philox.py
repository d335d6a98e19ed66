"""TensorFlow's Philox-4x32-10 generator (tensorflow/core/lib/random/philox_random.h, simple_philox.h), for the
kernels whose results TF1 programs see exactly: `Dataset.shuffle`'s order (data/shuffle.py) and the k-means
initializations (ops/clustering_ops.py). Same seed, same numbers as TensorFlow's CPU kernels."""
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

    def __init__(self, seed: int, seed2: int = 0):
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

    def copy(self) -> Philox:
        """An independent generator at this one's position (TF copies its PhiloxRandom by value)."""
        twin = Philox.__new__(Philox)
        twin._key, twin._counter, twin._samples = self._key, self._counter, list(self._samples)
        return twin

    def skip(self, blocks: int):
        """Move on by `blocks` counter values (4 samples each), dropping buffered samples (TF's Skip)."""
        self._counter += blocks
        self._samples = []


class SimplePhilox:
    """TF's `SimplePhilox(PhiloxRandom(seed, seed2))` (or over a given `Philox`): the draws of its clustering and
    bounding-box sampling kernels."""

    def __init__(self, seed: int, seed2: int = 0):
        self._draw = seed if isinstance(seed, Philox) else Philox(seed % 2**64, seed2 % 2**64)

    def rand_float(self) -> float:
        """Uniform in [0, 1): the low 23 bits as a float32 mantissa (TF's Uint32ToFloat)."""
        return np.float32((self._draw() & 0x7FFFFF) / 8388608.0)

    def uniform(self, n: int) -> int:
        """Uniform in [0, n) from 32-bit samples: masked for a power of two, else by rejection of the values
        below (2³² - 1) % n + 1, then % n (TF's ExactUniformInt)."""
        if n & (n - 1) == 0:
            return self._draw() & (n - 1) if n else 0
        rem = _M32 % n + 1
        r = self._draw()
        while r < rem:
            r = self._draw()
        return r % n

    def uniform64(self, n: int) -> int:
        """Rand64() % n, Rand64 being two samples, low word first."""
        lo, hi = self._draw(), self._draw()
        return (lo | hi << 32) % n if n else 0

"""TF's random distributions (tensorflow/core/lib/random/random_distributions.h) over counter-based Philox-4x32-10
streams, vectorized with NumPy: the draws of `tf.random.stateless_*` and `tf.random.Generator`, bit for bit what
TF's CPU kernels give for the same key and counter.

A stream is a key (two 32-bit words) and a 128-bit counter (a Python int); block `i` of it is Philox of
`counter + i`, four 32-bit samples. Distributions with a fixed number of samples per output (uniform, normal) read
the blocks in order; TF's variable-sample ones (truncated normal) give each group of outputs its own stretch of
blocks (256 samples per output), so a group's rejections never shift another's numbers. TF computes float32
normals with glibc's `logf`/`sinf`/`cosf` (`log`/`sin`/`cos` for float64), which are not correctly rounded:
they are called through ctypes (NumPy's would differ from TF in the last bit of about 1 % of the float32 values);
without glibc NumPy's float64 functions are used.
"""
from __future__ import annotations

import ctypes
import functools
import math

import numpy as np

from .philox import _philox_blocks

_M32 = 0xFFFFFFFF
_U64 = 2**64
SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)  # TF's GenerateKey: the key that turns a seed into key and counter
RESERVED = 256  # samples reserved per output by TF's variable-sample distributions


def counters(counter: int, offsets) -> tuple:
    """(low, high) uint64 halves of `counter + offsets` (offsets: a uint64 array), carrying as TF's Skip does."""
    lo0, hi0 = np.uint64(counter % _U64), np.uint64((counter >> 64) % _U64)
    lo = lo0 + offsets
    return lo, hi0 + (lo < lo0).astype(np.uint64)


def blocks_at(key, lo, hi) -> np.ndarray:
    """Philox under `key` of the counters (lo, hi): an array (len(lo), 4) of uint32 samples."""
    m, s = np.uint64(_M32), np.uint64(32)
    with np.errstate(over="ignore"):
        out = _philox_blocks([lo & m, lo >> s, hi & m, hi >> s], key)
    return out.astype(np.uint32).reshape(-1, 4)


def blocks(key, counter: int, n: int) -> np.ndarray:
    """The first `n` blocks of the stream (key, counter)."""
    return blocks_at(key, *counters(counter, np.arange(n, dtype=np.uint64)))


def seed_key_counter(seed0: int, seed1: int):
    """TF's GenerateKey: Philox of the seed's four words under SCRAMBLE_KEY gives the key (two words) and the
    counter's upper half (the lower half is 0); what `tf.random.stateless_*` and StatelessRandomGetKeyCounter do."""
    c = seed0 % _U64 | (seed1 % _U64) << 64
    mix = [int(v) for v in blocks(SCRAMBLE_KEY, c, 1)[0]]
    return (mix[0], mix[1]), (mix[2] | mix[3] << 32) << 64


def key_counter_from_words(key: int, counter_lo: int, counter_hi: int):
    """The stream of TF's V2 ops' `key` (uint64) and `counter` (two uint64)."""
    return (key % _U64 & _M32, (key % _U64) >> 32), counter_lo % _U64 | (counter_hi % _U64) << 64


def to_float(s) -> np.ndarray:
    """Uniform float32 in [0, 1) from the low 23 bits (TF's Uint32ToFloat)."""
    return ((s & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)


def to_double(x0, x1) -> np.ndarray:
    """Uniform float64 in [0, 1) from 20 bits of `x0` and all of `x1` (TF's Uint64ToDouble)."""
    man = (x0.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32) | x1.astype(np.uint64)
    return (man | np.uint64(1023 << 52)).view(np.float64) - 1.0


def _to_half(s) -> np.ndarray:
    """Uniform float16 in [0, 1) from the low 10 bits (TF's Uint16ToHalf)."""
    return ((s & np.uint32(0x3FF)) | np.uint32(15 << 10)).astype(np.uint16).view(np.float16) - np.float16(1)


def uniform(key, counter: int, n: int, dtype) -> np.ndarray:
    """StatelessRandomUniform's [0, 1): four float32/float16 or two float64 per block."""
    dt = np.dtype(dtype)
    if dt == np.float64:
        s = blocks(key, counter, (n + 1) // 2).reshape(-1, 2)
        return to_double(s[:, 0], s[:, 1])[:n]
    s = blocks(key, counter, (n + 3) // 4).reshape(-1)[:n]
    return _to_half(s) if dt == np.float16 else to_float(s).astype(dt, copy=False)


def _bits64(key, counter: int, n: int) -> np.ndarray:
    s = blocks(key, counter, (n + 1) // 2).reshape(-1, 2).astype(np.uint64)
    return (s[:, 0] | s[:, 1] << np.uint64(32))[:n]


def full_int(key, counter: int, n: int, dtype) -> np.ndarray:
    """StatelessRandomUniformFullInt: every bit random; 64-bit values take two samples, low word first."""
    dt = np.dtype(dtype)
    if dt.itemsize == 8:
        return _bits64(key, counter, n).view(dt)
    return blocks(key, counter, (n + 3) // 4).reshape(-1)[:n].view(dt)


def uniform_int(key, counter: int, n: int, lo: int, hi: int, dtype) -> np.ndarray:
    """StatelessRandomUniformInt: `lo + sample % (hi - lo)` (slightly biased, as TF's)."""
    dt = np.dtype(dtype)
    if dt.itemsize == 8:
        r = _bits64(key, counter, n) % np.uint64((hi - lo) % _U64)
        with np.errstate(over="ignore"):
            return (r + np.uint64(lo % _U64)).view(dt)
    s = blocks(key, counter, (n + 3) // 4).reshape(-1)[:n]
    r = (s % np.uint32((hi - lo) % 2**32)).astype(np.int64) + lo
    return r.astype(dt)


@functools.cache
def _libm():
    """glibc's math functions through ctypes, loaded on first use (None where there is no glibc)."""
    try:
        lib = ctypes.CDLL("libm.so.6")
    except OSError:
        return None
    fns = {}
    for name in ("logf", "sinf", "cosf", "log", "sin", "cos", "log1p", "pow"):
        t = ctypes.c_float if name.endswith("f") else ctypes.c_double
        f = getattr(lib, name)
        f.restype, f.argtypes = t, [t] * (2 if name == "pow" else 1)
        fns[name] = f
    return fns


def libm(name, *args) -> np.ndarray:
    """glibc's `name` (logf, sinf, cosf; log, sin, cos, log1p, pow) of each element, as TF's kernels compute it;
    without glibc, NumPy's float64 function (rounded to float32 for the float ones)."""
    dt = np.float32 if name.endswith("f") else np.float64
    args = np.broadcast_arrays(*args)
    fns = _libm()
    if fns is None or args[0].size == 0:
        fn = np.power if name == "pow" else getattr(np, name.rstrip("f"))
        return fn(*(x.astype(np.float64) for x in args)).astype(dt)
    return np.fromiter(map(fns[name], *(x.ravel().tolist() for x in args)), dt, args[0].size)


def box_muller_float(x0, x1):
    """TF's BoxMullerFloat: two float32 normals from two samples."""
    u1 = np.maximum(to_float(x0), np.float32(1e-7))
    v1 = (2 * math.pi * to_float(x1).astype(np.float64)).astype(np.float32)  # 2 * M_PI is a double
    u2 = np.sqrt(np.float32(-2) * libm("logf", u1))
    return libm("sinf", v1) * u2, libm("cosf", v1) * u2


def box_muller_double(s) -> tuple:
    """TF's BoxMullerDouble: two float64 normals from a block's four samples."""
    u1 = np.maximum(to_double(s[:, 0], s[:, 1]), 1e-7)
    v1 = 2 * math.pi * to_double(s[:, 2], s[:, 3])
    u2 = np.sqrt(-2.0 * libm("log", u1))
    return libm("sin", v1) * u2, libm("cos", v1) * u2


def _normal_candidates(s, dt):
    """The normals of blocks `s`, in TF's order: (rows, 2) float64 or (rows, 4) float32."""
    if dt == np.float64:
        return np.stack(box_muller_double(s), axis=1)
    a0, a1 = box_muller_float(s[:, 0], s[:, 1])
    b0, b1 = box_muller_float(s[:, 2], s[:, 3])
    return np.stack([a0, a1, b0, b1], axis=1)


def normal(key, counter: int, n: int, dtype) -> np.ndarray:
    """StatelessRandomNormal: Box-Muller, four float32 (float16 rounded from them) or two float64 per block."""
    dt = np.dtype(dtype)
    per = 2 if dt == np.float64 else 4
    s = blocks(key, counter, (n + per - 1) // per)
    return _normal_candidates(s, dt).reshape(-1)[:n].astype(dt, copy=False)


def truncated_normal(key, counter: int, n: int, dtype) -> np.ndarray:
    """StatelessTruncatedNormal: normals with |x| < 2, in groups of four (two for float64); group g reads its
    Box-Muller candidates from blocks 256·g, 256·g + 1, ... (128·g for float64) and keeps the first inside."""
    dt = np.dtype(dtype)
    size = 2 if dt == np.float64 else 4
    groups = (n + size - 1) // size
    out = np.zeros((groups, size), np.float64 if dt == np.float64 else np.float32)
    filled = np.zeros(groups, np.int64)
    base = np.arange(groups, dtype=np.uint64) * np.uint64(size * RESERVED // 4)
    step = 0
    while True:
        rows = np.flatnonzero(filled < size)
        if rows.size == 0:
            return out.reshape(-1)[:n].astype(dt, copy=False)
        cand = _normal_candidates(blocks_at(key, *counters(counter, base[rows] + np.uint64(step))), dt)
        ok = np.abs(cand) < 2
        pos = filled[rows, None] + np.cumsum(ok, axis=1) - 1
        take = ok & (pos < size)
        r, c = np.nonzero(take)
        out[rows[r], pos[r, c]] = cand[r, c]
        filled[rows] = np.minimum(filled[rows] + ok.sum(axis=1), size)
        step += 1


def rand_doubles(key, counter: int, n: int) -> np.ndarray:
    """`n` of SimplePhilox's RandDouble: each from two consecutive samples."""
    s = blocks(key, counter, (n + 1) // 2).reshape(-1, 2)
    return to_double(s[:, 0], s[:, 1])[:n]


def categorical(key, counter: int, logits: np.ndarray, num_samples: int) -> np.ndarray:
    """StatelessMultinomial (one shard: TF's CPU kernel on small inputs): row b's sample j is the upper bound of
    RandDouble number b·num_samples + j, times the row's total, in the cumulative sums of exp(logit - max), where
    infinite and NaN logits count for nothing."""
    lg = logits.astype(np.float64)
    b, k = lg.shape
    finite = np.isfinite(lg)
    top = np.where(finite, lg, float(np.finfo(logits.dtype).min)).max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.where(finite, np.exp(lg - top), 0.0)
    cdf = np.cumsum(e, axis=1)
    u = rand_doubles(key, counter, b * num_samples).reshape(b, num_samples) * cdf[:, -1:]
    out = np.empty((b, num_samples), np.int64)
    for i in range(b):
        out[i] = np.searchsorted(cdf[i], u[i], side="right")
    return out

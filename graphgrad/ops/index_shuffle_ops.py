"""`tf.random_index_shuffle` / `tf.random.experimental.index_shuffle`: where index i lands in a pseudorandom
permutation of [0, max_index] without building the permutation. TF's kernel (random_index_shuffle.cc): a Simon
block cipher of an even block size (the bits of max_index, at least 16) keyed by three 32-bit seed words,
`rounds` Feistel rounds, applied again until the value falls within [0, max_index] (cycle walking). Vectorized
over a batch of indices, seeds and bounds; the numbers are TF's."""
from __future__ import annotations

import math

import numpy as np

from ..framework import errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor

_Z = 0x7369F885192C0EF5


def _rot(x, r, w, mask, left=True):
    r = np.uint64(r)
    if left:
        return ((x << r) | (x >> np.uint64(w) - r)) & mask
    return ((x >> r) | (x << np.uint64(w) - r)) & mask


def _schedule(keys, rounds, w):
    """Round keys (rows, rounds) from keys (rows, 3), in w-bit words (TF's simon_key_schedule with bitsets)."""
    mask = np.uint64(2**w - 1)
    c, z = np.uint64(0xFFFFFFFC & (2**w - 1)), _Z & (2**w - 1)
    rk = [keys[:, i].astype(np.uint64) & mask for i in range(3)]
    for i in range(3, rounds):
        rk.append(c ^ np.uint64(z & 1) ^ rk[i - 3] ^ _rot(rk[i - 1], 3, w, mask, False)
                  ^ _rot(rk[i - 1], 4, w, mask, False))
        z >>= 1
    return rk


def _encrypt(value, rk, w):
    mask = np.uint64(2**w - 1)
    left, right = (value >> np.uint64(w)) & mask, value & mask

    def f(x):
        return (_rot(x, 1, w, mask) & _rot(x, 8, w, mask)) ^ _rot(x, 2, w, mask)
    for i in range(0, len(rk), 2):
        left = left ^ f(right) ^ rk[i]
        right = right ^ f(left) ^ rk[i + 1]
    return (left << np.uint64(w)) | right


def index_shuffle(index, keys, max_index, rounds):
    """New positions (uint64) of `index` (uint64, rows) under keys (rows, 3) and bounds `max_index` (rows)."""
    out = np.zeros(index.shape, np.uint64)
    blocks = np.array([max(int(math.ceil(math.log2(float(m)))) if m else 0, 0) for m in max_index.tolist()])
    blocks = np.maximum(blocks + blocks % 2, 16)
    for b in np.unique(blocks[max_index != 0]):
        rows = np.flatnonzero((blocks == b) & (max_index != 0))
        w = int(b) // 2 if b < 64 else 32
        rk = _schedule(keys[rows], rounds, w)
        v, active = index[rows].copy(), np.arange(rows.size)
        while active.size:
            v[active] = _encrypt(v[active], [k[active] for k in rk], w)
            active = active[v[active] > max_index[rows][active]]
        out[rows] = v
    return out


class RandomIndexShuffle(OpDef):
    """RandomIndexShuffle(index, seed [3] or [n, 3], max_index; rounds): index's position in the permutation."""

    type = "RandomIndexShuffle"
    host_kernel = True
    gradient = not_differentiable

    def infer(op):
        index, seed, top = op.inputs
        if index.dtype.base_dtype != top.dtype.base_dtype:
            raise TypeError(f"index and max_index must have the same dtype, got {index.dtype.base_dtype.name} and "
                            f"{top.dtype.base_dtype.name}")
        shapes = [static_shape(index), static_shape(seed), static_shape(top)]
        if shapes[1] is not None and (len(shapes[1]) not in (1, 2) or shapes[1][-1] not in (None, 3)):
            raise ValueError(f"seed must have shape [3] or [n, 3], not {seed.shape}")
        if rounds := op.attrs["rounds"]:
            if rounds < 4 or rounds % 2:
                raise ValueError(f"rounds must be an even integer >= 4, got {rounds}")
        if any(s is None for s in shapes):
            return [(None, index.dtype.base_dtype)]
        n = [s[0] for s, scalar in zip(shapes, (0, 1, 0)) if len(s) > scalar]
        return [((n[0],) if n else (), index.dtype.base_dtype)]

    def kernel(op, ctx):
        rounds, dt = op.attrs["rounds"], op.outputs[0].dtype.base_dtype.np

        def shuffle(index, seed, top):
            scalar = np.ndim(index) == 0 and np.ndim(seed) == 1 and np.ndim(top) == 0
            seed, idx, top = np.asarray(seed).reshape(-1, 3), np.reshape(index, -1), np.reshape(top, -1)
            n = max(idx.size, top.size, seed.shape[0])
            try:
                idx, top, seed = np.broadcast_to(idx, (n,)), np.broadcast_to(top, (n,)), np.broadcast_to(seed, (n, 3))
            except ValueError:
                raise op_error(errors.InvalidArgumentError, op, "index, seed and max_index must have the same "
                               "batch size or be scalars") from None
            keys = (seed.astype(np.int64) & 0xFFFFFFFF).astype(np.uint64)
            out = index_shuffle(idx.astype(np.uint64), keys, top.astype(np.uint64), rounds).astype(dt)
            return out[0] if scalar else out
        return shuffle


def random_index_shuffle(index, seed, max_index, rounds=4, name=None):
    """TF's raw `tf.random_index_shuffle`: `seed` holds three words (or n rows of them)."""
    index = convert_to_tensor(index, name="index")
    max_index = convert_to_tensor(max_index, dtype=index.dtype.base_dtype, name="max_index")
    seed = convert_to_tensor(seed, name="seed")
    return apply_op(RandomIndexShuffle, [index, seed, max_index], {"rounds": int(rounds)},
                    name or "RandomIndexShuffle")


def experimental_index_shuffle(index, seed, max_index):
    """`tf.random.experimental.index_shuffle`: `seed` of two words (or n rows), TF's constant 498247692 put first."""
    from .array_ops import pad

    seed = convert_to_tensor(seed, name="seed")
    rank = seed.shape.ndims
    seed = pad(seed, [[1, 0]] + [[0, 0]] * ((rank or 1) - 1), constant_values=498247692)
    return random_index_shuffle(index, seed, max_index, rounds=4)


__all__ = ["random_index_shuffle"]

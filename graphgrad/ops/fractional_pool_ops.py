"""`tf.nn.fractional_max_pool` / `fractional_avg_pool` (Graham, 2015; TF's FractionalMaxPool, FractionalAvgPool
and their Grad ops): pooling by a non-integer ratio over rows and columns of NHWC input, in regions whose
boundaries (the row and column pooling sequences, also returned) TF draws at random.

The sequences are TF's for the same `seed` and `seed2`: a Philox generator seeded with them per run (TF's
GuardedPhiloxRandom in each Compute), the rows' sequence drawn before the columns'. "Random" shuffles the region
lengths (k or k + 1) with TF's RandomShuffle; "pseudo random" takes a_i = ceil(alpha·(i + u)) from one uniform
double u. With both seeds 0, TF seeds from the clock: so does graphgrad (other numbers than TF's, as TF's differ
from run to run). With `overlapping`, a region also takes the boundary row and column of the next one. Max and
average are taken over rows, then columns (both separate). The gradients are TF's: the max pool's goes to the
first maximum of each region in row-major order, the average pool's is spread over each region; TF registers no
gradients for the Grad ops, so neither does graphgrad.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .philox import Philox


def _reserve(gen, samples):
    """TF's GuardedPhiloxRandom::ReserveSamples32: a copy of the generator here, the generator moved past them."""
    local = gen.copy()
    gen.skip((samples + 3) // 4)
    return local


def _rand_double(draw):
    """TF's SimplePhilox::RandDouble: 52 mantissa bits from two samples, in [0, 1)."""
    hi, lo = draw() & 0xFFFFF, draw()
    return float(np.frombuffer(np.uint64((1023 << 52) | (hi << 32) | lo).tobytes(), np.float64)[0]) - 1.0


def pooling_sequence(n_in, n_out, gen, pseudo_random):
    """The cumulative boundaries [0, ..., n_in] (n_out + 1 of them) of TF's GeneratePoolingSequence."""
    if n_in % n_out == 0:
        diff = [n_in // n_out] * n_out
    elif pseudo_random:
        alpha, k = n_in / n_out, n_in // n_out
        max_u = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
        u = _rand_double(_reserve(gen, 2)) * max_u
        cum = [1] + [int(math.ceil(alpha * (i + u))) for i in range(1, n_out)] + [n_in + 1]
        diff = [cum[i + 1] - cum[i] for i in range(n_out)]
    else:
        k, extra = divmod(n_in, n_out)
        diff = [k + 1] * extra + [k] * (n_out - extra)
        draw = _reserve(gen, n_out)
        for i in range(n_out - 1):  # TF's RandomShuffle with uniform(n) = sample % n
            j = i + draw() % (n_out - i)
            diff[i], diff[j] = diff[j], diff[i]
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


def _regions(seq, n, overlapping):
    """(start, stop) of each region along one axis."""
    return [(int(a), min(int(b) + (1 if overlapping else 0), n)) for a, b in zip(seq[:-1], seq[1:])]


def _check_ratio(op):
    r = op.attrs["pooling_ratio"]
    if len(r) != 4 or r[0] != 1.0 or r[3] != 1.0:
        raise ValueError("Only pooling in the rows and columns is supported: pooling_ratio must be "
                         f"[1.0, row, col, 1.0], got {list(r)}")


def _out_size(n, ratio):
    return None if n is None else int(n / ratio)


class FractionalMaxPool(OpDef):
    type = "FractionalMaxPool"
    reduce = "max"

    def infer(op):
        x = op.inputs[0]
        _check_ratio(op)
        s = static_shape(x)
        if s is not None and len(s) != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {len(s)} for '{op.name}' (op: '{op.type}')")
        r = op.attrs["pooling_ratio"]
        out = None if s is None else (s[0], _out_size(s[1], r[1]), _out_size(s[2], r[2]), s[3])
        rows = None if s is None else (None if out[1] is None else out[1] + 1,)
        cols = None if s is None else (None if out[2] is None else out[2] + 1,)
        return [(out, x.dtype.base_dtype), (rows, dtypes.int64), (cols, dtypes.int64)]

    def kernel(op, ctx):
        xp, a = ctx.xp, op.attrs
        ratio, pseudo, overlap = a["pooling_ratio"], a["pseudo_random"], a["overlapping"]
        seeds = (a["seed"], a["seed2"])
        reduce_ = op.op_def.reduce

        def fractional_pool(x):
            n_h, n_w = x.shape[1], x.shape[2]
            o_h, o_w = int(n_h / ratio[1]), int(n_w / ratio[2])
            if o_h <= 0 or o_w <= 0:
                raise ValueError(f"output size must be positive, got [{o_h}, {o_w}] from input [{n_h}, {n_w}]")
            seed, seed2 = seeds if any(seeds) else (int(np.random.randint(1, 2**62)), int(np.random.randint(2**62)))
            gen = Philox(seed % 2**64, seed2 % 2**64)
            rows = pooling_sequence(n_h, o_h, gen, pseudo)
            cols = pooling_sequence(n_w, o_w, gen, pseudo)
            fn = xp.max if reduce_ == "max" else xp.mean
            by_rows = xp.stack([fn(x[:, a_:b], axis=1) for a_, b in _regions(rows, n_h, overlap)], axis=1)
            out = xp.stack([fn(by_rows[:, :, a_:b], axis=2) for a_, b in _regions(cols, n_w, overlap)], axis=2)
            return out, ctx.to_device(rows), ctx.to_device(cols)
        return fractional_pool

    def gradient(op, dy, _drows=None, _dcols=None):
        x, (y, rows, cols) = op.inputs[0], op.outputs
        return [apply_op(FractionalMaxPoolGrad, [x, y, dy, rows, cols], {"overlapping": op.attrs["overlapping"]},
                         "FractionalMaxPoolGrad")]


class FractionalAvgPool(FractionalMaxPool):
    type, reduce = "FractionalAvgPool", "mean"

    def gradient(op, dy, _drows=None, _dcols=None):
        x, (_, rows, cols) = op.inputs[0], op.outputs
        return [apply_op(FractionalAvgPoolGrad, [x, dy, rows, cols], {"overlapping": op.attrs["overlapping"]},
                         "FractionalAvgPoolGrad")]


class FractionalMaxPoolGrad(OpDef):
    """dy sent to the first maximum (row-major) of each region of the input."""

    type = "FractionalMaxPoolGrad"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host, overlap = ctx.xp, ctx.to_host, op.attrs["overlapping"]

        def fractional_max_pool_grad(x, y, dy, rows, cols):
            b, _, _, c = x.shape
            dx = xp.zeros_like(x)
            bi, ci = xp.arange(b)[:, None], xp.arange(c)[None, :]
            row_regions = _regions(np.asarray(to_host(rows)), x.shape[1], overlap)
            col_regions = _regions(np.asarray(to_host(cols)), x.shape[2], overlap)
            for i, (r0, r1) in enumerate(row_regions):
                for j, (c0, c1) in enumerate(col_regions):
                    region = x[:, r0:r1, c0:c1, :].reshape(b, -1, c)
                    k = xp.argmax(region, axis=1)  # the first maximum, row-major
                    w = c1 - c0
                    dx[bi, r0 + k // w, c0 + k % w, ci] += dy[:, i, j, :]
            return dx
        return fractional_max_pool_grad


class FractionalAvgPoolGrad(OpDef):
    """dy spread evenly over each region (input 0 is read for its shape only)."""

    type = "FractionalAvgPoolGrad"
    gradient = not_differentiable
    shape_only_inputs = (0,)
    infer = FractionalMaxPoolGrad.infer

    def kernel(op, ctx):
        xp, to_host, overlap = ctx.xp, ctx.to_host, op.attrs["overlapping"]

        def fractional_avg_pool_grad(x, dy, rows, cols):
            dx = xp.zeros(x.shape, dy.dtype)
            row_regions = _regions(np.asarray(to_host(rows)), x.shape[1], overlap)
            col_regions = _regions(np.asarray(to_host(cols)), x.shape[2], overlap)
            for i, (r0, r1) in enumerate(row_regions):
                for j, (c0, c1) in enumerate(col_regions):
                    dx[:, r0:r1, c0:c1, :] += (dy[:, i, j, :] / ((r1 - r0) * (c1 - c0)))[:, None, None, :]
            return dx
        return fractional_avg_pool_grad


def _fractional(op_def, value, pooling_ratio, pseudo_random, overlapping, deterministic, seed, seed2, name):
    ratio = tuple(float(r) for r in pooling_ratio)
    if not deterministic and (seed or seed2):
        raise ValueError("Both seed and seed2 should be 0 if deterministic is false.")
    attrs = {"pooling_ratio": ratio, "pseudo_random": bool(pseudo_random), "overlapping": bool(overlapping),
             "seed": int(seed), "seed2": int(seed2)}
    out = apply_op(op_def, [convert_to_tensor(value, name="value")], attrs, name or op_def.type)
    return tuple(out)


def fractional_max_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, deterministic=False, seed=0,
                        seed2=0, name=None):
    """(output, row_pooling_sequence, col_pooling_sequence): max pooling by the ratios [1, rows, cols, 1]."""
    return _fractional(FractionalMaxPool, value, pooling_ratio, pseudo_random, overlapping, deterministic, seed,
                       seed2, name)


def fractional_avg_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, deterministic=False, seed=0,
                        seed2=0, name=None):
    """(output, row_pooling_sequence, col_pooling_sequence): average pooling by the ratios [1, rows, cols, 1]."""
    return _fractional(FractionalAvgPool, value, pooling_ratio, pseudo_random, overlapping, deterministic, seed,
                       seed2, name)


__all__ = ["fractional_max_pool", "fractional_avg_pool"]

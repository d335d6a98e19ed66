"""`add_rows(xp, out, ids, rows)`: out[ids[i]] += rows[i] for every i, repeated ids adding up: the scatter-add of
`tf.unsorted_segment_sum` and `tf.scatter_add` / `scatter_sub`. On NumPy the rows are sorted by id (stably) and
each run summed by `add.reduceat`, the same sums in the same order as `add.at` and faster on wide rows (k-means's
full-batch step, 784-wide points per cluster: 1.8x, bench/kmeans.py); other array modules (CuPy) use their own
`add.at`, an atomic scatter-add, rather than rely on `reduceat`.

`reduce_rows(ctx, ufunc, out, ids, rows)` sets out[s] to the reduction (add, maximum, minimum, multiply) of the
rows with id s, for the segment ops: `reduceat` on NumPy; elsewhere one assignment per rank within a segment (the
k-th rows of all segments at once: ids unique in each step, so no atomics are needed, and CuPy has no
`multiply.at`)."""
from __future__ import annotations

import numpy as np


def add_rows(xp, out, ids, rows):
    if len(ids) == 0:
        return
    if xp is not np:
        xp.add.at(out, ids, rows)
        return
    order = np.argsort(ids, kind="stable")
    ids, rows = ids[order], rows[order]
    starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
    out[ids[starts]] += np.add.reduceat(rows, starts, axis=0)


def reduce_rows(ctx, ufunc, out, ids, rows):
    """out[s] = ufunc's reduction of rows[ids == s] for each id s present in the host array `ids`; other rows of
    `out` keep their value."""
    if len(ids) == 0:
        return
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
    if ctx.xp is np:
        out[ids[starts]] = getattr(np, ufunc).reduceat(rows[order], starts, axis=0)
        return
    f, to_dev = getattr(ctx.xp, ufunc), ctx.to_device
    rank = np.arange(len(ids)) - np.repeat(starts, np.diff(np.append(starts, len(ids))))
    for k in range(int(rank.max()) + 1):
        pick = rank == k
        dst, src = to_dev(ids[pick]), rows[to_dev(order[pick])]
        out[dst] = src if k == 0 else f(out[dst], src)

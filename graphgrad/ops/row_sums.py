"""Rows combined by id, for the segment and scatter ops.

`add_rows(xp, out, ids, rows)`: out[ids[i]] += rows[i] for every i, repeated ids adding up: the scatter-add of
`tf.unsorted_segment_sum` and `tf.scatter_add` / `scatter_sub`. `reduce_rows(ctx, ufunc, out, ids, rows)` sets
out[s] to the reduction (add, maximum, minimum, multiply) of the rows with id s, for the segment reductions.

On NumPy the rows are grouped by id (a stable sort, skipped when the ids are sorted already) and each group is
reduced in the same order as `ufunc.at` would: by `ufunc.reduceat` when groups are long (k-means's full-batch
step, 784-wide points per cluster: 1.8x faster than `add.at`, bench/kmeans.py), and when they are short (a graph
net's 10 edges per node) by one vectorized step per position within a group: the k-th rows of all groups at
once, whose ids are distinct, so plain fancy indexing does it (reduceat's per-group overhead made it 4-6x slower
there, bench/segments.py). Other array modules (CuPy) add with their own atomic `add.at` and reduce by positions,
which needs no atomics (CuPy has no `multiply.at`)."""
from __future__ import annotations

import numpy as np

#: Groups at most this long are reduced position by position, longer ones by `reduceat`.
SHORT = 64


class _Groups:
    """Host ids grouped: `order` (None when already sorted), the sorted ids, where each group starts, and each
    position-within-group's rows (as positions in sorted order), computed when first asked for."""

    def __init__(self, ids):
        self.order = None if len(ids) < 2 or bool(np.all(ids[1:] >= ids[:-1])) else np.argsort(ids, kind="stable")
        self.ids = ids if self.order is None else ids[self.order]
        self.starts = np.flatnonzero(np.concatenate([[True], self.ids[1:] != self.ids[:-1]]))
        self.lengths = np.diff(np.append(self.starts, len(self.ids)))

    def sorted_rows(self, rows, to_device):
        return rows if self.order is None else rows[to_device(self.order)]

    def by_position(self):
        """[(ids, positions in sorted order)] for each position k within a group: k = 0 first."""
        rank = np.arange(len(self.ids)) - np.repeat(self.starts, self.lengths)
        at = np.argsort(rank, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(rank))])
        return [(self.ids[at[a:b]], at[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def _combine(xp, to_device, ufunc, out, groups, rows, assign):
    """out[id] = (assign: the group's reduction; else out[id] combined with it) for each group."""
    rows = groups.sorted_rows(rows, to_device)
    if xp is np and groups.lengths.max() > SHORT:
        red = getattr(np, ufunc).reduceat(rows, groups.starts, axis=0)
        dst = groups.ids[groups.starts]
        out[dst] = red if assign else getattr(np, ufunc)(out[dst], red)
        return
    f = getattr(xp, ufunc)
    for k, (ids, at) in enumerate(groups.by_position()):
        dst, src = to_device(ids), rows[to_device(at)]
        out[dst] = src if assign and k == 0 else f(out[dst], src)


def add_rows(xp, out, ids, rows):
    if len(ids) == 0:
        return
    if xp is not np:
        xp.add.at(out, ids, rows)
        return
    _combine(np, lambda a: a, "add", out, _Groups(ids), rows, assign=False)


def reduce_rows(ctx, ufunc, out, ids, rows):
    """out[s] = ufunc's reduction of rows[ids == s] for each id s present in the host array `ids`; other rows of
    `out` keep their value."""
    if len(ids):
        _combine(ctx.xp, ctx.to_device, ufunc, out, _Groups(ids), rows, assign=True)

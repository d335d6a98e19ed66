"""Rows combined by id, for the segment and scatter ops.

`add_rows(xp, out, ids, rows)`: out[ids[i]] += rows[i] for every i, repeated ids adding up: the scatter-add of
`tf.unsorted_segment_sum` and `tf.scatter_add` / `scatter_sub`. `reduce_rows(ctx, ufunc, out, ids, rows)` sets
out[s] to the reduction (add, maximum, minimum, multiply) of the rows with id s, for the segment reductions.

On NumPy the rows are grouped by id (a stable sort, skipped when the ids are sorted already) and each group is
reduced: when groups are long, by one `ufunc.reduce` per group over rows of 32 elements or more (row after row, in
`ufunc.at`'s order; k-means's full-batch step, 784-wide points per cluster, 16x faster than `reduceat`, which
walks each column down the rows), by `ufunc.reduceat` over narrower rows; and when they are short (a graph
net's 10 edges per node) by one vectorized step per position within a group: the k-th rows of all groups at
once, combined into a buffer of the groups' results that is written to `out` once at the end (groups longest
first, so the groups still going at step k are a prefix of the buffer: a slice, updated in place). reduceat's
per-group overhead made it 4-6x slower there (bench/segments.py). Other array modules (CuPy) add with their own
atomic `add.at` and reduce by positions, which needs no atomics (CuPy has no `multiply.at`).

`scatter_rows(ctx, kind, out, ids, rows)` applies one of the scatter ops' updates (assign, add, subtract, multiply,
divide, minimum, maximum) to rows of `out` in place, on top of the two.

`stable_order(ids)` is the stable argsort of host integer ids that these groupings (and `tf.unique`, the sparse
updates' rounds) are built on: NumPy's stable sort of int64 is a merge sort, 11x slower on 7,680 ids than its
radix sort of the same ids as uint16, which it uses when they span fewer than 65,536 values; wider ids are
sorted as distinct keys id·n + position by the (unstable, 5x faster) quicksort, which keeps equal ids in order."""
from __future__ import annotations

import numpy as np

#: Groups at most this long are reduced position by position, longer ones by `reduceat`, or one reduction per
#: group where rows have WIDE elements or more and there are at most WIDE_GROUPS groups.
SHORT = 64
WIDE = 32
WIDE_GROUPS = 4096
#: The most bytes of rows `_fold_groups` gathers at once.
FOLD_BYTES = 4 << 20


def stable_order(ids):
    """np.argsort(ids, kind="stable") of a 1-D host array, faster for integers (see the module's docstring)."""
    n = len(ids)
    if n < 2 or ids.dtype.kind not in "iu":
        return np.argsort(ids, kind="stable")
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo < 1 << 16:
        return np.argsort((ids if lo >= 0 and hi < 1 << 16 else ids.astype(np.int64) - lo).astype(np.uint16),
                          kind="stable")
    if (hi - lo + 1) * n < 1 << 62:
        return np.argsort((ids.astype(np.int64) - lo) * n + np.arange(n))
    return np.argsort(ids, kind="stable")


class _Groups:
    """Host ids grouped: `order` (None when already sorted), the sorted ids, where each group starts and how long
    it is."""

    def __init__(self, ids):
        self.order = None if len(ids) < 2 or bool(np.all(ids[1:] >= ids[:-1])) else stable_order(ids)
        self.ids = ids if self.order is None else ids[self.order]
        self.starts = np.flatnonzero(np.concatenate([[True], self.ids[1:] != self.ids[:-1]]))
        self.lengths = np.diff(np.append(self.starts, len(self.ids)))

    def sorted_rows(self, rows, to_device):
        return rows if self.order is None else rows[to_device(self.order)]


def _combine(xp, to_device, ufunc, out, groups, rows, assign):
    """out[id] = (assign: the group's reduction; else out[id] combined with it) for each group."""
    if xp is np and groups.lengths.max() > SHORT:
        f, dst = getattr(np, ufunc), groups.ids[groups.starts]
        if rows[:1].size >= WIDE and len(dst) <= WIDE_GROUPS:
            for d, red in zip(dst, _fold_groups(f, rows, groups)):
                out[d] = red if assign else f(out[d], red)
            return
        rows = groups.sorted_rows(rows, to_device)
        red = f.reduceat(rows, groups.starts, axis=0)
        out[dst] = red if assign else f(out[dst], red)
        return
    f = getattr(xp, ufunc)
    by_length = stable_order(groups.lengths.max() - groups.lengths)  # longest groups first
    starts, lengths = groups.starts[by_length], groups.lengths[by_length]
    live = np.searchsorted(-lengths, -np.arange(lengths[0]), side="left")  # groups longer than k, for each k

    def kth(k):  # the k-th row of each live group
        at = starts[:live[k]] + k
        return rows[to_device(at if groups.order is None else groups.order[at])]
    dst = to_device(groups.ids[starts])
    acc = kth(0) if assign else f(out[dst], kth(0))
    for k in range(1, len(live)):
        f(acc[:live[k]], kth(k), out=acc[:live[k]])
    out[dst] = acc


def _fold_groups(f, rows, groups):
    """Each group's rows (NumPy) combined by `f` row after row in their order (a left fold), one group after the
    other: a `reduce` over contiguous columns, where reduceat walks each column down the rows (k-means's 55,000 x
    784 points in 25 clusters: 223 -> 14 ms). Unsorted ids gather a group's rows into one buffer of at most
    FOLD_BYTES at a time, the fold so far in its first row, instead of sorting all the rows into a new array (172 MB
    there, its fresh pages most of the step)."""
    ends = groups.starts + groups.lengths
    if groups.order is None:
        for a, b in zip(groups.starts, ends):
            yield f.reduce(rows[a:b], axis=0)
        return
    per = max(1, FOLD_BYTES // max(1, rows[:1].nbytes))
    buf = np.empty((min(per, int(groups.lengths.max())) + 1, *rows.shape[1:]), rows.dtype)
    for a, b in zip(groups.starts, ends):
        acc = None
        for i in range(a, b, per):
            idx = groups.order[i:min(b, i + per)]
            if acc is None:
                np.take(rows, idx, axis=0, out=buf[:len(idx)])
                acc = f.reduce(buf[:len(idx)], axis=0)
            else:
                buf[0] = acc
                np.take(rows, idx, axis=0, out=buf[1:len(idx) + 1])
                acc = f.reduce(buf[:len(idx) + 1], axis=0)
        yield acc


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


def scatter_rows(ctx, kind, out, ids, rows):
    """out[ids[i]] combined with rows[i] in place, `ids` a host int array, for the scatter ops: "update" (with
    repeated ids, the last row wins as NumPy's assignment makes it), "add", "sub", "mul", "min", "max" (repeated ids
    applied one after the other, as TF's kernels apply them) or "div" (each row divided by the product of its ids'
    rows: TF's repeated divisions up to rounding)."""
    if len(ids) == 0:
        return
    xp = ctx.xp
    if kind == "update":
        out[ctx.to_device(ids)] = rows
    elif kind in ("add", "sub"):
        add_rows(xp, out, ids if xp is np else ctx.to_device(ids), rows if kind == "add" else -rows)
    elif kind == "div":
        uniq, inverse = np.unique(ids, return_inverse=True)
        prod = xp.ones((len(uniq),) + out.shape[1:], out.dtype)
        reduce_rows(ctx, "multiply", prod, inverse.ravel(), rows)
        dst = ctx.to_device(uniq)
        out[dst] = (out[dst] / prod).astype(out.dtype, copy=False)
    else:
        ufunc = {"mul": "multiply", "min": "minimum", "max": "maximum"}[kind]
        _combine(xp, ctx.to_device, ufunc, out, _Groups(ids), rows, assign=False)

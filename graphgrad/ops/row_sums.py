"""`add_rows(xp, out, ids, rows)`: out[ids[i]] += rows[i] for every i, repeated ids adding up: the scatter-add of
`tf.unsorted_segment_sum` and `tf.scatter_add` / `scatter_sub`. On NumPy the rows are sorted by id (stably) and
each run summed by `add.reduceat`, the same sums in the same order as `add.at` and faster on wide rows (k-means's
full-batch step, 784-wide points per cluster: 1.8x, bench/kmeans.py); other array modules (CuPy) use their own
`add.at`, an atomic scatter-add, rather than rely on `reduceat`."""
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

"""The statistics a tree's leaves collect until they split (TF v4's FertileStatsResource with the dense Gini or
least-squares grow stats), in NumPy arrays one batch updates at once.

Every leaf is fertile and owns one slot. A slot first fills its `num_splits_to_consider` candidate splits, one
per sample that reaches it: a random feature and that sample's value of it as the threshold (those samples are
not counted). Then each sample adds its weight to the slot's total class counts and, for every candidate it goes
left of, to that candidate's left counts (regression: sums and sums of squares of the targets, and counts). A leaf
is finished once it has seen `split_after_samples` weight (and two classes, for classification); it then splits on
the candidate with the lowest weighted smoothed Gini impurity of its two sides, or lowest summed variance, among
those that send samples both ways: TF's `WeightedSmoothedGini(sum, square, C) = sum·(1 - (square + 2·sum + C) /
(sum + C)²)`, Laplace-smoothed class counts.
"""
from __future__ import annotations

import numpy as np

#: The arrays of a slot; the first row is each one's name, then per mode the arrays of the statistics.
COMMON = ("depth", "n_cands", "features", "thresholds", "weight")
GINI = ("total", "left")
LEAST_SQUARES = ("total_sum", "total_square", "left_sum", "left_square", "left_count")


def weighted_smoothed_gini(sums, squares, num_classes):
    """TF's WeightedSmoothedGini, elementwise in float32."""
    sums = sums.astype(np.float32)
    smoothed = sums + np.float32(num_classes)
    return sums * (np.float32(1) - (squares + 2 * sums + np.float32(num_classes)) / (smoothed * smoothed))


class FertileStats:
    def __init__(self, num_outputs, num_features, num_splits, split_after_samples, regression, strict=False):
        self.c, self.f, self.k = num_outputs, num_features, num_splits
        self.split_after = split_after_samples
        self.regression, self.strict = regression, strict
        self.names = COMMON + (LEAST_SQUARES if regression else GINI)
        self.slot_of = {}          # leaf node id -> slot
        self.free = []
        self.capacity = 0
        self._reserve(1)
        self.allocate(0, 0)

    def _shape(self, name, n):
        k, c = self.k, self.c
        return {"features": (n, k), "thresholds": (n, k), "total": (n, c), "left": (n, k, c), "total_sum": (n, c),
                "total_square": (n, c), "left_sum": (n, k, c), "left_square": (n, k, c),
                "left_count": (n, k)}.get(name, (n,))

    def _dtype(self, name):
        return np.int32 if name in ("depth", "n_cands", "features") else np.float32

    def _reserve(self, n):
        if n <= self.capacity:
            return
        new = max(n, 2 * self.capacity, 8)
        for name in self.names:
            grown = np.zeros(self._shape(name, new), self._dtype(name))
            if self.capacity:
                grown[:self.capacity] = getattr(self, name)
            setattr(self, name, grown)
        self.free.extend(range(new - 1, self.capacity - 1, -1))
        self.capacity = new

    def allocate(self, node, depth):
        """Give the new leaf `node` an empty slot."""
        if not self.free:
            self._reserve(self.capacity + 1)
        slot = self.free.pop()
        self.slot_of[node] = slot
        self.clear(slot)
        self.depth[slot] = depth

    def clear(self, slot):
        for name in self.names:
            if name != "depth":
                getattr(self, name)[slot] = 0

    def release(self, node):
        self.free.append(self.slot_of.pop(node))

    # --- one batch ----------------------------------------------------------------------------------------------
    def process(self, x, labels, weights, leaves, rng):
        """Add the batch (rows of `x` with their labels and weights, the leaves they reached, in order) to the
        slots; returns the ids of the leaves now finished, ascending."""
        if not len(leaves):
            return np.zeros(0, np.int32)
        slot_of = self.slot_of
        reached, where = np.unique(leaves, return_inverse=True)
        slots = np.array([slot_of[n] for n in reached.tolist()], np.int64)[where]
        order = np.argsort(slots, kind="stable")
        ordered = slots[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        rank = np.empty(len(slots), np.int64)
        rank[order] = np.arange(len(slots)) - np.repeat(starts, np.diff(np.r_[starts, len(slots)]))
        need = np.where(self.weight[slots] > 0, 0, self.k - self.n_cands[slots])
        seeds = np.flatnonzero(rank < need)
        if seeds.size:  # the first samples to reach an unfilled slot become its candidate splits
            s = slots[seeds]
            at = self.n_cands[s] + rank[seeds]
            feats = rng.integers(0, x.shape[1], seeds.size)  # the tree's columns (fewer with feature bagging)
            self.features[s, at] = feats
            self.thresholds[s, at] = x[seeds, feats]
            np.add.at(self.n_cands, s, 1)
        rows = np.flatnonzero(rank >= need)
        if rows.size:
            s = slots[rows]
            values = x[rows[:, None], self.features[s]]
            go_left = values < self.thresholds[s] if self.strict else values <= self.thresholds[s]
            (self._add_least_squares if self.regression else self._add_gini)(s, go_left, labels[rows],
                                                                             weights[rows])
        touched = np.unique(slots)
        done = self.weight[touched] >= self.split_after
        if not self.regression:
            done &= np.count_nonzero(self.total[touched] > 0, axis=1) >= 2
        nodes = {slot: node for node, slot in slot_of.items()}
        return np.sort(np.array([nodes[s] for s in touched[done]], np.int32))

    def _sum_into(self, array, index, values):
        """array.flat[index] += values, summing repeated indices (one bincount)."""
        array += np.bincount(index.ravel(), values.ravel(), minlength=array.size).reshape(array.shape).astype(
            array.dtype)

    def _add_gini(self, s, go_left, labels, w):
        c, k = self.c, self.k
        cls = labels.astype(np.int64)
        self._sum_into(self.weight, s, w)
        self._sum_into(self.total, s * c + cls, w)
        index = (s[:, None] * k + np.arange(k)) * c + cls[:, None]
        self._sum_into(self.left, index, w[:, None] * go_left)

    def _add_least_squares(self, s, go_left, y, w):
        c, k = self.c, self.k
        y = y.reshape(len(s), c).astype(np.float32)
        self._sum_into(self.weight, s, np.ones(len(s), np.float32))  # TF counts samples here, not weights
        out = s[:, None] * c + np.arange(c)
        self._sum_into(self.total_sum, out, y)
        self._sum_into(self.total_square, out, y * y)
        cand = s[:, None] * k + np.arange(k)
        self._sum_into(self.left_count, cand, go_left.astype(np.float32))
        index = cand[:, :, None] * c + np.arange(c)
        self._sum_into(self.left_sum, index, go_left[:, :, None] * y[:, None, :])
        self._sum_into(self.left_square, index, go_left[:, :, None] * (y * y)[:, None, :])

    # --- choosing a split -----------------------------------------------------------------------------------------
    def best_split(self, node):
        """(feature, threshold, left model, right model) of the leaf's best candidate, or None when no candidate
        sends samples both ways."""
        slot = self.slot_of[node]
        n = self.n_cands[slot]
        if self.regression:
            lc = self.left_count[slot, :n]
            rc = self.weight[slot] - lc
            valid = (lc > 0) & (rc > 0)
            if not valid.any():
                return None
            lc1, rc1 = np.where(valid, lc, 1)[:, None], np.where(valid, rc, 1)[:, None]
            ls, lq = self.left_sum[slot, :n], self.left_square[slot, :n]
            rs, rq = self.total_sum[slot] - ls, self.total_square[slot] - lq
            score = ((lq / lc1 - (ls / lc1) ** 2) + (rq / rc1 - (rs / rc1) ** 2)).sum(1)
            j = int(np.argmin(np.where(valid, score, np.inf)))
            return self.features[slot, j], self.thresholds[slot, j], ls[j] / lc1[j], rs[j] / rc1[j]
        left = self.left[slot, :n]
        right = self.total[slot] - left
        ls, rs = left.sum(1), right.sum(1)
        valid = (ls > 0) & (rs > 0)
        if not valid.any():
            return None
        score = (weighted_smoothed_gini(ls, (left * left).sum(1), self.c)
                 + weighted_smoothed_gini(rs, (right * right).sum(1), self.c))
        j = int(np.argmin(np.where(valid, score, np.inf)))
        return self.features[slot, j], self.thresholds[slot, j], left[j], right[j]

    # --- checkpoints ------------------------------------------------------------------------------------------
    def arrays(self, with_stats):
        """The fertile leaves (ids, ascending) and, with `with_stats` (checkpoint_stats), their slots' arrays."""
        nodes = np.array(sorted(self.slot_of), np.int32)
        slots = np.array([self.slot_of[n] for n in nodes], np.int64)
        names = self.names if with_stats else ("depth",)
        return [nodes] + [getattr(self, name)[slots].copy() for name in names]

    def load(self, nodes, *arrays):
        """Replace the state by `arrays(with_stats)`'s output; without the statistics the leaves start afresh,
        as TF's stats restored without checkpoint_stats do."""
        self.slot_of, self.free, self.capacity = {}, [], 0
        self._reserve(len(nodes))
        names = self.names if len(arrays) > 1 else ("depth",)
        for node in nodes:
            self.allocate(int(node), 0)
        slots = np.array([self.slot_of[int(n)] for n in nodes], np.int64)
        for name, a in zip(names, arrays):
            getattr(self, name)[slots] = a

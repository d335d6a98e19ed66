"""The boosted-trees learner in NumPy, TF's training ops in one place: each layer sums the examples' gradients and
hessians of the loss per (node, feature, bucket) and splits the growing tree's deepest leaves where the
arithmetic of ops/boosted_trees_ops.py (TF's gains and leaf weights) says; a child's value is its parent's plus
learning_rate times its weight."""
from __future__ import annotations

import numpy as np

from ..ops.boosted_trees_ops import bucketize, weights_and_gains
from ..ops.tree_ensemble_ops import Tree

_F32 = np.float32
#: Stats of at most this many floats are summed at once (nodes are taken in chunks).
_CHUNK_FLOATS = 1 << 24


# --- losses: per-example gradients and hessians of the loss in the logits -----------------------------------

def gradients_and_hessians(loss, logits, labels, weights, strategy):
    """(g [n, dim], h [n, dim] or [n, dim*dim] for FULL_HESSIAN) of the per-example loss, weighted."""
    w = weights.reshape(-1, 1)
    if loss == "squared":
        return 2 * (logits - labels) * w, np.full_like(logits, 2) * w
    if loss == "logistic":
        p = 1 / (1 + np.exp(-logits))
        return (p - labels.reshape(-1, 1)) * w, p * (1 - p) * w
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(logits.shape[1], dtype=_F32)[labels.reshape(-1).astype(np.int64)]
    g = (p - onehot) * w
    if strategy == "FULL_HESSIAN":
        h = (p[:, :, None] * np.eye(p.shape[1]) - p[:, :, None] * p[:, None, :]).reshape(len(p), -1)
        return g, h * w
    return g, p * (1 - p) * w


# --- growing -------------------------------------------------------------------------------------------------

class Learner:
    """Grows `ens` from batches: `add(x, labels, weights)` accumulates one batch, and once `per_layer(batches,
    depth)` says the layer at `depth` has seen enough, the bias is fitted (center_bias) or a layer (or, WHOLE_TREE,
    a whole tree) grows.

    params: loss ("logistic", "softmax", "squared"), dim, strategy (TREE_PER_CLASS / DIAGONAL_HESSIAN /
    FULL_HESSIAN), l1, l2, tree_complexity, min_node_weight, max_depth, learning_rate, n_trees, pruning ("none",
    "pre", "post"), growing ("LAYER_BY_LAYER", "WHOLE_TREE"), center_bias, num_quantiles (raw float features:
    boundaries from the first batch), num_buckets (features given as bucket ids: buckets per feature)."""

    def __init__(self, params, per_layer):
        self.p, self.per_layer = params, per_layer
        self._batches = []

    def done(self, ens):
        return ens.finalized >= self.p["n_trees"]

    def add(self, ens, x, labels, weights):
        """One training batch; returns True when the ensemble changed."""
        x = np.asarray(x, _F32).reshape(len(x), -1)
        if self.done(ens):
            return False
        if self.p.get("num_quantiles") and ens.boundaries is None:
            ens.boundaries = quantile_boundaries(x, self.p["num_quantiles"])
        if ens.centering is None:
            ens.centering = bool(self.p["center_bias"])
        self._batches.append((x, np.asarray(labels), np.asarray(weights, _F32).reshape(-1)))
        growing = ens.trees and len(ens.trees) > ens.finalized
        if not self.per_layer(self._batches, max(ens.trees[-1].depth) if growing else 0):
            return False
        batches, self._batches = self._batches, []
        x = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches])
        # gradients of each batch's mean loss, averaged over the layer's batches (TF's accumulators)
        weights = np.concatenate([b[2] / (len(b[2]) * len(batches)) for b in batches])
        g, h = gradients_and_hessians(self.p["loss"], ens.logits(x), labels, weights, self.p["strategy"])
        if ens.centering:
            self._center(ens, g, h)
            return True
        buckets = self._buckets(ens, x)
        growing = self._grow_layer(ens, x, buckets, g, h)
        while self.p["growing"] == "WHOLE_TREE" and growing:  # the same examples grow every layer of the tree
            growing = self._grow_layer(ens, x, buckets, g, h)
        return True

    def _center(self, ens, g, h):
        """One Newton step of the bias; centering ends when it moves less than 0.01 (TF's BoostedTreesCenterBias)."""
        gs, hs = g.sum(0, dtype=_F32), h.sum(0, dtype=_F32)
        if hs.shape[0] != gs.shape[0]:  # full hessian: its diagonal
            hs = np.diagonal(hs.reshape(len(gs), len(gs))).copy()
        if len(gs) == 1:
            step = weights_and_gains(gs[None], hs[None], self.p["l1"], self.p["l2"])[0][0]
        else:
            step = weights_and_gains(gs[None], hs[None], 0, self.p["l2"])[0][0]
        ens.bias = [float(b + s) for b, s in zip(ens.bias, step)]
        ens.centering = bool(np.abs(step).max() >= 0.01)

    def _buckets(self, ens, x):
        if ens.boundaries is None:
            return x.astype(np.int64)
        return np.stack([bucketize(x[:, f], b) for f, b in enumerate(ens.boundaries)], axis=1).astype(np.int64)

    def _threshold(self, ens, feature, bucket):
        if ens.boundaries is None:
            return float(bucket)
        b = ens.boundaries[feature]
        return float(b[bucket]) if bucket < len(b) - 1 else float("inf")

    def _current_tree(self, ens):
        if ens.trees and len(ens.trees) > ens.finalized:
            return ens.trees[-1]
        per_class = self.p["strategy"] == "TREE_PER_CLASS" and self.p["dim"] > 1
        tree = Tree(1 if per_class else self.p["dim"], len(ens.trees) % self.p["dim"] if per_class else None)
        ens.trees.append(tree)
        return tree

    def _grow_layer(self, ens, x, buckets, g, h):
        """Split the growing tree's deepest leaves where TF would; finalize it at max_depth or when nothing
        splits. Returns whether the tree is still growing."""
        p = self.p
        tree = self._current_tree(ens)
        if tree.class_id is not None:
            c, dim = tree.class_id, p["dim"]
            g = g[:, c:c + 1]
            h = h[:, c:c + 1] if h.shape[1] == dim else h[:, c * dim + c:c * dim + c + 1]
        depth = max(tree.depth)
        node = tree.leaves_of(x)
        at_frontier = np.asarray(tree.depth)[node] == depth
        splits = best_splits(node[at_frontier], buckets[at_frontier], g[at_frontier], h[at_frontier], p)
        lr, split_any = _F32(p["learning_rate"]), False
        for parent, gain, feature, bucket, lw, rw in splits:
            if p["pruning"] == "pre" and gain <= 0:
                continue
            base = np.asarray(tree.value[parent], _F32)
            tree.split(parent, feature, self._threshold(ens, feature, bucket), gain, base + lr * lw, base + lr * rw)
            split_any = True
        if not split_any or depth + 1 >= p["max_depth"]:
            if p["pruning"] == "post":
                tree.post_prune()
            ens.finalized += 1
            return False
        return True


def best_splits(node, buckets, g, h, p):
    """[(node, gain, feature, bucket, left weights, right weights)]: each node's best inequality split (buckets
    <= bucket go left) over all features, as BoostedTreesCalculateBestFeatureSplit finds it (the same gains and
    weights, the first of equal gains in feature-then-bucket order), computed on the (node, feature, bucket)
    cells that hold examples only: an empty bucket's threshold ties with the nonempty one before it, which TF
    prefers. Nodes with fewer than two examples cannot gain and are left out."""
    logits_dim = g.shape[1]
    stats = np.concatenate([g, h], axis=1).astype(np.float64)
    count = np.bincount(node)
    keep = count[node] >= 2
    node, buckets, stats = node[keep], buckets[keep], stats[keep]
    if not len(node):
        return []
    n_features, n_buckets = buckets.shape[1], int(buckets.max()) + 1
    nodes, local = np.unique(node, return_inverse=True)
    per_chunk = max(1, _CHUNK_FLOATS // (n_features * n_buckets * stats.shape[1]))
    out = []
    for start in range(0, len(nodes), per_chunk):  # a few nodes at a time: their cells fit in _CHUNK_FLOATS
        rows = (local >= start) & (local < start + per_chunk)
        out += [(int(nodes[start + k]), *rest) for k, *rest in _chunk_splits(
            local[rows] - start, buckets[rows], stats[rows], n_features, n_buckets, logits_dim, p)]
    return out


def _chunk_splits(node, buckets, stats, n_features, n_buckets, logits_dim, p):
    """best_splits of nodes numbered from 0: [(node, gain, feature, bucket, left weights, right weights)]."""
    size = (int(node.max()) + 1) * n_features * n_buckets
    key = ((node[:, None] * n_features + np.arange(n_features)) * n_buckets + buckets).reshape(-1)
    cells = np.flatnonzero(np.bincount(key, minlength=size))  # the cells holding examples, in TF's order
    sums = np.stack([np.bincount(key, np.repeat(stats[:, j], n_features), minlength=size)[cells]
                     for j in range(stats.shape[1])], axis=1)  # float64, as TF adds
    segment = cells // n_buckets  # node * n_features + feature, ascending
    cell_node = segment // n_features
    starts = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    cum = np.cumsum(sums, axis=0)  # within each (node, feature): minus the sums of the segments before it
    offsets = np.vstack([np.zeros((1, sums.shape[1])), cum[starts[1:] - 1]])
    left = (cum - np.repeat(offsets, np.diff(np.r_[starts, len(cells)]), axis=0)).astype(_F32)
    first_of_node = np.flatnonzero(np.r_[True, cell_node[1:] != cell_node[:-1]])
    node_ids = cell_node[first_of_node]
    # the node's totals: those of its first feature, as TF takes them
    seg_end = np.r_[starts[1:], len(cells)] - 1
    seg_of_first = np.searchsorted(starts, first_of_node, side="right") - 1
    total = left[seg_end[seg_of_first]]
    which = np.repeat(np.arange(len(node_ids)), np.diff(np.r_[first_of_node, len(cells)]))
    right = total[which] - left
    l1, l2 = p["l1"], p["l2"]
    _, gl = weights_and_gains(left[:, :logits_dim], left[:, logits_dim:], l1, l2)
    _, gr = weights_and_gains(right[:, :logits_dim], right[:, logits_dim:], l1, l2)
    gains = (gl + gr).astype(_F32)
    best_gain = np.maximum.reduceat(gains, first_of_node)
    hits = np.flatnonzero(gains == best_gain[which])
    _, first_hit = np.unique(which[hits], return_index=True)
    best = hits[first_hit]
    _, parent = weights_and_gains(total[:, :logits_dim], total[:, logits_dim:], l1, l2)
    heavy = ~(np.linalg.norm(total[:, logits_dim:], axis=-1) < _F32(p["min_node_weight"]))
    wl, _ = weights_and_gains(left[best, :logits_dim], left[best, logits_dim:], l1, l2)
    wr, _ = weights_and_gains(right[best, :logits_dim], right[best, logits_dim:], l1, l2)
    gain = ((best_gain - parent).astype(_F32) - _F32(p["tree_complexity"])).astype(_F32)
    feature, bucket = (cells[best] // n_buckets) % n_features, cells[best] % n_buckets
    return [(int(node_ids[k]), float(gain[k]), int(feature[k]), int(bucket[k]), wl[k], wr[k])
            for k in range(len(node_ids)) if heavy[k]]


def quantile_boundaries(x, num_quantiles):
    """Per feature, the distinct values at num_quantiles evenly spaced quantiles of the batch (min and max
    included), as the bucket boundaries of raw float features."""
    q = np.quantile(x, np.linspace(0, 1, num_quantiles + 1), axis=0, method="inverted_cdf")
    return [np.unique(q[:, f]).astype(float).tolist() for f in range(x.shape[1])]

"""One decision tree as TF's v4 kernels grow it (DecisionTreeResource), in NumPy arrays a batch is routed through
at once.

Node 0 is the root; a split turns leaf `n` into a test `x[feature] <= threshold` (`<` with split_name='less')
whose left child is `left[n]` and right child `left[n] + 1`, both new leaves appended at the end, so a tree of
`size` nodes has ids 0..size-1 and `left == -1` marks the leaves. `value` holds each leaf's model: the weighted
class counts seen there (classification) or the mean target of the samples it was split on (regression).
"""
from __future__ import annotations

import numpy as np

ARRAYS = ("left", "feature", "threshold", "value")


class TreeState:
    def __init__(self, num_outputs, capacity=16):
        self.size = 1
        self.left = np.full(capacity, -1, np.int32)
        self.feature = np.zeros(capacity, np.int32)
        self.threshold = np.zeros(capacity, np.float32)
        self.value = np.zeros((capacity, num_outputs), np.float32)

    def _reserve(self, n):
        cap = len(self.left)
        if n <= cap:
            return
        new = max(n, 2 * cap)
        for name in ARRAYS:
            old = getattr(self, name)
            grown = np.full((new, *old.shape[1:]), -1 if name == "left" else 0, old.dtype)
            grown[:cap] = old
            setattr(self, name, grown)

    def traverse(self, x, strict=False, paths=False):
        """The leaf each row of `x` lands in (int32), level by level for the whole batch; with `paths`, also the
        nodes each row visited, root first."""
        node = np.zeros(len(x), np.int32)
        active = np.flatnonzero(self.left[node] >= 0)
        visited = [node.copy()] if paths else None
        while active.size:
            at = node[active]
            values = x[active, self.feature[at]]
            right = values >= self.threshold[at] if strict else values > self.threshold[at]
            node[active] = self.left[at] + right
            if paths:
                step = np.full(len(x), -1, np.int32)
                step[active] = node[active]
                visited.append(step)
            active = active[self.left[node[active]] >= 0]
        return (node, np.stack(visited, 1)) if paths else node

    def predictions(self, leaves, regression):
        """Per row, the leaf's model: its class counts normalized to sum 1 (left as they are where they sum to 0
        or 1, as TF's TreePredictionsV4 does), or the regression mean."""
        out = self.value[leaves]
        if not regression:
            sums = out.sum(1, keepdims=True)
            scale = (sums > 0) & (sums != 1)
            out = np.where(scale, out / np.where(scale, sums, 1), out)
        return out

    def split(self, node, feature, threshold, left_value, right_value):
        """Turn leaf `node` into a test; its two new leaves start from the given models. Returns their ids."""
        a = self.size
        self._reserve(a + 2)
        self.left[node], self.feature[node], self.threshold[node] = a, feature, threshold
        self.value[a], self.value[a + 1] = left_value, right_value
        self.size = a + 2
        return a, a + 1

    def feature_usage(self, num_features):
        """How many tests each feature is used in (int32, FeatureUsageCounts)."""
        tests = self.left[:self.size] >= 0
        return np.bincount(self.feature[:self.size][tests], minlength=num_features).astype(np.int32)

    def arrays(self):
        """The tree as arrays of its `size` nodes, for a checkpoint."""
        return [getattr(self, name)[:self.size].copy() for name in ARRAYS]

    @classmethod
    def from_arrays(cls, left, feature, threshold, value):
        size = len(left)
        if not (size >= 1 and len(feature) == len(threshold) == len(value) == size and value.ndim == 2):
            raise ValueError("the tree's arrays do not describe one tree")
        left = np.asarray(left, np.int32)
        tests = left >= 0
        if np.any(left[tests] + 1 >= size) or np.any(left[tests] <= np.flatnonzero(tests)) or np.any(left < -1):
            raise ValueError("a node's children are out of the tree")
        tree = cls(value.shape[1], capacity=size)
        tree.size = size
        tree.left[:] = left
        tree.feature[:] = feature
        tree.threshold[:] = threshold
        tree.value[:] = value
        return tree

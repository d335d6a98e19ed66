"""A boosted-trees ensemble, what TF keeps in its TreeEnsemble resource, and the op that predicts with it: a bias
plus trees whose internal nodes send an example left when its feature value is <= the node's threshold; leaves
hold logits. The ensemble travels as bytes (JSON) in a tf.string variable, so checkpoints keep it;
estimator/tree_learner.py grows it."""
from __future__ import annotations

import json

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor

_F32 = np.float32


class Tree:
    """Nodes in arrays: feature, threshold, left/right child (-1 at a leaf), value [n, dim], gain, depth."""

    def __init__(self, dim, class_id=None):
        self.feature, self.threshold = [0], [0.0]
        self.left, self.right, self.gain, self.depth = [-1], [-1], [0.0], [0]
        self.value = [[0.0] * dim]
        self.class_id = class_id  # TREE_PER_CLASS: the one logit this tree adds to

    def arrays(self):
        """(feature, threshold, left, right, value) as NumPy arrays, cached until the tree changes."""
        cached = getattr(self, "_arrays", None)
        if cached is None or len(cached[0]) != len(self.feature):
            cached = self._arrays = (np.array(self.feature, np.int64), np.array(self.threshold, _F32),
                                     np.array(self.left, np.int64), np.array(self.right, np.int64),
                                     np.array(self.value, _F32))
        return cached

    def leaves_of(self, x):
        """The leaf each row of x [n, features] reaches."""
        feature, threshold, left, right, _ = self.arrays()
        node = np.zeros(len(x), np.int64)
        while True:
            inner = left[node] >= 0
            if not inner.any():
                return node
            rows = np.nonzero(inner)[0]
            n = node[rows]
            go_left = x[rows, feature[n]] <= threshold[n]
            node[rows] = np.where(go_left, left[n], right[n])

    def split(self, node, feature, threshold, gain, left_value, right_value):
        for value in (left_value, right_value):
            self.feature.append(0)
            self.threshold.append(0.0)
            self.left.append(-1)
            self.right.append(-1)
            self.gain.append(0.0)
            self.depth.append(self.depth[node] + 1)
            self.value.append([float(v) for v in value])
        self.feature[node], self.threshold[node], self.gain[node] = int(feature), float(threshold), float(gain)
        self.left[node], self.right[node] = len(self.feature) - 2, len(self.feature) - 1

    def post_prune(self):
        """Undo, from the deepest up, the splits of negative gain whose children are both leaves (TF's
        POST_PRUNE)."""
        for node in sorted(range(len(self.left)), key=lambda i: -self.depth[i]):
            lc, rc = self.left[node], self.right[node]
            if lc >= 0 and self.left[lc] < 0 and self.left[rc] < 0 and self.gain[node] < 0:
                self.left[node] = self.right[node] = -1

    def to_json(self):
        return {k: getattr(self, k) for k in ("feature", "threshold", "left", "right", "gain", "depth", "value",
                                               "class_id")}

    @classmethod
    def from_json(cls, d):
        tree = cls(len(d["value"][0]), d["class_id"])
        for k, v in d.items():
            setattr(tree, k, v)
        return tree


class TreeEnsemble:
    """bias [dim] + the trees' leaf values; `finalized` trees are complete, a last one may still grow; `layer` is
    how many layers the growing tree has; `centering`: the bias is still being fitted; `boundaries`: the
    per-feature bucket boundaries of raw float features (None when the features are bucket ids already)."""

    def __init__(self, dim):
        self.dim = dim
        self.bias = [0.0] * dim
        self.trees, self.finalized, self.centering, self.boundaries = [], 0, None, None

    def logits(self, x):
        x = np.asarray(x, _F32)
        out = np.tile(np.asarray(self.bias, _F32), (len(x), 1))
        for tree in self.trees:
            values = tree.arrays()[4][tree.leaves_of(x)]
            if tree.class_id is None:
                out += values
            else:
                out[:, tree.class_id] += values[:, 0]
        return out

    def to_bytes(self):
        return json.dumps({"dim": self.dim, "bias": self.bias, "finalized": self.finalized,
                           "centering": self.centering, "boundaries": self.boundaries,
                           "trees": [t.to_json() for t in self.trees]}).encode()

    @classmethod
    def from_bytes(cls, data, dim):
        if isinstance(data, np.ndarray):  # a scalar tf.string as a session hands it over
            data = data.item()
        if not data:
            return cls(dim)
        d = json.loads(bytes(data).decode())
        ens = cls(d["dim"])
        ens.bias, ens.finalized, ens.centering, ens.boundaries = d["bias"], d["finalized"], d["centering"], \
            d["boundaries"]
        ens.trees = [Tree.from_json(t) for t in d["trees"]]
        return ens


class TreeEnsemblePredict(OpDef):
    """logits [batch, logits_dimension] of features [batch, features] (raw values or bucket ids, as the trees'
    thresholds are) under the ensemble serialized in a scalar string (graphgrad's BoostedTreesPredict: TF reads
    a resource instead)."""

    type = "TreeEnsemblePredict"
    gradient = not_differentiable

    def infer(op):
        s = static_shape(op.inputs[1])
        return [((None if s is None else s[0], op.attrs["logits_dimension"]), dtypes.float32)]

    def kernel(op, ctx):
        dim, parsed = op.attrs["logits_dimension"], {}  # the last ensemble parsed, by its bytes

        def predict(serialized, features):
            x = np.asarray(ctx.to_host(features), _F32)
            data = np.asarray(ctx.to_host(serialized), object).item()
            if data not in parsed:
                parsed.clear()
                parsed[data] = TreeEnsemble.from_bytes(data, dim)
            return ctx.to_device(parsed[data].logits(x.reshape(len(x), -1)))
        return predict


def tree_ensemble_predict(serialized, features, logits_dimension, name=None):
    """The ensemble's logits for each row of `features`."""
    with name_scope(name, "TreeEnsemblePredict") as scope:
        inputs = [convert_to_tensor(serialized, dtypes.string), convert_to_tensor(features, dtypes.float32)]
        return apply_op(TreeEnsemblePredict, inputs, {"logits_dimension": int(logits_dimension)}, scope)

"""TF's boosted-trees split arithmetic as ops: bucketize dense features, sum per-example gradients and hessians per
(node, feature, bucket), and find each node's best split with its gain and the two children's leaf weights, as
TensorFlow's kernels (tensorflow/core/kernels/boosted_trees/stats_ops.cc, tree_helper.h) compute them in float32.
The kernels are vectorised over examples, buckets and nodes; `weights_and_gains` and `best_split` are the NumPy
functions they share with the tree learner (estimator/tree_learner.py). As in TF no gradient is defined."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["boosted_trees_bucketize", "make_stats_summary", "boosted_trees_aggregate_stats",
           "calculate_best_gains_per_feature", "calculate_best_feature_split"]

_F32 = np.float32
_EPS = _F32(1e-15)
#: TF 1.15's names of a split's default direction (where examples with a missing value go).
DEFAULT_LEFT, EQUALITY = b"inequality_default_left", b"equality_default_right"


# --- the arithmetic ------------------------------------------------------------------------------------------

def weights_and_gains(g, h, l1, l2):
    """(weights [..., L], gains [...]) of leaves with gradient sums g [..., L] and hessian sums h [..., L]
    (diagonal) or [..., L*L] (full), as TF's CalculateWeightsAndGains: one logit minimises
    ½(h+l2)w² + gw + l1|w| (w = -(g ∓ l1)/(h+l2), 0 inside [-l1, l1]); several solve (H + l2·I) w = -g
    (l1 is not applied there, as in TF); the gain is -gᵀw."""
    g, h = np.asarray(g, _F32), np.asarray(h, _F32)
    l1, l2 = _F32(l1), _F32(l2)
    dim = g.shape[-1]
    if dim == 1:
        g0, h0 = g[..., 0], h[..., 0]
        if l1 > 0:
            g0 = np.where(g0 > l1, g0 - l1, np.where(g0 < -l1, g0 + l1, _F32(0)))
        denom = h0 + l2
        ok = denom > _EPS
        w = np.where(ok, -g0 / np.where(ok, denom, _F32(1)), _F32(0)).astype(_F32)
        return w[..., None], np.where(ok, -g0 * w, _F32(0)).astype(_F32)
    if h.shape[-1] == dim:  # diagonal hessian
        hr = h + l2
        with np.errstate(divide="ignore"):
            inv = np.where(hr != 0, _F32(1) / np.where(hr != 0, hr, _F32(1)), _F32(0)).astype(_F32)
        w = (-inv * g).astype(_F32)
        return w, (-g * w).sum(-1, dtype=_F32)
    hr = h.reshape(h.shape[:-1] + (dim, dim)) + l2 * np.eye(dim, dtype=_F32)
    w = -np.einsum("...ij,...j->...i", np.linalg.pinv(hr.astype(np.float64)), g.astype(np.float64)).astype(_F32)
    return w, (-g * w).sum(-1, dtype=_F32)


def best_split(left_g, left_h, total_g, total_h, l1, l2):
    """For candidates [n, K, L] (in TF's order of trying them) of the left child's sums, with the node's
    totals [n, K, L]: (index of the best candidate per node (the first of equal gains, as TF's GainIsLarger),
    its gain left+right, left weights, right weights)."""
    wl, gl = weights_and_gains(left_g, left_h, l1, l2)
    wr, gr = weights_and_gains(total_g - left_g, total_h - left_h, l1, l2)
    gains = (gl + gr).astype(_F32)
    best = np.argmax(gains, axis=-1) if gains.shape[-1] else np.zeros(len(gains), np.int64)
    rows = np.arange(len(gains))
    return best, gains[rows, best], wl[rows, best], wr[rows, best]


def _cumsum_f32(x, axis):
    """TF adds bucket after bucket in float32: np.cumsum on float32 does the same."""
    return np.cumsum(np.asarray(x, _F32), axis=axis, dtype=_F32)


def gains_per_feature(node_range, stats, l1, l2, tree_complexity, min_node_weight):
    """One feature of BoostedTreesCalculateBestGainsPerFeature: stats [max_splits, buckets, 2] ->
    (node_ids, gains, thresholds, left [n, 1], right [n, 1]) of the nodes in node_range that can split."""
    first, last = node_range
    cum = _cumsum_f32(stats[first:last], axis=1)  # [n, B, 2]
    total = cum[:, -1, :]
    keep = ~(total[:, 1] < _F32(min_node_weight))
    cum, total = cum[keep], total[keep]
    _, parent = weights_and_gains(total[:, :1], total[:, 1:], l1, l2)
    totals = np.broadcast_to(total[:, None, :], cum.shape)
    bucket, gain, left, right = best_split(cum[..., :1], cum[..., 1:], totals[..., :1], totals[..., 1:], l1, l2)
    gains = ((gain - parent).astype(_F32) - _F32(tree_complexity)).astype(_F32)
    nodes = np.arange(first, last, dtype=np.int32)[keep]
    return nodes, gains, bucket.astype(np.int32), left, right


def feature_split(node_range, stats, logits_dim, split_type, l1, l2, tree_complexity, min_node_weight):
    """BoostedTreesCalculateBestFeatureSplit as TF 1.15 computes it: stats [max_splits, feature_dims, buckets,
    logits_dim + hessian_dim] -> (node_ids, gains, feature_dimensions, thresholds, left, right, split types) of
    the nodes in node_range whose hessian (its norm) reaches min_node_weight: the best over all dimensions and
    buckets (inequality: buckets <= threshold go left; equality: one bucket left, the rest right)."""
    first, last = node_range
    s = np.asarray(stats, _F32)[first:last]
    node_total = s[:, 0].sum(axis=1, dtype=_F32)  # TF: the totals of feature dimension 0
    keep = ~(np.linalg.norm(node_total[:, logits_dim:], axis=-1) < _F32(min_node_weight))
    s, node_total = s[keep], node_total[keep]
    n, _, buckets, width = s.shape
    _, parent = weights_and_gains(node_total[:, :logits_dim], node_total[:, logits_dim:], l1, l2)
    if split_type == "inequality":
        cum = _cumsum_f32(s, axis=2)  # [n, D, B, S]
        totals = np.broadcast_to(cum[:, :, -1:, :], cum.shape).reshape(n, -1, width)
        left, kind = cum.reshape(n, -1, width), DEFAULT_LEFT
    else:
        left = s.reshape(n, -1, width)
        totals, kind = np.broadcast_to(node_total[:, None, :], left.shape), EQUALITY
    best, gain, wl, wr = best_split(left[..., :logits_dim], left[..., logits_dim:], totals[..., :logits_dim],
                                    totals[..., logits_dim:], l1, l2)
    out_gain = ((gain - parent).astype(_F32) - _F32(tree_complexity)).astype(_F32)
    nodes = np.arange(first, last, dtype=np.int32)[keep]
    dim, bucket = np.divmod(best, max(buckets, 1))
    kinds = np.empty(n, object)
    kinds[:] = kind
    return nodes, out_gain, dim.astype(np.int32), bucket.astype(np.int32), wl, wr, kinds


def bucketize(values, boundaries):
    """TF's BoostedTreesBucketize: the index of the first boundary >= each value, the last for values above all
    (so bucket b holds the values <= boundaries[b]); 0 when there are no boundaries."""
    boundaries = np.asarray(boundaries, _F32)
    if not boundaries.size:
        return np.zeros(np.shape(values), np.int32)
    b = np.searchsorted(boundaries, np.asarray(values, _F32), side="left")
    return np.minimum(b, boundaries.size - 1).astype(np.int32)


# --- the ops -------------------------------------------------------------------------------------------------

def _rank(op, t, rank, what):
    s = static_shape(t)
    if s is not None and len(s) != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {len(s)} for '{op.name}' (op: '{op.type}') with "
                         f"input shapes: {', '.join(str(i.shape) for i in op.inputs)}.")
    return s


def _floats(ctx, a):
    return np.asarray(ctx.to_host(a), _F32)


class BoostedTreesBucketize(OpDef):
    """Each of num_features float vectors [batch] -> its int32 bucket ids against that feature's boundaries."""

    type = "BoostedTreesBucketize"

    def infer(op):
        n = op.attrs["num_features"]
        for t in op.inputs:
            _rank(op, t, 1, "")
        return [(static_shape(op.inputs[i]), dtypes.int32) for i in range(n)]

    def kernel(op, ctx):
        n = op.attrs["num_features"]

        def run(*arrays):
            out = tuple(ctx.to_device(bucketize(_floats(ctx, arrays[i]), _floats(ctx, arrays[n + i])))
                        for i in range(n))
            return out if n > 1 else out[0]
        return run


class BoostedTreesMakeStatsSummary(OpDef):
    """[num_features, max_splits, num_buckets, 2]: the sums of gradients and hessians (one logit) of the examples
    in each node and bucket of each feature, added in float64 as TF does, returned as float32."""

    type = "BoostedTreesMakeStatsSummary"

    def infer(op):
        _rank(op, op.inputs[0], 1, "node_ids")
        _rank(op, op.inputs[1], 2, "gradients")
        _rank(op, op.inputs[2], 2, "hessians")
        a = op.attrs
        return [((a["num_features"], a["max_splits"], a["num_buckets"], 2), dtypes.float32)]

    def kernel(op, ctx):
        f, m, b = (op.attrs[k] for k in ("num_features", "max_splits", "num_buckets"))

        def run(node_ids, gradients, hessians, *features):
            node_ids = np.asarray(ctx.to_host(node_ids), np.int64)
            g, h = (np.asarray(ctx.to_host(x), np.float64) for x in (gradients, hessians))
            if len(node_ids) != len(g):
                raise InvalidArgumentError(op.node_def, op, "node_ids size should match 0th dim of gradients. node "
                                           f"ids size: {len(node_ids)}, gradients dim0: {len(g)}")
            out = np.zeros((f, m * b, 2))
            for i, feature in enumerate(features):
                key = node_ids * b + np.asarray(ctx.to_host(feature), np.int64)
                out[i, :, 0] = np.bincount(key, g[:, 0], minlength=m * b)[:m * b]
                out[i, :, 1] = np.bincount(key, h[:, 0], minlength=m * b)[:m * b]
            return ctx.to_device(out.reshape(f, m, b, 2).astype(_F32))
        return run


class BoostedTreesAggregateStats(OpDef):
    """[max_splits, feature_dims, num_buckets, logits + hessian dims]: per node, feature dimension and bucket the
    sums of gradients and hessians (TF 1.15's layout; later versions add a bucket for missing values)."""

    type = "BoostedTreesAggregateStats"

    def infer(op):
        for i, r in enumerate((1, 2, 2, 2)):
            _rank(op, op.inputs[i], r, "")
        g, h, feat = (static_shape(t) for t in op.inputs[1:])
        stats = None if g is None or h is None or g[1] is None or h[1] is None else g[1] + h[1]
        return [((op.attrs["max_splits"], None if feat is None else feat[1], op.attrs["num_buckets"], stats),
                 dtypes.float32)]

    def kernel(op, ctx):
        m, b = op.attrs["max_splits"], op.attrs["num_buckets"]

        def run(node_ids, gradients, hessians, feature):
            node_ids = np.asarray(ctx.to_host(node_ids), np.int64)
            if (node_ids < 0).any():
                i = int(np.argmax(node_ids < 0))
                raise InvalidArgumentError(op.node_def, op, f"node_ids {i}th entry should be >=0, got: {node_ids[i]}")
            stats = np.concatenate([np.asarray(ctx.to_host(gradients), np.float64),
                                    np.asarray(ctx.to_host(hessians), np.float64)], axis=1)
            feature = np.asarray(ctx.to_host(feature), np.int64)
            return ctx.to_device(aggregate(node_ids, stats, feature, m, b).astype(_F32))
        return run


def aggregate(node_ids, stats, feature, max_splits, num_buckets):
    """float64 [max_splits, dims, num_buckets, S] sums of stats [batch, S] by node, dimension and bucket."""
    batch, dims = feature.shape
    size = max_splits * dims * num_buckets
    key = ((node_ids[:, None] * dims + np.arange(dims)) * num_buckets + feature).reshape(-1)
    out = np.empty((size, stats.shape[1]))
    for j in range(stats.shape[1]):
        out[:, j] = np.bincount(key, np.repeat(stats[:, j], dims), minlength=size)[:size]
    return out.reshape(max_splits, dims, num_buckets, stats.shape[1])


class _SplitOp(OpDef):
    """Shared checks of the two best-split ops: node_id_range [2] and scalar l1, l2, tree_complexity,
    min_node_weight after the stats."""

    def _scalars(op, first):
        _rank(op, op.inputs[0], 1, "node_id_range")
        for t in op.inputs[first:first + 4]:
            _rank(op, t, 0, "")

    def _params(op, ctx, values):
        node_range = np.asarray(ctx.to_host(values[0])).reshape(-1)
        if node_range.size != 2:
            raise InvalidArgumentError(op.node_def, op, "node_id_range argument must have shape [2]")
        return (int(node_range[0]), int(node_range[1])), [float(ctx.to_host(v)) for v in values[-4:]]


class BoostedTreesCalculateBestGainsPerFeature(_SplitOp):
    """Per feature (stats [max_splits, buckets, 2], one logit): for each node in node_id_range with enough hessian,
    the best threshold bucket (left: buckets <= it), its gain over the parent's less tree_complexity, and the
    left and right leaf weights. Five lists of num_features tensors."""

    type = "BoostedTreesCalculateBestGainsPerFeature"

    def infer(op):
        n = op.attrs["num_features"]
        op.op_def._scalars(op, 1 + n)
        for t in op.inputs[1:1 + n]:
            _rank(op, t, 3, "")
        return ([((None,), dtypes.int32)] * n + [((None,), dtypes.float32)] * n + [((None,), dtypes.int32)] * n
                + [((None, 1), dtypes.float32)] * 2 * n)

    def kernel(op, ctx):
        n = op.attrs["num_features"]

        def run(*values):
            node_range, (l1, l2, tc, mnw) = op.op_def._params(op, ctx, values)
            per = [gains_per_feature(node_range, _floats(ctx, s), l1, l2, tc, mnw) for s in values[1:1 + n]]
            return tuple(ctx.to_device(per[f][k]) for k in range(5) for f in range(n))
        return run


class BoostedTreesCalculateBestFeatureSplit(_SplitOp):
    """For each node in node_id_range with enough hessian (norm), the best split over all feature dimensions and
    buckets of one feature's stats [max_splits, dims, buckets, logits + hessian] (`feature_split`)."""

    type = "BoostedTreesCalculateBestFeatureSplit"

    def infer(op):
        op.op_def._scalars(op, 2)
        _rank(op, op.inputs[1], 4, "stats_summary")
        d = op.attrs["logits_dimension"]
        return [((None,), dtypes.int32), ((None,), dtypes.float32), ((None,), dtypes.int32),
                ((None,), dtypes.int32), ((None, d), dtypes.float32), ((None, d), dtypes.float32),
                ((None,), dtypes.string)]

    def kernel(op, ctx):
        d, split_type = op.attrs["logits_dimension"], op.attrs["split_type"]

        def run(*values):
            node_range, (l1, l2, tc, mnw) = op.op_def._params(op, ctx, values)
            stats = _floats(ctx, values[1])
            if stats.ndim != 4:
                raise InvalidArgumentError(op.node_def, op, "stats_summary argument must have rank 4")
            hessian_dim = stats.shape[3] - d
            if hessian_dim <= 0:
                raise InvalidArgumentError(op.node_def, op, f"hessian dim should be < 0, got {hessian_dim}")
            if hessian_dim > d * d:
                raise InvalidArgumentError(op.node_def, op,
                                           f"hessian dim should be <= {d * d} but got: {hessian_dim}")
            out = feature_split(node_range, stats, d, split_type, l1, l2, tc, mnw)
            return tuple(ctx.to_device(x) for x in out)
        return run


# --- the functions -------------------------------------------------------------------------------------------

def _tensors(values, dtype, name):
    return [convert_to_tensor(v, dtype=dtype, name=f"{name}_{i}" if i else name) for i, v in enumerate(values)]


def _split_scalars(l1, l2, tree_complexity, min_node_weight):
    return [convert_to_tensor(v, dtype=dtypes.float32, name=n) for v, n in (
        (l1, "l1"), (l2, "l2"), (tree_complexity, "tree_complexity"), (min_node_weight, "min_node_weight"))]


def boosted_trees_bucketize(float_values, bucket_boundaries, name=None):
    """[int32 bucket ids] of each float vector against its boundaries (TF's `BoostedTreesBucketize`)."""
    if len(float_values) != len(bucket_boundaries):
        raise ValueError(f"List argument 'bucket_boundaries' to 'boosted_trees_bucketize' Op with length "
                         f"{len(bucket_boundaries)} must match length {len(float_values)} of argument "
                         "'float_values'.")
    with name_scope(name, "BoostedTreesBucketize") as scope:
        inputs = _tensors(float_values, dtypes.float32, "float_values") + _tensors(
            bucket_boundaries, dtypes.float32, "bucket_boundaries")
        out = apply_op(BoostedTreesBucketize, inputs, {"num_features": len(float_values)}, scope)
        return out if isinstance(out, list) else [out]


def make_stats_summary(node_ids, gradients, hessians, bucketized_features_list, max_splits, num_buckets, name=None):
    """TF's `BoostedTreesMakeStatsSummary` (tensorflow/python/ops/boosted_trees_ops.py's make_stats_summary)."""
    with name_scope(name, "BoostedTreesMakeStatsSummary") as scope:
        inputs = [convert_to_tensor(node_ids, dtypes.int32, "node_ids"),
                  convert_to_tensor(gradients, dtypes.float32, "gradients"),
                  convert_to_tensor(hessians, dtypes.float32, "hessians")]
        inputs += _tensors(bucketized_features_list, dtypes.int32, "bucketized_features_list")
        attrs = {"max_splits": int(max_splits), "num_buckets": int(num_buckets),
                 "num_features": len(bucketized_features_list)}
        return apply_op(BoostedTreesMakeStatsSummary, inputs, attrs, scope)


def boosted_trees_aggregate_stats(node_ids, gradients, hessians, feature, max_splits, num_buckets, name=None):
    """TF's `BoostedTreesAggregateStats`: the stats of a multi-dimensional bucketized feature [batch, dims]."""
    with name_scope(name, "BoostedTreesAggregateStats") as scope:
        inputs = [convert_to_tensor(node_ids, dtypes.int32, "node_ids"),
                  convert_to_tensor(gradients, dtypes.float32, "gradients"),
                  convert_to_tensor(hessians, dtypes.float32, "hessians"),
                  convert_to_tensor(feature, dtypes.int32, "feature")]
        return apply_op(BoostedTreesAggregateStats, inputs,
                        {"max_splits": int(max_splits), "num_buckets": int(num_buckets)}, scope)


def calculate_best_gains_per_feature(node_id_range, stats_summary_list, l1, l2, tree_complexity, min_node_weight,
                                     max_splits, name=None):
    """(node_ids_list, gains_list, thresholds_list, left_node_contribs_list, right_node_contribs_list), TF's
    `BoostedTreesCalculateBestGainsPerFeature` (one logit)."""
    with name_scope(name, "BoostedTreesCalculateBestGainsPerFeature") as scope:
        n = len(stats_summary_list)
        inputs = [convert_to_tensor(node_id_range, dtypes.int32, "node_id_range")]
        inputs += _tensors(stats_summary_list, dtypes.float32, "stats_summary_list")
        inputs += _split_scalars(l1, l2, tree_complexity, min_node_weight)
        out = apply_op(BoostedTreesCalculateBestGainsPerFeature, inputs,
                       {"max_splits": int(max_splits), "num_features": n}, scope)
        out = out if isinstance(out, list) else [out]
        return tuple(out[k * n:(k + 1) * n] for k in range(5))


def calculate_best_feature_split(node_id_range, stats_summary, l1, l2, tree_complexity, min_node_weight,
                                 logits_dimension, split_type="inequality", name=None):
    """(node_ids, gains, feature_dimensions, thresholds, left_node_contribs, right_node_contribs,
    split_with_default_directions), TF's `BoostedTreesCalculateBestFeatureSplit`."""
    if split_type not in ("inequality", "equality"):
        raise ValueError(f"Value for attr 'split_type' of \"{split_type}\" is not in the list of allowed values: "
                         "\"inequality\", \"equality\"")
    with name_scope(name, "BoostedTreesCalculateBestFeatureSplit") as scope:
        inputs = [convert_to_tensor(node_id_range, dtypes.int32, "node_id_range"),
                  convert_to_tensor(stats_summary, dtypes.float32, "stats_summary")]
        inputs += _split_scalars(l1, l2, tree_complexity, min_node_weight)
        return tuple(apply_op(BoostedTreesCalculateBestFeatureSplit, inputs,
                              {"logits_dimension": int(logits_dimension), "split_type": split_type}, scope))

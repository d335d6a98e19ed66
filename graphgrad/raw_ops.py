"""`tf.raw_ops`: ops by their TensorFlow op names, called with keyword arguments only, as TF generates them.
graphgrad has the clustering kernels here (the ops TF1's `tf.contrib.factorization` was built on) and the
boosted-trees ops (TF has no public Python wrappers for them), so that a program written against `tf.raw_ops`
runs on graphgrad and its recordings under TF replay here; and TF's sparse training ops (`SparseApplyMomentum`,
...: what the optimizers build for an IndexedSlices gradient, train/sparse_apply.py)."""
from __future__ import annotations

from .ops import boosted_trees_ops as _bt
from .ops import clustering_ops as _c
from .ops.core import apply_op as _apply_op
from .ops.core import convert_to_tensor as _convert
from .train import adadelta as _adadelta
from .train import adagrad as _adagrad
from .train import momentum as _momentum
from .train import rmsprop as _rmsprop

__all__ = ["NearestNeighbors", "KmeansPlusPlusInitialization", "KMC2ChainInitialization",
           "BoostedTreesBucketize", "BoostedTreesMakeStatsSummary", "BoostedTreesAggregateStats",
           "BoostedTreesCalculateBestGainsPerFeature", "BoostedTreesCalculateBestFeatureSplit",
           "SparseApplyMomentum", "SparseApplyAdagrad", "SparseApplyRMSProp", "SparseApplyCenteredRMSProp",
           "SparseApplyAdadelta"]


def NearestNeighbors(*, points, centers, k, name=None):  # noqa: N802 (TF's op name)
    return _c.nearest_neighbors(points, centers, k, name=name)


def KmeansPlusPlusInitialization(*, points, num_to_sample, seed, num_retries_per_sample, name=None):  # noqa: N802
    return _c.kmeans_plus_plus_initialization(points, num_to_sample, seed, num_retries_per_sample, name=name)


def KMC2ChainInitialization(*, distances, seed, name=None):  # noqa: N802
    return _c.kmc2_chain_initialization(distances, seed, name=name)



def BoostedTreesBucketize(*, float_values, bucket_boundaries, name=None):  # noqa: N802 -- TF's op name
    return _bt.boosted_trees_bucketize(float_values, bucket_boundaries, name=name)


def BoostedTreesMakeStatsSummary(*, node_ids, gradients, hessians, bucketized_features_list, max_splits,  # noqa: N802
                                 num_buckets, name=None):
    return _bt.make_stats_summary(node_ids, gradients, hessians, bucketized_features_list, max_splits, num_buckets,
                                  name=name)


def BoostedTreesAggregateStats(*, node_ids, gradients, hessians, feature, max_splits, num_buckets,  # noqa: N802
                               name=None):
    return _bt.boosted_trees_aggregate_stats(node_ids, gradients, hessians, feature, max_splits, num_buckets,
                                             name=name)


def BoostedTreesCalculateBestGainsPerFeature(*, node_id_range, stats_summary_list, l1, l2,  # noqa: N802
                                             tree_complexity, min_node_weight, max_splits, name=None):
    return _bt.calculate_best_gains_per_feature(node_id_range, stats_summary_list, l1, l2, tree_complexity,
                                                min_node_weight, max_splits, name=name)


def BoostedTreesCalculateBestFeatureSplit(*, node_id_range, stats_summary, l1, l2, tree_complexity,  # noqa: N802
                                          min_node_weight, logits_dimension, split_type="inequality", name=None):
    return _bt.calculate_best_feature_split(node_id_range, stats_summary, l1, l2, tree_complexity, min_node_weight,
                                            logits_dimension, split_type, name=name)


def _sparse_apply(op_def, **attrs):
    """The raw op of a sparse update: keyword inputs named as TF names them, the variable and slots as variables
    (or their references), the attributes `use_locking` and the op's own (`use_nesterov`, `update_slots`)."""
    def raw(*, name=None, use_locking=False, **kw):
        given = {k: kw.pop(k, default) for k, default in attrs.items()}
        missing = [n for n in op_def.input_names if n not in kw]
        if missing or len(kw) != len(op_def.input_names):
            raise TypeError(f"{op_def.type} takes the inputs {list(op_def.input_names)}; got {sorted(kw)}")
        inputs = [kw[n]._ref() if i in op_def.ref_inputs and hasattr(kw[n], "_ref") else
                  kw[n] if i in op_def.ref_inputs else _convert(kw[n]) for i, n in enumerate(op_def.input_names)]
        return _apply_op(op_def, inputs, {"use_locking": bool(use_locking), **given}, name or op_def.type)
    raw.__name__ = raw.__qualname__ = op_def.type
    return raw


SparseApplyMomentum = _sparse_apply(_momentum.SparseApplyMomentum, use_nesterov=False)
SparseApplyAdagrad = _sparse_apply(_adagrad.SparseApplyAdagrad, update_slots=True)
SparseApplyRMSProp = _sparse_apply(_rmsprop.SparseApplyRMSProp)
SparseApplyCenteredRMSProp = _sparse_apply(_rmsprop.SparseApplyCenteredRMSProp)
SparseApplyAdadelta = _sparse_apply(_adadelta.SparseApplyAdadelta)

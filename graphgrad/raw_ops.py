"""`tf.raw_ops`: ops called by their TensorFlow op names with keyword arguments only, as TF generates them. Only
the boosted-trees ops are here so far (TF has no public Python wrappers for them)."""
from __future__ import annotations

from .ops import boosted_trees_ops as _bt

__all__ = ["BoostedTreesBucketize", "BoostedTreesMakeStatsSummary", "BoostedTreesAggregateStats",
           "BoostedTreesCalculateBestGainsPerFeature", "BoostedTreesCalculateBestFeatureSplit"]


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

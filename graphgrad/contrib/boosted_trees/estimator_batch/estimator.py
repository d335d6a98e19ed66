"""`tf.contrib.boosted_trees.estimator_batch.estimator`: `GradientBoostedDecisionTreeClassifier` and
`...Regressor`, contrib.learn Estimators configured by a `LearnerConfig` proto. Every float feature of the
input's dict is a feature (in key order; a [batch, k] feature gives k of them), bucketized at 100 quantiles of the
first training batch; the learner is tf.estimator.BoostedTrees*' (estimator/tree_learner.py)."""
from __future__ import annotations

from ....estimator.boosted_trees import boosted_trees_model_fn
from ....estimator.canned import _Head
from ....framework import dtypes
from ....ops import array_ops, math_ops
from ...learn.estimator import Estimator
from ..proto import learner_pb2

__all__ = ["GradientBoostedDecisionTreeClassifier", "GradientBoostedDecisionTreeRegressor"]

_L = learner_pb2.LearnerConfig
#: contrib's gbdt_batch default: quantile buckets of each dense float feature.
NUM_QUANTILES = 100


def learner_params(config, logits_dimension, num_trees, center_bias):
    """The learner's parameters from a LearnerConfig, with gbdt_batch's defaults for unset fields (TREE_PER_CLASS
    for one logit, else DIAGONAL_HESSIAN; LAYER_BY_LAYER; POST_PRUNE; depth 6; fixed learning rate 0.1)."""
    if config.num_classes < 2:
        raise ValueError("Number of classes must be >=2")
    tuner = config.learning_rate_tuner.WhichOneof("tuner")
    if tuner not in (None, "fixed"):
        raise ValueError(f"graphgrad's boosted trees take a fixed learning rate; the {tuner} tuner is not built.")
    if config.WhichOneof("feature_fraction") or config.averaging_config.WhichOneof("config"):
        raise ValueError("graphgrad's boosted trees do not sample features or average ensembles: leave "
                         "feature_fraction_* and averaging_config unset.")
    strategy = config.multi_class_strategy or (_L.TREE_PER_CLASS if logits_dimension == 1 else _L.DIAGONAL_HESSIAN)
    if num_trees is None:
        raise ValueError("num_trees must be given: graphgrad's boosted trees stop after num_trees trees.")
    return {"strategy": _L.MultiClassStrategy.Name(strategy), "l1": config.regularization.l1,
            "l2": config.regularization.l2, "tree_complexity": config.regularization.tree_complexity,
            "min_node_weight": config.constraints.min_node_weight,
            "max_depth": config.constraints.max_tree_depth or 6,
            "learning_rate": config.learning_rate_tuner.fixed.learning_rate if tuner else 0.1,
            "n_trees": num_trees,
            "pruning": {_L.PRE_PRUNE: "pre"}.get(config.pruning_mode, "post"),
            "growing": "WHOLE_TREE" if config.growing_mode == _L.WHOLE_TREE else "LAYER_BY_LAYER",
            "center_bias": center_bias, "num_quantiles": NUM_QUANTILES}


def _dense_floats(weight_column_name):
    def matrix(features):
        if not isinstance(features, dict):
            features = {"": features}
        parts = [math_ops.cast(features[k], dtypes.float32) for k in sorted(features) if k != weight_column_name]
        parts = [array_ops.reshape(p, [array_ops.shape(p)[0], -1]) for p in parts]
        return array_ops.concat(parts, 1) if len(parts) > 1 else parts[0]
    return matrix


def _per_layer(examples_per_layer):
    def enough(batches, depth):
        wanted = examples_per_layer(depth) if callable(examples_per_layer) else examples_per_layer
        return sum(len(b[0]) for b in batches) >= wanted
    return enough


class _GBDT(Estimator):
    def __init__(self, head, learner_config, examples_per_layer, num_trees, feature_columns, weight_column_name,
                 model_dir, config, center_bias, loss):
        if feature_columns is not None:
            raise ValueError("graphgrad's GBDT estimators take every dense float feature of the input; "
                             "feature_columns are not supported.")
        params = dict(learner_params(learner_config, head.logits_dimension, num_trees, center_bias), loss=loss)
        matrix, per_layer = _dense_floats(weight_column_name), _per_layer(examples_per_layer)

        def model_fn(features, labels, mode):
            return boosted_trees_model_fn(features, labels, mode, head, matrix, params, per_layer)

        super().__init__(model_fn, model_dir=model_dir, config=config)


class GradientBoostedDecisionTreeClassifier(_GBDT):
    """An estimator using gradient boosted decision trees (softmax loss for n_classes > 2, logistic for 2)."""

    def __init__(self, learner_config, examples_per_layer, n_classes=2, num_trees=None, feature_columns=None,
                 weight_column_name=None, model_dir=None, config=None, label_keys=None,
                 feature_engineering_fn=None, logits_modifier_function=None, center_bias=True):
        if learner_config.num_classes == 0:
            learner_config.num_classes = n_classes
        elif learner_config.num_classes != n_classes:
            raise ValueError("n_classes (%d) doesn't match learner_config (%d)." %
                             (n_classes, learner_config.num_classes))
        if feature_engineering_fn is not None or logits_modifier_function is not None:
            raise ValueError("feature_engineering_fn and logits_modifier_function are not supported.")
        head = _Head("classifier", n_classes, weight_column=weight_column_name, label_vocabulary=label_keys,
                     loss_reduction="weighted_sum_over_batch_size")
        super().__init__(head, learner_config, examples_per_layer, num_trees, feature_columns, weight_column_name,
                         model_dir, config, center_bias, "logistic" if n_classes == 2 else "softmax")


class GradientBoostedDecisionTreeRegressor(_GBDT):
    """An estimator using gradient boosted decision trees for regression (squared error)."""

    def __init__(self, learner_config, examples_per_layer, label_dimension=1, num_trees=None,
                 feature_columns=None, label_name=None, weight_column_name=None, model_dir=None, config=None,
                 feature_engineering_fn=None, logits_modifier_function=None, center_bias=True):
        learner_config.num_classes = 2 if label_dimension == 1 else label_dimension
        if feature_engineering_fn is not None or logits_modifier_function is not None:
            raise ValueError("feature_engineering_fn and logits_modifier_function are not supported.")
        head = _Head("regressor", label_dimension=label_dimension, weight_column=weight_column_name,
                     loss_reduction="weighted_sum_over_batch_size")
        super().__init__(head, learner_config, examples_per_layer, num_trees, feature_columns, weight_column_name,
                         model_dir, config, center_bias, "squared")

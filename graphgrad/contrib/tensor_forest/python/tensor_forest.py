"""`tf.contrib.tensor_forest.python.tensor_forest`: TF 1.15's extremely random forests, grown online (the v4
ops).

`ForestHParams(num_classes=..., num_features=..., ...).fill()` holds the parameters with TF's defaults;
`RandomForestGraphs(params)` makes each tree's resources (a tree and its leaves' statistics, created by
`resources.initialize_resources(resources.shared_resources())` and saved by `tf.train.Saver`) and builds
`training_graph(X, Y)` (one op growing every tree from a batch), `inference_graph(X)` -> (probabilities, tree
paths, variance), `training_loss` (minus the average tree size), `average_size` and `feature_importances`.
Dense inputs only: a tensor, or a dict of them concatenated in sorted key order.
"""
from __future__ import annotations

import math
import random

from ....framework import dtypes
from ....framework.graph import device, get_default_graph
from ....ops import array_ops, math_ops
from ....ops.comparison_ops import less
from ....ops.core import constant, group
from ....ops.random_ops import random_uniform
from ....ops.select_ops import where
from ....python.ops import resources  # noqa: F401  (TF programs import it next to this module)
from ....variables import get_variable, local_variables
from .ops import model_ops, stats_ops

#: tree_node[0] of a leaf in TF's v2 trees; kept for programs that compare against it.
LEAF_NODE = -1

CLASSIFICATION_LEAF_MODEL_TYPES = {"all_dense": ("MODEL_DENSE_CLASSIFICATION", "STATS_DENSE_GINI")}
REGRESSION_MODEL_TYPE = ("MODEL_REGRESSION", "STATS_LEAST_SQUARES_REGRESSION", "COLLECTION_BASIC")
FINISH_TYPES = {"basic": "SPLIT_FINISH_BASIC"}
PRUNING_TYPES = {"none": "SPLIT_PRUNE_NONE"}
SPLIT_TYPES = {"less_or_equal": "LESS_OR_EQUAL", "less": "LESS_THAN"}


def _choice(table, value, what):
    if value not in table:
        raise KeyError(value) if what is None else ValueError(
            f"graphgrad's tensor_forest has only {what}={sorted(table)}, got {value!r}")
    return table[value]


class ForestHParams:
    """The forest's hyper-parameters; `fill()` derives the rest (TF 1.15's defaults and rules). Any other
    keyword (num_classes, num_features, regression, base_random_seed, ...) becomes an attribute."""

    def __init__(self, num_trees=100, max_nodes=10000, bagging_fraction=1.0, num_splits_to_consider=0,
                 feature_bagging_fraction=1.0, max_fertile_nodes=0, split_after_samples=250, valid_leaf_threshold=1,
                 dominate_method="bootstrap", dominate_fraction=0.99, model_name="all_dense",
                 split_finish_name="basic", split_pruning_name="none", prune_every_samples=0,
                 early_finish_check_every_samples=0, collate_examples=False, checkpoint_stats=False,
                 use_running_stats_method=False, initialize_average_splits=False, inference_tree_paths=False,
                 param_file=None, split_name="less_or_equal", **kwargs):
        self.num_trees = num_trees
        self.max_nodes = max_nodes
        self.bagging_fraction = bagging_fraction
        self.feature_bagging_fraction = feature_bagging_fraction
        self.num_splits_to_consider = num_splits_to_consider
        self.max_fertile_nodes = max_fertile_nodes
        self.split_after_samples = split_after_samples
        self.valid_leaf_threshold = valid_leaf_threshold
        self.dominate_method = dominate_method
        self.dominate_fraction = dominate_fraction
        self.model_name = model_name
        self.split_finish_name = split_finish_name
        self.split_pruning_name = split_pruning_name
        self.collate_examples = collate_examples
        self.checkpoint_stats = checkpoint_stats
        self.use_running_stats_method = use_running_stats_method
        self.initialize_average_splits = initialize_average_splits
        self.inference_tree_paths = inference_tree_paths
        self.param_file = param_file
        self.split_name = split_name
        self.early_finish_check_every_samples = early_finish_check_every_samples
        self.prune_every_samples = prune_every_samples
        for name, value in kwargs.items():
            setattr(self, name, value)

    def values(self):
        return self.__dict__

    def fill(self):
        """Set what was left to derive; an AttributeError, as TF's, when num_classes or num_features is missing."""
        _ = self.num_classes
        _ = self.num_features
        self.bagged_num_features = int(self.feature_bagging_fraction * self.num_features)
        self.bagged_features = None
        if self.feature_bagging_fraction < 1.0:
            self.bagged_features = [random.sample(range(self.num_features), self.bagged_num_features)
                                    for _ in range(self.num_trees)]
        self.regression = getattr(self, "regression", False)
        self.num_outputs = self.num_classes if self.regression else 1
        self.num_output_columns = self.num_classes + 1
        self.num_splits_to_consider = self.num_splits_to_consider or min(
            max(10, math.floor(math.sqrt(self.num_features))), 1000)
        self.base_random_seed = getattr(self, "base_random_seed", 0)
        models = REGRESSION_MODEL_TYPE if self.regression else _choice(
            CLASSIFICATION_LEAF_MODEL_TYPES, self.model_name, None)
        self.leaf_model_type, self.stats_model_type = models[0], models[1]
        self.finish_type = "SPLIT_FINISH_BASIC" if self.regression else _choice(
            FINISH_TYPES, self.split_finish_name, "split_finish_name")
        self.pruning_type = _choice(PRUNING_TYPES, self.split_pruning_name, "split_pruning_name")
        self.prune_every_samples = 0
        self.early_finish_check_every_samples = 0
        self.split_type = _choice(SPLIT_TYPES, self.split_name, None)
        _check(self)
        return self


def _check(params):
    """What TF's kernels would reject (or crash on) later, as a ValueError now."""
    for name in ("num_classes", "num_features", "num_trees", "max_nodes", "split_after_samples"):
        value = getattr(params, name)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not params.regression and params.num_classes < 2:
        raise ValueError(f"num_classes must be at least 2 for classification, got {params.num_classes}")
    if not 0 < params.bagging_fraction <= 1 or not 0 < params.feature_bagging_fraction <= 1:
        raise ValueError("bagging_fraction and feature_bagging_fraction must be in (0, 1]")
    if params.param_file:
        raise ValueError("param_file (a TensorForestParams text proto) is not read by graphgrad")


def get_epoch_variable():
    """The epoch variable of `tf.train.limit_epochs` reshaped to [1], or [0] if there is none."""
    for v in local_variables():
        if "limit_epochs/epoch" in v.op.name:
            return array_ops.reshape(v, [1])
    return [0]


def _dense(data):
    """A float32 matrix from a tensor or a dict of tensors (columns in sorted key order; a vector is one
    column), as TF's data_ops.ParseDataTensorOrDict does for dense features."""
    from ....ops.core import convert_to_tensor

    if isinstance(data, dict):
        cols = []
        for key in sorted(data):
            t = math_ops.cast(convert_to_tensor(data[key]), dtypes.float32)
            cols.append(array_ops.reshape(t, [-1, 1]) if t.shape.ndims == 1 else t)
        return array_ops.concat(cols, 1)
    t = convert_to_tensor(data)
    if t.dtype == dtypes.string:
        raise TypeError("graphgrad's tensor_forest takes numeric features only")
    return math_ops.cast(t, dtypes.float32)


class TreeVariables:
    """One tree's resources: `tree` (its handle) and, when training, `stats`."""

    def __init__(self, params, tree_num, training, tree_config="", tree_stat=""):
        self.stats = None
        if training:
            self.stats = stats_ops.fertile_stats_variable(params, tree_stat, self.get_tree_name("stats", tree_num))
        self.tree = model_ops.tree_variable(params, tree_config, self.stats, self.get_tree_name("tree", tree_num))

    def get_tree_name(self, name, num):
        return f"{name}-{num}"


class ForestVariables:
    """The trees' resources, indexable by tree number; a `device_dummy_<i>` variable per tree (as in TF, where
    the device assigner places it and the tree follows)."""

    def __init__(self, params, device_assigner, training=True, tree_variables_class=TreeVariables,
                 tree_configs=None, tree_stats=None):
        self.variables = []
        self.device_dummies = []
        with device(device_assigner):
            for i in range(params.num_trees):
                self.device_dummies.append(get_variable(name=f"device_dummy_{i}", shape=0))
        for i in range(params.num_trees):
            with device(self.device_dummies[i].device):
                kwargs = {}
                if tree_configs is not None:
                    kwargs.update(tree_config=tree_configs[i])
                if tree_stats is not None:
                    kwargs.update(tree_stat=tree_stats[i])
                self.variables.append(tree_variables_class(params, i, training, **kwargs))

    def __setitem__(self, t, val):
        self.variables[t] = val

    def __getitem__(self, t):
        return self.variables[t]


class RandomForestGraphs:
    """Builds the graphs that train a random forest and predict with it."""

    def __init__(self, params, tree_configs=None, tree_stats=None, device_assigner=None, variables=None,
                 tree_variables_class=TreeVariables, tree_graphs=None, training=True):
        self.params = params
        self.device_assigner = device_assigner
        self.variables = variables or ForestVariables(self.params, device_assigner=device_assigner,
                                                      training=training, tree_variables_class=tree_variables_class,
                                                      tree_configs=tree_configs, tree_stats=tree_stats)
        tree_graph_class = tree_graphs or RandomTreeGraphs
        self.trees = [tree_graph_class(self.variables[i], self.params, i) for i in range(self.params.num_trees)]

    def _bag_features(self, tree_num, input_data):
        return array_ops.gather(input_data, self.params.bagged_features[tree_num], axis=1)

    def get_all_resource_handles(self):
        return ([self.variables[i].tree for i in range(len(self.trees))]
                + [self.variables[i].stats for i in range(len(self.trees))])

    def training_graph(self, input_data, input_labels, num_trainers=1, trainer_id=0, **tree_kwargs):
        """One op that routes the batch down every tree (of this trainer's share), updates the leaves'
        statistics and splits the leaves that are ready."""
        data = _dense(input_data)
        labels = math_ops.cast(input_labels, dtypes.float32)
        tree_graphs = []
        per_trainer = self.params.num_trees / num_trainers
        for i in range(int(trainer_id * per_trainer), int((trainer_id + 1) * per_trainer)):
            with device(self.variables.device_dummies[i].device):
                seed = self.params.base_random_seed
                if seed != 0:
                    seed += i
                tree_data, tree_labels = data, labels
                if self.params.bagging_fraction < 1.0:
                    r = random_uniform(array_ops.shape(data)[:1], seed=seed)
                    keep = array_ops.squeeze(where(less(r, self.params.bagging_fraction)),
                                             axis=[1])
                    tree_data = array_ops.gather(data, keep)
                    tree_labels = array_ops.gather(labels, keep)
                if self.params.bagged_features:
                    tree_data = self._bag_features(i, tree_data)
                tree_graphs.append(self.trees[i].training_graph(tree_data, tree_labels, seed, **tree_kwargs))
        return group(*tree_graphs, name="train")

    def inference_graph(self, input_data, **inference_args):
        """(probabilities [batch, num_classes]: the trees' leaf models averaged, tree_paths [batch (0 without
        inference_tree_paths), num_trees], variance: the trees' variance per output, for regression)."""
        data = _dense(input_data)
        probabilities, paths = [], []
        for i in range(self.params.num_trees):
            with device(self.variables.device_dummies[i].device):
                tree_data = self._bag_features(i, data) if self.params.bagged_features else data
                probs, path = self.trees[i].inference_graph(tree_data, **inference_args)
                probabilities.append(probs)
                paths.append(path)
        with device(self.variables.device_dummies[0].device):
            all_predict = array_ops.stack(probabilities, axis=1)
            average_values = math_ops.div(math_ops.reduce_sum(all_predict, 1), self.params.num_trees,
                                          name="probabilities")
            tree_paths = array_ops.stack(paths, axis=1)
            expected_squares = math_ops.div(math_ops.reduce_sum(all_predict * all_predict, 1),
                                            self.params.num_trees)
            regression_variance = math_ops.maximum(0., expected_squares - average_values * average_values)
            return average_values, tree_paths, regression_variance

    def average_size(self):
        """The mean number of nodes over the trees (float32)."""
        sizes = [self.trees[i].size() for i in range(self.params.num_trees)]
        return math_ops.reduce_mean(math_ops.cast(array_ops.stack(sizes), dtypes.float32))

    def training_loss(self, features, labels, name="training_loss"):
        """Minus the average tree size: TF's stand-in for a loss, falling while the trees grow."""
        return math_ops.negative(self.average_size(), name=name)

    def validation_loss(self, features, labels):
        return math_ops.negative(self.average_size())

    def feature_importances(self):
        """Each feature's share of the tests in the forest."""
        counts = [self.trees[i].feature_usage_counts() for i in range(self.params.num_trees)]
        total = math_ops.reduce_sum(array_ops.stack(counts, 0), 0)
        return total / math_ops.reduce_sum(total)


class RandomTreeGraphs:
    """Builds the graphs that train one tree and predict with it."""

    def __init__(self, variables, params, tree_num):
        self.variables = variables
        self.params = params
        self.tree_num = tree_num

    def training_graph(self, input_data, input_labels, random_seed, data_spec=None, sparse_features=None,
                       input_weights=None):
        if sparse_features is not None:
            raise NotImplementedError("graphgrad's tensor_forest takes dense features only")
        weights = constant([], dtypes.float32) if input_weights is None else math_ops.cast(input_weights,
                                                                                             dtypes.float32)
        leaf_ids = model_ops.traverse_tree_v4(self.variables.tree, input_data, self.params)
        update_model = model_ops.update_model_v4(self.variables.tree, leaf_ids, input_labels, weights, self.params)
        finished_nodes = stats_ops.process_input_v4(self.variables.tree, self.variables.stats, input_data,
                                                    input_labels, weights, leaf_ids, random_seed, self.params)
        with get_default_graph().control_dependencies([update_model]):
            return stats_ops.grow_tree_v4(self.variables.tree, self.variables.stats, finished_nodes, self.params)

    def inference_graph(self, input_data, data_spec=None, sparse_features=None):
        if sparse_features is not None:
            raise NotImplementedError("graphgrad's tensor_forest takes dense features only")
        return model_ops.tree_predictions_v4(self.variables.tree, input_data, self.params)

    def size(self):
        return model_ops.tree_size(self.variables.tree)

    def feature_usage_counts(self):
        return model_ops.feature_usage_counts(self.variables.tree, self.params)


__all__ = ["ForestHParams", "RandomForestGraphs", "RandomTreeGraphs", "ForestVariables", "TreeVariables",
           "get_epoch_variable"]

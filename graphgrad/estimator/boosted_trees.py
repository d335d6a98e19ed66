"""`tf.estimator.BoostedTreesClassifier` / `BoostedTreesRegressor` (TF 1.15's canned boosted trees) and the model
function they share with `tf.contrib.boosted_trees`' estimators: the ensemble lives in a tf.string variable
named `boosted_trees` (so checkpoints keep it), predictions come from the TreeEnsemblePredict op, and each
training step hands its batch to the learner (estimator/tree_learner.py) through a py_func whose result is
assigned back. Training stops once `n_trees` trees are complete. Layer statistics gathered between checkpoints
live in the training process only (TF keeps them in accumulators): an interrupted layer starts again."""
from __future__ import annotations

import numpy as np

from ..feature_column import BucketizedColumn, IndicatorColumn
from ..framework import dtypes
from ..ops import array_ops, math_ops
from ..ops.core import group
from ..ops.script_ops import py_func
from ..ops.state_ops import assign, assign_add
from ..ops.tree_ensemble_ops import TreeEnsemble, tree_ensemble_predict
from ..train.global_step import get_global_step
from ..train.session_run_hook import SessionRunHook
from ..variables import Variable
from .canned import _Head
from .estimator import Estimator
from .model_fn import ModeKeys
from .tree_learner import Learner

__all__ = ["BoostedTreesClassifier", "BoostedTreesRegressor", "boosted_trees_classifier_train_in_memory",
           "boosted_trees_regressor_train_in_memory", "boosted_trees_model_fn"]


class _StopAfterTrees(SessionRunHook):
    """Requests a stop once the learner has completed its trees (TF: the ensemble's finalized tree count)."""

    def __init__(self, state):
        self._state = state

    def after_run(self, run_context, run_values):
        if self._state["done"]:
            run_context.request_stop()


def boosted_trees_model_fn(features, labels, mode, head, feature_matrix, params, per_layer):
    """The EstimatorSpec of a boosted-trees model: `feature_matrix(features)` -> float32 [batch, n] (raw values
    or bucket ids), `params` the learner's (tree_learner.Learner), `per_layer(batches, depth)` whether the layer
    at `depth` has seen enough batches."""
    x = feature_matrix(features)
    ensemble = Variable(b"", dtype=dtypes.string, trainable=False, name="boosted_trees")
    dim = head.logits_dimension
    logits = tree_ensemble_predict(ensemble, x, dim)
    state = {"done": False}

    def train_op_fn(loss):
        learner = Learner(dict(params, dim=dim), per_layer)

        def step(serialized, x, y, w):
            ens = TreeEnsemble.from_bytes(serialized, dim)
            changed = learner.add(ens, x, y, np.broadcast_to(w, (len(x), 1)))
            state["done"] = learner.done(ens)
            return ens.to_bytes() if changed else serialized

        y = head._labels(labels)
        w = head._weights(features)
        w = array_ops.ones_like(logits[:, :1]) if isinstance(w, float) else w
        new = py_func(step, [ensemble, x, y, w], dtypes.string, name="boosted_trees_train")
        new.set_shape(())
        return group(assign(ensemble, new), assign_add(get_global_step(), 1))

    spec = head.spec(features, mode, logits, labels, train_op_fn)
    if mode == ModeKeys.TRAIN:
        spec = spec._replace(training_hooks=tuple(spec.training_hooks) + (_StopAfterTrees(state),))
    return spec


def bucketized_matrix(feature_columns):
    """feature_matrix for TF's core estimators: each bucketized column's bucket ids (one feature per value of
    its source), each indicator column's 0/1 entries, as float32 columns."""
    columns = list(feature_columns)
    for c in columns:
        if not isinstance(c, (BucketizedColumn, IndicatorColumn)):
            raise ValueError(f"For now, only bucketized_column and indicator_column is supported but got: {c}")

    def matrix(features):
        parts = [math_ops.cast(c._buckets(features) if isinstance(c, BucketizedColumn) else
                               c.dense_tensor(features), dtypes.float32) for c in columns]
        parts = [array_ops.reshape(p, [array_ops.shape(p)[0], -1]) for p in parts]
        return array_ops.concat(parts, 1) if len(parts) > 1 else parts[0]
    return matrix


def _check(n_batches_per_layer, n_trees, max_depth, learning_rate, l1, l2, tree_complexity, min_node_weight,
           pruning_mode):
    if n_batches_per_layer <= 0:
        raise ValueError(f"n_batches_per_layer ({n_batches_per_layer}) must be positive.")
    for name, value in (("n_trees", n_trees), ("max_depth", max_depth)):
        if value <= 0:
            raise ValueError(f"{name} ({value}) must be positive.")
    for name, value in (("learning_rate", learning_rate), ("l1_regularization", l1),
                        ("l2_regularization", l2), ("tree_complexity", tree_complexity),
                        ("min_node_weight", min_node_weight)):
        if value < 0:
            raise ValueError(f"{name} ({value}) must be non-negative.")
    if pruning_mode not in ("none", "pre", "post"):
        raise ValueError(f"pruning_mode must be one of none, pre, post, but got {pruning_mode}.")
    if pruning_mode in ("pre", "post") and tree_complexity <= 0:
        raise ValueError("Tree complexity have to be positive to enable pruning.")


class _BoostedTrees(Estimator):
    def __init__(self, head, feature_columns, n_batches_per_layer, model_dir, n_trees, max_depth, learning_rate,
                 l1_regularization, l2_regularization, tree_complexity, min_node_weight, config, center_bias,
                 pruning_mode):
        _check(n_batches_per_layer, n_trees, max_depth, learning_rate, l1_regularization, l2_regularization,
               tree_complexity, min_node_weight, pruning_mode)
        matrix = bucketized_matrix(feature_columns)
        loss = "squared" if head.kind == "regressor" else ("logistic" if head.binary else "softmax")
        params = {"loss": loss, "strategy": "DIAGONAL_HESSIAN", "l1": l1_regularization, "l2": l2_regularization,
                  "tree_complexity": tree_complexity, "min_node_weight": min_node_weight, "max_depth": max_depth,
                  "learning_rate": learning_rate, "n_trees": n_trees, "pruning": pruning_mode,
                  "growing": "LAYER_BY_LAYER", "center_bias": center_bias}

        def model_fn(features, labels, mode):
            return boosted_trees_model_fn(features, labels, mode, head, matrix, params,
                                          lambda batches, depth: len(batches) >= n_batches_per_layer)

        super().__init__(model_fn, model_dir=model_dir, config=config)


class BoostedTreesClassifier(_BoostedTrees):
    """Gradient-boosted trees on bucketized (or indicator) feature columns: each layer of the growing tree is
    chosen from the gradients of `n_batches_per_layer` batches; `n_trees` trees of at most `max_depth`."""

    def __init__(self, feature_columns, n_batches_per_layer, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, n_trees=100, max_depth=6, learning_rate=0.1, l1_regularization=0.,
                 l2_regularization=0., tree_complexity=0., min_node_weight=0., config=None, center_bias=False,
                 pruning_mode="none"):
        head = _Head("classifier", n_classes, weight_column=weight_column, label_vocabulary=label_vocabulary,
                     loss_reduction="weighted_sum_over_batch_size")
        super().__init__(head, feature_columns, n_batches_per_layer, model_dir, n_trees, max_depth, learning_rate,
                         l1_regularization, l2_regularization, tree_complexity, min_node_weight, config,
                         center_bias, pruning_mode)


class BoostedTreesRegressor(_BoostedTrees):
    """Gradient-boosted trees for regression (squared error) on bucketized (or indicator) feature columns."""

    def __init__(self, feature_columns, n_batches_per_layer, model_dir=None, label_dimension=1, weight_column=None,
                 n_trees=100, max_depth=6, learning_rate=0.1, l1_regularization=0., l2_regularization=0.,
                 tree_complexity=0., min_node_weight=0., config=None, center_bias=False, pruning_mode="none"):
        head = _Head("regressor", label_dimension=label_dimension, weight_column=weight_column,
                     loss_reduction="weighted_sum_over_batch_size")
        super().__init__(head, feature_columns, n_batches_per_layer, model_dir, n_trees, max_depth, learning_rate,
                         l1_regularization, l2_regularization, tree_complexity, min_node_weight, config,
                         center_bias, pruning_mode)


def _repeated(train_input_fn):
    """The input of the in-memory trainers: the one-epoch Dataset train_input_fn returns, repeated."""
    from ..data import Dataset

    def input_fn():
        dataset = train_input_fn()
        if not isinstance(dataset, Dataset):
            raise ValueError("input_fn must return Dataset")
        return dataset.repeat()
    return input_fn


def boosted_trees_classifier_train_in_memory(
        train_input_fn, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
        n_trees=100, max_depth=6, learning_rate=0.1, l1_regularization=0., l2_regularization=0.,
        tree_complexity=0., min_node_weight=0., config=None, train_hooks=None, center_bias=False,
        pruning_mode="none"):
    """A BoostedTreesClassifier trained on the whole data set at once: `train_input_fn` returns a Dataset whose one
    element is all of it (`Dataset.from_tensors`); every step grows a layer from all the examples."""
    model = BoostedTreesClassifier(feature_columns, 1, model_dir, n_classes, weight_column, label_vocabulary,
                                   n_trees, max_depth, learning_rate, l1_regularization, l2_regularization,
                                   tree_complexity, min_node_weight, config, center_bias, pruning_mode)
    return model.train(_repeated(train_input_fn), hooks=train_hooks)


def boosted_trees_regressor_train_in_memory(
        train_input_fn, feature_columns, model_dir=None, label_dimension=1, weight_column=None, n_trees=100,
        max_depth=6, learning_rate=0.1, l1_regularization=0., l2_regularization=0., tree_complexity=0.,
        min_node_weight=0., config=None, train_hooks=None, center_bias=False, pruning_mode="none"):
    """A BoostedTreesRegressor trained on the whole data set at once (as the classifier's in-memory trainer)."""
    model = BoostedTreesRegressor(feature_columns, 1, model_dir, label_dimension, weight_column, n_trees, max_depth,
                                  learning_rate, l1_regularization, l2_regularization, tree_complexity,
                                  min_node_weight, config, center_bias, pruning_mode)
    return model.train(_repeated(train_input_fn), hooks=train_hooks)

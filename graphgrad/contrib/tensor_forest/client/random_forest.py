"""`tf.contrib.tensor_forest.client.random_forest`: random forests as estimators (TF 1.15's).

`TensorForestEstimator(params, ...)` is the tf.contrib.learn flavour (`fit(x, y | input_fn, steps, batch_size)`,
`evaluate`, `predict(x | input_fn)` yielding {'probabilities', 'classes', 'logits', ...}), and
`CoreTensorForestEstimator` the tf.estimator one (`train`, `evaluate`, `predict` with the core head's keys). Both
train with the forest's own training graph, not from the loss: the head only scores and names the predictions.
As in TF, a multi-class head reads the averaged class probabilities as its logits (a binary one reads
log(p1 / (1 - p1))), and a `TensorForestLossHook` stops training once the loss has not improved by
`early_stopping_loss_threshold` for `early_stopping_rounds` steps.
"""
from __future__ import annotations

import numpy as np

from .... import logging
from ....estimator.canned import _Head
from ....estimator.estimator import Estimator
from ....estimator.inputs import numpy_input_fn
from ....estimator.model_fn import ModeKeys
from ....feature_column import input_layer
from ....framework.graph import Tensor, control_dependencies
from ....losses import losses_impl
from ....ops import array_ops, math_ops, state_ops
from ....ops.core import group
from ....train.global_step import get_global_step
from ....train.session_run_hook import SessionRunArgs, SessionRunHook
from ..python import tensor_forest
from . import eval_metrics

KEYS_NAME = "keys"
LOSS_NAME = "rf_training_loss"
TREE_PATHS_PREDICTION_KEY = "tree_paths"
VARIANCE_PREDICTION_KEY = "prediction_variance"
ALL_SERVING_KEY = "tensorforest_all"
EPSILON = 0.000001


class ModelBuilderOutputType:
    MODEL_FN_OPS = 0
    ESTIMATOR_SPEC = 1


class TensorForestRunOpAtEndHook(SessionRunHook):
    """Runs {name: op} when the session ends and logs the results, in name order."""

    def __init__(self, op_dict):
        self._ops = op_dict

    def end(self, session):
        for name in sorted(self._ops):
            logging.info(f"{name}: {session.run(self._ops[name])}")


class TensorForestLossHook(SessionRunHook):
    """Requests a stop when the loss has not fallen by `early_stopping_loss_threshold` (a fraction) of its best
    value for more than `early_stopping_rounds` steps."""

    def __init__(self, early_stopping_rounds, early_stopping_loss_threshold=None, loss_op=None):
        self.early_stopping_rounds = early_stopping_rounds
        self.early_stopping_loss_threshold = early_stopping_loss_threshold or 0.0
        self.loss_op = loss_op
        self.min_loss = None
        self.last_step = -1
        self.steps = 0

    def before_run(self, run_context):
        loss = (self.loss_op if self.loss_op is not None else
                run_context.session.graph.get_operation_by_name(LOSS_NAME).outputs[0])
        return SessionRunArgs({"global_step": get_global_step(), "current_loss": loss})

    def after_run(self, run_context, run_values):
        current_loss = run_values.results["current_loss"]
        current_step = run_values.results["global_step"]
        self.steps += 1
        if self.last_step == -1 or self.last_step > current_step:  # the step went back (a restore)
            logging.info("TensorForestLossHook resetting last_step.")
            self.last_step, self.steps, self.min_loss = current_step, 0, None
            return
        self.last_step = current_step
        if self.min_loss is None or current_loss < self.min_loss - self.min_loss * self.early_stopping_loss_threshold:
            self.min_loss = current_loss
            self.steps = 0
        if self.steps > self.early_stopping_rounds:
            logging.info("TensorForestLossHook requesting stop.")
            run_context.request_stop()


def _get_default_head(params, weights_name, output_type, name=None):
    """The head TF 1.15 gives a forest: regression, binary or multi-class, summing the loss over examples with
    nonzero weight."""
    reduction = losses_impl.Reduction.SUM_OVER_NONZERO_WEIGHTS
    if params.regression:
        return _Head("regressor", label_dimension=params.num_outputs, weight_column=weights_name,
                     loss_reduction=reduction)
    return _Head("classifier", n_classes=params.num_classes, weight_column=weights_name, loss_reduction=reduction)


def _contrib_predictions(predictions, regression):
    """The tf.contrib.learn heads' prediction keys: 'scores' (regression), or 'logits', 'probabilities' and
    'classes' as int64 class ids."""
    if regression:
        scores = predictions["predictions"]
        return {"scores": array_ops.squeeze(scores, axis=[1]) if scores.shape[1] == 1 else scores}
    return {"logits": predictions["logits"], "probabilities": predictions["probabilities"],
            "classes": array_ops.reshape(predictions["class_ids"], [-1])}


def get_model_fn(params, graph_builder_class, device_assigner, feature_columns=None, weights_name=None,
                 model_head=None, keys_name=None, early_stopping_rounds=100, early_stopping_loss_threshold=0.001,
                 num_trainers=1, trainer_id=0, report_feature_importances=False, local_eval=False, head_scope=None,
                 include_all_in_serving=False, output_type=ModelBuilderOutputType.MODEL_FN_OPS, metrics=None):
    """A model_fn(features, labels, mode) building the forest with `graph_builder_class`; `metrics` is a dict
    the caller may fill with {name: metric} to evaluate besides the head's."""
    if model_head is None:
        model_head = _get_default_head(params, weights_name, output_type)

    def _model_fn(features, labels, mode):
        from ....summary import scalar  # (loads the protobuf writer: not at import time)

        if isinstance(features, Tensor):
            features = {"features": features}
        if feature_columns:
            features = dict(features)
            for fc in feature_columns:
                features[fc.name] = input_layer(features, [fc])
        weights = features.pop(weights_name, None) if weights_name else None
        keys = features.pop(keys_name, None) if keys_name else None
        dev_assn = device_assigner
        if mode == ModeKeys.PREDICT or (local_eval and mode == ModeKeys.EVAL):
            dev_assn = None
        graph_builder = graph_builder_class(params, device_assigner=dev_assn)
        logits, tree_paths, regression_variance = graph_builder.inference_graph(features)
        scalar("average_tree_size", graph_builder.average_size())
        if not params.regression and params.num_classes == 2:
            class_1_probs = array_ops.slice(logits, [0, 1], [-1, 1])
            logits = math_ops.log(math_ops.maximum(class_1_probs / math_ops.maximum(1.0 - class_1_probs, EPSILON),
                                                   EPSILON))
        training_graph = None
        if labels is not None and mode == ModeKeys.TRAIN:
            with control_dependencies([logits.op]):
                training_graph = group(graph_builder.training_graph(features, labels, input_weights=weights,
                                                                    num_trainers=num_trainers,
                                                                    trainer_id=trainer_id),
                                       state_ops.assign_add(get_global_step(), 1))
        if weights is not None:
            features[weights_name] = weights
        spec = model_head.spec(features, mode, logits, labels, lambda unused_loss: training_graph)
        predictions = dict(spec.predictions)
        if output_type == ModelBuilderOutputType.MODEL_FN_OPS:
            predictions = _contrib_predictions(predictions, params.regression)
        if keys is not None:
            predictions[keys_name] = keys
        if params.inference_tree_paths:
            predictions[TREE_PATHS_PREDICTION_KEY] = tree_paths
        predictions[VARIANCE_PREDICTION_KEY] = regression_variance
        hooks = []
        if report_feature_importances:
            hooks.append(TensorForestRunOpAtEndHook({"1: feature_importances": graph_builder.feature_importances()}))
        if early_stopping_rounds and spec.loss is not None:
            hooks.append(TensorForestLossHook(early_stopping_rounds, early_stopping_loss_threshold, spec.loss))
        eval_ops = dict(spec.eval_metric_ops or {})
        if mode == ModeKeys.EVAL:
            for name, metric in (metrics or {}).items():
                eval_ops[name] = _metric_ops(name, metric, predictions, labels)
        return spec._replace(predictions=predictions, eval_metric_ops=eval_ops or None,
                             training_hooks=hooks + list(spec.training_hooks))
    return _model_fn


def _metric_ops(name, metric, predictions, labels):
    """A contrib MetricSpec (`metric_fn`, `prediction_key`) or a metric function, applied to the prediction that
    `eval_metrics.get_prediction_key(name)` names (the probabilities for names it does not know)."""
    fn = getattr(metric, "metric_fn", metric)
    key = getattr(metric, "prediction_key", None) or eval_metrics._PREDICTION_KEYS.get(
        name, eval_metrics.INFERENCE_PROB_NAME)
    return fn(predictions[key], labels)


def _numpy_input_fn(x, y, batch_size, shuffle, num_epochs):
    n = len(next(iter(x.values()))) if isinstance(x, dict) else len(x)
    return numpy_input_fn(x, y, batch_size=batch_size or n, shuffle=shuffle, num_epochs=num_epochs)


class CoreTensorForestEstimator(Estimator):
    """A random forest as a `tf.estimator.Estimator`: `train`, `evaluate`, `predict` (TF 1.15's)."""

    _output_type = ModelBuilderOutputType.ESTIMATOR_SPEC

    def __init__(self, params, device_assigner=None, model_dir=None, feature_columns=None,
                 graph_builder_class=tensor_forest.RandomForestGraphs, config=None, weight_column=None,
                 keys_column=None, feature_engineering_fn=None, early_stopping_rounds=100,
                 early_stopping_loss_threshold=0.001, num_trainers=1, trainer_id=0,
                 report_feature_importances=False, local_eval=False, version=None, head=None,
                 include_all_in_serving=False):
        self._metrics = {}
        model_fn = get_model_fn(params.fill(), graph_builder_class, device_assigner, feature_columns=feature_columns,
                                weights_name=weight_column, model_head=head, keys_name=keys_column,
                                early_stopping_rounds=early_stopping_rounds,
                                early_stopping_loss_threshold=early_stopping_loss_threshold,
                                num_trainers=num_trainers, trainer_id=trainer_id,
                                report_feature_importances=report_feature_importances, local_eval=local_eval,
                                include_all_in_serving=include_all_in_serving, output_type=self._output_type,
                                metrics=self._metrics)
        if feature_engineering_fn is not None:
            inner = model_fn

            def model_fn(features, labels, mode):
                return inner(*feature_engineering_fn(features, labels), mode)
        super().__init__(model_fn=model_fn, model_dir=model_dir, config=config)


class TensorForestEstimator(CoreTensorForestEstimator):
    """A random forest as a tf.contrib.learn estimator: `fit`, `evaluate` and `predict` take NumPy `x`/`y` or an
    `input_fn`; predictions are {'probabilities', 'classes', 'logits'} ('scores' for regression) and
    'prediction_variance'."""

    _output_type = ModelBuilderOutputType.MODEL_FN_OPS

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None, max_steps=None):
        """Train on `x`/`y` (shuffled batches of `batch_size`, all of x by default, cycling) or `input_fn`."""
        if (x is None) == (input_fn is None):
            raise ValueError("Either x or input_fn must be provided.")
        if input_fn is None:
            input_fn = _numpy_input_fn(x, y, batch_size, True, None)
        return self.train(input_fn, hooks=monitors, steps=steps, max_steps=max_steps)

    def evaluate(self, x=None, y=None, input_fn=None, feed_fn=None, batch_size=None, steps=None, metrics=None,
                 name=None, checkpoint_path=None, hooks=None, log_progress=True):
        """The head's metrics (and `metrics`: {name: MetricSpec or metric function}) over `x`/`y` or
        `input_fn`."""
        if (x is None) == (input_fn is None):
            raise ValueError("Either x or input_fn must be provided.")
        if input_fn is None:
            input_fn = _numpy_input_fn(x, y, batch_size, False, 1)
        self._metrics.clear()
        self._metrics.update(metrics or {})
        try:
            return super().evaluate(input_fn, steps=steps, hooks=hooks, checkpoint_path=checkpoint_path, name=name)
        finally:
            self._metrics.clear()

    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True):
        """Predictions for `x` or `input_fn`: an iterator of dicts per example, or with `as_iterable=False` one
        dict of arrays."""
        if (x is None) == (input_fn is None):
            raise ValueError("Either x or input_fn must be provided.")
        if input_fn is None:
            input_fn = _numpy_input_fn(x, None, batch_size, False, 1)
        results = super().predict(input_fn, predict_keys=outputs)
        if as_iterable:
            return results
        rows = list(results)
        return {k: np.stack([r[k] for r in rows]) for k in (rows[0] if rows else {})}


__all__ = ["TensorForestEstimator", "CoreTensorForestEstimator", "TensorForestLossHook",
           "TensorForestRunOpAtEndHook", "get_model_fn", "ModelBuilderOutputType"]

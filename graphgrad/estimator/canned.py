"""The premade estimators of TF1: `DNNClassifier`, `DNNRegressor`, `LinearClassifier`, `LinearRegressor` and the
wide-and-deep `DNNLinearCombinedClassifier` / `DNNLinearCombinedRegressor`.

Each is an `Estimator` whose model_fn reads `tf.feature_column`s, computes logits (dense columns through
`input_layer`, hidden layers `dnn/hiddenlayer_N` + `dnn/logits`; any columns through `linear_model`,
`linear/linear_model/<column>/weights` + `bias_weights`; or the sum of both), and hands them to a head that knows
the loss, the
predictions and the evaluation metrics of the task, as TF1's heads do: the training loss is the SUM over the batch
(`loss_reduction`), `average_loss` the per-example mean.
"""
from __future__ import annotations

import math

import numpy as np

from .. import metrics
from ..feature_column import NumericColumn, _checked, _columns, input_layer, linear_model
from ..framework import dtypes
from ..framework.graph import GraphKeys, control_dependencies, get_default_graph
from ..losses import losses_impl
from ..ops import array_ops, categorical_ops, check_ops, math_ops, nn_ops, state_ops
from ..ops.core import group, with_dependencies
from ..ops.script_ops import py_func
from ..train.adagrad import AdagradOptimizer
from ..train.adam import AdamOptimizer
from ..train.ftrl import FtrlOptimizer
from ..train.global_step import get_global_step
from ..train.gradient_descent import GradientDescentOptimizer
from ..train.optimizer import Optimizer
from ..train.rmsprop import RMSPropOptimizer
from ..variables import variable_scope
from .estimator import Estimator
from .model_fn import EstimatorSpec, ModeKeys

__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "DNNLinearCombinedClassifier",
           "DNNLinearCombinedRegressor"]

_OPTIMIZERS = {"Adagrad": AdagradOptimizer, "Adam": AdamOptimizer, "Ftrl": FtrlOptimizer,
               "RMSProp": RMSPropOptimizer, "SGD": GradientDescentOptimizer}
_DNN_LEARNING_RATE = 0.05
_LINEAR_LEARNING_RATE = 0.2
_COMBINED_DNN_LEARNING_RATE = 0.001  # TF's dnn_linear_combined.py: "a historical artifact"
_COMBINED_LINEAR_LEARNING_RATE = 0.005


def _optimizer(opt, learning_rate):
    """TF's `get_optimizer_instance`: a name (at `learning_rate`), a callable making one, or an Optimizer."""
    if isinstance(opt, str):
        if opt not in _OPTIMIZERS:
            raise ValueError(f"Unsupported optimizer name: {opt}. Supported names are: {tuple(sorted(_OPTIMIZERS))}")
        return _OPTIMIZERS[opt](learning_rate=learning_rate)
    if callable(opt) and not isinstance(opt, Optimizer):
        opt = opt()
    if not isinstance(opt, Optimizer):
        raise ValueError(f"The given object is not an Optimizer instance. Given: {opt}")
    return opt


def _as_strings(ids):
    """Class ids as their decimal byte strings (TF's `as_string`), by a py_func."""
    return py_func(lambda v: np.char.mod("%d", v).astype(np.bytes_).astype(object), [ids], dtypes.string,
                   stateful=False)


class _Head:
    """The loss, predictions and metrics of one task on `logits` of width `logits_dimension`."""

    def __init__(self, kind, n_classes=2, label_dimension=1, weight_column=None,
                 loss_reduction=losses_impl.Reduction.SUM, label_vocabulary=None):
        if kind == "classifier" and n_classes < 2:
            raise ValueError(f"n_classes must be > 1 for classification: {n_classes}")
        if label_vocabulary is not None:
            if not isinstance(label_vocabulary, (list, tuple)):
                raise ValueError(f"label_vocabulary should be a list or a tuple. Given type: "
                                 f"{type(label_vocabulary)}")
            if len(label_vocabulary) != n_classes:
                raise ValueError(f"Length of label_vocabulary must be n_classes ({n_classes}). Given: "
                                 f"{len(label_vocabulary)}")
        self.label_vocabulary = None if label_vocabulary is None else [
            v.encode() if isinstance(v, str) else v for v in label_vocabulary]
        if loss_reduction not in losses_impl.Reduction.all() or loss_reduction == losses_impl.Reduction.NONE:
            raise ValueError(f"Invalid loss_reduction: {loss_reduction}")
        self.kind, self.n_classes, self.label_dimension = kind, n_classes, label_dimension
        self.weight_column, self.loss_reduction = weight_column, loss_reduction
        self.binary = kind == "classifier" and n_classes == 2
        self.logits_dimension = label_dimension if kind == "regressor" else (1 if self.binary else n_classes)

    def _weights(self, features):
        if self.weight_column is None:
            return 1.0
        key = self.weight_column.key if isinstance(self.weight_column, NumericColumn) else self.weight_column
        return array_ops.reshape(math_ops.cast(features[key], dtypes.float32), [-1, 1])

    def _predictions(self, logits):
        if self.kind == "regressor":
            return {"predictions": logits}
        if self.binary:
            logistic = math_ops.sigmoid(logits)
            two_class = array_ops.concat([array_ops.zeros_like(logits), logits], 1)
            out = {"logits": logits, "logistic": logistic}
        else:
            two_class = logits
            out = {"logits": logits}
        class_ids = array_ops.expand_dims(math_ops.argmax(two_class, 1), -1)
        all_ids = array_ops.tile(array_ops.expand_dims(array_ops.range(self.n_classes), 0),
                                 [array_ops.shape(logits)[0], 1])
        out.update(probabilities=nn_ops.softmax(two_class), class_ids=class_ids, classes=self._names(class_ids),
                   all_class_ids=all_ids, all_classes=self._names(all_ids))
        return out

    def _names(self, ids):
        """Class ids as strings: the label vocabulary's entries, or the ids in decimal."""
        if self.label_vocabulary is None:
            return _as_strings(ids)
        vocabulary = np.array(self.label_vocabulary, dtype=object)  # strings stay on the host: a py_func
        return py_func(lambda v: vocabulary[np.asarray(v)], [ids], dtypes.string, stateful=False)

    def _labels(self, labels):
        if labels is None:
            raise ValueError("You must provide a labels Tensor. Given: None. Suggested troubleshooting steps: Check "
                             "that your data contain your label feature. Check that your input_fn properly parses "
                             "and returns labels.")
        width = self.label_dimension if self.kind == "regressor" else 1
        labels = array_ops.reshape(labels, [-1, width])
        if self.label_vocabulary is not None:
            ids = categorical_ops.lookup_ids(labels, self.label_vocabulary)
            return with_dependencies([check_ops.assert_greater_equal(
                ids, 0, message="Labels must be in label_vocabulary")], ids)
        return math_ops.cast(labels, dtypes.float32 if self.kind == "regressor" else dtypes.int64)

    def _unreduced_loss(self, labels, logits):
        if self.kind == "regressor":
            return math_ops.square(labels - logits)
        if self.binary:
            return nn_ops.sigmoid_cross_entropy_with_logits(labels=math_ops.cast(labels, dtypes.float32),
                                                            logits=logits)
        return array_ops.expand_dims(nn_ops.sparse_softmax_cross_entropy_with_logits(
            labels=array_ops.reshape(labels, [-1]), logits=logits), -1)

    def _metrics(self, labels, predictions, unreduced, weights):
        w = None if isinstance(weights, float) else weights
        out = {"average_loss": metrics.mean(unreduced, weights=w)}
        if self.kind == "regressor":
            out["prediction/mean"] = metrics.mean(predictions["predictions"], weights=w)
            out["label/mean"] = metrics.mean(labels, weights=w)
            return out
        out["accuracy"] = metrics.accuracy(labels, predictions["class_ids"], weights=w)
        if self.binary:
            label_mean = metrics.mean(labels, weights=w)
            out["label/mean"] = label_mean
            out["prediction/mean"] = metrics.mean(predictions["logistic"], weights=w)
            out["accuracy_baseline"] = tuple(math_ops.maximum(t, 1.0 - t) for t in label_mean)
            out["auc"] = metrics.auc(labels, predictions["logistic"], weights=w)
            out["auc_precision_recall"] = metrics.auc(labels, predictions["logistic"], weights=w, curve="PR")
            out["precision"] = metrics.precision(labels, predictions["class_ids"], weights=w)
            out["recall"] = metrics.recall(labels, predictions["class_ids"], weights=w)
        return out

    def spec(self, features, mode, logits, labels, train_op_fn):
        predictions = self._predictions(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        labels = self._labels(labels)
        weights = self._weights(features)
        unreduced = self._unreduced_loss(labels, logits)
        loss = losses_impl.compute_weighted_loss(unreduced, weights, reduction=self.loss_reduction,
                                                 loss_collection=None)
        if mode == ModeKeys.EVAL:
            return EstimatorSpec(mode, predictions=predictions, loss=loss,
                                 eval_metric_ops=self._metrics(labels, predictions, unreduced, weights))
        return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op_fn(loss))


def _dnn_logits(features, mode, feature_columns, hidden_units, units, activation_fn, dropout):
    from ..layers import dense
    from ..layers import dropout as dropout_layer
    from ..ops.init_ops import glorot_uniform_initializer

    with variable_scope("dnn"):
        with variable_scope("input_from_feature_columns"):
            net = input_layer(features, feature_columns)
        for i, width in enumerate(hidden_units):
            net = dense(net, width, activation=activation_fn, kernel_initializer=glorot_uniform_initializer(),
                        name=f"hiddenlayer_{i}")
            if dropout is not None and mode == ModeKeys.TRAIN:
                net = dropout_layer(net, rate=dropout, training=True)
        return dense(net, units, kernel_initializer=glorot_uniform_initializer(), name="logits")


def _linear_logits(features, feature_columns, units, sparse_combiner="sum"):
    """`linear_model` under `linear/`: one weight matrix per column (`linear/linear_model/<name>/weights`, zeros;
    [num_buckets, units] for a categorical column) and `bias_weights`."""
    with variable_scope("linear"):
        return linear_model(features, feature_columns, units, sparse_combiner=sparse_combiner)


class _Premade(Estimator):
    def __init__(self, head, logits_fn, optimizer, model_dir, config, warm_start_from):
        def model_fn(features, labels, mode):
            logits = logits_fn(features, mode, head.logits_dimension)
            return head.spec(features, mode, logits, labels,
                             lambda loss: optimizer().minimize(loss, global_step=get_global_step()))

        super().__init__(model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class DNNClassifier(_Premade):
    """A feed-forward classifier: `hidden_units` ReLU layers (TF's defaults: Adagrad at 0.05, glorot weights)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=nn_ops.relu, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=losses_impl.Reduction.SUM, batch_norm=False):
        head = _Head("classifier", n_classes=n_classes, weight_column=weight_column, loss_reduction=loss_reduction,
                     label_vocabulary=label_vocabulary)
        _checked(feature_columns)
        super().__init__(head, lambda f, mode, units: _dnn_logits(f, mode, feature_columns, hidden_units, units,
                                                                  activation_fn, dropout),
                         lambda: _optimizer(optimizer, _DNN_LEARNING_RATE), model_dir, config, warm_start_from)


class DNNRegressor(_Premade):
    """A feed-forward regressor of `label_dimension` outputs, squared error summed over the batch."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Adagrad", activation_fn=nn_ops.relu, dropout=None, input_layer_partitioner=None,
                 config=None, warm_start_from=None, loss_reduction=losses_impl.Reduction.SUM, batch_norm=False):
        head = _Head("regressor", label_dimension=label_dimension, weight_column=weight_column,
                     loss_reduction=loss_reduction)
        _checked(feature_columns)
        super().__init__(head, lambda f, mode, units: _dnn_logits(f, mode, feature_columns, hidden_units, units,
                                                                  activation_fn, dropout),
                         lambda: _optimizer(optimizer, _DNN_LEARNING_RATE), model_dir, config, warm_start_from)


def _linear_rate(feature_columns, cap=_LINEAR_LEARNING_RATE):
    return min(cap, 1.0 / math.sqrt(len(_columns(feature_columns))))


class LinearClassifier(_Premade):
    """Logistic (or softmax) regression on the feature columns; TF's default optimizer FTRL at
    min(0.2, 1/√(number of columns))."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None,
                 loss_reduction=losses_impl.Reduction.SUM, sparse_combiner="sum"):
        head = _Head("classifier", n_classes=n_classes, weight_column=weight_column, loss_reduction=loss_reduction,
                     label_vocabulary=label_vocabulary)
        rate = _linear_rate(feature_columns)
        super().__init__(head, lambda f, mode, units: _linear_logits(f, feature_columns, units, sparse_combiner),
                         lambda: _optimizer(optimizer, rate), model_dir, config, warm_start_from)


class LinearRegressor(_Premade):
    """Linear regression on the feature columns (FTRL by default, as LinearClassifier)."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl",
                 config=None, partitioner=None, warm_start_from=None, loss_reduction=losses_impl.Reduction.SUM,
                 sparse_combiner="sum"):
        head = _Head("regressor", label_dimension=label_dimension, weight_column=weight_column,
                     loss_reduction=loss_reduction)
        rate = _linear_rate(feature_columns)
        super().__init__(head, lambda f, mode, units: _linear_logits(f, feature_columns, units, sparse_combiner),
                         lambda: _optimizer(optimizer, rate), model_dir, config, warm_start_from)


class _Combined(Estimator):
    """TF's `_dnn_linear_combined_model_fn`: logits = dnn logits + linear logits; each part trained by its own
    optimizer on the trainable variables of its scope, then the global step += 1."""

    def __init__(self, head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                 dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, config, warm_start_from,
                 linear_sparse_combiner):
        linear_feature_columns = list(linear_feature_columns or [])
        dnn_feature_columns = list(dnn_feature_columns or [])
        if not linear_feature_columns and not dnn_feature_columns:
            raise ValueError("Either linear_feature_columns or dnn_feature_columns must be defined.")
        if dnn_feature_columns:
            _checked(dnn_feature_columns)
            if not dnn_hidden_units:
                raise ValueError("dnn_hidden_units must be defined when dnn_feature_columns is specified.")
        linear_rate = _linear_rate(linear_feature_columns, _COMBINED_LINEAR_LEARNING_RATE) \
            if linear_feature_columns else None

        def model_fn(features, labels, mode):
            if not isinstance(features, dict):
                raise ValueError(f"features should be a dictionary of `Tensor`s. Given type: {type(features)}")
            parts = []  # (logits, optimizer, scope)
            if dnn_feature_columns:
                parts.append((_dnn_logits(features, mode, dnn_feature_columns, dnn_hidden_units,
                                          head.logits_dimension, dnn_activation_fn or nn_ops.relu, dnn_dropout),
                              lambda: _optimizer(dnn_optimizer, _COMBINED_DNN_LEARNING_RATE), "dnn"))
            if linear_feature_columns:
                parts.append((_linear_logits(features, linear_feature_columns, head.logits_dimension,
                                             linear_sparse_combiner),
                              lambda: _optimizer(linear_optimizer, linear_rate), "linear"))
            logits = parts[0][0] if len(parts) == 1 else parts[0][0] + parts[1][0]

            def train_op_fn(loss):
                g = get_default_graph()
                ops = [make().minimize(loss, var_list=g.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope))
                       for _, make, scope in parts]
                with control_dependencies([group(*ops)]):
                    return state_ops.assign_add(get_global_step(), 1).op

            return head.spec(features, mode, logits, labels, train_op_fn)

        super().__init__(model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class DNNLinearCombinedClassifier(_Combined):
    """Wide and deep: a linear model of `linear_feature_columns` (FTRL at min(0.005, 1/√columns)) plus a DNN of
    `dnn_feature_columns` (Adagrad at 0.001), their logits summed into one classifier head."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=nn_ops.relu, dnn_dropout=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=losses_impl.Reduction.SUM, batch_norm=False, linear_sparse_combiner="sum"):
        head = _Head("classifier", n_classes=n_classes, weight_column=weight_column, loss_reduction=loss_reduction,
                     label_vocabulary=label_vocabulary)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                         dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, config, warm_start_from,
                         linear_sparse_combiner)


class DNNLinearCombinedRegressor(_Combined):
    """Wide and deep regression: the linear and DNN logits summed, squared error summed over the batch."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl",
                 dnn_feature_columns=None, dnn_optimizer="Adagrad", dnn_hidden_units=None,
                 dnn_activation_fn=nn_ops.relu, dnn_dropout=None, label_dimension=1, weight_column=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=losses_impl.Reduction.SUM, batch_norm=False, linear_sparse_combiner="sum"):
        head = _Head("regressor", label_dimension=label_dimension, weight_column=weight_column,
                     loss_reduction=loss_reduction)
        super().__init__(head, model_dir, linear_feature_columns, linear_optimizer, dnn_feature_columns,
                         dnn_optimizer, dnn_hidden_units, dnn_activation_fn, dnn_dropout, config, warm_start_from,
                         linear_sparse_combiner)

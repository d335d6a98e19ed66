"""`tf.estimator.ModeKeys` and `EstimatorSpec`: what a model_fn returns, checked as TensorFlow checks it."""
from __future__ import annotations

import collections

from ..framework.graph import Operation, Tensor, get_default_graph
from ..ops import array_ops
from ..train.monitored_session import Scaffold
from ..train.session_run_hook import SessionRunHook
from ..variables import Variable
from .export import export_outputs_for_mode

__all__ = ["ModeKeys", "EstimatorSpec"]

LOSS_METRIC_KEY = "loss"


class ModeKeys:
    """The mode a model_fn is called in."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_GRAPH_ERROR = ("{0} with {1} must be from the default graph. Possible causes of this error include: \n\n1) {0} was "
                "created outside the context of the default graph.\n\n2) The object passed through to EstimatorSpec "
                'was not created in the most recent call to "model_fn".')


def _check_tensor(x, name):
    if isinstance(x, Variable):
        x = x.value()
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be Tensor, given: {x}")
    return x


def _check_graph(x, what, name):
    if x.graph is not get_default_graph():
        raise ValueError(_GRAPH_ERROR.format(what, name))


def _train_op(train_op, mode):
    if train_op is None:
        if mode == ModeKeys.TRAIN:
            raise ValueError("Missing train_op.")
        return None
    if isinstance(train_op, Variable):
        train_op = train_op.op
    if not isinstance(train_op, (Operation, Tensor)):
        raise TypeError(f"train_op must be Operation or Tensor, given: {train_op}")
    _check_graph(train_op, "train_op", train_op.name)
    return train_op


def _loss(loss, mode):
    if loss is None:
        if mode in (ModeKeys.TRAIN, ModeKeys.EVAL):
            raise ValueError("Missing loss.")
        return None
    loss = _check_tensor(loss, "loss")
    if loss.shape.num_elements() not in (None, 1):
        raise ValueError(f"Loss must be scalar, given: {loss}")
    if loss.shape.ndims != 0:
        loss = array_ops.reshape(loss, [])
    _check_graph(loss, "loss", loss.name)
    return loss


def _predictions(predictions, mode):
    if predictions is None:
        if mode == ModeKeys.PREDICT:
            raise ValueError("Missing predictions.")
        return {}
    if isinstance(predictions, dict):
        predictions = {k: _check_tensor(v, f"predictions[{k}]") for k, v in predictions.items()}
        for k, v in predictions.items():
            _check_graph(v, "prediction values", f"{k}: {v.name}")
        return predictions
    predictions = _check_tensor(predictions, "predictions")
    _check_graph(predictions, "prediction values", predictions.name)
    return predictions


def _hooks(hooks, what="SessionRunHook"):
    """`hooks` as a tuple of SessionRunHooks (TF's TypeError names the class as `what`)."""
    hooks = tuple(hooks or ())
    for h in hooks:
        if not isinstance(h, SessionRunHook):
            raise TypeError(f"All hooks must be {what} instances, given: {h}")
    return hooks


def _eval_metric_ops(ops):
    if ops is None:
        return {}
    if not isinstance(ops, dict):
        raise TypeError(f"eval_metric_ops must be a dict, given: {ops}")
    for key, value in ops.items():
        if not isinstance(value, tuple) or len(value) != 2:
            raise TypeError(f"Values of eval_metric_ops must be (metric_value, update_op) tuples, given: {value} "
                            f"for key: {key}")
        for x in value:
            if isinstance(x, (Tensor, Operation)):
                _check_graph(x, "eval_metric_ops", x.name)
    return dict(ops)


class EstimatorSpec(collections.namedtuple("EstimatorSpec", [
        "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs", "training_chief_hooks",
        "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"])):
    """A model_fn's ops for one mode: TRAIN needs `loss` and `train_op`, EVAL `loss`, PREDICT `predictions` (a
    tensor or a dict of them); `eval_metric_ops` maps names to `(value, update_op)` pairs of `tf.metrics`."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        train_op = _train_op(train_op, mode)
        loss = _loss(loss, mode)
        predictions = _predictions(predictions, mode)
        if mode == ModeKeys.PREDICT:
            export_outputs = export_outputs_for_mode(export_outputs, predictions)
        scaffold = scaffold or Scaffold()
        if not isinstance(scaffold, Scaffold):
            raise TypeError(f"scaffold must be tf.train.Scaffold. Given: {scaffold}")
        return super().__new__(cls, mode, predictions, loss, train_op, _eval_metric_ops(eval_metric_ops),
                               export_outputs, _hooks(training_chief_hooks), _hooks(training_hooks), scaffold,
                               _hooks(evaluation_hooks), _hooks(prediction_hooks))

    def _replace(self, **kwds):
        if "mode" in kwds and self.mode != kwds["mode"]:
            raise ValueError("mode of EstimatorSpec cannot be changed.")
        return EstimatorSpec(**{**self._asdict(), **kwds})

"""`tf.keras.losses` (Keras 2, as tf-keras 2.21): per-example loss functions `fn(y_true, y_pred)` by Keras' names,
the loss classes, and `serialize` / `deserialize` / `get`.

A function reduces the last axis (a mean, or a sum for the crossentropies, KL divergence and cosine similarity).
A loss object `loss(y_true, y_pred, sample_weight=None)` calls its function, multiplies by `sample_weight` and
reduces as its `reduction` says ('auto' and 'sum_over_batch_size': the mean over all elements, 'sum', 'none').
Probabilities (`from_logits=False`, Keras' default) are clipped to [eps, 1 - eps]; when `y_pred` is the output
of a softmax (sigmoid) op its logits are used instead, as tf.keras does, so the cross entropy is exact."""
from __future__ import annotations

import inspect
import math
import warnings

from .. import nn
from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import array_ops, math_ops
from ..ops.clip_ops import clip_by_value
from ..ops.core import convert_to_tensor
from . import backend as K
from .backend import nn as _K_nn


class Reduction:
    """Keras' ReductionV2: how a loss object reduces the weighted per-example losses."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


# --- helpers -------------------------------------------------------------------------------------------------

def _pair(y_true, y_pred):
    """y_pred as a tensor and y_true cast to its dtype."""
    y_pred = convert_to_tensor(y_pred)
    return math_ops.cast(y_true, y_pred.dtype), y_pred


def _mean(x):
    return math_ops.reduce_mean(x, axis=-1)


_get_logits = _K_nn._logits  # the logits behind a Softmax/Sigmoid output in graph mode, as tf.keras


def _clip(p):
    eps = K.epsilon()
    return clip_by_value(p, math_ops.cast(eps, p.dtype), math_ops.cast(1.0 - eps, p.dtype))


def _smooth(y_true, y_pred, label_smoothing, num_classes_axis):
    """Keras' label smoothing: y * (1 - s) + s / num_classes (num_classes 2 for binary, axis None)."""
    if not label_smoothing:
        return y_true
    s = math_ops.cast(label_smoothing, y_pred.dtype)
    if num_classes_axis is None:
        share = math_ops.multiply(0.5, s)
    else:
        share = math_ops.divide(s, math_ops.cast(array_ops.shape(y_true)[num_classes_axis], y_pred.dtype))
    return math_ops.add(math_ops.multiply(y_true, math_ops.subtract(1.0, s)), share)


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _maybe_convert_labels(y_true):
    """Labels that are all 0 or 1 become -1 or 1 (the hinge losses' convention)."""
    is_binary = math_ops.reduce_all(math_ops.logical_or(math_ops.equal(y_true, 0.0), math_ops.equal(y_true, 1.0)))
    return math_ops.where_v2(is_binary, math_ops.subtract(math_ops.multiply(2.0, y_true), 1.0), y_true)


# --- the per-example losses ------------------------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return _mean(math_ops.squared_difference(y_pred, y_true))


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return _mean(math_ops.abs(math_ops.subtract(y_pred, y_true)))


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps))."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = math_ops.abs(math_ops.divide(math_ops.subtract(y_true, y_pred),
                                        math_ops.maximum(math_ops.abs(y_true), K.epsilon())))
    return math_ops.multiply(100.0, _mean(diff))


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2)."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = math_ops.log(math_ops.add(math_ops.maximum(y_pred, K.epsilon()), 1.0))
    second = math_ops.log(math_ops.add(math_ops.maximum(y_true, K.epsilon()), 1.0))
    return _mean(math_ops.squared_difference(first, second))


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)), labels of 0/1 taken as -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean(math_ops.maximum(math_ops.subtract(1.0, math_ops.multiply(y_true, y_pred)), 0.0))


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2), labels of 0/1 taken as -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean(math_ops.square(math_ops.maximum(math_ops.subtract(1.0, math_ops.multiply(y_true, y_pred)), 0.0)))


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) for one-hot y_true."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = math_ops.reduce_sum(math_ops.multiply(y_true, y_pred), axis=-1)
    neg = math_ops.reduce_max(math_ops.multiply(math_ops.subtract(1.0, y_true), y_pred), axis=-1)
    return math_ops.maximum(math_ops.add(math_ops.subtract(neg, pos), 1.0), math_ops.cast(0.0, y_pred.dtype))


def huber(y_true, y_pred, delta=1.0):
    """mean of 0.5 * e^2 where |e| <= delta, else delta * |e| - 0.5 * delta^2 (e = y_pred - y_true), in floatx."""
    y_pred = math_ops.cast(y_pred, K.floatx())
    y_true = math_ops.cast(y_true, K.floatx())
    delta = math_ops.cast(delta, K.floatx())
    error = math_ops.subtract(y_pred, y_true)
    abs_error = math_ops.abs(error)
    quadratic = math_ops.multiply(0.5, math_ops.square(error))
    linear = math_ops.subtract(math_ops.multiply(delta, abs_error), math_ops.multiply(0.5, math_ops.square(delta)))
    return _mean(math_ops.where_v2(math_ops.less_equal(abs_error, delta), quadratic, linear))


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))), as x + softplus(-2x) - log 2 (no overflow)."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = math_ops.subtract(y_pred, y_true)
    return _mean(math_ops.subtract(math_ops.add(x, nn.softplus(math_ops.multiply(-2.0, x))),
                                   math_ops.cast(math.log(2.0), x.dtype)))


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)), both clipped to [eps, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = clip_by_value(y_true, K.epsilon(), 1.0)
    y_pred = clip_by_value(y_pred, K.epsilon(), 1.0)
    return math_ops.reduce_sum(math_ops.multiply(y_true, math_ops.log(math_ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps))."""
    y_true, y_pred = _pair(y_true, y_pred)
    return _mean(math_ops.subtract(y_pred, math_ops.multiply(y_true, math_ops.log(math_ops.add(y_pred,
                                                                                             K.epsilon())))))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (-1 for parallel vectors)."""
    y_true = nn.l2_normalize(y_true, axis=axis)
    y_pred = nn.l2_normalize(y_pred, axis=axis)
    return math_ops.negative(math_ops.reduce_sum(math_ops.multiply(y_true, y_pred), axis=axis))


def _categorical_probabilities(output, axis):
    """Probabilities renormalized to sum to 1 along `axis`, then clipped (Keras' backend)."""
    return _clip(math_ops.divide(output, math_ops.reduce_sum(output, axis, keepdims=True)))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred)) along `axis` for one-hot (or soft) y_true."""
    _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, y_pred, label_smoothing, axis)
    y_true.shape.assert_is_compatible_with(y_pred.shape)
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax")
    if from_logits:
        return nn.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=output, axis=axis)
    output = _categorical_probabilities(output, axis)
    return math_ops.negative(math_ops.reduce_sum(math_ops.multiply(y_true, math_ops.log(output)), axis))


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """sum(alpha * (1 - p)^gamma * -y_true * log(p)) along `axis` (Lin et al. 2017), p the probabilities."""
    _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, y_pred, label_smoothing, -1)
    y_true.shape.assert_is_compatible_with(y_pred.shape)
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax")
    if from_logits:
        output = nn.softmax(output, axis=axis)
    output = _categorical_probabilities(output, axis)
    cce = math_ops.multiply(math_ops.negative(y_true), math_ops.log(output))
    weighting = math_ops.multiply(math_ops.pow(math_ops.subtract(1.0, output), gamma), alpha)
    return math_ops.reduce_sum(math_ops.multiply(weighting, cce), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """-log(y_pred[y_true]) for integer class ids; with `ignore_class`, those labels give 0 (and a loss object
    averages over the others only). As in Keras 2, the backend's function."""
    return K.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                             ignore_class=ignore_class)


def _binary_crossentropy(target, output, from_logits):
    """Keras' backend: elementwise -(t log(p + eps) + (1 - t) log(1 - p + eps)) of clipped p, or the sigmoid
    cross entropy of the logits."""
    output, from_logits = _get_logits(output, from_logits, "Sigmoid")
    if from_logits:
        return nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clip(output)
    bce = math_ops.multiply(target, math_ops.log(math_ops.add(output, K.epsilon())))
    bce = math_ops.add(bce, math_ops.multiply(math_ops.subtract(1.0, target),
                                              math_ops.log(math_ops.add(math_ops.subtract(1.0, output),
                                                                        K.epsilon()))))
    return math_ops.negative(bce)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The mean along `axis` of -(y log p + (1 - y) log(1 - p))."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, y_pred, label_smoothing, None)
    return math_ops.reduce_mean(_binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """The mean along `axis` of (1 - p_t)^gamma times the binary crossentropy (times alpha for positives and
    1 - alpha for negatives with `apply_class_balancing`)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, y_pred, label_smoothing, None)
    sigmoidal = math_ops.sigmoid(y_pred) if from_logits else y_pred
    p_t = math_ops.add(math_ops.multiply(y_true, sigmoidal),
                       math_ops.multiply(math_ops.subtract(1.0, y_true), math_ops.subtract(1.0, sigmoidal)))
    focal = math_ops.multiply(math_ops.pow(math_ops.subtract(1.0, p_t), gamma),
                              _binary_crossentropy(y_true, y_pred, from_logits))
    if apply_class_balancing:
        weight = math_ops.add(math_ops.multiply(y_true, alpha),
                              math_ops.multiply(math_ops.subtract(1.0, y_true), 1.0 - alpha))
        focal = math_ops.multiply(weight, focal)
    return math_ops.reduce_mean(focal, axis=axis)


bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
cosine = cosine_proximity = cosine_similarity


# --- reduction -------------------------------------------------------------------------------------------------

def _squeeze_or_expand(y_pred, y_true):
    """Keras' alignment: a trailing dimension of 1 is dropped from whichever of y_pred, y_true has one rank more
    (unless y_pred has one rank more and its last dimension is not 1)."""
    pr, tr = y_pred.shape.ndims, y_true.shape.ndims
    if pr is None or tr is None:
        return y_pred, y_true
    if pr - tr == 1 and y_pred.shape.dims_tuple[-1] in (1, None):
        y_pred = array_ops.squeeze(y_pred, [-1])
    elif pr - tr == -1 and y_true.shape.dims_tuple[-1] in (1, None):
        y_true = array_ops.squeeze(y_true, [-1])
    return y_pred, y_true


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE, name=None):
    """losses * sample_weight (a weight of rank one more or less than the losses is squeezed or expanded), reduced:
    'none' keeps them, 'sum' sums, 'sum_over_batch_size' / 'auto' divides the sum by the number of elements."""
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    with name_scope(name or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = None
        if not losses.dtype.is_floating:
            input_dtype, losses = losses.dtype, math_ops.cast(losses, dtypes.float32)
        sample_weight = math_ops.cast(1.0 if sample_weight is None else sample_weight, losses.dtype)
        lr, wr = losses.shape.ndims, sample_weight.shape.ndims
        if wr and lr is not None:
            if wr - lr == 1:
                sample_weight = array_ops.squeeze(sample_weight, [-1])
            elif lr - wr == 1:
                sample_weight = array_ops.expand_dims(sample_weight, -1)
        loss = math_ops.multiply(losses, sample_weight)
        if reduction != Reduction.NONE:
            weighted = loss
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.SUM_OVER_BATCH_SIZE:
                with name_scope("num_elements") as scope:
                    n = math_ops.cast(array_ops.size(weighted, name=scope), weighted.dtype)
                loss = math_ops.div_no_nan(loss, n, name="value")
        return loss if input_dtype is None else math_ops.cast(loss, input_dtype)


# --- loss objects --------------------------------------------------------------------------------------------

class Loss:
    """Keras' Loss: `loss(y_true, y_pred, sample_weight=None)` reduces `call(y_true, y_pred)` weighted by
    `sample_weight` as `reduction` says; subclasses define `call`."""

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction, self.name = reduction, name
        self._name_scope = "lambda" if name == "<lambda>" else (name or type(self).__name__).strip("_")

    def __call__(self, y_true, y_pred, sample_weight=None):
        with name_scope(self._name_scope):
            losses = self.call(y_true, y_pred)
            mask = self._valid_mask(y_true, losses)
            reduction = Reduction.SUM_OVER_BATCH_SIZE if self.reduction == Reduction.AUTO else self.reduction
            if mask is not None:  # Keras' apply_valid_mask: the mean is over the unmasked entries only
                mask = math_ops.cast(mask, losses.dtype)
                if reduction == Reduction.SUM_OVER_BATCH_SIZE:
                    total = math_ops.cast(array_ops.size(mask), losses.dtype)
                    mask = math_ops.multiply(mask, math_ops.divide(total, math_ops.reduce_sum(mask)))
                sample_weight = mask if sample_weight is None else math_ops.multiply(
                    math_ops.cast(sample_weight, losses.dtype), mask)
            return compute_weighted_loss(losses, sample_weight, reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError("Must be implemented in subclasses.")

    def _valid_mask(self, y_true, losses):
        """Where the losses count (Keras' `_keras_mask` of the losses), or None for everywhere."""
        return None

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss from a per-example function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        y_pred, y_true = convert_to_tensor(y_pred), convert_to_tensor(y_true)
        y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs, "fn": self.fn.__name__}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = get(fn)
        return cls(**config)

    def _valid_mask(self, y_true, losses):
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None:
            return None
        labels = math_ops.cast(y_true, dtypes.int64)
        return array_ops.reshape(math_ops.not_equal(labels, ignore), array_ops.shape(losses))

    @property
    def from_logits(self):
        return self._fn_kwargs.get("from_logits", False)


def _loss_class(cls_name, fn, default_name, **defaults):
    """A LossFunctionWrapper subclass with Keras' signature `(*defaults, reduction='auto', name=default_name)`; the
    `defaults` are fn's keyword arguments."""
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
           for k, v in {**defaults, "reduction": Reduction.AUTO, "name": default_name}.items()])

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        del given["self"]
        LossFunctionWrapper.__init__(self, fn, given.pop("reduction"), given.pop("name"), **given)
    __init__.__signature__ = signature
    args = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
    return type(cls_name, (LossFunctionWrapper,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"Keras' {cls_name}({args}{', ' if args else ''}reduction='auto', name={default_name!r}): "
                   f"`{fn.__name__}` reduced."})


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                          "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                          "mean_squared_logarithmic_error")
BinaryCrossentropy = _loss_class("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                                 from_logits=False, label_smoothing=0.0, axis=-1)
BinaryFocalCrossentropy = _loss_class("BinaryFocalCrossentropy", binary_focal_crossentropy,
                                      "binary_focal_crossentropy", apply_class_balancing=False, alpha=0.25,
                                      gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", categorical_crossentropy,
                                      "categorical_crossentropy", from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _loss_class("CategoricalFocalCrossentropy", categorical_focal_crossentropy,
                                           "categorical_focal_crossentropy", alpha=0.25, gamma=2.0,
                                           from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_class("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                            "sparse_categorical_crossentropy", from_logits=False, ignore_class=None)
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "cosine_similarity", axis=-1)
Hinge = _loss_class("Hinge", hinge, "hinge")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
Poisson = _loss_class("Poisson", poisson, "poisson")
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh")
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence")
Huber = _loss_class("Huber", huber, "huber_loss", delta=1.0)


# --- by name -------------------------------------------------------------------------------------------------

_FUNCTIONS = {name: obj for name, obj in globals().items()
              if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", None) == __name__
              and not isinstance(obj, type) and name != "compute_weighted_loss"}
_CLASSES = {name: obj for name, obj in globals().items()
            if isinstance(obj, type) and issubclass(obj, Loss)}


def serialize(loss, use_legacy_format=False):
    """{'class_name': ..., 'config': get_config()} of a Loss object; a loss function's name."""
    if loss is None:
        return None
    if not isinstance(loss, Loss):
        warnings.warn("The `keras.losses.serialize()` API should only be used for objects of type "
                      f"`keras.losses.Loss`. Found an instance of type {type(loss)}, which may lead to improper "
                      "serialization.", stacklevel=2)
        return loss.__name__
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """The loss function of a name ('mse', 'huber', ...), a new Loss object of a class name ('Huber') or of a
    serialized {'class_name', 'config'}."""
    found = {**_FUNCTIONS, **_CLASSES, **(custom_objects or {})}
    if isinstance(name, dict):
        cls = found.get(name.get("class_name"))
        if not isinstance(cls, type):
            raise ValueError(f"Unknown loss function: '{name.get('class_name')}'. Please ensure you are using a "
                             "`keras.utils.custom_object_scope` and that this object is included in the scope.")
        return cls.from_config(dict(name.get("config") or {}))
    if name not in found:
        raise ValueError(f"Unknown loss function: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included in the scope.")
    obj = found[name]
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """A loss from a name or a serialized dict (see `deserialize`); a function or Loss object as it is."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier}")


def base_function(identifier):
    """The named loss function behind `identifier` (for Keras' choice of accuracy), or None."""
    if isinstance(identifier, str):
        identifier = _FUNCTIONS.get(identifier) or _CLASSES.get(identifier)
    if isinstance(identifier, type) and issubclass(identifier, LossFunctionWrapper):
        return identifier().fn
    if isinstance(identifier, LossFunctionWrapper):
        return identifier.fn
    return identifier


__all__ = sorted([*_FUNCTIONS, *_CLASSES, "Reduction", "serialize", "deserialize", "get"])

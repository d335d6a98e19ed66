"""`tf.keras.metrics` (Keras 2, as tf-keras 2.21): the per-example metric functions, the stateful `Metric` classes
and `get` / `serialize` / `deserialize`; `_for_compile` turns what `Model.compile(metrics=[...])` is given into
metric objects named as Keras 2 names them.

_base.py holds Metric and the means, _functions.py the functions, _confusion.py the metrics on confusion counts
(Precision, Recall, AUC, ...), _scores.py IoU, R2Score, FBetaScore and the other metrics with state of their own."""
from __future__ import annotations

from .. import losses as _losses
from ..layers._base import _keras_snake
from . import _functions
from ._base import Mean, MeanMetricWrapper, MeanTensor, Metric, Sum
from ._base import Reduce as _Reduce
from ._base import wrapper_class as _wrapper_class
from ._confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from ._functions import *  # noqa: F401,F403  (the functions, by Keras' names)
from ._functions import FUNCTIONS as _FUNCTIONS
from ._functions import _normalized_dot
from ._functions import binary_accuracy as _binary_accuracy
from ._functions import categorical_accuracy as _categorical_accuracy
from ._functions import sparse_categorical_accuracy as _sparse_categorical_accuracy
from ._scores import (
    BinaryIoU,
    F1Score,
    FBetaScore,
    IoU,
    MeanIoU,
    MeanRelativeError,
    OneHotIoU,
    OneHotMeanIoU,
    R2Score,
    RootMeanSquaredError,
)

_F = _FUNCTIONS
Accuracy = _wrapper_class("Accuracy", _F["accuracy"], "accuracy", "how often y_pred equals y_true.")
BinaryAccuracy = _wrapper_class("BinaryAccuracy", _F["binary_accuracy"], "binary_accuracy",
                               "how often y_pred > threshold matches the binary y_true.", threshold=0.5)
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", _F["categorical_accuracy"], "categorical_accuracy",
                                    "how often y_pred's arg max is the one-hot y_true's.")
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy", _F["sparse_categorical_accuracy"],
                                          "sparse_categorical_accuracy", "how often y_pred's arg max is the label.")
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", _F["top_k_categorical_accuracy"],
                                        "top_k_categorical_accuracy", "how often the one-hot class is in y_pred's "
                                        "top k.", order=["k", "name", "dtype"], k=5)
SparseTopKCategoricalAccuracy = _wrapper_class("SparseTopKCategoricalAccuracy", _F["sparse_top_k_categorical_accuracy"],
                                              "sparse_top_k_categorical_accuracy", "how often the label is in "
                                              "y_pred's top k.", order=["k", "name", "dtype"], k=5)
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", _losses.binary_crossentropy, "binary_crossentropy",
                                   "the mean binary cross entropy.", from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy", _losses.categorical_crossentropy,
                                        "categorical_crossentropy", "the mean categorical cross entropy.",
                                        from_logits=False, label_smoothing=0, axis=-1)
SparseCategoricalCrossentropy = _wrapper_class("SparseCategoricalCrossentropy",
                                              _losses.sparse_categorical_crossentropy,
                                              "sparse_categorical_crossentropy", "the mean sparse categorical cross "
                                              "entropy.", from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _wrapper_class("KLDivergence", _losses.kl_divergence, "kullback_leibler_divergence",
                             "the mean Kullback-Leibler divergence.")
Poisson = _wrapper_class("Poisson", _losses.poisson, "poisson", "the mean Poisson loss.")
Hinge = _wrapper_class("Hinge", _losses.hinge, "hinge", "the mean hinge loss.")
SquaredHinge = _wrapper_class("SquaredHinge", _losses.squared_hinge, "squared_hinge", "the mean squared hinge loss.")
CategoricalHinge = _wrapper_class("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge",
                                 "the mean categorical hinge loss.")
CosineSimilarity = _wrapper_class("CosineSimilarity", _normalized_dot, "cosine_similarity",
                                 "the mean cosine similarity (positive, unlike the loss).", order=["name", "dtype",
                                                                                                  "axis"], axis=-1)
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", _losses.mean_absolute_error, "mean_absolute_error",
                                  "the mean absolute error.")
MeanAbsolutePercentageError = _wrapper_class("MeanAbsolutePercentageError", _losses.mean_absolute_percentage_error,
                                            "mean_absolute_percentage_error", "the mean absolute percentage error.")
MeanSquaredError = _wrapper_class("MeanSquaredError", _losses.mean_squared_error, "mean_squared_error",
                                 "the mean squared error.")
MeanSquaredLogarithmicError = _wrapper_class("MeanSquaredLogarithmicError", _losses.mean_squared_logarithmic_error,
                                            "mean_squared_logarithmic_error", "the mean squared logarithmic error.")
LogCoshError = _wrapper_class("LogCoshError", _losses.log_cosh, "logcosh", "the mean log-cosh error.")
del _F

_CLASSES = {name: obj for name, obj in globals().items()
            if isinstance(obj, type) and issubclass(obj, Metric) and not name.startswith("_") and obj is not _Reduce}
_UNKNOWN = ("Unknown metric function: '{}'. Please ensure you are using a `keras.utils.custom_object_scope` and "
            "that this object is included in the scope. See https://www.tensorflow.org/guide/keras/"
            "save_and_serialize#registering_the_custom_object for details.")


def serialize(metric, use_legacy_format=False):
    """{'class_name', 'config'} of a Metric object; a metric function's name."""
    if isinstance(metric, Metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return metric.__name__


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """The metric function of a name ('mse', 'binary_accuracy', ...), a new Metric of a class name ('AUC') or of a
    serialized {'class_name', 'config'}."""
    found = {**_FUNCTIONS, **_CLASSES, **(custom_objects or {})}
    if isinstance(config, dict):
        cls = found.get(config.get("class_name"))
        if not isinstance(cls, type):
            raise ValueError(_UNKNOWN.format(config.get("class_name")))
        return cls.from_config(dict(config.get("config") or {}))
    if config not in found:
        raise ValueError(_UNKNOWN.format(config))
    obj = found[config]
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """A metric from a name or a serialized dict (see `deserialize`); a function or Metric as it is."""
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def _accuracy_function(loss, output_shape):
    """Keras' choice for 'accuracy': binary for a binary cross entropy or one output unit, sparse for the sparse
    loss (whose targets are class ids), categorical otherwise."""
    base = _losses.base_function(loss)
    if base is _losses.sparse_categorical_crossentropy:
        return _sparse_categorical_accuracy
    if base is _losses.binary_crossentropy or (output_shape and output_shape[-1] == 1):
        return _binary_accuracy
    return _categorical_accuracy


def _crossentropy_function(loss, output_shape):
    chosen = _accuracy_function(loss, output_shape)
    return {_sparse_categorical_accuracy: _losses.sparse_categorical_crossentropy,
            _binary_accuracy: _losses.binary_crossentropy}.get(chosen, _losses.categorical_crossentropy)


def _for_compile(identifiers, loss=None, output_shape=None):
    """The Metric objects of `compile(metrics=...)`, named as Keras 2 (a string keeps its name: 'acc', 'mse'; a
    class name makes a metric of its default name: 'AUC' -> 'auc'; a function is named after itself; a serialized
    Metric is rebuilt)."""
    made = []
    for identifier in identifiers:
        if isinstance(identifier, Metric):
            metric = identifier
        elif isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc", "crossentropy", "ce"):
            choose = _accuracy_function if identifier.lower() in ("accuracy", "acc") else _crossentropy_function
            metric = MeanMetricWrapper(choose(loss, output_shape), name=identifier)
        elif isinstance(identifier, dict):  # serialized, as a saved model's training config holds it
            metric = deserialize(identifier)
        elif isinstance(identifier, str):
            obj = deserialize(identifier) if identifier not in _CLASSES else None
            if obj is None:
                cls = _CLASSES[identifier]
                metric = cls() if cls._default_name else cls(name=_keras_snake(identifier))
            else:
                metric = MeanMetricWrapper(obj, name=identifier)
        elif callable(identifier):
            metric = MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", type(identifier).__name__))
        else:
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
        if any(m.name == metric.name for m in made):
            raise ValueError(f"Found two metrics with the same name: {metric.name}. All the metrics added to the "
                             "model need to have unique names.")
        made.append(metric)
    return made


__all__ = sorted([*_functions.__all__, *_CLASSES, "serialize", "deserialize", "get"])

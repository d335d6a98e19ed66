"""`tf.estimator`: `Estimator(model_fn)` with `train`/`evaluate`/`predict`, `EstimatorSpec`, `ModeKeys`,
`RunConfig`, `tf.estimator.inputs.numpy_input_fn` (docs/estimator.md), `BoostedTreesClassifier` / `Regressor`
(docs/boosted-trees.md), `export_saved_model` with
`tf.estimator.export`, and `train_and_evaluate` (docs/saved-model.md). TF's `tf.estimator` also carries the
session-run hooks of `tf.train`: the same classes."""
from ..train import hooks as _hooks
from ..train import session_run_hook as _session_run_hook
from ..train.hooks import *  # noqa: F401,F403
from ..train.session_run_hook import *  # noqa: F401,F403
from . import experimental, export, inputs
from .boosted_trees import (
                            BoostedTreesClassifier,
                            BoostedTreesRegressor,
                            boosted_trees_classifier_train_in_memory,
                            boosted_trees_regressor_train_in_memory,
)
from .canned import (
                     DNNClassifier,
                     DNNLinearCombinedClassifier,
                     DNNLinearCombinedRegressor,
                     DNNRegressor,
                     LinearClassifier,
                     LinearRegressor,
)
from .estimator import Estimator
from .exporter import Exporter, FinalExporter, LatestExporter
from .model_fn import EstimatorSpec, ModeKeys
from .run_config import RunConfig
from .training import EvalSpec, TrainSpec, train_and_evaluate
from .warm_starting import WarmStartSettings

__all__ = ["Estimator", "BoostedTreesClassifier", "BoostedTreesRegressor", "boosted_trees_classifier_train_in_memory",
           "boosted_trees_regressor_train_in_memory",
           "DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor",
           "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor", "EstimatorSpec", "ModeKeys", "RunConfig",
           "WarmStartSettings", "inputs", "export", "experimental", "Exporter", "FinalExporter", "LatestExporter",
           "TrainSpec", "EvalSpec", "train_and_evaluate",
           *_session_run_hook.__all__, *_hooks.__all__]

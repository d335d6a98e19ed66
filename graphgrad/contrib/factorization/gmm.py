"""`tf.contrib.factorization.GMM`: TF 1.15's Gaussian-mixture estimator, on graphgrad's `tf.estimator.Estimator`
(TF's was a contrib.learn estimator; the methods and keys are its). Each `train` step is one EM step of
`gmm_ops.gmm` after a hook has run the init op; `score` is the log-likelihood of the evaluated data."""
from __future__ import annotations

import numpy as np

from ...estimator.estimator import Estimator
from ...estimator.model_fn import EstimatorSpec
from ...framework import dtypes
from ...framework.graph import control_dependencies
from ...metrics import metric_variable
from ...ops import array_ops, state_ops
from ...ops.core import identity
from ...train.global_step import get_global_step
from . import gmm_ops
from .kmeans import _InitializeClustersHook


def _streaming_sum(values):
    """(value, update_op) of the running sum of `values` (contrib.metrics' streaming_sum)."""
    total = metric_variable([], dtypes.float32, name="total")
    return identity(total), state_ops.assign_add(total, values)


class GMM(Estimator):
    """An estimator for Gaussian mixture model clustering."""

    SCORES = "scores"
    LOG_LIKELIHOOD = "loss"
    ASSIGNMENTS = "assignments"

    def __init__(self, num_clusters, model_dir=None, random_seed=0, params="wmc", initial_clusters="random",
                 covariance_type="full", config=None):
        self._num_clusters = num_clusters
        self._em_params = params  # not _params: Estimator keeps its own params there
        self._training_initial_clusters = initial_clusters
        self._covariance_type = covariance_type
        self._random_seed = random_seed
        super().__init__(model_fn=self._model_fn, model_dir=model_dir, config=config)

    def predict_assignments(self, input_fn=None, batch_size=None, outputs=None):
        """Each input's most probable component (a generator)."""
        for result in self.predict(input_fn=input_fn):
            yield result[self.ASSIGNMENTS]

    def score(self, input_fn=None, batch_size=None, steps=None):
        """log(Σ exp(log-likelihood)) over the evaluated batches."""
        results = self.evaluate(input_fn=input_fn, steps=steps)
        return np.log(np.sum(np.exp(results[self.SCORES])))

    def weights(self):
        """The mixture weights."""
        return self.get_variable_value(gmm_ops.GmmAlgorithm.CLUSTERS_WEIGHT)

    def clusters(self):
        """The means, num_clusters × dimensions."""
        return np.squeeze(self.get_variable_value(gmm_ops.GmmAlgorithm.CLUSTERS_VARIABLE), 1)

    def covariances(self):
        """The covariances: num_clusters × D × D (full) or num_clusters × D (diag)."""
        return self.get_variable_value(gmm_ops.GmmAlgorithm.CLUSTERS_COVS_VARIABLE)

    @staticmethod
    def _parse_tensor_or_dict(features):
        if isinstance(features, dict):
            return array_ops.concat([features[k] for k in sorted(features)], 1)
        return features

    def _model_fn(self, features, labels, mode, config):
        if labels is not None:
            raise ValueError(f"GMM takes no labels, got {labels}")
        loss, _, predictions, training_op, init_op, is_initialized = gmm_ops.gmm(
            self._parse_tensor_or_dict(features), self._training_initial_clusters, self._num_clusters,
            self._random_seed, self._covariance_type, self._em_params)
        incr_step = state_ops.assign_add(get_global_step(), 1)
        with control_dependencies([training_op, incr_step]):
            train_op = identity(loss)
        return EstimatorSpec(mode=mode, predictions={self.ASSIGNMENTS: predictions[0][0]}, loss=loss,
                             train_op=train_op, eval_metric_ops={self.SCORES: _streaming_sum(loss)},
                             training_hooks=[_InitializeClustersHook(init_op, is_initialized, config.is_chief)])

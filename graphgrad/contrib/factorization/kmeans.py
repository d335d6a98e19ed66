"""`tf.contrib.factorization.KMeansClustering` (also `tf.estimator.experimental.KMeans`): TF 1.15's k-means
estimator on graphgrad's `tf.estimator.Estimator`. Each `train` step runs one `training_op` of `KMeans` (one
mini-batch step by default, `use_mini_batch=False` for Lloyd's full-batch step) after a hook has run its init op
until the centres are chosen; the loss is the sum of the batch's distances to their nearest centres."""
from __future__ import annotations

from ...estimator.estimator import Estimator
from ...estimator.export import PredictOutput
from ...estimator.model_fn import EstimatorSpec
from ...feature_column import input_layer
from ...framework.graph import control_dependencies
from ...metrics import mean
from ...ops import array_ops, math_ops, state_ops
from ...ops.core import identity
from ...train.global_step import get_global_step
from ...train.session_run_hook import SessionRunArgs, SessionRunHook
from . import clustering_ops

_SERVING_KEY = "serving_default"  # saved_model.signature_constants' (not imported: it loads protobufs)


class _LossRelativeChangeHook(SessionRunHook):
    """Stops training once |loss − previous loss| / (1 + |previous loss|) < tolerance."""

    def __init__(self, loss_tensor, tolerance):
        self._loss_tensor, self._tolerance, self._prev_loss = loss_tensor, tolerance, None

    def before_run(self, run_context):
        return SessionRunArgs({"loss": self._loss_tensor})

    def after_run(self, run_context, run_values):
        loss = run_values.results["loss"]
        if self._prev_loss is not None:
            if abs(loss - self._prev_loss) / (1 + abs(self._prev_loss)) < self._tolerance:
                run_context.request_stop()
        self._prev_loss = loss


class _InitializeClustersHook(SessionRunHook):
    """Runs the init op right after the session is created until the centres are initialized."""

    def __init__(self, init_op, is_initialized_var, is_chief):
        self._init_op, self._is_initialized_var, self._is_chief = init_op, is_initialized_var, is_chief

    def after_create_session(self, session, coord):
        while not session.run(self._is_initialized_var):
            if not self._is_chief:
                raise RuntimeError("k-means centres are chosen by the chief")
            session.run(self._init_op)


def _parse_features_if_necessary(features, feature_columns):
    """A dict of features becomes one matrix: through `feature_columns`, or its values concatenated by sorted key."""
    if not isinstance(features, dict):
        return features
    if feature_columns:
        return input_layer(features, feature_columns)
    return array_ops.concat([features[k] for k in sorted(features)], axis=1)


class _ModelFn:
    def __init__(self, num_clusters, initial_clusters, distance_metric, seed, use_mini_batch,
                 mini_batch_steps_per_iteration, kmeans_plus_plus_num_retries, relative_tolerance, feature_columns):
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._seed = seed
        self._use_mini_batch = use_mini_batch
        self._mini_batch_steps_per_iteration = mini_batch_steps_per_iteration
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._relative_tolerance = relative_tolerance
        self._feature_columns = feature_columns

    def model_fn(self, features, mode, config):
        points = _parse_features_if_necessary(features, self._feature_columns)
        all_distances, predictions, losses, is_initialized, _, init_op, training_op = clustering_ops.KMeans(
            inputs=points, num_clusters=self._num_clusters, initial_clusters=self._initial_clusters,
            distance_metric=self._distance_metric, use_mini_batch=self._use_mini_batch,
            mini_batch_steps_per_iteration=self._mini_batch_steps_per_iteration, random_seed=self._seed,
            kmeans_plus_plus_num_retries=self._kmeans_plus_plus_num_retries).training_graph()
        loss = math_ops.reduce_sum(losses)
        from ...summary import scalar  # tf.summary loads on first use (graphgrad/__init__.py says why)

        scalar("loss/raw", loss)
        incr_step = state_ops.assign_add(get_global_step(), 1)
        with control_dependencies([training_op, incr_step]):
            train_op = identity(loss)
        hooks = [_InitializeClustersHook(init_op, is_initialized, config.is_chief)]
        if self._relative_tolerance is not None:
            hooks.append(_LossRelativeChangeHook(loss, self._relative_tolerance))
        export_outputs = {
            KMeansClustering.ALL_DISTANCES: PredictOutput(all_distances[0]),
            KMeansClustering.CLUSTER_INDEX: PredictOutput(predictions[0]),
            _SERVING_KEY: PredictOutput(predictions[0]),
        }
        return EstimatorSpec(
            mode=mode,
            predictions={KMeansClustering.ALL_DISTANCES: all_distances[0],
                         KMeansClustering.CLUSTER_INDEX: predictions[0]},
            loss=loss, train_op=train_op, eval_metric_ops={KMeansClustering.SCORE: mean(loss)},
            training_hooks=hooks, export_outputs=export_outputs)


class KMeansClustering(Estimator):
    """An Estimator for k-means clustering (TF 1.15's arguments, defaults and keys)."""

    SQUARED_EUCLIDEAN_DISTANCE = clustering_ops.SQUARED_EUCLIDEAN_DISTANCE
    COSINE_DISTANCE = clustering_ops.COSINE_DISTANCE
    RANDOM_INIT = clustering_ops.RANDOM_INIT
    KMEANS_PLUS_PLUS_INIT = clustering_ops.KMEANS_PLUS_PLUS_INIT
    SCORE = "score"
    CLUSTER_INDEX = "cluster_index"
    ALL_DISTANCES = "all_distances"
    CLUSTER_CENTERS_VAR_NAME = clustering_ops.CLUSTERS_VAR_NAME

    def __init__(self, num_clusters, model_dir=None, initial_clusters=RANDOM_INIT,
                 distance_metric=SQUARED_EUCLIDEAN_DISTANCE, random_seed=0, use_mini_batch=True,
                 mini_batch_steps_per_iteration=1, kmeans_plus_plus_num_retries=2, relative_tolerance=None,
                 config=None, feature_columns=None):
        if isinstance(initial_clusters, str) and initial_clusters not in (
                self.RANDOM_INIT, self.KMEANS_PLUS_PLUS_INIT):
            raise ValueError(f"Unsupported initial_clusters='{initial_clusters}'")
        if distance_metric not in (self.SQUARED_EUCLIDEAN_DISTANCE, self.COSINE_DISTANCE):
            raise ValueError(f"Unsupported distance_metric='{distance_metric}'")
        model_fn = _ModelFn(num_clusters, initial_clusters, distance_metric, random_seed, use_mini_batch,
                            mini_batch_steps_per_iteration, kmeans_plus_plus_num_retries, relative_tolerance,
                            feature_columns).model_fn
        super().__init__(model_fn=model_fn, model_dir=model_dir, config=config)

    def _predict_one_key(self, input_fn, predict_key):
        for result in self.predict(input_fn=input_fn, predict_keys=[predict_key]):
            yield result[predict_key]

    def predict_cluster_index(self, input_fn):
        """The index of each input's nearest centre (a generator)."""
        yield from self._predict_one_key(input_fn, self.CLUSTER_INDEX)

    def score(self, input_fn):
        """The sum of squared distances to the nearest centres of one batch (not sklearn's negative)."""
        return self.evaluate(input_fn=input_fn, steps=1)[self.SCORE]

    def transform(self, input_fn):
        """Each input's distances to every centre (squared Euclidean, or 1 − cosine) (a generator)."""
        yield from self._predict_one_key(input_fn, self.ALL_DISTANCES)

    def cluster_centers(self):
        """The centres, from the newest checkpoint."""
        return self.get_variable_value(self.CLUSTER_CENTERS_VAR_NAME)

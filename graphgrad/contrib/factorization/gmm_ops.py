"""`tf.contrib.factorization.gmm_ops`: TF 1.15's Gaussian mixture model by expectation-maximization
(contrib/factorization/python/ops/gmm_ops.py): variables `clusters` (means, K×1×D), `clusters_covs` (K×D×D full or
K×D diagonal covariances), `alphas` (mixture weights) and `initialized`; an init op that sets the means (random
rows or given) and every covariance to the data's covariance + 1e-3·I; one EM step per run of the training op."""
from __future__ import annotations

import numpy as np

from ... import nn
from ...framework import dtypes
from ...framework.graph import Tensor, control_dependencies
from ...ops import array_ops, check_ops, control_flow_ops, math_ops, random_ops, state_ops
from ...ops.core import constant, group, identity, no_op
from ...ops.diag_ops import diag, diag_part
from ...ops.matrix_diag_ops import matrix_diag_part
from ...ops.matrix_ops import cholesky, matrix_triangular_solve
from ...variables import Variable

MEPS = np.finfo(float).eps  # TF adds float64's machine epsilon to its float32 denominators
FULL_COVARIANCE = "full"
DIAG_COVARIANCE = "diag"


def _covariance(x, diag_only):
    """The sample covariance of the rows of x (divided by n − 1); its diagonal as a 1×D row when `diag_only`."""
    num_points = math_ops.cast(array_ops.shape(x)[0], dtypes.float32)
    x -= math_ops.reduce_mean(x, 0, keepdims=True)
    if diag_only:
        return math_ops.reduce_sum(math_ops.square(x), 0, keepdims=True) / (num_points - 1)
    return math_ops.matmul(x, x, transpose_a=True) / (num_points - 1)


def _init_clusters_random(data, num_clusters, random_seed):
    """`num_clusters` random rows of the shards (uniform indices, with repetition)."""
    num_data = math_ops.add_n([array_ops.shape(x)[0] for x in data])
    with control_dependencies([check_ops.assert_less_equal(num_clusters, num_data)]):
        indices = random_ops.random_uniform([num_clusters], minval=0, maxval=math_ops.cast(num_data, dtypes.int64),
                                            seed=random_seed, dtype=dtypes.int64)
    indices %= math_ops.cast(num_data, dtypes.int64)
    return nn.embedding_lookup(data, indices, partition_strategy="div")


class GmmAlgorithm:
    """The GMM graph over a list of data shards; `params` says which of weights (w), means (m) and covariances
    (c) the training op updates."""

    CLUSTERS_WEIGHT = "alphas"
    CLUSTERS_VARIABLE = "clusters"
    CLUSTERS_COVS_VARIABLE = "clusters_covs"

    def __init__(self, data, num_classes, initial_means=None, params="wmc", covariance_type=FULL_COVARIANCE,
                 random_seed=0):
        if covariance_type not in (DIAG_COVARIANCE, FULL_COVARIANCE):
            raise Exception(f"programmer error: Invalid covariance type: {covariance_type}")  # TF's class
        self._params, self._random_seed, self._covariance_type = params, random_seed, covariance_type
        shards = len(data)
        self._probs, self._prior_probs, self._w, self._points_in_k = ([None] * shards for _ in range(4))
        self._dimensions = array_ops.shape(data[0])[1]
        self._num_classes = num_classes
        self._min_var = diag(array_ops.ones(array_ops.stack([self._dimensions]))) * 1e-3  # keeps covs invertible
        self._create_variables()
        self._initialize_variables(data, initial_means)
        self._w_mul_x, self._w_mul_x2 = [], []
        self._define_graph(data)

    def _create_variables(self):
        init_value = constant([], dtype=dtypes.float32)
        self._means = Variable(init_value, name=self.CLUSTERS_VARIABLE, validate_shape=False)
        self._covs = Variable(init_value, name=self.CLUSTERS_COVS_VARIABLE, validate_shape=False)
        self._alpha = Variable(array_ops.tile([1.0 / self._num_classes], [self._num_classes]),
                               name=self.CLUSTERS_WEIGHT, validate_shape=False)
        self._cluster_centers_initialized = Variable(False, dtype=dtypes.bool_, name="initialized")

    def _initialize_variables(self, data, initial_means=None):
        """Init ops that set the means and the covariances once (the first run that finds `initialized` False)."""
        first = data[0]
        if initial_means is not None:
            means = array_ops.expand_dims(initial_means, 1)
        else:
            means = array_ops.expand_dims(_init_clusters_random(data, self._num_classes, self._random_seed), 1)
        if self._covariance_type == FULL_COVARIANCE:
            cov = _covariance(first, False) + self._min_var
            covs = array_ops.tile(array_ops.expand_dims(cov, 0), [self._num_classes, 1, 1])
        else:
            cov = _covariance(first, True) + self._min_var
            covs = array_ops.tile(array_ops.expand_dims(diag_part(cov), 0), [self._num_classes, 1])
        # TF builds one cond per variable, both on the same read of `initialized`; graphgrad's read is a view that
        # the first cond's write would change before the second reads it, so one cond sets both
        with control_dependencies([means, covs]):
            initialized = identity(self._cluster_centers_initialized)

        def init():
            writes = [state_ops.assign(self._means, means, validate_shape=False),
                      state_ops.assign(self._covs, covs, validate_shape=False)]
            with control_dependencies(writes):
                return state_ops.assign(self._cluster_centers_initialized, True)
        self._init_ops = [control_flow_ops.cond(initialized, lambda: identity(initialized), init).op]

    def init_ops(self):
        """The initialization operation."""
        return group(*self._init_ops)

    def training_ops(self):
        """One EM step."""
        return group(*self._train_ops)

    def is_initialized(self):
        return self._cluster_centers_initialized

    def alphas(self):
        return self._alpha

    def clusters(self):
        """The means, num_classes × 1 × dimensions."""
        return self._means

    def covariances(self):
        return self._covs

    def assignments(self):
        """Per shard, each example's most probable component."""
        return [math_ops.argmax(w, 1) for w in self._w]

    def scores(self):
        """Each example's log-likelihood under the mixture."""
        return self._scores

    def log_likelihood_op(self):
        """log Σ over examples of their likelihoods."""
        return self._log_likelihood_op

    def _define_graph(self, data):
        for shard_id, shard in enumerate(data):
            self._num_examples = array_ops.shape(shard)[0]
            shard = array_ops.expand_dims(shard, 0)
            self._define_log_prob_operation(shard_id, shard)
            self._prior_probs[shard_id] = math_ops.reduce_logsumexp(self._probs[shard_id], axis=1, keepdims=True)
            self._define_expectation_operation(shard_id)
            self._define_partial_maximization_operation(shard_id, shard)
        self._define_maximization_operation(len(data))
        self._log_likelihood_op = math_ops.reduce_logsumexp(
            [math_ops.reduce_logsumexp(p) for p in self._prior_probs])
        scores = [p + math_ops.log(self._w[i]) for i, p in enumerate(self._prior_probs)]
        self._scores = array_ops.squeeze(math_ops.reduce_logsumexp(scores, axis=2, keepdims=True), axis=0)

    def _define_log_prob_operation(self, shard_id, shard):
        """log(α_k N(x | μ_k, Σ_k)) per example and component (examples × components)."""
        dims = math_ops.cast(self._dimensions, dtypes.float32)
        if self._covariance_type == FULL_COVARIANCE:
            chol = cholesky(self._covs + self._min_var)
            log_det = 2.0 * math_ops.reduce_sum(math_ops.log(matrix_diag_part(chol)), 1)
            solved = matrix_triangular_solve(chol, array_ops.transpose(shard - self._means, perm=[0, 2, 1]),
                                             lower=True)
            mahalanobis = array_ops.transpose(math_ops.reduce_sum(math_ops.square(solved), 1))
            probs = -0.5 * (mahalanobis + dims * math_ops.log(2 * np.pi) + log_det)
        else:
            det = math_ops.reduce_sum(math_ops.log(self._covs + 1e-3), 1, keepdims=True)
            x2 = math_ops.squared_difference(shard, self._means)
            x2_cov = math_ops.matmul(x2, array_ops.expand_dims(1.0 / (self._covs + 1e-3), 2))
            x2_cov = array_ops.transpose(array_ops.squeeze(x2_cov, [2]))
            probs = -0.5 * (dims * math_ops.log(2.0 * np.pi) + array_ops.transpose(det) + x2_cov)
        self._probs[shard_id] = probs + math_ops.log(self._alpha)

    def _define_expectation_operation(self, shard_id):
        """Membership weights w_ik = α_k f(x_i | θ_k) / Σ_m α_m f(x_i | θ_m)."""
        probs = array_ops.expand_dims(self._probs[shard_id], 0)
        self._w[shard_id] = array_ops.reshape(math_ops.exp(probs - self._prior_probs[shard_id]),
                                              array_ops.stack([self._num_examples, self._num_classes]))

    def _define_partial_maximization_operation(self, shard_id, shard):
        """Per shard: Σ_i w_ik, Σ_i w_ik x_i and Σ_i w_ik x_i x_iᵀ."""
        w = self._w[shard_id]
        self._points_in_k[shard_id] = math_ops.reduce_sum(w, 0, keepdims=True)
        x = array_ops.squeeze(shard, [0])
        self._w_mul_x.append(array_ops.expand_dims(math_ops.matmul(w, x, transpose_a=True), 1))
        xt = array_ops.transpose(x)
        x_mul_w = array_ops.stack([xt * w[:, k] for k in range(self._num_classes)], 0)
        self._w_mul_x2.append(math_ops.matmul(x_mul_w, array_ops.tile(shard, [self._num_classes, 1, 1])))

    def _define_maximization_operation(self, num_batches):
        """The M step: α from the soft counts, μ as weighted means, Σ = E_w[x xᵀ] − μ μᵀ + 1e-3·I (with the new μ)."""
        with control_dependencies(self._w):
            points_in_k = array_ops.squeeze(math_ops.add_n(self._points_in_k), axis=[0])
            if "w" in self._params:
                final = points_in_k / num_batches
                total = math_ops.cast(math_ops.reduce_sum(final), dtypes.float32)
                alpha_op = state_ops.assign(self._alpha, final / (total + MEPS))
            else:
                alpha_op = no_op()
            self._train_ops = [alpha_op]
            expanded = array_ops.reshape(points_in_k, [self._num_classes, 1, 1])
            new_means = math_ops.div(math_ops.add_n(self._w_mul_x), expanded + MEPS)
            if "m" in self._params:
                means_op = state_ops.assign(self._means, new_means)
                means = new_means  # TF reads the variable after this assignment: the same values
            else:
                means_op, means = no_op(), identity(self._means)
            b = math_ops.add_n(self._w_mul_x2) / (expanded + MEPS)
            new_covs = b - math_ops.matmul(means, means, transpose_a=True) + self._min_var
            if self._covariance_type == DIAG_COVARIANCE:
                new_covs = matrix_diag_part(new_covs)
            if "c" in self._params:  # as in TF, the means are updated only through this dependency
                with control_dependencies([means_op, new_covs]):
                    self._train_ops.append(state_ops.assign(self._covs, new_covs, validate_shape=False))


def gmm(inp, initial_clusters, num_clusters, random_seed, covariance_type=FULL_COVARIANCE, params="wmc"):
    """TF 1.15's (loss, scores, [assignments], training_op, init_op, is_initialized) for a Gaussian mixture of
    `num_clusters` components; `initial_clusters` is "random" or the initial means (an array: as in TF, a Tensor
    there means random rows too)."""
    initial_means = None
    if not (isinstance(initial_clusters, str) and initial_clusters == "random") and \
            not isinstance(initial_clusters, Tensor):
        initial_means = constant(initial_clusters, dtype=dtypes.float32)
    inp = inp if isinstance(inp, list) else [inp]
    tool = GmmAlgorithm(inp, num_clusters, initial_means, params, covariance_type, random_seed)
    return (tool.log_likelihood_op(), tool.scores(), [tool.assignments()], tool.training_ops(), tool.init_ops(),
            tool.is_initialized())

"""`tf.contrib.factorization.KMeans`: the graph of TF 1.15's k-means (contrib/factorization/python/ops/
clustering_ops.py), with its variables (`clusters`, `initialized`, and for mini-batch training the counts
`Variable`, plus `clusters_updated` / `update_in_steps` when `mini_batch_steps_per_iteration > 1`), its
initializations (random rows, k-means++, k-MC2, a callable or given centres: an `init_op` run until
`initialized` is True) and its updates (Lloyd's full-batch step, or the mini-batch step `c += (Σd − k·c)/(n+k)`).

`training_graph()` returns TF 1.4-1.15's 7-tuple (all_scores, cluster_idx, scores, cluster_centers_initialized,
cluster_centers_var, init_op, training_op); the first three are tuples with one tensor per input shard.
graphgrad's `tf.cond` returns tensors only, so `init_op` is the operation of a cond whose branches end in the
same writes as TF's (running it runs them)."""
from __future__ import annotations

from ... import nn
from ...framework import dtypes
from ...framework.graph import control_dependencies
from ...ops import array_ops, check_ops, control_flow_ops, math_ops, random_ops, state_ops, while_ops
from ...ops.clustering_ops import kmc2_chain_initialization, kmeans_plus_plus_initialization, nearest_neighbors
from ...ops.core import constant, convert_to_tensor, group, identity, no_op
from ...ops.scatter_ops import scatter_add
from ...ops.segment_ops import unsorted_segment_sum
from ...ops.unique_ops import unique
from ...variables import Variable

SQUARED_EUCLIDEAN_DISTANCE = "squared_euclidean"
COSINE_DISTANCE = "cosine"
RANDOM_INIT = "random"
KMEANS_PLUS_PLUS_INIT = "kmeans_plus_plus"
KMC2_INIT = "kmc2"
CLUSTERS_VAR_NAME = "clusters"


def _normalize(x):
    return nn.l2_normalize(x, dim=1)


class KMeans:
    """Creates the graph for k-means clustering (TF 1.15's arguments and defaults)."""

    def __init__(self, inputs, num_clusters, initial_clusters=RANDOM_INIT, distance_metric=SQUARED_EUCLIDEAN_DISTANCE,
                 use_mini_batch=False, mini_batch_steps_per_iteration=1, random_seed=0,
                 kmeans_plus_plus_num_retries=2, kmc2_chain_length=200):
        algorithms = [RANDOM_INIT, KMEANS_PLUS_PLUS_INIT, KMC2_INIT]
        if isinstance(initial_clusters, str) and initial_clusters not in algorithms:
            raise ValueError(f"Unsupported initialization algorithm '{initial_clusters}'")
        if distance_metric not in (SQUARED_EUCLIDEAN_DISTANCE, COSINE_DISTANCE):
            raise ValueError(f"Unsupported distance metric '{distance_metric}'")
        self._inputs = inputs if isinstance(inputs, list) else [inputs]
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._use_mini_batch = use_mini_batch
        self._mini_batch_steps_per_iteration = int(mini_batch_steps_per_iteration)
        self._random_seed = random_seed
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._kmc2_chain_length = kmc2_chain_length

    # --- distances ---------------------------------------------------------------------------------------------
    @classmethod
    def _distance_graph(cls, inputs, clusters, distance_metric):
        """Each input's distance to each centre: |x|² − 2x·c + |c|², or 1 − x·c for (normalized) cosine."""
        if distance_metric == SQUARED_EUCLIDEAN_DISTANCE:
            return cls._compute_euclidean_distance(inputs, clusters)
        return cls._compute_cosine_distance(inputs, clusters, inputs_normalized=True)

    @classmethod
    def _compute_euclidean_distance(cls, inputs, clusters):
        square_norms = array_ops.transpose(math_ops.reduce_sum(math_ops.square(clusters), 1, keepdims=True))
        return [math_ops.reduce_sum(math_ops.square(x), 1, keepdims=True)
                - 2 * math_ops.matmul(x, clusters, transpose_b=True) + square_norms for x in inputs]

    @classmethod
    def _compute_cosine_distance(cls, inputs, clusters, inputs_normalized=True):
        if not inputs_normalized:
            clusters = _normalize(clusters)
            inputs = [_normalize(x) for x in inputs]
        return [1 - math_ops.matmul(x, clusters, transpose_b=True) for x in inputs]

    def _infer_graph(self, inputs, clusters):
        """(all_scores, scores, cluster_idx), each a tuple over the inputs. The nearest centre comes from the
        NearestNeighbors kernel; for cosine its squared distance between unit vectors is halved (= 1 − cos)."""
        scores = self._distance_graph(inputs, clusters, self._distance_metric)
        if self._distance_metric == COSINE_DISTANCE and not self._clusters_l2_normalized():
            clusters = _normalize(clusters)
        out = []
        for x, score in zip(inputs, scores):
            indices, distances = nearest_neighbors(x, clusters, 1)
            if self._distance_metric == COSINE_DISTANCE:
                distances *= 0.5
            out.append((score, array_ops.squeeze(distances, [-1]), array_ops.squeeze(indices, [-1])))
        return tuple(zip(*out))

    def _clusters_l2_normalized(self):
        """Whether the centres are stored normalized (cosine, unless plain mini-batch updates them)."""
        return self._distance_metric == COSINE_DISTANCE and (
            not self._use_mini_batch or self._mini_batch_steps_per_iteration > 1)

    # --- variables and training -------------------------------------------------------------------------------
    def _create_variables(self, num_clusters):
        """(clusters, initialized, counts, clusters_updated, update_in_steps), named as TF names them."""
        init_value = constant([], dtype=dtypes.float32)
        centers = Variable(init_value, name=CLUSTERS_VAR_NAME, validate_shape=False)
        initialized = Variable(False, dtype=dtypes.bool_, name="initialized")
        if self._use_mini_batch and self._mini_batch_steps_per_iteration > 1:
            updated = Variable(init_value, name="clusters_updated", validate_shape=False)
            update_in_steps = Variable(self._mini_batch_steps_per_iteration, dtype=dtypes.int64,
                                       name="update_in_steps")
            counts = Variable(array_ops.zeros([num_clusters], dtype=dtypes.int64))
        else:
            updated, update_in_steps = centers, None
            counts = Variable(array_ops.ones([num_clusters], dtype=dtypes.int64)) if self._use_mini_batch else None
        return centers, initialized, counts, updated, update_in_steps

    def training_graph(self):
        """(all_scores, cluster_idx, scores, cluster_centers_initialized, cluster_centers_var, init_op,
        training_op): run `init_op` until `cluster_centers_initialized` is True, then `training_op` as often as
        wanted (each run is one Lloyd iteration, or one mini-batch step)."""
        if isinstance(self._initial_clusters, str) or callable(self._initial_clusters):
            initial_clusters = self._initial_clusters
            num_clusters = convert_to_tensor(self._num_clusters)
        else:
            initial_clusters = convert_to_tensor(self._initial_clusters)
            rows = initial_clusters.shape.dims_tuple
            # a static count where the centres' shape gives one (TF infers it from the shape's slice)
            num_clusters = rows[0] if rows and rows[0] is not None else array_ops.shape(initial_clusters)[0]
        centers_var, initialized, total_counts, centers_updated, update_in_steps = \
            self._create_variables(num_clusters)
        init_op = _InitializeClustersOpFactory(
            self._inputs, num_clusters, initial_clusters, self._distance_metric, self._random_seed,
            self._kmeans_plus_plus_num_retries, self._kmc2_chain_length, centers_var, centers_updated,
            initialized).op()
        inputs, centers = self._inputs, centers_var
        if self._distance_metric == COSINE_DISTANCE:
            inputs = [_normalize(x) for x in inputs]
            if not self._clusters_l2_normalized():
                centers = _normalize(centers)
        all_scores, scores, cluster_idx = self._infer_graph(inputs, centers)
        if self._use_mini_batch:
            sync = self._mini_batch_sync_updates_op(update_in_steps, centers_var, centers_updated, total_counts)
            with control_dependencies([sync]):
                training_op = self._mini_batch_training_op(inputs, cluster_idx, centers_updated, total_counts)
        else:
            training_op = self._full_batch_training_op(inputs, num_clusters, cluster_idx, centers_var)
        return all_scores, cluster_idx, scores, initialized, centers_var, init_op, training_op

    def _mini_batch_sync_updates_op(self, update_in_steps, centers_var, centers_updated, total_counts):
        """With several steps per iteration: every `mini_batch_steps_per_iteration` runs, copy the updated centres
        (normalized for cosine) into `clusters` and zero the counts; otherwise count the step down."""
        if not (self._use_mini_batch and self._mini_batch_steps_per_iteration > 1):
            return no_op()

        def sync():
            with control_dependencies([state_ops.assign(update_in_steps, self._mini_batch_steps_per_iteration - 1)]):
                fresh = centers_updated
                if self._distance_metric == COSINE_DISTANCE:
                    fresh = _normalize(centers_updated)
                with control_dependencies([state_ops.assign(centers_var, fresh)]):
                    with control_dependencies([state_ops.assign(total_counts, array_ops.zeros_like(total_counts))]):
                        return identity(update_in_steps)

        return control_flow_ops.cond(update_in_steps <= 0, sync,
                                     lambda: state_ops.assign_sub(update_in_steps, 1))

    def _mini_batch_training_op(self, inputs, cluster_idx_list, centers, total_counts):
        """c += (Σ d_i − k·c) / (n + k) for each centre c with n earlier and k new points d_i."""
        updates = []
        for x, idx in zip(inputs, cluster_idx_list):
            unique_ids, unique_idx = unique(array_ops.reshape(idx, [-1]))
            num_unique = array_ops.size(unique_ids)
            old_counts = array_ops.gather(total_counts, unique_ids)
            old_centers = array_ops.gather(centers, unique_ids)
            count_updates = unsorted_segment_sum(array_ops.ones_like(unique_idx, dtype=total_counts.dtype),
                                                 unique_idx, num_unique)
            center_updates = unsorted_segment_sum(x, unique_idx, num_unique)
            broadcast_shape = array_ops.concat(
                [array_ops.reshape(num_unique, [1]),
                 array_ops.ones(array_ops.reshape(array_ops.rank(x) - 1, [1]), dtype=dtypes.int32)], 0)
            center_updates -= math_ops.cast(array_ops.reshape(count_updates, broadcast_shape),
                                            x.dtype) * old_centers
            learning_rate = math_ops.reciprocal(math_ops.cast(old_counts + count_updates, x.dtype))
            center_updates *= array_ops.reshape(learning_rate, broadcast_shape)
            updates += [scatter_add(total_counts, unique_ids, count_updates),
                        scatter_add(centers, unique_ids, center_updates)]
        return group(*updates)

    def _full_batch_training_op(self, inputs, num_clusters, cluster_idx_list, centers):
        """Lloyd's step: each centre becomes the mean of its points (sum / (count + 1e-6))."""
        sums, counts = [], []
        epsilon = constant(1e-6, dtype=inputs[0].dtype)
        for x, idx in zip(inputs, cluster_idx_list):
            sums.append(unsorted_segment_sum(x, idx, num_clusters))
            ones = array_ops.ones(array_ops.reshape(array_ops.shape(x)[0], [-1]))
            counts.append(unsorted_segment_sum(array_ops.reshape(ones, [-1, 1]), idx, num_clusters))
        new_centers = math_ops.add_n(sums) / (math_ops.cast(math_ops.add_n(counts), sums[0].dtype) + epsilon)
        if self._clusters_l2_normalized():
            new_centers = _normalize(new_centers)
        return state_ops.assign(centers, new_centers)


class _InitializeClustersOpFactory:
    """The init op: while fewer than num_clusters centres are chosen, choose more (from this run's batch) and
    append them; once all are there, set `initialized`. Once initialized, it only asserts that it is."""

    def __init__(self, inputs, num_clusters, initial_clusters, distance_metric, random_seed,
                 kmeans_plus_plus_num_retries, kmc2_chain_length, cluster_centers, cluster_centers_updated,
                 cluster_centers_initialized):
        self._inputs = inputs
        self._num_clusters = num_clusters
        self._initial_clusters = initial_clusters
        self._distance_metric = distance_metric
        self._random_seed = random_seed
        self._kmeans_plus_plus_num_retries = kmeans_plus_plus_num_retries
        self._kmc2_chain_length = kmc2_chain_length
        self._cluster_centers = cluster_centers
        self._cluster_centers_updated = cluster_centers_updated
        self._cluster_centers_initialized = cluster_centers_initialized
        self._num_selected = array_ops.shape(cluster_centers)[0]
        self._num_remaining = num_clusters - self._num_selected
        self._num_data = math_ops.add_n([array_ops.shape(x)[0] for x in inputs])

    def _random(self):
        indices = random_ops.random_uniform(array_ops.reshape(self._num_remaining, [-1]), minval=0,
                                            maxval=math_ops.cast(self._num_data, dtypes.int64),
                                            seed=self._random_seed, dtype=dtypes.int64)
        return nn.embedding_lookup(self._inputs, indices, partition_strategy="div")

    def _kmeans_plus_plus(self):
        x = self._inputs[0]  # TF uses the first shard only
        if self._distance_metric == COSINE_DISTANCE:
            x = _normalize(x)
        return kmeans_plus_plus_initialization(x, math_ops.cast(self._num_remaining, dtypes.int64),
                                               self._random_seed, self._kmeans_plus_plus_num_retries)

    def _assign_centers(self, new_centers):
        a = state_ops.assign(self._cluster_centers, new_centers, validate_shape=False)
        if self._cluster_centers_updated is not self._cluster_centers:
            a = state_ops.assign(self._cluster_centers_updated, a, validate_shape=False)
        return a

    def _kmc2_multiple_centers(self):
        """One new centre per `kmc2_chain_length` points of the first shard (at least one, at most what is
        missing), each from one k-MC² chain over that subset's distances to the chosen centres; the very first
        centre is the shard's first row."""
        first = self._inputs[0]
        max_to_sample = math_ops.cast(array_ops.shape(first)[0] / self._kmc2_chain_length, dtype=dtypes.int32)
        num_to_sample = math_ops.maximum(math_ops.minimum(self._num_remaining, max_to_sample), 1)

        def body(i, _):
            def sample_first():
                center = array_ops.reshape(first[0], [1, -1])
                return _normalize(center) if self._distance_metric == COSINE_DISTANCE else center

            def sample_chain():
                subset = first[i * self._kmc2_chain_length:(i + 1) * self._kmc2_chain_length]
                _, distances = nearest_neighbors(subset, self._cluster_centers, 1)
                index = kmc2_chain_initialization(array_ops.squeeze(distances), self._random_seed)
                center = array_ops.reshape(array_ops.gather(subset, index), [1, -1])
                if self._distance_metric == COSINE_DISTANCE:
                    center = _normalize(center)
                return array_ops.concat([self._cluster_centers, center], 0)

            new = control_flow_ops.cond(math_ops.equal(self._num_selected, 0), sample_first, sample_chain)
            assigned = self._assign_centers(new)
            return i + 1, self._num_clusters - array_ops.shape(assigned)[0]

        _, num_remaining = while_ops.while_loop(lambda i, _: math_ops.less(i, num_to_sample), body, [0, 0])
        return num_remaining

    def _choose_initial_centers(self):
        init = self._initial_clusters
        if isinstance(init, str):
            if init == RANDOM_INIT:  # a batch no larger than what is missing is taken whole
                return control_flow_ops.cond(self._num_data <= self._num_remaining,
                                             lambda: array_ops.concat(self._inputs, 0), self._random)
            with control_dependencies([check_ops.assert_greater_equal(self._num_data, self._num_remaining)]):
                return self._kmeans_plus_plus()
        if callable(init):
            return init(self._inputs, self._num_remaining)
        with control_dependencies([check_ops.assert_equal(self._num_remaining, array_ops.shape(init)[0])]):
            return identity(init)

    def _add_new_centers(self):
        new_centers = self._choose_initial_centers()
        if self._distance_metric == COSINE_DISTANCE:
            new_centers = _normalize(new_centers)
        all_centers = control_flow_ops.cond(
            math_ops.equal(self._num_selected, 0), lambda: new_centers,
            lambda: array_ops.concat([self._cluster_centers, new_centers], 0))
        return self._num_clusters - array_ops.shape(self._assign_centers(all_centers))[0]

    def _initialize(self):
        with control_dependencies([check_ops.assert_positive(self._num_remaining)]):
            if self._initial_clusters == KMC2_INIT:
                num_now_remaining = self._kmc2_multiple_centers()
            else:
                num_now_remaining = self._add_new_centers()
            return control_flow_ops.cond(
                math_ops.equal(num_now_remaining, 0),
                lambda: state_ops.assign(self._cluster_centers_initialized, True),
                lambda: identity(self._cluster_centers_initialized))

    def op(self):
        """The cluster initializer op."""
        def initialized():
            with control_dependencies([check_ops.assert_equal(self._cluster_centers_initialized, True)]):
                return identity(self._cluster_centers_initialized)

        return control_flow_ops.cond(math_ops.equal(self._num_remaining, 0), initialized, self._initialize).op

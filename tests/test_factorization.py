"""tf.contrib.factorization: the k-means kernels against NumPy (their TF recordings are replayed by
test_tf1_conformance.py, program `clustering_kernels`), the KMeans graph's updates against independent NumPy
computations of TF's formulas, convergence on separable blobs, the estimator, and a TF1 tutorial-style program."""
import os
import sys

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.contrib.factorization import KMeans, KMeansClustering

RNG = np.random.default_rng(0)
CENTERS = np.array([[0, 0], [5, 5], [0, 5]], np.float32)
BLOBS = np.concatenate([RNG.normal(c, 0.1, (40, 2)) for c in CENTERS]).astype(np.float32)


def _sorted(c):
    return c[np.lexsort(np.round(c).T[::-1])]  # by rounded x, then y: the blobs' order


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


# --- kernels ---------------------------------------------------------------------------------------------------

def test_nearest_neighbors_are_numpys_nearest_centres_with_squared_distances():
    p, c = RNG.normal(size=(30, 4)).astype(np.float32), RNG.normal(size=(6, 4)).astype(np.float32)
    d2 = ((p[:, None] - c[None]) ** 2).sum(-1)
    with tf.Session() as s:
        for k in (1, 3, 10):
            idx, dist = s.run(tf.raw_ops.NearestNeighbors(points=p, centers=c, k=k))
            want = np.argsort(d2, axis=1, kind="stable")[:, :min(k, 6)]
            np.testing.assert_array_equal(idx, want)
            np.testing.assert_allclose(dist, np.take_along_axis(d2, want, 1), rtol=1e-5, atol=1e-5)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expected k >= 0"):
            s.run(tf.raw_ops.NearestNeighbors(points=p, centers=c, k=-1))


def test_the_nearest_centre_is_the_first_of_a_tie_and_never_a_nan_before_a_number():
    """k = 1 (k-means's assignment) takes the first minimum (argmin), as the stable sort of the k > 1 case does:
    ties go to the lower index, and a NaN distance (a NaN centre) is passed over as the sort passes it."""
    p = np.array([[1, 1], [0, 0], [3, 3]], np.float32)
    c = np.array([[np.nan, 0], [1, 1], [1, 1], [0, 0]], np.float32)
    with tf.Session() as s:
        idx, dist = s.run(tf.raw_ops.NearestNeighbors(points=p, centers=c, k=1))
        idx3, _ = s.run(tf.raw_ops.NearestNeighbors(points=p, centers=c, k=3))
    assert idx.ravel().tolist() == [1, 3, 1] == idx3[:, 0].tolist()
    np.testing.assert_allclose(dist.ravel(), [0, 0, 8], atol=1e-6)


def test_kmeans_plus_plus_picks_distinct_rows_and_repeats_for_a_seed():
    p = RNG.normal(size=(25, 3)).astype(np.float32)
    op = tf.raw_ops.KmeansPlusPlusInitialization(points=p, num_to_sample=25, seed=3, num_retries_per_sample=-1)
    with tf.Session() as s:
        a, b = s.run(op), s.run(op)
    np.testing.assert_array_equal(a, b)
    assert len({tuple(r) for r in a}) == 25 and {tuple(r) for r in a} == {tuple(r) for r in p}
    with pytest.raises(TypeError, match="float32"):
        tf.raw_ops.KmeansPlusPlusInitialization(points=p.astype(np.float64), num_to_sample=2, seed=0,
                                                num_retries_per_sample=0)


def test_kmeans_plus_plus_prefers_far_points():
    """Two far-apart groups: the second pick lands in the group the first did not (probability ~1 - 1e-8)."""
    p = np.concatenate([np.zeros((10, 2)), np.full((10, 2), 1e4)]).astype(np.float32)
    with tf.Session() as s:
        for seed in range(5):
            a = s.run(tf.raw_ops.KmeansPlusPlusInitialization(points=p, num_to_sample=2, seed=seed,
                                                              num_retries_per_sample=0))
            assert a[0, 0] != a[1, 0]


def test_unsorted_segment_sum_values_gradient_and_range():
    data = RNG.normal(size=(5, 3))
    ids = np.array([0, 2, -1, 2, 1])
    want = np.zeros((4, 3))
    for i, j in enumerate(ids):
        if j >= 0:
            want[j] += data[i]
    out = tf.unsorted_segment_sum(tf.constant(data), ids, 4)
    assert out.shape.as_list() == [4, 3]
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(out), want)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[1\] = 4 is out of range \[0, 4\)"):
            s.run(tf.unsorted_segment_sum(tf.constant(data[:2]), [0, 4], 4))
    check_gradients(lambda x: tf.unsorted_segment_sum(x, ids, 4) ** 2, [data])


def test_scatter_add_adds_duplicates_and_returns_the_new_value():
    v = tf.Variable(np.zeros((3, 2), np.float32))
    up = tf.scatter_add(v, [2, 0, 2], np.ones((3, 2), np.float32))
    sub = tf.scatter_sub(v, [1], [[5.0, 5.0]])
    with tf.Session() as s:
        s.run(v.initializer)
        np.testing.assert_array_equal(s.run(up), [[1, 1], [0, 0], [2, 2]])
        np.testing.assert_array_equal(s.run(sub), [[1, 1], [-5, -5], [2, 2]])
        with pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
            s.run(tf.scatter_add(v, [3], [[1.0, 1.0]]))


# --- the KMeans graph ------------------------------------------------------------------------------------------

def _train(steps=10, data=BLOBS, **kw):
    x = tf.placeholder(tf.float32, [None, 2])
    graph = KMeans(x, 3, **kw).training_graph()
    _, idx, scores, initialized, centers, init_op, train_op = graph
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    runs = 0
    while not s.run(initialized):
        s.run(init_op, {x: data})
        runs += 1
    for _ in range(steps):
        s.run(train_op, {x: data})
    return s, x, graph, runs


def test_training_graph_returns_tf_1_15s_seven_tuple_and_variables():
    x = tf.placeholder(tf.float32, [None, 2])
    graph = KMeans(x, 3, use_mini_batch=True, mini_batch_steps_per_iteration=2).training_graph()
    assert len(graph) == 7
    all_scores, idx, scores, initialized, centers, init_op, train_op = graph
    assert isinstance(idx, tuple) and len(idx) == 1 and idx[0].dtype == tf.int64
    assert centers.name == "clusters:0" and initialized.name == "initialized:0"
    assert [v.op.name for v in tf.global_variables()] == ["clusters", "initialized", "clusters_updated",
                                                          "update_in_steps", "Variable"]
    assert isinstance(init_op, tf.Operation)


@pytest.mark.parametrize("kw", [{"initial_clusters": "kmeans_plus_plus"}, {"initial_clusters": "kmc2",
                                                                               "kmc2_chain_length": 20},
                                {"use_mini_batch": True, "initial_clusters": "kmeans_plus_plus"},
                                {"use_mini_batch": True, "mini_batch_steps_per_iteration": 3,
                                 "initial_clusters": "kmeans_plus_plus"},
                                {"initial_clusters": CENTERS + 0.5}, {"initial_clusters": lambda xs, k: xs[0][:k]}])
def test_kmeans_finds_separable_blobs(kw):
    s, x, graph, _ = _train(30, **kw)
    np.testing.assert_allclose(_sorted(s.run(graph[4])), _sorted(CENTERS), atol=0.1)
    idx = s.run(graph[1][0], {x: BLOBS})
    assert all(len(set(idx[i * 40:(i + 1) * 40])) == 1 for i in range(3))


def test_cosine_kmeans_separates_directions():
    dirs = np.array([[1, 0], [0, 1], [-1, -1]], np.float32) / np.array([[1], [1], [np.sqrt(2)]], np.float32)
    data = np.concatenate([d * RNG.uniform(1, 3, (30, 1)) + RNG.normal(0, 0.02, (30, 2)) for d in dirs])
    s, x, graph, _ = _train(10, data=data.astype(np.float32), distance_metric="cosine",
                            initial_clusters="kmeans_plus_plus")
    c = s.run(graph[4])
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 1, rtol=1e-5)  # kept normalized (full batch)
    np.testing.assert_allclose(_sorted(c), _sorted(dirs), atol=0.05)


def test_full_batch_step_is_lloyds_mean_with_tfs_epsilon():
    s, x, graph, _ = _train(0, initial_clusters=CENTERS + 1.0)
    before = s.run(graph[4])
    s.run(graph[6], {x: BLOBS})
    near = ((BLOBS[:, None] - before[None]) ** 2).sum(-1).argmin(1)
    want = np.stack([BLOBS[near == j].sum(0) / ((near == j).sum() + 1e-6) for j in range(3)])
    np.testing.assert_allclose(s.run(graph[4]), want, rtol=1e-5)


def test_mini_batch_step_moves_centres_by_counts():
    """c += (Σd − k·c)/(n + k), with counts starting at 1 (TF's ones) and growing by each batch's k."""
    s, x, graph, _ = _train(0, initial_clusters=CENTERS + 1.0, use_mini_batch=True)
    c, n = s.run(graph[4]), np.ones(3)
    for batch in (BLOBS[::3], BLOBS[1::3]):
        s.run(graph[6], {x: batch})
        near = ((batch[:, None] - c[None]) ** 2).sum(-1).argmin(1)
        for j in range(3):
            k = (near == j).sum()
            if k:
                c[j] += (batch[near == j].sum(0) - k * c[j]) / (n[j] + k)
                n[j] += k
        np.testing.assert_allclose(s.run(graph[4]), c, rtol=1e-5)


def test_steps_per_iteration_update_a_copy_synced_every_n_steps():
    s, x, graph, _ = _train(0, initial_clusters=CENTERS + 1.0, use_mini_batch=True, mini_batch_steps_per_iteration=3)
    start = s.run(graph[4])
    updated = tf.get_default_graph().get_tensor_by_name("clusters_updated:0")
    for _ in range(3):
        s.run(graph[6], {x: BLOBS})
    np.testing.assert_array_equal(s.run(graph[4]), start)  # steps 1-3 count down, `clusters` unchanged
    moved = s.run(updated)
    assert not np.allclose(moved, start)
    s.run(graph[6], {x: BLOBS})  # step 4 syncs first: clusters := clusters_updated (as it was), counts := 0
    np.testing.assert_allclose(s.run(graph[4]), moved)


def test_random_init_picks_rows_of_the_batch():
    x = tf.placeholder(tf.float32, [None, 2])
    _, _, _, initialized, centers, init_op, _ = KMeans(x, 3, random_seed=5).training_graph()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(init_op, {x: BLOBS})
        assert s.run(initialized) and all((BLOBS == c).all(1).any() for c in s.run(centers))


def test_random_init_with_a_small_batch_takes_several_init_runs():
    x = tf.placeholder(tf.float32, [None, 2])
    _, _, _, initialized, centers, init_op, _ = KMeans(x, 3).training_graph()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(init_op, {x: BLOBS[:2]})  # fewer rows than clusters: the whole batch is taken
        assert s.run(tf.shape(centers)).tolist() == [2, 2] and not s.run(initialized)
        s.run(init_op, {x: BLOBS[40:80]})
        assert s.run(tf.shape(centers)).tolist() == [3, 2] and s.run(initialized)
        s.run(init_op, {x: BLOBS})  # once initialized it only checks


def test_bad_arguments_raise_as_tf():
    x = tf.placeholder(tf.float32, [None, 2])
    with pytest.raises(ValueError, match="initialization algorithm"):
        KMeans(x, 3, initial_clusters="kmeans++")
    with pytest.raises(ValueError, match="distance metric"):
        KMeans(x, 3, distance_metric="manhattan")
    with pytest.raises(ValueError, match="distance_metric"):
        KMeansClustering(3, distance_metric="manhattan")


# --- estimator -------------------------------------------------------------------------------------------------

def _input_fn():
    return tf.constant(BLOBS), None


def _one_pass():
    """The blobs once: predict reads until the input ends (OutOfRangeError), as in TF."""
    return tf.train.limit_epochs(tf.constant(BLOBS), num_epochs=1)


@pytest.mark.parametrize("make", [KMeansClustering, tf.estimator.experimental.KMeans,
                                  tf.compat.v1.estimator.experimental.KMeans])
def test_estimator_trains_predicts_scores_and_transforms(tmp_path, make):
    km = make(3, model_dir=str(tmp_path), initial_clusters=KMeansClustering.KMEANS_PLUS_PLUS_INIT,
              use_mini_batch=False)
    km.train(_input_fn, steps=5)
    centers = km.cluster_centers()
    np.testing.assert_allclose(_sorted(centers), _sorted(CENTERS), atol=0.1)
    idx = np.array(list(km.predict_cluster_index(_one_pass)))
    d2 = ((BLOBS[:, None] - centers[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(idx, d2.argmin(1))
    np.testing.assert_allclose(km.score(_input_fn), d2.min(1).sum(), rtol=1e-4)
    np.testing.assert_allclose(np.stack(list(km.transform(_one_pass))), d2, rtol=1e-4, atol=1e-4)
    assert km.get_variable_value("global_step") == 5


def test_estimator_stops_at_relative_tolerance(tmp_path):
    km = KMeansClustering(3, model_dir=str(tmp_path), initial_clusters="kmeans_plus_plus", use_mini_batch=False,
                          relative_tolerance=1e-4)
    km.train(_input_fn, steps=50)
    assert km.get_variable_value("global_step") < 10  # Lloyd converges in a few steps on the blobs


# --- a TF1 tutorial-style program ------------------------------------------------------------------------------

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import run_classic_programs as rcp  # noqa: E402

#: The shape of aymericdamien/TensorFlow-Examples' kmeans.py (cosine mini-batch k-means on MNIST, clusters
#: labelled by majority vote), written here so that the test needs no checkout.
PROGRAM = '''
import numpy as np
import tensorflow as tf
from tensorflow.contrib.factorization import KMeans
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)  # the tutorial says /tmp/data/: shared between runs
num_steps = 50
k = 25
X = tf.placeholder(tf.float32, shape=[None, 784])
Y = tf.placeholder(tf.float32, shape=[None, 10])
graph = KMeans(inputs=X, num_clusters=k, distance_metric='cosine', use_mini_batch=True).training_graph()
if len(graph) > 6:
    all_scores, cluster_idx, scores, initialized, centers_var, init_op, train_op = graph
cluster_idx = cluster_idx[0]
avg_distance = tf.reduce_mean(scores)
sess = tf.Session()
sess.run(tf.global_variables_initializer(), feed_dict={X: mnist.train.images})
sess.run(init_op, feed_dict={X: mnist.train.images})
for step in range(1, num_steps + 1):
    _, d, idx = sess.run([train_op, avg_distance, cluster_idx], feed_dict={X: mnist.train.images})
counts = np.zeros((k, 10))
for i in range(len(idx)):
    counts[idx[i]] += mnist.train.labels[i]
labels_map = tf.convert_to_tensor([np.argmax(c) for c in counts])
cluster_label = tf.nn.embedding_lookup(labels_map, cluster_idx)
correct = tf.equal(cluster_label, tf.cast(tf.argmax(Y, 1), tf.int32))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
print("steps", step, "distance", d, "accuracy", sess.run(accuracy, {X: mnist.test.images, Y: mnist.test.labels}))
'''


@pytest.mark.host_process("runs the program in a child process")
def test_a_tutorial_kmeans_program_runs_on_the_stand_in_mnist(tmp_path):
    import argparse

    checkout = tmp_path / "repo"
    checkout.mkdir()
    (checkout / "kmeans.py").write_text(PROGRAM)
    data = tmp_path / "out" / "_mnist"
    rcp.make_fake_mnist(str(data), n_train=6000, n_test=300)
    args = argparse.Namespace(out=str(tmp_path / "out"), steps=20, epochs=1, timeout=240)
    name, result, _, last = rcp.run_one(str(checkout / "kmeans.py"), str(checkout), args, str(data))
    assert (name, result) == ("kmeans", "runs"), open(tmp_path / "out" / "kmeans.log").read()
    words = last.split()
    assert words[1] == "20" and float(words[3]) < 0.5 and float(words[5]) > 0.4  # ten digits: chance is 0.1


# --- Gaussian mixtures -----------------------------------------------------------------------------------------

def _numpy_em_step(x, means, covs, alpha, full):
    """One EM step of TF's GmmAlgorithm in NumPy (float64): densities with covariances + 1e-3 (again), M step
    E_w[x xᵀ] − μ μᵀ + 1e-3·I with the new means."""
    k, d = len(means), x.shape[1]
    logp = np.empty((len(x), k))
    for j in range(k):
        c = covs[j] + 1e-3 * np.eye(d) if full else np.diag(covs[j] + 1e-3)
        diff = x - means[j]
        logp[:, j] = -0.5 * (np.einsum("ni,ij,nj->n", diff, np.linalg.inv(c), diff) + d * np.log(2 * np.pi)
                             + np.linalg.slogdet(c)[1]) + np.log(alpha[j])
    prior = np.logaddexp.reduce(logp, axis=1, keepdims=True)
    w = np.exp(logp - prior)
    nk = w.sum(0)
    new_means = (w.T @ x) / nk[:, None]
    new_covs = np.stack([(w[:, j, None] * x).T @ x / nk[j] - np.outer(new_means[j], new_means[j]) + 1e-3 * np.eye(d)
                         for j in range(k)])
    return new_means, new_covs if full else np.stack([np.diag(c) for c in new_covs]), nk / nk.sum(), w.argmax(1)


@pytest.mark.parametrize("cov", ["full", "diag"])
def test_gmm_em_step_matches_numpy(cov):
    from graphgrad.contrib.factorization import gmm_ops

    data = np.concatenate([RNG.normal([0, 0], 0.5, (30, 2)), RNG.normal([3, 2], [0.6, 0.3], (30, 2))])
    start = np.array([[0.5, 0.5], [2.0, 2.0]])
    loss, scores, assignments, train, init, initialized = gmm_ops.gmm(
        tf.constant(data.astype(np.float32)), start, 2, 0, covariance_type=cov)
    g = tf.get_default_graph()
    means, covs, alphas = (g.get_tensor_by_name(f"{n}:0") for n in ("clusters", "clusters_covs", "alphas"))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(init)
        assert s.run(initialized)
        sample_cov = np.cov(data.T) + 1e-3 * np.eye(2)
        np.testing.assert_allclose(s.run(covs)[0], sample_cov if cov == "full" else np.diag(sample_cov), rtol=1e-4)
        m, c, a = np.squeeze(s.run(means), 1).astype(np.float64), s.run(covs).astype(np.float64), s.run(alphas)
        want = _numpy_em_step(data, m, c, a, cov == "full")
        np.testing.assert_array_equal(s.run(assignments[0][0]), want[3])
        s.run(train)
        np.testing.assert_allclose(np.squeeze(s.run(means), 1), want[0], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(s.run(covs), want[1], rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(s.run(alphas), want[2], rtol=1e-4)
        s.run(init)  # initialized: nothing changes
        np.testing.assert_allclose(np.squeeze(s.run(means), 1), want[0], rtol=1e-4, atol=1e-5)


def test_gmm_estimator_finds_the_blobs(tmp_path):
    from graphgrad.contrib.factorization import GMM

    gmm = GMM(3, model_dir=str(tmp_path), initial_clusters=CENTERS + 0.3, covariance_type="diag")
    gmm.train(_input_fn, steps=10)
    np.testing.assert_allclose(_sorted(gmm.clusters()), _sorted(CENTERS), atol=0.1)
    np.testing.assert_allclose(gmm.weights(), [1 / 3] * 3, atol=0.01)
    assert gmm.covariances().shape == (3, 2) and (gmm.covariances() < 0.05).all()
    idx = np.array(list(gmm.predict_assignments(_one_pass)))
    assert all(len(set(idx[i * 40:(i + 1) * 40])) == 1 for i in range(3)) and len(set(idx)) == 3
    assert np.isfinite(gmm.score(_input_fn, steps=1))
    with pytest.raises(Exception, match="Invalid covariance type"):
        GMM(3, covariance_type="spherical").train(_input_fn, steps=1)

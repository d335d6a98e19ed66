"""Boosted trees: the split ops against TensorFlow's own kernel tests (TF 2.21 keeps the op definitions, recorded in
tf1_reference.json, but no kernels to record values from), the learner's sparse split search against the ops,
the estimators on the digits and on a regression, contrib's GBDT program on the stand-in MNIST, and TF's errors."""
import argparse
import os
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.contrib.boosted_trees.estimator_batch.estimator import (
    GradientBoostedDecisionTreeClassifier,
    GradientBoostedDecisionTreeRegressor,
    learner_params,
)
from graphgrad.contrib.boosted_trees.proto import learner_pb2
from graphgrad.estimator.tree_learner import best_splits
from graphgrad.ops import boosted_trees_ops as bt

# tensorflow/python/kernel_tests/boosted_trees/stats_ops_test.py's stats: [feature][node][bucket] = (g, h)
_EMPTY = [[0., 0.]] * 4
STATS = [[[[0., 0.], [.08, .09], [0., 0.], [0., 0.]], [[0., 0.], [.15, .36], [.06, .07], [.1, .2]],
          [[0., 0.], [-.33, .58], [0., 0.], [.3, .4]]] + [_EMPTY] * 4,
         [[[0., 0.], [0., 0.], [.08, .09], [0., 0.]], [[0., 0.], [.3, .5], [-.05, .06], [.06, .07]],
          [[.1, .1], [.2, .3], [-.4, .5], [.07, .08]]] + [_EMPTY] * 4]


def run(*fetches):
    with tf.Session() as s:
        return s.run(list(fetches))


# (l1, l2, tree_complexity) -> TF's expected gains, thresholds, left and right weights per feature and node
GAINS_CASES = {
    (0.0, 0.0, 0.0): ([[0.004775, 0.41184], [0.02823, 0.41184]], [[1, 1], [1, 1]],
                      [[-.416667, .568966], [-.6, -.75]], [[-.592593, -.75], [-.076923, .568966]]),
    (0.0, 0.1, 0.0): ([[0., 0.33931375], [0.01879096, 0.33931375]], [[0, 1], [1, 1]],
                      [[0., .485294], [-.5, -.6]], [[-.424658, -.6], [-.043478, .485294]]),
    (0.1, 0.0, 0.0): ([[0.0, 0.191207], [0.01, 0.191207]], [[0, 1], [1, 1]],
                      [[0.0, 0.3965517], [-0.4, -0.5]], [[-0.3333333, -0.5], [0.0, 0.396552]]),
    (0.0, 0.1, 3.0): ([[-3., -2.66068625], [-2.98120904, -2.66068625]], [[0, 1], [1, 1]],
                      [[0., .485294], [-.5, -.6]], [[-.424658, -.6], [-.043478, .485294]]),
}


@pytest.mark.parametrize("l1,l2,tc", list(GAINS_CASES))
def test_best_gains_per_feature_match_tf_kernel_tests(l1, l2, tc):
    gains, thresholds, left, right = GAINS_CASES[(l1, l2, tc)]
    out = bt.calculate_best_gains_per_feature([1, 3], STATS, l1=l1, l2=l2, tree_complexity=tc, min_node_weight=0,
                                              max_splits=7)
    node_ids, got_gains, got_thresholds, got_left, got_right = run(*out)
    np.testing.assert_array_equal(node_ids, [[1, 2], [1, 2]])
    np.testing.assert_allclose(got_gains, gains, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_thresholds, thresholds)
    np.testing.assert_allclose(np.array(got_left)[..., 0], left, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(got_right)[..., 0], right, rtol=1e-5, atol=1e-6)


# (l1, l2, tree_complexity) -> TF's expected feature dimensions, gains, left and right weights (thresholds [1, 1])
SPLIT_CASES = {
    (0.0, 0.0, 0.0): ([1, 0], [0.02823, 0.41184], [-.6, .568966], [-.076923, -.75]),
    (0.0, 0.1, 0.0): ([1, 0], [0.01879096, 0.33931375], [-.5, .485294], [-.043478, -.6]),
    (0.1, 0.0, 0.0): ([1, 1], [0.01, 0.191207], [-0.4, -0.5], [0., 0.396552]),
    (0.0, 0.1, 3.0): ([1, 0], [-2.98120904, -2.66068625], [-0.5, 0.485294], [-0.043478, -.6]),
}


@pytest.mark.parametrize("l1,l2,tc", list(SPLIT_CASES))
def test_best_feature_split_matches_tf_kernel_tests(l1, l2, tc):
    dims, gains, left, right = SPLIT_CASES[(l1, l2, tc)]
    out = bt.calculate_best_feature_split([1, 3], np.moveaxis(np.array(STATS, np.float32), 0, 1), l1=l1, l2=l2,
                                          tree_complexity=tc, min_node_weight=0, logits_dimension=1)
    node_ids, got_gains, got_dims, thresholds, got_left, got_right, kinds = run(*out)
    np.testing.assert_array_equal(node_ids, [1, 2])
    np.testing.assert_array_equal(got_dims, dims)
    np.testing.assert_array_equal(thresholds, [1, 1])
    np.testing.assert_allclose(got_gains, gains, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_left[:, 0], left, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_right[:, 0], right, rtol=1e-5, atol=1e-6)
    assert list(kinds) == [b"inequality_default_left"] * 2


def test_min_node_weight_leaves_light_nodes_unsplit():
    stats = [[[[0., 0.], [.08, .09], [0., 0.], [0., 0.]], [[0., 0.], [.15, .036], [.06, .07], [.1, .2]],
              [[0., 0.], [-.33, .68], [0., 0.], [.3, .4]]] + [_EMPTY] * 4,
             [[[0., 0.], [0., 0.], [.08, .09], [0., 0.]], [[0., 0.], [.3, .5], [-.05, .6], [.06, .07]],
              [[.1, .1], [.2, .03], [-.4, .05], [.07, .08]]] + [_EMPTY] * 4]
    out = bt.calculate_best_gains_per_feature([1, 3], stats, l1=0., l2=0., tree_complexity=0., min_node_weight=1,
                                              max_splits=7)
    node_ids, gains, thresholds, left, right = run(*out)
    assert [list(n) for n in node_ids] == [[2], [1]]  # TF's test: the light nodes are left out per feature
    np.testing.assert_allclose(np.concatenate(gains), [0.384314, 0.098013], rtol=1e-5)
    np.testing.assert_allclose(np.concatenate(left)[:, 0], [0.4852941, -.6], rtol=1e-5)
    np.testing.assert_allclose(np.concatenate(right)[:, 0], [-0.75, -0.014925], rtol=1e-4)
    ten = bt.calculate_best_gains_per_feature([1, 3], stats, 0., 0., 0., 10, 7)[0]
    assert [list(n) for n in run(*ten)] == [[], []]


def test_stats_summaries_sum_per_node_and_bucket():
    node_ids = [1, 1, 2, 2, 1, 1, 2, 0]
    g = [[.1], [.2], [.3], [-.4], [-.05], [.06], [.07], [.08]]
    h = [[.2], [.3], [.4], [.5], [.06], [.07], [.08], [.09]]
    features = [[3, 1, 2, 0, 1, 2, 0, 1], [0, 0, 0, 2, 2, 3, 3, 2]]
    summary = bt.make_stats_summary(node_ids, g, h, features, max_splits=3, num_buckets=4)
    assert summary.shape.as_list() == [2, 3, 4, 2]
    expected = [[[[0., 0.], [.08, .09], [0., 0.], [0., 0.]], [[0., 0.], [.15, .36], [.06, .07], [.1, .2]],
                 [[-.33, .58], [0., 0.], [.3, .4], [0., 0.]]],
                [[[0., 0.], [0., 0.], [.08, .09], [0., 0.]], [[.3, .5], [0., 0.], [-.05, .06], [.06, .07]],
                 [[.3, .4], [0., 0.], [-.4, .5], [.07, .08]]]]  # TF's testMakeStatsSummaryMultipleFeatures
    two_class = bt.boosted_trees_aggregate_stats(node_ids, np.hstack([g, 2 * np.array(g)]),
                                                 np.hstack([h, 3 * np.array(h)]), np.array(features).T, 3, 4)
    got, agg = run(summary, two_class)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert agg.shape == (3, 2, 4, 4)  # [max_splits, feature dims, buckets, 2 gradients + 2 hessians]
    np.testing.assert_allclose(agg[..., [0, 2]], np.moveaxis(expected, 0, 1), atol=1e-6)
    np.testing.assert_allclose(agg[..., 1], 2 * agg[..., 0], atol=1e-6)
    np.testing.assert_allclose(agg[..., 3], 3 * agg[..., 2], atol=1e-6)


def test_stats_are_added_in_double_precision():
    n = 100000  # TF's testMakeStatsSummaryNumericalPrecision: float32 running sums would drift
    summary = bt.make_stats_summary(np.zeros(n, np.int32), np.full((n, 1), 2.0 / n, np.float32),
                                    np.full((n, 1), 0.2 / n, np.float32), [np.zeros(n, np.int32)], 1, 1)
    np.testing.assert_allclose(run(summary)[0], [[[[2., 0.2]]]], rtol=1e-6)


def test_bucketize_takes_the_first_boundary_at_or_above_each_value():
    out = tf.raw_ops.BoostedTreesBucketize(float_values=[[-1., 0., 0.5, 1., 1.5, 2., 3.], [7.]],
                                           bucket_boundaries=[[0., 1., 2.], []])
    a, b = run(*out)
    np.testing.assert_array_equal(a, [0, 0, 1, 1, 2, 2, 2])  # above every boundary: the last bucket
    np.testing.assert_array_equal(b, [0])


def test_multi_logit_splits_solve_the_hessian():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(3, 2)).astype(np.float32)
    h_diag = rng.uniform(0.5, 1, (3, 2)).astype(np.float32)
    w, gain = bt.weights_and_gains(g, h_diag, 0.0, 0.5)
    np.testing.assert_allclose(w, -g / (h_diag + 0.5), rtol=1e-6)
    np.testing.assert_allclose(gain, (g * g / (h_diag + 0.5)).sum(1), rtol=1e-5)
    full = np.stack([np.diag(d) + 0.1 for d in h_diag]).reshape(3, 4).astype(np.float32)
    w, gain = bt.weights_and_gains(g, full, 0.0, 0.5)
    for k in range(3):
        np.testing.assert_allclose(w[k], -np.linalg.solve(full[k].reshape(2, 2) + 0.5 * np.eye(2), g[k]), rtol=1e-5)
        np.testing.assert_allclose(gain[k], -g[k] @ w[k], rtol=1e-5)


def test_the_learners_sparse_search_finds_the_ops_splits():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, features, buckets, dim = 150, 4, int(rng.integers(2, 9)), int(rng.choice([1, 3]))
        node = rng.integers(0, 6, n)
        bucket = rng.integers(0, buckets, (n, features))
        g = rng.normal(size=(n, dim)).astype(np.float32)
        h = rng.uniform(0.1, 1, (n, dim)).astype(np.float32)
        p = {"l1": float(rng.choice([0, .1])) if dim == 1 else 0., "l2": float(rng.choice([0, .5])),
             "tree_complexity": 0.1, "min_node_weight": float(rng.choice([0, 5.]))}
        ours = best_splits(node, bucket, g, h, p)
        summary = bt.aggregate(node, np.hstack([g, h]).astype(np.float64), bucket, 6, buckets).astype(np.float32)
        nodes, gains, dims, thresholds, left, _, _ = bt.feature_split(
            (0, 6), summary, dim, "inequality", p["l1"], p["l2"], p["tree_complexity"], p["min_node_weight"])
        assert [s[0] for s in ours] == list(nodes)
        assert [(s[2], s[3]) for s in ours] == list(zip(dims, thresholds))
        np.testing.assert_allclose([s[1] for s in ours], gains, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose([s[4] for s in ours], left, rtol=1e-4, atol=1e-5)


# --- estimators ------------------------------------------------------------------------------------------------

DIGITS = tf.datasets.load_digits()
PIXELS = [tf.feature_column.numeric_column(f"p{i}") for i in range(64)]


def _pixels(x):
    return {f"p{i}": x[:, i] for i in range(64)}


def _input(x, y, batch, train):
    return tf.estimator.inputs.numpy_input_fn(x, y, batch_size=batch, num_epochs=None if train else 1,
                                              shuffle=train)


def test_boosted_trees_classifier_learns_the_digits(tmp_path):
    columns = [tf.feature_column.bucketized_column(c, [0.5, 4.5, 8.5, 12.5]) for c in PIXELS]
    est = tf.estimator.BoostedTreesClassifier(columns, n_batches_per_layer=1, model_dir=str(tmp_path), n_classes=10,
                                              n_trees=6, max_depth=4, learning_rate=0.3)
    est.train(_input(_pixels(DIGITS.x_train), DIGITS.y_train.astype(np.int32), 1347, True), max_steps=100)
    result = est.evaluate(_input(_pixels(DIGITS.x_test), DIGITS.y_test.astype(np.int32), 450, False))
    assert result["global_step"] == 6 * 4  # one layer per step, stopped after n_trees trees
    assert result["accuracy"] > 0.85, result
    first = next(est.predict(_input(_pixels(DIGITS.x_test[:3]), None, 3, False)))
    assert set(first) >= {"logits", "probabilities", "class_ids", "classes"}
    assert abs(first["probabilities"].sum() - 1) < 1e-5
    assert "boosted_trees" in est.get_variable_names()  # the ensemble is in the checkpoint


def test_boosted_trees_regressor_fits_a_smooth_function(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (800, 2)).astype(np.float32)
    y = (np.sin(3 * x[:, 0]) + x[:, 1] ** 2).astype(np.float32)
    edges = list(np.linspace(-1, 1, 21)[1:-1])
    columns = [tf.feature_column.bucketized_column(tf.feature_column.numeric_column(k), edges) for k in "ab"]
    est = tf.estimator.BoostedTreesRegressor(columns, n_batches_per_layer=1, model_dir=str(tmp_path), n_trees=20,
                                             max_depth=3, learning_rate=0.3, center_bias=True)
    est.train(_input({"a": x[:, 0], "b": x[:, 1]}, y, 800, True), max_steps=200)
    loss = est.evaluate(_input({"a": x[:, 0], "b": x[:, 1]}, y, 800, False))["average_loss"]
    assert loss < 0.05 * np.var(y), (loss, np.var(y))  # explains over 95 % of the variance


def test_center_bias_starts_from_the_labels_mean(tmp_path):
    y = np.full(64, 3.0, np.float32)
    columns = [tf.feature_column.bucketized_column(tf.feature_column.numeric_column("a"), [0.5])]
    est = tf.estimator.BoostedTreesRegressor(columns, n_batches_per_layer=1, model_dir=str(tmp_path), n_trees=1,
                                             max_depth=1, center_bias=True)
    est.train(_input({"a": np.zeros(64, np.float32)}, y, 64, True), max_steps=1)
    pred = next(est.predict(_input({"a": np.zeros(1, np.float32)}, None, 1, False)))["predictions"]
    np.testing.assert_allclose(pred, [3.0], rtol=1e-5)  # squared loss: one Newton step reaches the mean


def _learner(**kwargs):
    config = learner_pb2.LearnerConfig()
    config.learning_rate_tuner.fixed.learning_rate = 0.3
    config.constraints.max_tree_depth = 4
    for k, v in kwargs.items():
        setattr(config, k, v)
    return config


@pytest.mark.parametrize("strategy", ["TREE_PER_CLASS", "DIAGONAL_HESSIAN", "FULL_HESSIAN"])
def test_gbdt_classifier_multi_class_strategies(tmp_path, strategy):
    x = DIGITS.x_train[:600] / 16
    config = _learner(multi_class_strategy=getattr(learner_pb2.LearnerConfig, strategy))
    trees = {"TREE_PER_CLASS": 10, "DIAGONAL_HESSIAN": 3, "FULL_HESSIAN": 1}[strategy]  # per class: 1 each
    est = GradientBoostedDecisionTreeClassifier(config, examples_per_layer=600, n_classes=10, num_trees=trees,
                                                center_bias=False, model_dir=str(tmp_path))
    est.fit(input_fn=_input({"images": x}, DIGITS.y_train[:600].astype(np.int32), 600, True), max_steps=100)
    acc = est.evaluate(input_fn=_input({"images": DIGITS.x_test / 16}, DIGITS.y_test.astype(np.int32), 450,
                                       False))["accuracy"]
    assert acc > 0.5, acc


def test_gbdt_regressor_grows_whole_trees(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (400, 1)).astype(np.float32)
    y = (x[:, 0] > 0.5).astype(np.float32) * 2.0
    config = _learner(growing_mode=learner_pb2.LearnerConfig.WHOLE_TREE)
    est = GradientBoostedDecisionTreeRegressor(config, examples_per_layer=400, num_trees=2,
                                               model_dir=str(tmp_path))
    est.fit(input_fn=_input({"x": x}, y, 400, True), max_steps=50)
    result = est.evaluate(input_fn=_input({"x": x}, y, 400, False))
    assert result["global_step"] == 2 + 2  # center_bias steps, then one step per whole tree
    assert result["average_loss"] < 0.05
    assert config.num_classes == 2  # the regressor sets it, as contrib's does


def test_learner_config_is_tf_learner_proto():
    config = learner_pb2.LearnerConfig()
    config.learning_rate_tuner.fixed.learning_rate = 0.1
    config.regularization.l2 = 0.001
    config.constraints.max_tree_depth = 16
    config.growing_mode = learner_pb2.LearnerConfig.LAYER_BY_LAYER
    config.multi_class_strategy = learner_pb2.LearnerConfig.DIAGONAL_HESSIAN
    assert config.DESCRIPTOR.full_name == "tensorflow.boosted_trees.learner.LearnerConfig"
    # field 4 regularization {2: l2}, 5 constraints {1: 16}, 6 tuner {1 fixed {1: 0.1}}, 9 = 2, 10 = 3
    assert config.SerializeToString().hex() == "2205156f12833a2a02081032070a050dcdcccc3d48025003"
    assert config.learning_rate_tuner.WhichOneof("tuner") == "fixed"
    assert learner_pb2.LearnerConfig.FromString(config.SerializeToString()) == config


def test_errors_as_tf_raises_them():
    config = _learner(num_classes=3)
    with pytest.raises(ValueError, match=r"n_classes \(10\) doesn't match learner_config \(3\)\."):
        GradientBoostedDecisionTreeClassifier(config, examples_per_layer=10, n_classes=10, num_trees=1)
    with pytest.raises(ValueError, match="n_classes must be > 1 for classification: 1"):  # contrib's head
        GradientBoostedDecisionTreeClassifier(_learner(), examples_per_layer=10, n_classes=1, num_trees=1)
    with pytest.raises(ValueError, match="Number of classes must be >=2"):  # gbdt_batch's check
        learner_params(_learner(num_classes=1), 1, 1, False)
    with pytest.raises(ValueError, match="Tree complexity have to be positive to enable pruning."):
        tf.estimator.BoostedTreesClassifier(
            [tf.feature_column.bucketized_column(PIXELS[0], [1.0])], 1, pruning_mode="pre")
    with pytest.raises(ValueError, match="only bucketized_column and indicator_column is supported"):
        tf.estimator.BoostedTreesRegressor(PIXELS[:1], n_batches_per_layer=1)
    with pytest.raises(ValueError, match="n_batches_per_layer"):
        tf.estimator.BoostedTreesRegressor([tf.feature_column.bucketized_column(PIXELS[0], [1.0])], 0)


GBDT_PROGRAM = '''
import tensorflow as tf
from tensorflow.contrib.boosted_trees.estimator_batch.estimator import GradientBoostedDecisionTreeClassifier
from tensorflow.contrib.boosted_trees.proto import learner_pb2 as gbdt_learner
from tensorflow.examples.tutorials.mnist import input_data

tf.logging.set_verbosity(tf.logging.ERROR)
mnist = input_data.read_data_sets("MNIST_data/", one_hot=False)  # in the run folder: parallel runs share no files
learner_config = gbdt_learner.LearnerConfig()
learner_config.learning_rate_tuner.fixed.learning_rate = 0.1
learner_config.regularization.l1 = 0.
learner_config.regularization.l2 = 1. / 1000
learner_config.constraints.max_tree_depth = 6
learner_config.growing_mode = gbdt_learner.LearnerConfig.LAYER_BY_LAYER
learner_config.multi_class_strategy = gbdt_learner.LearnerConfig.DIAGONAL_HESSIAN
model = GradientBoostedDecisionTreeClassifier(
    model_dir=None, learner_config=learner_config, n_classes=10, examples_per_layer=1000, num_trees=3,
    center_bias=False, config=tf.contrib.learn.RunConfig(save_checkpoints_secs=300))
tf.logging.set_verbosity(tf.logging.INFO)
model.fit(input_fn=tf.estimator.inputs.numpy_input_fn(
    x={'images': mnist.train.images}, y=mnist.train.labels, batch_size=1000, num_epochs=None, shuffle=True),
    max_steps=10000)
e = model.evaluate(input_fn=tf.estimator.inputs.numpy_input_fn(
    x={'images': mnist.test.images}, y=mnist.test.labels, batch_size=300, shuffle=False))
print("Testing Accuracy:", e['accuracy'])
'''


@pytest.mark.host_process("runs the program in a child process")
def test_the_gbdt_mnist_program_runs_on_the_stand_in_data(tmp_path):
    """aymericdamien/TensorFlow-Examples' gradient_boosted_decision_tree.py, smaller: its calls and settings
    with fewer, shallower trees and smaller batches."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
    import run_classic_programs as rcp

    checkout = tmp_path / "repo"
    checkout.mkdir()
    (checkout / "gbdt.py").write_text(GBDT_PROGRAM)
    data = tmp_path / "out" / "_mnist"
    rcp.make_fake_mnist(str(data), n_train=5600, n_test=300)
    args = argparse.Namespace(out=str(tmp_path / "out"), steps=60, epochs=1, timeout=300)
    name, result, _, last = rcp.run_one(str(checkout / "gbdt.py"), str(checkout), args, str(data))
    assert (name, result) == ("gbdt", "runs"), open(tmp_path / "out" / "gbdt.log").read()
    assert last.startswith("Testing Accuracy:") and float(last.split()[-1]) > 0.5, last


def test_train_in_memory_grows_a_layer_per_step_from_all_examples(tmp_path):
    x = DIGITS.x_train[:400]
    y = (DIGITS.y_train[:400] >= 5).astype(np.int32)
    columns = [tf.feature_column.bucketized_column(c, [0.5, 8.5]) for c in PIXELS]

    def train_input_fn():
        return tf.data.Dataset.zip((tf.data.Dataset.from_tensors(_pixels(x)), tf.data.Dataset.from_tensors(y)))

    model = tf.estimator.boosted_trees_classifier_train_in_memory(
        train_input_fn, columns, model_dir=str(tmp_path), n_trees=3, max_depth=3, learning_rate=0.5)
    result = model.evaluate(_input(_pixels(x), y, 400, False))
    assert result["global_step"] == 3 * 3 and result["accuracy"] > 0.8, result
    with pytest.raises(ValueError, match="input_fn must return Dataset"):
        tf.estimator.boosted_trees_regressor_train_in_memory(lambda: (_pixels(x), y), columns,
                                                             model_dir=str(tmp_path / "r"))

"""tf.contrib.tensor_forest: forests grown online as TF 1.15's v4 ops grow them. TensorFlow 2.21 has no
tensor_forest, so nothing is recorded: a hand-worked split, TF's rules (Gini, max_nodes, errors) and properties
(accuracy on the digits, determinism with a seed, save/restore), and aymericdamien's program end to end."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.contrib.tensor_forest.client import eval_metrics, random_forest
from graphgrad.contrib.tensor_forest.python import tensor_forest
from graphgrad.contrib.tensor_forest.python.ops.stats_state import weighted_smoothed_gini
from graphgrad.python.ops import resources

DIGITS = tf.datasets.load_digits()


def _forest(num_features=64, num_classes=10, regression=False, label_dtype=tf.int32, **hparams):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, num_features])
    y = tf.placeholder(tf.float32 if regression else label_dtype, [None])
    params = tensor_forest.ForestHParams(num_classes=num_classes, num_features=num_features, regression=regression,
                                         **hparams).fill()
    graphs = tensor_forest.RandomForestGraphs(params)
    train = graphs.training_graph(x, y)
    probs, paths, variance = graphs.inference_graph(x)
    init = tf.group(tf.global_variables_initializer(), resources.initialize_resources(resources.shared_resources()))
    return dict(x=x, y=y, train=train, probs=probs, paths=paths, variance=variance, init=init, graphs=graphs,
                size=graphs.average_size(), loss=graphs.training_loss(x, y))


def _train(f, steps, batch=128, seed=0, data=DIGITS.x_train, labels=DIGITS.y_train, sess=None):
    sess = sess or tf.Session()
    if sess.run(resources.report_uninitialized_resources()).size:
        sess.run(f["init"])
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        i = rng.integers(0, len(data), batch)
        sess.run(f["train"], {f["x"]: data[i], f["y"]: labels[i]})
    return sess


def test_fill_derives_tf_1_15_defaults():
    p = tensor_forest.ForestHParams(num_classes=10, num_features=784).fill()
    assert (p.num_trees, p.max_nodes, p.split_after_samples, p.bagging_fraction) == (100, 10000, 250, 1.0)
    assert p.num_splits_to_consider == 28 and p.num_outputs == 1 and p.num_output_columns == 11
    assert tensor_forest.ForestHParams(num_classes=2, num_features=40).fill().num_splits_to_consider == 10
    assert tensor_forest.ForestHParams(num_classes=2, num_features=10 ** 7).fill().num_splits_to_consider == 1000
    assert tensor_forest.ForestHParams(num_classes=3, num_features=4, regression=True).fill().num_outputs == 3
    bagged = tensor_forest.ForestHParams(num_classes=2, num_features=10, num_trees=3,
                                         feature_bagging_fraction=0.5).fill()
    assert len(bagged.bagged_features) == 3 and all(len(set(b)) == 5 for b in bagged.bagged_features)


def test_bad_hparams_fail_as_in_tf():
    with pytest.raises(AttributeError):
        tensor_forest.ForestHParams(num_features=4).fill()
    with pytest.raises(AttributeError):
        tensor_forest.ForestHParams(num_classes=2).fill()
    with pytest.raises(KeyError):
        tensor_forest.ForestHParams(num_classes=2, num_features=4, split_name="greater").fill()
    with pytest.raises(KeyError):
        tensor_forest.ForestHParams(num_classes=2, num_features=4, model_name="dense").fill()
    with pytest.raises(ValueError, match="max_nodes"):
        tensor_forest.ForestHParams(num_classes=2, num_features=4, max_nodes=0).fill()


def test_the_weighted_smoothed_gini_is_tfs():
    # sum · (1 - (Σc² + 2·sum + C) / (sum + C)²) for counts [3, 0] and [0, 1] of two classes
    g = weighted_smoothed_gini(np.array([3.0, 1.0], np.float32), np.array([9.0, 1.0], np.float32), 2)
    np.testing.assert_allclose(g, [3 * (1 - 17 / 25), 1 - 5 / 9], rtol=1e-6)


@pytest.mark.parametrize("split_name", ["less_or_equal", "less"])
def test_a_hand_worked_split(split_name):
    # One feature, two candidates: the first two samples of the root (x=2 and x=5) become thresholds and are not
    # counted. The other four, x=1, 3, 4, 6 with labels 0, 0, 0, 1, give x<=2 the sides [1, 0] | [2, 1] (weighted
    # smoothed Gini 4/9 + 36/25 = 1.884) and x<=5 the sides [3, 0] | [0, 1] (24/25 + 4/9 = 1.404): the root splits
    # at 5 once it has seen split_after_samples=4, its leaves starting from those counts.
    f = _forest(num_features=1, num_classes=2, num_trees=1, num_splits_to_consider=2, split_after_samples=4,
                max_nodes=100, split_name=split_name, inference_tree_paths=True)
    sess = tf.Session()
    sess.run(f["init"])
    assert sess.run(f["size"]) == 1
    assert (sess.run(f["probs"], {f["x"]: [[0.0]]}) == 0).all()  # an empty leaf predicts zeros, as in TF
    x = np.array([[2.0], [5.0], [1.0], [3.0], [4.0], [6.0]], np.float32)
    sess.run(f["train"], {f["x"]: x, f["y"]: [0, 1, 0, 0, 0, 1]})
    assert sess.run(f["size"]) == 3
    probs, paths = sess.run([f["probs"], f["paths"]], {f["x"]: [[4.5], [5.0], [7.0]]})
    on_five = [1.0, 0.0] if split_name == "less_or_equal" else [0.0, 1.0]
    np.testing.assert_array_equal(probs, [[1, 0], on_five, [0, 1]])
    assert paths.shape == (3, 1) and paths[0, 0] == b"0,1" and paths[2, 0] == b"0,2"
    # the new leaves count what reaches them: two more of class 1 on the left make it [3, 2]
    sess.run(f["train"], {f["x"]: [[0.0], [1.0]], f["y"]: [1, 1]})
    np.testing.assert_allclose(sess.run(f["probs"], {f["x"]: [[0.0]]}), [[0.6, 0.4]])
    counts = sess.run(f["graphs"].feature_importances())
    np.testing.assert_array_equal(counts, [1.0])


def test_a_pure_leaf_never_splits():
    f = _forest(num_features=1, num_classes=2, num_trees=1, num_splits_to_consider=2, split_after_samples=4)
    sess = tf.Session()
    sess.run(f["init"])
    for _ in range(3):
        sess.run(f["train"], {f["x"]: np.arange(8, dtype=np.float32)[:, None], f["y"]: np.zeros(8)})
    assert sess.run(f["size"]) == 1


def test_accuracy_on_the_digits():
    f = _forest(num_trees=10, max_nodes=1000, base_random_seed=1)
    sess = _train(f, 60, batch=256)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(f["probs"], 1), tf.cast(f["y"], tf.int64)), tf.float32))
    acc = sess.run(accuracy, {f["x"]: DIGITS.x_test, f["y"]: DIGITS.y_test})
    assert acc > 0.8  # chance is 0.1; 0.88 with this seed
    probs = sess.run(f["probs"], {f["x"]: DIGITS.x_test})
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)  # every leaf has seen samples: sums of normalized counts
    assert sess.run(f["loss"]) == -sess.run(f["size"]) < -10


def test_the_same_seed_grows_the_same_forest():
    def grow(seed):
        f = _forest(num_trees=3, max_nodes=200, base_random_seed=seed)
        sess = _train(f, 12)
        return sess.run(f["probs"], {f["x"]: DIGITS.x_test})

    first = grow(7)
    np.testing.assert_array_equal(first, grow(7))
    assert not np.array_equal(first, grow(8))


@pytest.mark.parametrize("max_nodes,final", [(7, 7), (8, 9)])
def test_growth_stops_at_max_nodes(max_nodes, final):
    # TF splits while a tree has fewer than max_nodes nodes, two at a time: an even max_nodes ends one over.
    f = _forest(num_trees=2, max_nodes=max_nodes, split_after_samples=20, base_random_seed=3)
    sizes = [f["graphs"].trees[i].size() for i in range(2)]
    sess = _train(f, 10)
    assert sess.run(sizes) == [final, final]
    _train(f, 10, seed=1, sess=sess)
    assert sess.run(sizes) == [final, final]


@pytest.mark.parametrize("write_version", [None, tf.train.SaverDef.GRAPHGRAD])
@pytest.mark.parametrize("checkpoint_stats", [False, True])
def test_a_checkpointed_forest_predicts_the_same_after_restore(tmp_path, write_version, checkpoint_stats):
    hp = dict(num_trees=4, max_nodes=300, base_random_seed=2, checkpoint_stats=checkpoint_stats)
    f = _forest(**hp)
    sess = _train(f, 15)
    before = sess.run(f["probs"], {f["x"]: DIGITS.x_test})
    stats = [sess.run(t.specs[0].tensor) for t in tf.get_collection(tf.GraphKeys.SAVEABLE_OBJECTS)]
    path = tf.train.Saver(write_version=write_version).save(sess, str(tmp_path / "forest"))
    names = [n for n, _ in tf.train.list_variables(path)]
    assert {"tree-0/left", "tree-0/value", "stats-0/nodes", "stats-0/depth", "device_dummy_0"} <= set(names)
    assert ("stats-0/left" in names) == checkpoint_stats

    f = _forest(**hp)
    sess = tf.Session()
    tf.train.Saver(write_version=write_version).restore(sess, path)
    assert sess.run(resources.report_uninitialized_resources()).size == 0
    np.testing.assert_array_equal(sess.run(f["probs"], {f["x"]: DIGITS.x_test}), before)
    restored = [sess.run(t.specs[0].tensor) for t in tf.get_collection(tf.GraphKeys.SAVEABLE_OBJECTS)]
    for a, b in zip(stats, restored):
        np.testing.assert_array_equal(a, b)
    _train(f, 5, sess=sess)  # and it goes on growing
    assert sess.run(f["size"]) >= np.mean([len(t) for t in stats[1::2]])


def test_a_missing_forest_key_is_reported_before_anything_is_restored(tmp_path):
    f = _forest(num_trees=1)
    sess = _train(f, 2)
    tf.train.Saver(tf.global_variables()).save(sess, str(tmp_path / "vars_only"))
    f = _forest(num_trees=1)
    with pytest.raises(tf.errors.NotFoundError, match="tree-0/left"):
        tf.train.Saver().restore(tf.Session(), str(tmp_path / "vars_only"))


def test_errors_at_run_time_are_tfs():
    f = _forest(num_trees=1, num_classes=3)
    sess = tf.Session()
    with pytest.raises(tf.errors.NotFoundError, match="Resource localhost/tree-0/.*DecisionTreeResource.* does not "
                                                      "exist"):
        sess.run(f["probs"], {f["x"]: DIGITS.x_test[:2]})
    assert list(sess.run(resources.report_uninitialized_resources())) == [b"stats-0:0", b"tree-0:0"]
    sess.run(f["init"])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Got label greater than indicated number of classes"):
        sess.run(f["train"], {f["x"]: DIGITS.x_test[:4], f["y"]: [0, 1, 2, 3]})


def test_forest_ops_pass_no_gradient():
    f = _forest(num_trees=2)
    assert tf.gradients(tf.reduce_sum(f["probs"]), f["x"]) == [None]


def test_no_gradient_takes_an_op_type():
    assert tf.NotDifferentiable is tf.no_gradient
    with pytest.raises(TypeError, match="op_type must be a string"):
        tf.no_gradient(3)


def test_the_saver_saves_any_saveable_object(tmp_path):
    from graphgrad.train.saveables import SaveableObject, SaveSpec

    class Doubled(SaveableObject):  # saved as twice the variable's value, restored by halving it
        def __init__(self, var):
            super().__init__(var, [SaveSpec(var * 2.0, "", "doubled")], "doubled")

        def restore(self, restored_tensors, restored_shapes):
            return tf.assign(self.op, restored_tensors[0] / 2.0)

    tf.reset_default_graph()
    v = tf.Variable([1.0, 3.0])
    sess = tf.Session()
    sess.run(v.initializer)
    path = tf.train.Saver([Doubled(v)]).save(sess, str(tmp_path / "d"))
    assert tf.train.load_variable(path, "doubled").tolist() == [2.0, 6.0]
    sess = tf.Session()
    tf.train.Saver([Doubled(v)]).restore(sess, path)
    assert sess.run(v).tolist() == [1.0, 3.0]


def test_bagging_and_feature_bagging_train():
    f = _forest(num_trees=4, max_nodes=200, bagging_fraction=0.5, feature_bagging_fraction=0.5, base_random_seed=4)
    sess = _train(f, 20)
    assert sess.run(f["size"]) > 3
    assert sess.run(f["graphs"].feature_importances()).shape == (64,)


def test_regression_splits_on_variance():
    target = DIGITS.x_train[:, 20:22].astype(np.float32)
    tf.reset_default_graph()
    x, y = tf.placeholder(tf.float32, [None, 64]), tf.placeholder(tf.float32, [None, 2])
    params = tensor_forest.ForestHParams(num_classes=2, num_features=64, regression=True, num_trees=5,
                                         max_nodes=300, split_after_samples=30, base_random_seed=6).fill()
    graphs = tensor_forest.RandomForestGraphs(params)
    train = graphs.training_graph(x, y)
    mean, _, variance = graphs.inference_graph(x)
    sess = tf.Session()
    sess.run(tf.group(tf.global_variables_initializer(),
                      resources.initialize_resources(resources.shared_resources())))
    rng = np.random.default_rng(0)
    for _ in range(30):
        i = rng.integers(0, len(target), 128)
        sess.run(train, {x: DIGITS.x_train[i], y: target[i]})
    pred, var = sess.run([mean, variance], {x: DIGITS.x_test})
    truth = DIGITS.x_test[:, 20:22]
    assert pred.shape == var.shape == (450, 2) and (var >= 0).all()
    assert np.mean((pred - truth) ** 2) < 0.5 * np.mean((truth - truth.mean(0)) ** 2)


def test_a_leaf_splits_on_the_lowest_variance_by_hand():
    # x<=2 leaves targets {1} | {3, 10}: variance 0 + 12.25; x<=5 leaves {1, 3} | {10}: 1 + 0, so it wins
    f = _forest(num_features=1, num_classes=1, regression=True, num_trees=1, num_splits_to_consider=2,
                split_after_samples=3)
    sess = tf.Session()
    sess.run(f["init"])
    sess.run(f["train"], {f["x"]: [[2.0], [5.0], [1.0], [3.0], [6.0]], f["y"]: [0, 0, 1, 3, 10]})
    np.testing.assert_allclose(sess.run(f["probs"], {f["x"]: [[4.0], [9.0]]}), [[2.0], [10.0]])


def test_estimators_train_evaluate_and_predict(tmp_path):
    x, y = DIGITS.x_train.astype(np.float32), DIGITS.y_train.astype(np.int32)
    hp = tensor_forest.ForestHParams(num_classes=10, num_features=64, num_trees=5, max_nodes=300, base_random_seed=5)
    est = random_forest.TensorForestEstimator(hp, model_dir=str(tmp_path / "contrib"))
    est.fit(x=x, y=y, batch_size=128, steps=20)
    metrics = est.evaluate(x=DIGITS.x_test.astype(np.float32), y=DIGITS.y_test.astype(np.int32),
                           metrics={"top_5": eval_metrics.get_metric("top_5")})
    assert metrics["global_step"] == 20 and metrics["accuracy"] > 0.5 and metrics["top_5"] >= metrics["accuracy"]
    out = est.predict(x=DIGITS.x_test[:5].astype(np.float32), as_iterable=False)
    assert set(out) == {"logits", "probabilities", "classes", "prediction_variance"}
    assert out["classes"].shape == (5,) and out["probabilities"].shape == (5, 10)

    core = random_forest.CoreTensorForestEstimator(hp, model_dir=str(tmp_path / "core"))
    train_fn = tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=128, num_epochs=None, shuffle=True)
    core.train(train_fn, steps=10).train(train_fn, steps=10)  # the second call restores the forest and goes on
    first = next(core.predict(tf.estimator.inputs.numpy_input_fn({"x": DIGITS.x_test[:1]}, shuffle=False)))
    assert {"class_ids", "classes", "probabilities", "prediction_variance"} <= set(first)
    assert core.evaluate(tf.estimator.inputs.numpy_input_fn({"x": DIGITS.x_test}, DIGITS.y_test.astype(np.int32),
                                                            shuffle=False))["accuracy"] > 0.5


def test_the_loss_hook_stops_when_the_loss_stalls():
    hook = random_forest.TensorForestLossHook(2, 0.1)

    class Context:
        stop = False

        def request_stop(self):
            self.stop = True

    ctx = Context()
    for step, loss in enumerate([10.0, 9.0, 8.5, 8.4, 8.3], 1):
        hook.after_run(ctx, type("V", (), {"results": {"current_loss": loss, "global_step": step}}))
    assert ctx.stop  # 9.0 was the last loss 10 % under the best; three steps since


# aymericdamien/TensorFlow-Examples, tensorflow_v1/examples/2_BasicModels/random_forest.py (MIT licence), as
# published; tools/run_classic_programs.py changes only its imports and num_steps.
RANDOM_FOREST_PY = '''
from __future__ import print_function

import tensorflow as tf
from tensorflow.contrib.tensor_forest.python import tensor_forest
from tensorflow.python.ops import resources

# Ignore all GPUs, tf random forest does not benefit from it.
import os
os.environ["CUDA_VISIBLE_DEVICES"] = ""

# Import MNIST data
from tensorflow.examples.tutorials.mnist import input_data
mnist = input_data.read_data_sets("/tmp/data/", one_hot=False)

# Parameters
num_steps = 500 # Total steps to train
batch_size = 1024 # The number of samples per batch
num_classes = 10 # The 10 digits
num_features = 784 # Each image is 28x28 pixels
num_trees = 10
max_nodes = 1000

# Input and Target data
X = tf.placeholder(tf.float32, shape=[None, num_features])
# For random forest, labels must be integers (the class id)
Y = tf.placeholder(tf.int32, shape=[None])

# Random Forest Parameters
hparams = tensor_forest.ForestHParams(num_classes=num_classes,
                                      num_features=num_features,
                                      num_trees=num_trees,
                                      max_nodes=max_nodes).fill()

# Build the Random Forest
forest_graph = tensor_forest.RandomForestGraphs(hparams)
# Get training graph and loss
train_op = forest_graph.training_graph(X, Y)
loss_op = forest_graph.training_loss(X, Y)

# Measure the accuracy
infer_op, _, _ = forest_graph.inference_graph(X)
correct_prediction = tf.equal(tf.argmax(infer_op, 1), tf.cast(Y, tf.int64))
accuracy_op = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

# Initialize the variables (i.e. assign their default value) and forest resources
init_vars = tf.group(tf.global_variables_initializer(),
    resources.initialize_resources(resources.shared_resources()))

# Start TensorFlow session
sess = tf.Session()

# Run the initializer
sess.run(init_vars)

# Training
for i in range(1, num_steps + 1):
    # Prepare Data
    # Get the next batch of MNIST data (only images are needed, not labels)
    batch_x, batch_y = mnist.train.next_batch(batch_size)
    _, l = sess.run([train_op, loss_op], feed_dict={X: batch_x, Y: batch_y})
    if i % 50 == 0 or i == 1:
        acc = sess.run(accuracy_op, feed_dict={X: batch_x, Y: batch_y})
        print('Step %i, Loss: %f, Acc: %f' % (i, l, acc))

# Test Model
test_x, test_y = mnist.test.images, mnist.test.labels
print("Test Accuracy:", sess.run(accuracy_op, feed_dict={X: test_x, Y: test_y}))
'''


@pytest.mark.host_process("runs the program in a child process")
def test_aymericdamiens_random_forest_runs_on_the_stand_in_mnist(tmp_path):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
    import run_classic_programs as rcp

    # 20 steps of 1,024 images, on 1,000 training images (read_data_sets keeps 5,000 of 6,000 for validation)
    result, last, log = rcp.run_text(tmp_path, "random_forest", RANDOM_FOREST_PY, steps=20, n_train=6000, n_test=300)
    assert result == "runs", log
    assert "Step 1, Loss: -" in log and last.startswith("Test Accuracy:")
    assert float(last.split()[-1]) > 0.5  # chance is 0.1

"""The premade estimators (DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor), tf.feature_column's
numeric_column/input_layer and the FtrlOptimizer the linear ones train with by default."""
import numpy as np
import pytest

import graphgrad as tf

DIGITS = tf.datasets.load_digits()
COLUMNS = [tf.feature_column.numeric_column("x", shape=64)]


def _input(x, y, epochs=None, batch=64):
    return tf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=batch, num_epochs=epochs,
                                              shuffle=epochs is None)


def test_numeric_columns_are_concatenated_in_name_order():
    features = {"b": np.array([[1.0, 2.0], [3.0, 4.0]]), "a": np.array([5, 6]), "c": np.array([7.0, 8.0])}
    columns = [tf.feature_column.numeric_column("b", shape=(2,)), tf.feature_column.numeric_column("a"),
               tf.feature_column.numeric_column("c", normalizer_fn=lambda t: t * 10.0)]
    net = tf.feature_column.input_layer(features, columns)
    assert net.dtype == tf.float32
    np.testing.assert_array_equal(tf.Session().run(net), [[5, 1, 2, 70], [6, 3, 4, 80]])
    with pytest.raises(ValueError, match="shape dimensions must be greater than 0"):
        tf.feature_column.numeric_column("x", shape=(0,))
    with pytest.raises(ValueError, match="dtype must be convertible to float"):
        tf.feature_column.numeric_column("x", dtype=tf.string)
    with pytest.raises(ValueError, match="feature_columns must not be empty"):
        tf.feature_column.input_layer(features, [])


def test_ftrl_follows_tf1s_update():
    """TF1's FTRL-Proximal (TensorFlow 2.21's compat.v1 FtrlOptimizer gives the same three steps)."""
    g0, start, lr, l1, l2 = np.array([1.0, 2.0, -3.0]), np.array([1.0, -2.0, 0.5]), 0.2, 0.01, 0.1
    v = tf.Variable(start.astype(np.float32))
    loss = tf.reduce_sum(v * g0.astype(np.float32)) + tf.reduce_sum(v * v)
    step = tf.train.FtrlOptimizer(lr, l1_regularization_strength=l1, l2_regularization_strength=l2).minimize(loss)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    var, accum, linear = start.copy(), np.full(3, 0.1), np.zeros(3)
    for _ in range(3):
        s.run(step)
        g = g0 + 2 * var
        new_accum = accum + g * g
        linear = linear + g - (np.sqrt(new_accum) - np.sqrt(accum)) / lr * var
        quadratic = np.sqrt(new_accum) / lr + 2 * l2
        var = np.where(np.abs(linear) > l1, (np.sign(linear) * l1 - linear) / quadratic, 0.0)
        accum = new_accum
    np.testing.assert_allclose(s.run(v), var, rtol=1e-5)
    with pytest.raises(ValueError, match="learning_rate_power 0.5 needs to be negative or zero"):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)


def test_dnn_classifier_learns_the_digits(tmp_path):
    est = tf.estimator.DNNClassifier([32], COLUMNS, n_classes=10, model_dir=str(tmp_path),
                                     config=tf.estimator.RunConfig(tf_random_seed=0))
    est.train(_input(DIGITS.x_train, DIGITS.y_train), steps=200)
    result = est.evaluate(_input(DIGITS.x_test, DIGITS.y_test, epochs=1))
    assert set(result) == {"accuracy", "average_loss", "loss", "global_step"} and result["accuracy"] > 0.9
    assert [n for n in est.get_variable_names() if "Adagrad" not in n] == [
        "dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_0/kernel", "dnn/logits/bias", "dnn/logits/kernel", "global_step"]
    first = next(est.predict(_input(DIGITS.x_test[:1], None, epochs=1)))
    assert set(first) == {"logits", "probabilities", "class_ids", "classes", "all_class_ids", "all_classes"}
    assert first["classes"] == [str(first["class_ids"][0]).encode()] and first["logits"].shape == (10,)
    assert first["all_classes"].tolist() == [str(i).encode() for i in range(10)]


def test_binary_linear_classifier_has_tf1s_metrics_and_a_summed_loss(tmp_path):
    y = (DIGITS.y_train >= 5).astype(np.int64)
    est = tf.estimator.LinearClassifier(COLUMNS, model_dir=str(tmp_path),
                                        config=tf.estimator.RunConfig(tf_random_seed=0))
    est.train(_input(DIGITS.x_train, y), steps=100)
    x, labels = DIGITS.x_test[:100], (DIGITS.y_test[:100] >= 5).astype(np.int64)
    result = est.evaluate(_input(x, labels, epochs=1, batch=100))
    assert set(result) == {"accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss",
                           "label/mean", "loss", "precision", "prediction/mean", "recall", "global_step"}
    w, b = est.get_variable_value("linear/linear_model/x/weights"), est.get_variable_value(
        "linear/linear_model/bias_weights")
    logits = (x @ w + b)[:, 0]
    losses = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    assert result["average_loss"] == pytest.approx(losses.mean(), rel=1e-4)
    assert result["loss"] == pytest.approx(losses.sum(), rel=1e-4)              # one batch: its SUM
    assert result["accuracy"] == pytest.approx(np.mean((logits > 0) == labels))
    assert result["label/mean"] == pytest.approx(labels.mean())
    assert result["accuracy_baseline"] == pytest.approx(max(labels.mean(), 1 - labels.mean()))
    assert result["accuracy"] > 0.75


def test_regressors_predict_and_evaluate(tmp_path):
    y = DIGITS.y_train.astype(np.float32)
    linear = tf.estimator.LinearRegressor(COLUMNS, model_dir=str(tmp_path / "linear"))
    linear.train(_input(DIGITS.x_train, y), steps=50)
    x = DIGITS.x_test[:10]
    preds = np.array([p["predictions"][0] for p in linear.predict(_input(x, None, epochs=1))])
    w, b = (linear.get_variable_value(f"linear/linear_model/{n}") for n in ("x/weights", "bias_weights"))
    np.testing.assert_allclose(preds, (x @ w + b)[:, 0], rtol=1e-4, atol=1e-5)
    result = linear.evaluate(_input(x, DIGITS.y_test[:10].astype(np.float32), epochs=1))
    assert result["average_loss"] == pytest.approx(np.mean((preds - DIGITS.y_test[:10]) ** 2), rel=1e-4)
    assert set(result) == {"average_loss", "label/mean", "loss", "prediction/mean", "global_step"}
    dnn = tf.estimator.DNNRegressor([16], COLUMNS, model_dir=str(tmp_path / "dnn"), optimizer="Adam",
                                    config=tf.estimator.RunConfig(tf_random_seed=0))
    dnn.train(_input(DIGITS.x_train, y), steps=100)
    assert dnn.evaluate(_input(DIGITS.x_test, DIGITS.y_test.astype(np.float32), epochs=1))["average_loss"] < 4.0


def test_premade_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="Unsupported optimizer name: Nope"):
        tf.estimator.DNNClassifier([4], COLUMNS, optimizer="Nope", model_dir=str(tmp_path)).train(
            _input(DIGITS.x_train, DIGITS.y_train), steps=1)
    with pytest.raises(ValueError, match="n_classes must be > 1"):
        tf.estimator.LinearClassifier(COLUMNS, n_classes=1, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Items of feature_columns must be a _DenseColumn"):
        tf.estimator.DNNRegressor([4], ["x"], model_dir=str(tmp_path))


def test_weight_column_weights_the_loss_and_the_metrics(tmp_path):
    x, y, weights = DIGITS.x_test[:8], np.arange(8, dtype=np.float32), np.array([1.0, 0.0] * 4, np.float32)
    est = tf.estimator.LinearRegressor(COLUMNS, weight_column="w", model_dir=str(tmp_path))
    result = est.evaluate(tf.estimator.inputs.numpy_input_fn({"x": x, "w": weights}, y, batch_size=8, num_epochs=1,
                                                             shuffle=False))   # untrained: every prediction is 0
    assert result["loss"] == pytest.approx(np.sum(weights * y ** 2))
    assert result["average_loss"] == pytest.approx(np.sum(weights * y ** 2) / weights.sum())
    assert result["label/mean"] == pytest.approx(np.sum(weights * y) / weights.sum())

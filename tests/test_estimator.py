"""tf.estimator: Estimator's train/evaluate/predict over checkpoints, EstimatorSpec's checks, RunConfig,
numpy_input_fn, and a program in the style of the classic TF1 Estimator tutorials.

tensorflow_estimator left TensorFlow in 2.16, so there is no recording of it here: the expectations are TF1's
documented behaviour and hand computations."""
import logging
import os
import tempfile

import numpy as np
import pytest
from test_summary import load

import graphgrad as tf

X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(12, 1)
Y = (3.0 * X[:, 0] + 1.0).astype(np.float32)


def linear_model_fn(features, labels, mode, params):
    """y = w x + b; predictions a dict; eval metrics: the mean absolute error and an accuracy of signs."""
    w = tf.get_variable("w", [1, 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [], initializer=tf.zeros_initializer())
    y = tf.reshape(tf.matmul(features["x"], w), [-1]) + b
    predictions = {"y": y, "positive": tf.cast(y > 0, tf.int64)}
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(tf.square(y - labels))
    train_op = tf.train.GradientDescentOptimizer(params["lr"]).minimize(loss,
                                                                         global_step=tf.train.get_global_step())
    metrics = {"mae": tf.metrics.mean_absolute_error(labels, y),
               "sign": tf.metrics.accuracy(tf.cast(labels > 0, tf.int64), predictions["positive"])}
    return tf.estimator.EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op,
                                      eval_metric_ops=metrics)


def estimator(tmp_path, **config):
    run_config = tf.estimator.RunConfig(**config) if config else None
    return tf.estimator.Estimator(linear_model_fn, model_dir=str(tmp_path), params={"lr": 0.1}, config=run_config)


def train_input(num_epochs=None, batch_size=4, shuffle=False):
    return tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=batch_size, num_epochs=num_epochs,
                                              shuffle=shuffle)


def test_train_twice_continues_from_the_saved_global_step(tmp_path):
    est = estimator(tmp_path)
    assert est.train(train_input(), steps=3) is est
    assert est.get_variable_value("global_step") == 3
    assert est.latest_checkpoint().endswith("model.ckpt-3")
    w3 = est.get_variable_value("w")
    est.train(train_input(), steps=2)
    assert est.get_variable_value("global_step") == 5
    assert not np.array_equal(est.get_variable_value("w"), w3)
    est.train(train_input(), max_steps=7)
    assert est.get_variable_value("global_step") == 7
    assert {"w", "b", "global_step"} <= set(est.get_variable_names())


def test_training_steps_match_a_hand_written_loop(tmp_path):
    """Three full-batch descent steps from zero, computed with NumPy."""
    est = estimator(tmp_path)
    est.train(train_input(batch_size=12), steps=3)
    w = b = 0.0
    for _ in range(3):
        err = w * X[:, 0] + b - Y
        w, b = w - 0.1 * np.mean(2 * err * X[:, 0]), b - 0.1 * np.mean(2 * err)
    np.testing.assert_allclose(est.get_variable_value("w"), [[w]], rtol=1e-5)
    np.testing.assert_allclose(est.get_variable_value("b"), b, rtol=1e-5)


def test_max_steps_already_reached_skips_training(tmp_path, caplog):
    est = estimator(tmp_path)
    est.train(train_input(), steps=2)
    with caplog.at_level(logging.INFO, logger="graphgrad"):
        est.train(train_input(), max_steps=2)
    assert "Skipping training since max_steps has already saved." in caplog.text
    assert est.get_variable_value("global_step") == 2


def test_the_end_of_the_input_ends_training_quietly(tmp_path):
    est = estimator(tmp_path)
    est.train(train_input(num_epochs=1, batch_size=5))             # 12 rows: batches of 5, 5 and 2
    assert est.get_variable_value("global_step") == 3


def test_evaluate_equals_a_hand_computation(tmp_path):
    est = estimator(tmp_path)
    est.train(train_input(), steps=4)
    w, b = est.get_variable_value("w")[0, 0], est.get_variable_value("b")
    result = est.evaluate(train_input(num_epochs=1, batch_size=5))
    y = w * X[:, 0] + b
    batch_losses = [np.mean((y[i:i + 5] - Y[i:i + 5]) ** 2) for i in (0, 5, 10)]
    assert set(result) == {"mae", "sign", "loss", "global_step"}
    assert result["global_step"] == 4
    assert result["loss"] == pytest.approx(np.mean(batch_losses), rel=1e-5)   # the mean of the batches' losses
    assert result["mae"] == pytest.approx(np.mean(np.abs(y - Y)), rel=1e-5)
    assert result["sign"] == pytest.approx(np.mean((y > 0) == (Y > 0)))
    events = load(os.path.join(str(tmp_path), "eval"))
    assert events.Scalars("mae")[0].step == 4
    assert events.Scalars("loss")[0].value == pytest.approx(result["loss"], rel=1e-6)
    assert est.evaluate(train_input(num_epochs=1, batch_size=5), steps=1, name="one")["loss"] == \
        pytest.approx(batch_losses[0], rel=1e-5)
    assert os.path.isdir(os.path.join(str(tmp_path), "eval_one"))


def test_evaluate_without_a_checkpoint_initializes(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="graphgrad"):
        result = estimator(tmp_path).evaluate(train_input(num_epochs=1, batch_size=12))
    assert "running initialization to evaluate" in caplog.text
    assert result["loss"] == pytest.approx(np.mean(Y ** 2)) and result["global_step"] == 0


def test_predict_yields_one_dict_per_example(tmp_path):
    est = estimator(tmp_path)
    est.train(train_input(), steps=2)
    w, b = est.get_variable_value("w")[0, 0], est.get_variable_value("b")
    x_only = tf.estimator.inputs.numpy_input_fn({"x": X}, batch_size=5, num_epochs=1, shuffle=False)
    preds = list(est.predict(x_only))
    assert len(preds) == 12 and set(preds[0]) == {"y", "positive"}
    np.testing.assert_allclose([p["y"] for p in preds], w * X[:, 0] + b, rtol=1e-5)
    only_y = list(est.predict(x_only, predict_keys=["y"]))
    assert set(only_y[0]) == {"y"}
    batches = list(est.predict(x_only, yield_single_examples=False))
    assert [len(batch["y"]) for batch in batches] == [5, 5, 2]
    with pytest.raises(ValueError, match="Expected to run at least one output from"):
        list(est.predict(x_only, predict_keys=["nope"]))


def test_predict_of_a_tensor_yields_its_rows(tmp_path):
    def model_fn(features, mode):
        return tf.estimator.EstimatorSpec(mode, predictions=features * 2.0)

    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path))
    x_only = tf.estimator.inputs.numpy_input_fn(X, batch_size=8, num_epochs=1, shuffle=False)
    np.testing.assert_allclose(np.array(list(est.predict(x_only))), X * 2.0)


def test_model_fn_gets_only_the_arguments_it_names(tmp_path):
    seen = {}

    def model_fn(features, labels, config, params):
        seen.update(config=config, params=params)
        step = tf.train.get_global_step()
        loss = tf.reduce_mean(features["x"]) * 0.0 + tf.cast(step, tf.float32) * 0.0
        return tf.estimator.EstimatorSpec("train", loss=loss, train_op=tf.assign_add(step, 1))

    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path), params={"k": 1})
    est.train(train_input(), steps=1)
    assert seen["params"] == {"k": 1} and seen["config"].model_dir == str(tmp_path)
    with pytest.raises(ValueError, match="must include features argument"):
        tf.estimator.Estimator(lambda x, mode: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="has following not expected args: \\['other'\\]"):
        tf.estimator.Estimator(lambda features, other: None, model_dir=str(tmp_path))
    with pytest.raises(ValueError, match="does not include params argument, but params"):
        tf.estimator.Estimator(lambda features: None, model_dir=str(tmp_path), params={"a": 1})
    no_labels = tf.estimator.Estimator(lambda features, mode: None, model_dir=str(tmp_path / "n"))
    with pytest.raises(ValueError, match="model_fn does not take labels, but input_fn returns labels."):
        no_labels.train(train_input(), steps=1)


def test_input_fn_may_return_a_dataset_and_take_params(tmp_path):
    def input_fn(params):
        data = tf.data.Dataset.from_tensor_slices(({"x": X}, Y)).batch(params["batch"])
        return data

    est = tf.estimator.Estimator(linear_model_fn, model_dir=str(tmp_path), params={"lr": 0.1, "batch": 6})
    est.train(input_fn)                               # the dataset's end ends training: 2 batches
    assert est.get_variable_value("global_step") == 2
    assert est.evaluate(input_fn)["global_step"] == 2


def test_a_temporary_model_dir_is_logged(caplog, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))        # made under the test's own folder
    with caplog.at_level(logging.INFO, logger="graphgrad"):
        est = tf.estimator.Estimator(linear_model_fn, params={"lr": 0.1})
    assert os.path.isdir(est.model_dir) and est.model_dir.startswith(str(tmp_path))
    assert f"Using temporary folder as model directory: {est.model_dir}" in caplog.text
    assert "Using default config." in caplog.text


def test_model_dir_in_config_and_constructor_must_agree(tmp_path):
    config = tf.estimator.RunConfig(model_dir=str(tmp_path / "a"))
    assert tf.estimator.Estimator(linear_model_fn, config=config, params={}).model_dir == str(tmp_path / "a")
    with pytest.raises(ValueError, match="`model_dir` are set both in constructor and `RunConfig`"):
        tf.estimator.Estimator(linear_model_fn, model_dir=str(tmp_path / "b"), config=config, params={})
    with pytest.raises(ValueError, match="config must be an instance of `RunConfig`"):
        tf.estimator.Estimator(linear_model_fn, config={}, params={})


def test_checkpoints_every_n_steps_and_listeners(tmp_path):
    saved = []

    class Listener(tf.train.CheckpointSaverListener):
        def after_save(self, session, step):
            saved.append(int(step))

    est = estimator(tmp_path, save_checkpoints_steps=2, keep_checkpoint_max=2)
    est.train(train_input(), steps=5, saving_listeners=[Listener()])
    assert saved == [0, 2, 4, 5]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["model.ckpt-4", "model.ckpt-5"]
    no_saver = estimator(tmp_path / "n", save_checkpoints_secs=None)
    with pytest.raises(ValueError, match="There should be a CheckpointSaverHook to use saving_listeners"):
        no_saver.train(train_input(), steps=1, saving_listeners=[Listener()])


def test_training_logs_the_loss_and_writes_its_summary(tmp_path, caplog):
    est = estimator(tmp_path, log_step_count_steps=2, save_summary_steps=2)
    with caplog.at_level(logging.INFO, logger="graphgrad"):
        est.train(train_input(batch_size=12), steps=3)
    assert f"loss = {np.float32(np.mean(Y ** 2))!s}, step = 1" in caplog.text
    assert "Loss for final step:" in caplog.text
    assert [e.step for e in load(str(tmp_path)).Scalars("loss")] == [1, 3]


def test_nan_loss_stops_training_with_tf1_error(tmp_path):
    def model_fn(features, labels, mode):
        step = tf.train.get_global_step()
        loss = tf.log(tf.reduce_mean(features["x"]) * 0.0 - 1.0)
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.assign_add(step, 1))

    with np.errstate(invalid="ignore"), pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss"):
        tf.estimator.Estimator(model_fn, model_dir=str(tmp_path)).train(train_input(), steps=3)


def test_warm_start_copies_the_trained_weights(tmp_path):
    source = estimator(tmp_path / "a")
    source.train(train_input(), steps=3)
    warm = tf.estimator.Estimator(linear_model_fn, model_dir=str(tmp_path / "b"), params={"lr": 0.1},
                                  warm_start_from=str(tmp_path / "a"))
    evaluation = train_input(num_epochs=1, batch_size=12)
    assert warm.evaluate(evaluation)["loss"] == pytest.approx(source.evaluate(evaluation)["loss"])
    only_b = tf.estimator.WarmStartSettings(str(tmp_path / "a"), vars_to_warm_start="b")
    partly = tf.estimator.Estimator(linear_model_fn, model_dir=str(tmp_path / "c"), params={"lr": 0.1},
                                    warm_start_from=only_b)
    partly.train(train_input(), steps=1)
    assert partly.get_variable_value("b") != 0.0


# --- EstimatorSpec ----------------------------------------------------------------------------------------------

def test_estimator_spec_checks_each_mode():
    with tf.Graph().as_default():
        loss = tf.constant(1.0)
        train_op = tf.no_op()
        with pytest.raises(ValueError, match="Missing train_op."):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, loss=loss)
        with pytest.raises(ValueError, match="Missing loss."):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.TRAIN, train_op=train_op)
        with pytest.raises(ValueError, match="Missing loss."):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.EVAL)
        with pytest.raises(ValueError, match="Missing predictions."):
            tf.estimator.EstimatorSpec(tf.estimator.ModeKeys.PREDICT)
        with pytest.raises(ValueError, match="Loss must be scalar"):
            tf.estimator.EstimatorSpec("eval", loss=tf.constant([1.0, 2.0]))
        with pytest.raises(TypeError, match="loss must be Tensor, given: 1.0"):
            tf.estimator.EstimatorSpec("eval", loss=1.0)
        with pytest.raises(TypeError, match="Values of eval_metric_ops must be \\(metric_value, update_op\\)"):
            tf.estimator.EstimatorSpec("eval", loss=loss, eval_metric_ops={"m": loss})
        with pytest.raises(TypeError, match="All hooks must be SessionRunHook instances"):
            tf.estimator.EstimatorSpec("eval", loss=loss, evaluation_hooks=[object()])
        spec = tf.estimator.EstimatorSpec("eval", loss=tf.constant([[2.0]]))
        assert spec.loss.shape.ndims == 0 and spec.predictions == {} and spec.eval_metric_ops == {}
        assert isinstance(spec.scaffold, tf.train.Scaffold)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="loss with Const:0 must be from the default graph"):
            tf.estimator.EstimatorSpec("eval", loss=loss)


def test_mode_keys_are_tf1_strings():
    assert (tf.estimator.ModeKeys.TRAIN, tf.estimator.ModeKeys.EVAL, tf.estimator.ModeKeys.PREDICT) == \
        ("train", "eval", "infer")


# --- RunConfig ---------------------------------------------------------------------------------------------------

def test_run_config_defaults_and_replace():
    c = tf.estimator.RunConfig()
    assert (c.save_checkpoints_secs, c.save_checkpoints_steps, c.save_summary_steps, c.keep_checkpoint_max,
            c.log_step_count_steps, c.model_dir, c.is_chief) == (600, None, 100, 5, 100, None, True)
    steps = c.replace(save_checkpoints_steps=10)
    assert (steps.save_checkpoints_steps, steps.save_checkpoints_secs) == (10, None)
    assert c.save_checkpoints_secs == 600                                    # the original is unchanged
    with pytest.raises(ValueError, match="cannot be both set"):
        tf.estimator.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)
    with pytest.raises(ValueError, match="master property is not allowed to be replaced"):
        c.replace(master="grpc://x")
    with pytest.raises(ValueError, match="save_summary_steps should be >= 0"):
        tf.estimator.RunConfig(save_summary_steps=-1)


# --- numpy_input_fn ----------------------------------------------------------------------------------------------

def _drain(input_fn):
    with tf.Graph().as_default():
        out = input_fn()
        rows = []
        with tf.train.MonitoredSession() as s:
            while not s.should_stop():
                rows.append(s.run(out))
        return out, rows


def test_numpy_input_fn_epochs_batches_and_order():
    out, rows = _drain(tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=5, num_epochs=2, shuffle=False))
    features, labels = out
    assert set(features) == {"x"}
    assert [len(r[1]) for r in rows] == [5, 5, 5, 5, 4]              # epochs run on; the last batch is partial
    np.testing.assert_array_equal(np.concatenate([r[1] for r in rows]), np.concatenate([Y, Y]))
    _, shuffled = _drain(tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=12, num_epochs=1,
                                                            shuffle=True))
    xs, ys = shuffled[0][0]["x"][:, 0], shuffled[0][1]
    np.testing.assert_allclose(ys, 3.0 * xs + 1.0, rtol=1e-6)          # rows stay paired
    assert sorted(ys.tolist()) == sorted(Y.tolist())


def test_numpy_input_fn_forever_gives_full_batches():
    with tf.Graph().as_default():
        features, labels = tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=5, num_epochs=None,
                                                              shuffle=True)()
        assert labels.shape.as_list() == [5]


def test_numpy_input_fn_argument_errors():
    with pytest.raises(ValueError, match="shuffle must be provided and explicitly set as boolean"):
        tf.estimator.inputs.numpy_input_fn({"x": X}, Y)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Length of tensors in x and y is mismatched"):
            tf.estimator.inputs.numpy_input_fn({"x": X}, Y[:3], shuffle=False)()
        with pytest.raises(ValueError, match="x cannot be an empty dict"):
            tf.estimator.inputs.numpy_input_fn({}, Y, shuffle=False)()
        with pytest.raises(ValueError, match="1 duplicate keys are found in both x and y"):
            tf.estimator.inputs.numpy_input_fn({"x": X}, {"x": Y}, shuffle=False)()
        with pytest.raises(ValueError, match="x must be a dict or array; got list"):
            tf.estimator.inputs.numpy_input_fn([1, 2], shuffle=False)()
        f, y = tf.estimator.inputs.numpy_input_fn({"x": X}, {"y": Y}, shuffle=False)()
        assert set(y) == {"y"}
    assert tf.compat.v1.estimator.inputs.numpy_input_fn is tf.estimator.inputs.numpy_input_fn


# --- a program in the style of the classic tutorials --------------------------------------------------------------

def test_a_classic_estimator_program_learns_the_digits(tmp_path):
    """As aymericdamien's neural_network.py / convolutional_network.py: layers built twice in one model_fn under a
    reused variable scope (dropout only in training), numpy_input_fn with num_epochs=None, train, evaluate."""
    digits = tf.datasets.load_digits()

    def conv_net(x_dict, reuse, is_training):
        with tf.variable_scope("ConvNet", reuse=reuse):
            x = tf.reshape(x_dict["images"], [-1, 8, 8, 1])
            x = tf.layers.max_pooling2d(tf.layers.conv2d(x, 8, 3, activation=tf.nn.relu), 2, 2)
            x = tf.layers.dropout(tf.layers.dense(tf.layers.flatten(x), 32, activation=tf.nn.relu), rate=0.25,
                                  training=is_training)
            return tf.layers.dense(x, 10)

    def model_fn(features, labels, mode):
        logits_train = conv_net(features, reuse=False, is_training=True)
        logits_test = conv_net(features, reuse=True, is_training=False)
        pred_classes = tf.argmax(logits_test, axis=1)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=pred_classes)
        loss_op = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            logits=logits_train, labels=tf.cast(labels, dtype=tf.int32)))
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss_op, global_step=tf.train.get_global_step())
        acc_op = tf.metrics.accuracy(labels=labels, predictions=pred_classes)
        return tf.estimator.EstimatorSpec(mode=mode, predictions=pred_classes, loss=loss_op, train_op=train_op,
                                          eval_metric_ops={"accuracy": acc_op})

    model = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path),
                                   config=tf.estimator.RunConfig(tf_random_seed=1))
    input_fn = tf.estimator.inputs.numpy_input_fn(x={"images": digits.x_train}, y=digits.y_train, batch_size=64,
                                                  num_epochs=None, shuffle=True)
    model.train(input_fn, steps=150)
    input_fn = tf.estimator.inputs.numpy_input_fn(x={"images": digits.x_test}, y=digits.y_test, batch_size=64,
                                                  shuffle=False)
    e = model.evaluate(input_fn)
    assert e["global_step"] == 150 and e["accuracy"] > 0.85
    assert sorted(v for v in model.get_variable_names() if v.startswith("ConvNet/") and "Adam" not in v) == [
        "ConvNet/conv2d/bias", "ConvNet/conv2d/kernel", "ConvNet/dense/bias", "ConvNet/dense/kernel",
        "ConvNet/dense_1/bias", "ConvNet/dense_1/kernel"]
    predicted = np.array(list(model.predict(input_fn)))
    assert np.mean(predicted == digits.y_test) == pytest.approx(e["accuracy"])

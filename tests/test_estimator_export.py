"""Estimator.export_saved_model with tf.estimator.export, and train_and_evaluate with exporters (docs/saved-model.md).

tensorflow_estimator left TensorFlow in 2.16, so the expectations are TF1's documented behaviour; that real
TensorFlow loads an export is checked by tools/record_tf_saved_models.py --check."""
import os

import numpy as np
import pytest

import graphgrad as tf

X = np.linspace(-1, 1, 24, dtype=np.float32).reshape(12, 2)
Y = (X.sum(1) > 0).astype(np.int64)


def model_fn(features, labels, mode, params):
    logits = tf.layers.dense(features["x"], 2)
    classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"class": classes, "probs": tf.nn.softmax(logits)},
                                          export_outputs=params.get("export_outputs", lambda p: None)(logits))
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops={"accuracy": tf.metrics.accuracy(labels, classes)})


def estimator(tmp_path, params=None, **config):
    return tf.estimator.Estimator(model_fn, model_dir=str(tmp_path / "model"), params=params or {},
                                  config=tf.estimator.RunConfig(tf_random_seed=0, **config))


def train_input():
    return tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=4, num_epochs=None, shuffle=False)


def receiver_fn():
    return tf.estimator.export.build_raw_serving_input_receiver_fn({"x": tf.placeholder(tf.float32, (None, 2))})


def test_export_saved_model_serves_what_predict_computes(tmp_path):
    model = estimator(tmp_path)
    with pytest.raises(ValueError, match="Couldn't find trained model at"):
        model.export_saved_model(str(tmp_path / "export"), receiver_fn())
    model.train(train_input(), steps=10)
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    path = model.export_saved_model(str(tmp_path / "export"), receiver_fn(),
                                    assets_extra={"extra/vocab.txt": str(tmp_path / "vocab.txt")})
    assert isinstance(path, bytes) and os.path.basename(path).isdigit()
    assert os.listdir(tmp_path / "export") == [os.path.basename(path).decode()]  # no temp- folder left
    assert (tmp_path / "export" / path.decode() / "assets.extra" / "extra" / "vocab.txt").read_text() == "a\nb\n"
    want = list(model.predict(tf.estimator.inputs.numpy_input_fn({"x": X}, shuffle=False),
                              yield_single_examples=False))
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = tf.saved_model.loader.load(sess, [tf.saved_model.SERVING], path)
        assert sorted(mg.signature_def) == ["serving_default"]
        sig = mg.signature_def["serving_default"]
        got = sess.run({k: v.name for k, v in sig.outputs.items()}, {sig.inputs["x"].name: X})
        assert sess.run(tf.train.get_global_step()) == 10
    np.testing.assert_array_equal(got["class"], want[0]["class"])
    np.testing.assert_allclose(got["probs"], want[0]["probs"], rtol=1e-6)


def test_export_outputs_give_the_signatures(tmp_path, caplog):
    def outputs(logits):
        return {"scores": tf.estimator.export.PredictOutput({"logits": logits}),
                "serving_default": tf.estimator.export.PredictOutput(tf.nn.softmax(logits)),
                "classify": tf.estimator.export.ClassificationOutput(scores=tf.nn.softmax(logits))}

    model = estimator(tmp_path, params={"export_outputs": outputs})
    model.train(train_input(), steps=2)
    path = model.export_saved_model(str(tmp_path / "export"), receiver_fn())
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = tf.saved_model.loader.load(sess, ["serve"], path)
    # classify needs one string input (serialized tf.Examples): left out and logged, as TF does
    assert sorted(mg.signature_def) == ["scores", "serving_default"]
    assert list(mg.signature_def["serving_default"].outputs) == ["output"]
    assert "Export includes no signature for classify" in caplog.text


def test_export_outputs_are_checked_in_predict_mode():
    with tf.Graph().as_default():
        p = tf.constant([1.0])
        predict = tf.estimator.ModeKeys.PREDICT
        spec = tf.estimator.EstimatorSpec(predict, predictions=p,
                                          export_outputs={"only": tf.estimator.export.PredictOutput(p)})
        assert sorted(spec.export_outputs) == ["only", "serving_default"]
        with pytest.raises(ValueError, match="none of them are specified as the default"):
            tf.estimator.EstimatorSpec(predict, predictions=p, export_outputs={
                "a": tf.estimator.export.PredictOutput(p), "b": tf.estimator.export.PredictOutput(p)})
        with pytest.raises(TypeError, match="Values in `export_outputs` must be ExportOutput objects"):
            tf.estimator.EstimatorSpec(predict, predictions=p, export_outputs={"a": p})
        with pytest.raises(ValueError, match="Regression output value must be a float32 Tensor"):
            tf.estimator.export.RegressionOutput(tf.constant([1]))


class Steps(tf.train.SessionRunHook):
    """An evaluation hook: the global step of each evaluation."""

    def __init__(self):
        self.steps = []

    def end(self, session):
        self.steps.append(session.run(tf.train.get_global_step()))


def test_train_and_evaluate_evaluates_each_checkpoint_and_exports(tmp_path):
    steps = Steps()
    model = estimator(tmp_path, save_checkpoints_steps=5)
    train = tf.estimator.TrainSpec(train_input(), max_steps=15)
    evals = tf.estimator.EvalSpec(tf.estimator.inputs.numpy_input_fn({"x": X}, Y, batch_size=6, shuffle=False),
                                  steps=None, hooks=[steps], throttle_secs=0,
                                  exporters=[tf.estimator.FinalExporter("final", receiver_fn())])
    metrics, exports = tf.estimator.train_and_evaluate(model, train, evals)
    assert steps.steps == [5, 10, 15]  # the first save (step 0) is skipped: the model is untrained
    assert metrics["global_step"] == 15 and set(metrics) == {"accuracy", "loss", "global_step"}
    assert exports[0] is not None and os.path.dirname(exports[0]) == str(tmp_path / "model/export/final").encode()


def test_throttle_secs_skips_evaluations_until_the_last_checkpoint(tmp_path):
    model, steps = estimator(tmp_path, save_checkpoints_steps=5), Steps()
    latest = tf.estimator.LatestExporter("latest", receiver_fn(), exports_to_keep=1)
    evals = tf.estimator.EvalSpec(tf.estimator.inputs.numpy_input_fn({"x": X}, Y, shuffle=False), steps=1,
                                  hooks=[steps], throttle_secs=3600, exporters=latest)
    metrics, exports = tf.estimator.train_and_evaluate(model, tf.estimator.TrainSpec(train_input(), max_steps=15),
                                                       evals)
    assert steps.steps == [5, 15]  # step 10 is within throttle_secs of step 5; the last checkpoint is evaluated
    assert metrics["global_step"] == 15
    assert os.listdir(tmp_path / "model/export/latest") == [os.path.basename(exports[0]).decode()]  # keeps 1


def test_specs_are_checked():
    with pytest.raises(ValueError, match="Must specify max_steps > 0, given: 0"):
        tf.estimator.TrainSpec(lambda: None, max_steps=0)
    with pytest.raises(ValueError, match="Must specify throttle_secs >= 0, given: -1"):
        tf.estimator.EvalSpec(lambda: None, throttle_secs=-1)
    with pytest.raises(TypeError, match="`train_spec` must have type `tf.estimator.TrainSpec`"):
        tf.estimator.train_and_evaluate(tf.estimator.Estimator(model_fn, params={}), None,
                                        tf.estimator.EvalSpec(lambda: None))

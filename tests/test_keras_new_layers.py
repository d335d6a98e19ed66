"""EinsumDense (graphgrad/keras/layers/_einsum_dense.py) and LocallyConnected1D/2D in their three implementations
(_local.py) in small models against tf_keras 2.21 in TF1 graph mode with the same weights
(tools/record_keras_mask_reference.py → keras_new_layers_reference.json): weight names and shapes, predictions,
evaluate; and the three implementations computing one convolution alike."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_mask_cases import compare, run
from keras_new_layers_cases import CASES, premade_models

import graphgrad as tf
from graphgrad import keras

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_new_layers_reference.json")))["cases"]


@pytest.mark.parametrize("case", CASES)
def test_matches_tf_keras(case):
    with tf.Graph().as_default():
        compare(run(keras, case, keras.backend.get_session(), CASES), REFERENCE[case])


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_local_implementations_agree(padding):
    """Implementation 1's kernel (valid padding only) moved into 2's masked dense layout and 3's vector of
    connected weights: all three give one output."""
    x = np.random.RandomState(0).uniform(-1, 1, size=(2, 4, 5, 2)).astype(np.float32)
    with tf.Graph().as_default():
        layers = [keras.layers.LocallyConnected2D(3, (2, 2), padding=padding, implementation=i)
                  for i in ((1, 2, 3) if padding == "valid" else (2, 3))]
        outs = [layer(tf.constant(x)) for layer in layers]
        s = keras.backend.get_session()
        dense = np.random.RandomState(1).uniform(-1, 1, size=layers[-2].kernel.shape.as_list()).astype(np.float32)
        dense *= layers[-2]._mask  # implementation 2: [rows, cols, in, out rows, out cols, filters]
        bias = np.random.RandomState(2).uniform(-1, 1, size=layers[-1].bias.shape.as_list()).astype(np.float32)
        flat = dense.reshape(layers[-1]._in_size, layers[-1]._out_size)
        layers[-2].set_weights([dense, bias])
        layers[-1].set_weights([np.array([flat[i, o] for o, i in layers[-1]._idxs], np.float32), bias])
        if padding == "valid":
            out_rows, out_cols = layers[0].output_shape_spatial
            kernel = np.stack([dense[r:r + 2, c:c + 2, :, r, c, :].reshape(8, 3)
                               for r in range(out_rows) for c in range(out_cols)])
            layers[0].set_weights([kernel, bias])
        values = s.run(outs)
    for v in values[1:]:
        np.testing.assert_allclose(v, values[0], rtol=1e-5, atol=1e-6)


def test_einsum_dense_shape_errors_as_keras():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        keras.layers.EinsumDense("ab->b", 3).build([None, 4])
    with pytest.raises(ValueError, match="Bias dimension 'z' was requested"):
        keras.layers.EinsumDense("ab,bc->ac", 3, bias_axes="z").build([None, 4])


def test_experimental_namespace():
    L = keras.layers
    assert L.experimental.EinsumDense is L.EinsumDense
    assert L.experimental.preprocessing.Rescaling is L.Rescaling
    assert tf.keras.layers.experimental.RandomFourierFeatures is L.experimental.RandomFourierFeatures


def test_sync_batch_normalization_is_batch_normalization_on_one_replica():
    """Names and training-mode output observed under tf_keras 2.21 (eagerly) for these inputs."""
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    layer = keras.layers.experimental.SyncBatchNormalization()
    out = layer(tf.constant(x), training=True)
    assert [w.name for w in layer.weights] == ["sync_batch_normalization/" + n + ":0" for n in
                                               ("gamma", "beta", "moving_mean", "moving_variance")]
    s = keras.backend.get_session()
    np.testing.assert_allclose(s.run(out), [[-1.3415066] * 2, [-0.4471689] * 2, [0.4471689] * 2, [1.3415066] * 2],
                               rtol=1e-5)


def test_v2_dtype_behavior():
    """As tf_keras 2.21 under tf.compat.v1: a float64 input makes a float64 Dense (TF1's rule) unless TF2's dtype
    behaviour is on, where a layer computes in floatx unless given a dtype, its inputs cast."""
    x = tf.placeholder(tf.float64, [None, 3])
    assert keras.layers.Dense(2)(x).dtype == tf.float64
    keras.layers.enable_v2_dtype_behavior()
    try:
        assert keras.layers.Dense(2)(x).dtype == tf.float32
        assert keras.layers.Dense(2, dtype="float64")(x).dtype == tf.float64
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        assert model.predict(np.ones((2, 3))).dtype == np.float32
    finally:
        keras.layers.disable_v2_dtype_behavior()
    assert keras.layers.Dense(2)(x).dtype == tf.float64


def test_premade_models_train_as_tf_keras():
    """LinearModel's weight names; both models' losses, predictions and weights after three steps (WideDeepModel
    with SGD for the linear part and Adam for the deep one) as tf_keras 2.21 gives them."""
    want = REFERENCE["premade"]
    with tf.Graph().as_default():
        got = premade_models(keras)
    assert got["linear_weights"] == want["linear_weights"] == ["linear_model/kernel:0", "linear_model/bias:0"]
    for key in ("linear_loss", "linear_pred", "wide_loss", "wide_pred"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for key in ("wide_linear", "wide_dnn"):
        for g, w in zip(got[key], want[key]):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6, err_msg=key)


def test_dense_features_in_a_functional_model():
    """Feature columns through DenseFeatures into Dense: the layers, weight names, features and predictions
    tf_keras 2.21 gives for this program under tf.compat.v1 (embedding table set to arange(15) / 10)."""
    fc = tf.feature_column
    age = fc.numeric_column("age")
    columns = [age, fc.embedding_column(fc.categorical_column_with_identity("id", 5), 3),
               fc.bucketized_column(age, [1.5])]
    a, i = keras.Input((1,), name="age"), keras.Input((1,), name="id", dtype="int64")
    layer = keras.layers.DenseFeatures(columns)
    features = layer({"age": a, "id": i})
    model = keras.Model([a, i], keras.layers.Dense(1, kernel_initializer="ones")(features))
    layer.set_weights([np.arange(15, dtype=np.float32).reshape(5, 3) / 10])
    assert [la.name for la in model.layers] == ["age", "id", "dense_features", "dense"]
    assert [w.name for w in model.weights] == ["dense_features/id_embedding/embedding_weights:0", "dense/kernel:0",
                                               "dense/bias:0"]
    x = [np.array([[1.0], [2.0]], np.float32), np.array([[1], [4]])]
    np.testing.assert_allclose(keras.backend.get_session().run(features, dict(zip([a, i], x))),
                               [[1, 1, 0, 0.3, 0.4, 0.5], [2, 0, 1, 1.2, 1.3, 1.4]], rtol=1e-6)
    np.testing.assert_allclose(model.predict(x), [[3.2], [6.9]], rtol=1e-6)
    with pytest.raises(ValueError, match="We expected a dictionary here"):
        layer(a)


def test_the_premade_models_and_cosine_schedules_under_their_other_names():
    """tf_keras also exports the premade models from keras.models, the cosine schedules from keras.experimental."""
    from graphgrad import keras
    assert keras.models.LinearModel is keras.experimental.LinearModel
    assert keras.models.WideDeepModel is keras.experimental.WideDeepModel
    assert keras.experimental.CosineDecay is keras.optimizers.schedules.CosineDecay
    assert keras.experimental.CosineDecayRestarts is keras.optimizers.schedules.CosineDecayRestarts

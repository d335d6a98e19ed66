"""Keras 2's layers (graphgrad/keras/layers/) against values recorded under real tf.keras
(tools/record_keras_layers_reference.py -> keras_layers_reference.json): weights' names and shapes, output shapes,
outputs and gradients in graph and eager mode; configs that rebuild the layer; the training flag."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_layers_cases import CALLS, CASES, PREPROCESSING, build, call, inputs_for, loss_weights, weights_for

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_layers_reference.json")))["cases"]


def _check(case, outs, grads):
    ref = REFERENCE[case]
    assert len(outs) == len(ref["outputs"])
    for got, want in zip(outs, ref["outputs"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert len(grads) == len(ref["grads"])
    for got, want in zip(grads, ref["grads"]):
        np.testing.assert_allclose(np.zeros(np.shape(want)) if got is None else got, want, rtol=1e-4, atol=1e-5)


def _call(layer, xs, case):
    out = call(layer, case, xs)
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", sorted(CASES) + sorted(CALLS))
def test_graph_mode_matches_tf_keras(case):
    ref = REFERENCE[case]
    xs = [tf.constant(v) for v in inputs_for(case)]
    layer = build(keras, case)
    outs = _call(layer, xs, case)
    assert [w.shape.as_list() for w in layer.weights] == ref["weight_shapes"]
    assert [w.name.split("/", 1)[1] for w in layer.weights] == ref["weight_names"]
    loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
    grads = tf.gradients(loss, xs + layer.weights)
    s = keras.backend.get_session()
    layer.set_weights(weights_for(case, ref["weight_shapes"]))
    _check(case, s.run(outs), [None if g is None else s.run(g) for g in grads])
    if ref["output_shape"] is not None:
        in_shapes = [(None, *np.shape(v)[1:]) for v in inputs_for(case)]
        shape = layer.compute_output_shape(in_shapes if len(xs) > 1 else in_shapes[0])
        assert (shape.as_list() if not isinstance(shape, list) else [s.as_list() for s in shape]) == \
            ref["output_shape"]


@pytest.mark.parametrize("case", sorted(CASES) + sorted(CALLS))
def test_eager_mode_matches_tf_keras(case):
    with eager_mode():
        xs = [tf.constant(v) for v in inputs_for(case)]
        layer = build(keras, case)
        _call(layer, xs, case)
        layer.set_weights(weights_for(case, REFERENCE[case]["weight_shapes"]))
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            outs = _call(layer, xs, case)
            loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
        grads = tape.gradient(loss, xs + layer.weights)
        _check(case, [o.numpy() for o in outs], [None if g is None else g.numpy() for g in grads])


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_rebuilds_the_layer(case):
    xs = [tf.constant(v) for v in inputs_for(case)]
    layer = build(keras, case)
    outs = _call(layer, xs, case)
    config = layer.get_config()
    copy = type(layer).from_config(dict(config, name=f"{config['name']}_copy"))
    assert copy.get_config() == dict(config, name=copy.name)
    copied = _call(copy, xs, case)
    weights = weights_for(case, REFERENCE[case]["weight_shapes"])
    layer.set_weights(weights)
    copy.set_weights(weights)
    s = keras.backend.get_session()
    for a, b in zip(s.run(outs), s.run(copied)):
        np.testing.assert_array_equal(a, b)


PREPROCESSED = json.load(open(os.path.join(os.path.dirname(__file__), "keras_layers_reference.json")))[
    "preprocessing"]


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize("case", sorted(PREPROCESSING))
def test_preprocessing_matches_tf_keras(case, eager):
    build, data, inputs = PREPROCESSING[case]

    def run():
        layer = build(keras)
        if data is not None:
            layer.adapt(data())
        out = layer(tf.constant(inputs()))
        return out.numpy() if eager else keras.backend.get_session().run(out)
    if eager:
        with eager_mode():
            got = run()
    else:
        got = run()
    np.testing.assert_allclose(got, PREPROCESSED[case], rtol=1e-5, atol=1e-5)


def test_normalization_weights_and_adapt_after_build():
    layer = keras.layers.Normalization()
    x = tf.placeholder(tf.float32, [None, 3])
    y = layer(x)
    assert [w.name for w in layer.weights] == ["normalization/mean:0", "normalization/variance:0",
                                               "normalization/count:0"]
    assert layer.trainable_weights == []
    data = np.array([[1.0, 2, 3], [3, 2, 1]], np.float32)
    layer.adapt(data)
    np.testing.assert_allclose(keras.backend.get_session().run(y, {x: data}), [[-1, 0, 1], [1, 0, -1]],
                               atol=1e-3)
    assert layer.get_weights()[2] == 2


def _model_with_reference_weights():
    from keras_layers_cases import model

    m = model(keras)
    for layer in m.layers:
        if layer.weights:
            layer.set_weights(weights_for(layer.name, REFERENCE_MODEL["layer_weights"][layer.name]))
    return m


REFERENCE_MODEL = json.load(open(os.path.join(os.path.dirname(__file__), "keras_layers_reference.json")))["model"]


def test_a_model_of_new_layers_trains_as_tf_keras():
    from keras_layers_cases import STEPS, model_data

    m = _model_with_reference_weights()
    assert {layer.name: [w.shape.as_list() for w in layer.weights] for layer in m.layers
            if layer.weights} == REFERENCE_MODEL["layer_weights"]
    m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    x, y = model_data()
    np.testing.assert_allclose(m.predict(x), REFERENCE_MODEL["predictions"], rtol=1e-5, atol=1e-6)
    losses = [m.train_on_batch(x, y) for _ in range(STEPS)]
    np.testing.assert_allclose(losses, REFERENCE_MODEL["losses"], rtol=1e-5)
    np.testing.assert_allclose(m.predict(x), REFERENCE_MODEL["trained_predictions"], rtol=1e-4, atol=1e-6)


def test_model_saved_by_keras_loads_and_predicts():
    pytest.importorskip("h5py")
    from keras_layers_cases import model_data

    path = os.path.join(os.path.dirname(__file__), "data", "keras_layers_model.h5")
    m = keras.models.load_model(path)
    assert {type(layer).__name__ for layer in m.layers} >= {"SeparableConv2D", "Conv2DTranspose", "PReLU",
                                                            "LayerNormalization", "DepthwiseConv2D", "Subtract"}
    np.testing.assert_allclose(m.predict(model_data()[0]), REFERENCE_MODEL["predictions"], rtol=1e-5, atol=1e-6)


def test_save_and_load_round_trip(tmp_path):
    pytest.importorskip("h5py")
    from keras_layers_cases import model_data

    m = _model_with_reference_weights()
    path = str(tmp_path / "m.h5")
    m.save(path)
    x = model_data()[0]
    with tf.Graph().as_default():
        again = keras.models.load_model(path)
        np.testing.assert_allclose(again.predict(x), REFERENCE_MODEL["predictions"], rtol=1e-5, atol=1e-6)


def test_noise_layers_act_only_while_training():
    x = np.ones((200, 50), np.float32)
    inp = keras.Input((50,))
    layers = [keras.layers.GaussianNoise(0.5, seed=1), keras.layers.GaussianDropout(0.3, seed=2),
              keras.layers.AlphaDropout(0.2, seed=3), keras.layers.SpatialDropout1D(0.5, seed=4)]
    outs = [layer(inp) for layer in layers[:3]]
    seq = keras.Input((10, 20))
    outs.append(layers[3](seq))
    s = keras.backend.get_session()
    phase = keras.backend.learning_phase()
    xs = np.ones((200, 10, 20), np.float32)
    for out in s.run(outs, {inp: x, seq: xs}):
        np.testing.assert_array_equal(out, out * 0 + 1)  # inference: the identity
    noise, gauss, alpha, spatial = s.run(outs, {inp: x, seq: xs, phase: True})
    assert abs(noise.std() - 0.5) < 0.02 and abs(noise.mean() - 1) < 0.02
    assert abs(gauss.std() - np.sqrt(0.3 / 0.7)) < 0.03 and abs(gauss.mean() - 1) < 0.03
    assert len(np.unique(alpha.round(5))) == 2  # kept units and the dropped value, scaled and shifted
    per_channel = spatial.reshape(200, 10, 20)
    assert (per_channel == per_channel[:, :1]).all() and 0.4 < (per_channel == 0).mean() < 0.6
    with eager_mode():
        eager = keras.layers.GaussianNoise(1.0)
        np.testing.assert_array_equal(eager(tf.constant(x)).numpy(), x)
        assert not np.array_equal(eager(tf.constant(x), training=True).numpy(), x)


def test_activity_regularization_adds_its_loss():
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    layer = keras.layers.ActivityRegularization(l1=0.1, l2=0.01)
    layer(tf.constant(x))
    (loss,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2  # divided by the batch size, as Keras does
    np.testing.assert_allclose(keras.backend.get_session().run(loss), expected, rtol=1e-6)


def double(x, factor=2.0):
    return x * factor


def test_lambda_layer_runs_and_saves_named_functions(tmp_path):
    pytest.importorskip("h5py")
    inp = keras.Input((3,))
    out = keras.layers.Lambda(double, arguments={"factor": 3.0})(keras.layers.Dense(2)(inp))
    m = keras.Model(inp, out)
    x = np.ones((2, 3), np.float32)
    path = str(tmp_path / "lambda.h5")
    m.save(path)
    config = json.loads(__import__("h5py").File(path, "r").attrs["model_config"])
    spec = config["config"]["layers"][-1]["config"]
    assert spec["function"] == "double" and spec["function_type"] == "function" and spec["module"] == __name__
    with tf.Graph().as_default():
        np.testing.assert_allclose(keras.models.load_model(path).predict(x), m.predict(x), rtol=1e-6)
    m2 = keras.Model(inp, keras.layers.Lambda(lambda t: t + 1)(inp))
    m2.save(str(tmp_path / "lambda2.h5"))  # Keras 2's bytecode entry is written, but not run when reading
    with tf.Graph().as_default(), pytest.raises(ValueError, match="does not run"):
        keras.models.load_model(str(tmp_path / "lambda2.h5"))


def test_input_spec_checks_calls():
    spec = keras.layers.InputSpec(ndim=3, axes={-1: 4})
    assert spec.get_config()["ndim"] == 3 and repr(spec) == "InputSpec(ndim=3, axes={-1: 4})"
    layer = keras.layers.Identity()
    layer.input_spec = spec
    layer(tf.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(tf.zeros((2, 4)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(tf.zeros((2, 5, 3)))


def test_multi_head_attention_output_shape_and_errors():
    layer = keras.layers.MultiHeadAttention(2, 3, output_shape=7)
    assert layer.compute_output_shape((None, 4, 5), (None, 6, 5)).as_list() == [None, 4, 7]
    with pytest.raises(ValueError, match=r"must be called on a list of inputs, namely \[query, value\]"):
        keras.layers.Attention()(tf.zeros((1, 2, 3)))


def test_errors_are_keras():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        keras.layers.Subtract()([tf.zeros((1, 2))] * 3)
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value"):
        keras.layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        keras.layers.Permute((0, 1))
    with pytest.raises(ValueError, match="must be greater than output padding"):
        keras.layers.Conv2DTranspose(2, 3, strides=1, output_padding=1)


def test_layers_module_exports_only_keras_names():
    public = {n for n in dir(keras.layers) if not n.startswith("_")}
    assert public == set(keras.layers.__all__)
    assert {"np", "functools", "inspect", "array_ops", "math_ops"}.isdisjoint(public)
    assert keras.layers.MaxPool3D is keras.layers.MaxPooling3D and keras.layers.GlobalAvgPool2D.__name__ == \
        "GlobalAveragePooling2D"
    assert keras.layers.Convolution2DTranspose is keras.layers.Conv2DTranspose


def test_keras_2_layer_names():
    x = tf.zeros((1, 4, 4, 2))
    names = [layer(x).op.name.split("/")[0] and layer.name for layer in
             (keras.layers.PReLU(), keras.layers.ReLU(), keras.layers.LeakyReLU(), keras.layers.Conv2DTranspose(2, 1),
              keras.layers.GlobalAveragePooling2D(), keras.layers.ReLU())]
    assert names == ["p_re_lu", "re_lu", "leaky_re_lu", "conv2d_transpose", "global_average_pooling2d", "re_lu_1"]


def test_sequential_with_new_layers_fits_in_graph_and_eager():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 8, 2)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)

    def train():
        tf.set_random_seed(1)
        np.random.seed(1)
        model = keras.Sequential([keras.layers.Conv1D(8, 3, padding="same", input_shape=(8, 2)),
                                  keras.layers.LayerNormalization(), keras.layers.PReLU(),
                                  keras.layers.SpatialDropout1D(0.1), keras.layers.GlobalAveragePooling1D(),
                                  keras.layers.GaussianNoise(0.05), keras.layers.Dense(2, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.03), "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(x, y, batch_size=16, epochs=15, verbose=0).history["accuracy"][-1]
    assert train() >= 0.9
    with eager_mode():
        assert train() >= 0.9


def test_recurrent_wrappers_save_and_load(tmp_path):
    pytest.importorskip("h5py")
    x = np.random.RandomState(0).uniform(-1, 1, (4, 5, 3)).astype(np.float32)
    model = keras.Sequential([
        keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), input_shape=(5, 3)),
        keras.layers.TimeDistributed(keras.layers.Dense(3)),
        keras.layers.RNN([keras.layers.GRUCell(3), keras.layers.SimpleRNNCell(2)], return_sequences=True),
        keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, np.array([0, 1, 1, 0]), epochs=2, verbose=0)
    assert [w.name for w in model.layers[2].weights][:1] == ["rnn/stacked_rnn_cells/gru_cell/kernel:0"]
    path = str(tmp_path / "rnn.h5")
    model.save(path)
    with tf.Graph().as_default():
        loaded = keras.models.load_model(path)
        assert type(loaded.layers[0].forward_layer).__name__ == "LSTM" and loaded.layers[0].backward_layer.go_backwards
        np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-5)


@pytest.mark.parametrize("kind,case", [("CuDNNLSTM", "lstm_sequences_state"), ("CuDNNGRU", "gru_sequences_state")])
def test_cudnn_layers_are_lstm_and_gru_with_two_biases(kind, case):
    """TF1's CuDNNLSTM/CuDNNGRU (GPU-only in TensorFlow) against tf.keras' LSTM/GRU recorded with the same kernels
    and the sum (LSTM) or the pair (GRU, reset after) of cuDNN's input and recurrent biases."""
    import keras_rnn_cases as rnn_cases

    ref = json.load(open(os.path.join(os.path.dirname(__file__), "keras_rnn_reference.json")))["cases"][case]
    kernel, recurrent, bias = rnn_cases.weights_for(case, ref["weight_shapes"])
    cudnn_bias = np.concatenate([0.3 * bias, 0.7 * bias]) if kind == "CuDNNLSTM" else bias.reshape(-1)
    layer = getattr(keras.layers, kind)(rnn_cases.UNITS, return_sequences=True, return_state=True)
    outs = layer(tf.constant(rnn_cases.inputs_value()))
    assert [w.name for w in layer.weights] == [f"{layer.name}/kernel:0", f"{layer.name}/recurrent_kernel:0",
                                               f"{layer.name}/bias:0"]
    initial = layer.get_weights()[2]
    if kind == "CuDNNLSTM":  # unit_forget_bias: ones for the recurrent bias' forget gate
        np.testing.assert_array_equal(initial, np.repeat([0, 0, 0, 0, 0, 1, 0, 0], rnn_cases.UNITS))
    layer.set_weights([kernel, recurrent, cudnn_bias])
    for got, want in zip(keras.backend.get_session().run(outs), ref["outputs"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_serialize_and_deserialize():
    layer = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), merge_mode="sum")
    spec = keras.layers.serialize(layer)
    assert spec["class_name"] == "Bidirectional" and spec["config"]["layer"]["class_name"] == "GRU"
    again = keras.layers.deserialize(json.loads(json.dumps(spec)))
    assert type(again.forward_layer) is keras.layers.GRU and again.merge_mode == "sum"
    with pytest.raises(ValueError, match="Unknown layer: Nope"):
        keras.layers.deserialize({"class_name": "Nope", "config": {}})

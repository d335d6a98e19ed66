"""Keras' SimpleRNN, LSTM and GRU (graphgrad/keras/recurrent.py) against values recorded under real tf.keras
(tools/record_keras_rnn_reference.py → keras_rnn_reference.json): outputs and gradients, in graph and eager mode,
and in model.fit."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_rnn_cases import CASES, build, inputs_value, loss_weights, weights_for

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_rnn_reference.json")))["cases"]


def _check(case, outs, grads):
    ref = REFERENCE[case]
    assert len(outs) == len(ref["outputs"])
    for got, want in zip(outs, ref["outputs"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, ref["grads"]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def _prepared(case, x):
    layer = build(keras, case)
    out = layer(x)
    assert [w.shape.as_list() for w in layer.weights] == REFERENCE[case]["weight_shapes"]
    assert [w.name.split(":")[0].split("/")[-1] for w in layer.weights][:2] == ["kernel", "recurrent_kernel"]
    return layer, list(out) if isinstance(out, list) else [out]


@pytest.mark.parametrize("case", CASES)
def test_graph_mode_matches_tf_keras(case):
    x = tf.constant(inputs_value())
    layer, outs = _prepared(case, x)
    loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
    grads = tf.gradients(loss, [x] + layer.weights)
    s = keras.backend.get_session()
    s.run(tf.global_variables_initializer())
    layer.set_weights(weights_for(case, REFERENCE[case]["weight_shapes"]))
    _check(case, s.run(outs), s.run(grads))


@pytest.mark.parametrize("case", CASES)
def test_eager_mode_matches_tf_keras(case):
    with eager_mode():
        x = tf.constant(inputs_value())
        layer = build(keras, case)
        layer(x)
        layer.set_weights(weights_for(case, REFERENCE[case]["weight_shapes"]))
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = layer(x)
            outs = list(out) if isinstance(out, list) else [out]
            loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
        grads = tape.gradient(loss, [x] + layer.weights)
        _check(case, [o.numpy() for o in outs], [g.numpy() for g in grads])


def test_default_initial_weights():
    x = tf.constant(inputs_value())
    lstm, gru = keras.layers.LSTM(3), keras.layers.GRU(3)
    lstm(x), gru(x)
    s = keras.backend.get_session()
    s.run(tf.global_variables_initializer())
    kernel, recurrent, bias = lstm.get_weights()
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit_forget_bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal rows
    assert gru.get_weights()[2].shape == (2, 9) and not gru.get_weights()[2].any()


def test_initial_state_and_state_passing():
    with eager_mode():
        x = tf.constant(inputs_value())
        lstm = keras.layers.LSTM(3, return_state=True)
        whole, h, c = lstm(x)
        _, h1, c1 = lstm(x[:, :2])
        rest, _, _ = lstm(x[:, 2:], initial_state=[h1, c1])
        np.testing.assert_allclose(rest.numpy(), whole.numpy(), rtol=1e-6)
        np.testing.assert_allclose(h.numpy(), whole.numpy())


def test_unsupported_arguments_say_what_to_do():
    with pytest.raises(NotImplementedError, match="initial_state"):
        keras.layers.LSTM(3, stateful=True)
    with pytest.raises(NotImplementedError, match="Dropout layer"):
        keras.layers.GRU(3, dropout=0.2)
    with pytest.raises(ValueError, match="expected ndim=3"):
        keras.layers.SimpleRNN(3)(tf.placeholder(tf.float32, [None, 4]))


def _sequences():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(64, 6, 2)).astype(np.float32)
    return x, (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)


@pytest.mark.parametrize("eager", [False, True])
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_fit_learns_the_sign_of_a_sum(kind, eager):
    x, y = _sequences()

    def train():
        tf.set_random_seed(1)
        np.random.seed(1)
        model = keras.Sequential([getattr(keras.layers, kind)(8, input_shape=(6, 2)),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.03), "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=15, verbose=0)
        return history.history["accuracy"][-1]
    if eager:
        with eager_mode():
            assert train() >= 0.9
    else:
        assert train() >= 0.9

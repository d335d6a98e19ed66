"""model.save / keras.models.load_model (graphgrad/keras/saving.py): one Keras HDF5 file with the architecture,
weights and compile arguments, round-tripped for Sequential and functional models with the recurrent layers, in
graph and eager mode; and a file written by real Keras (tools/record_keras_rnn_reference.py)."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
from keras_rnn_cases import inputs_value

from graphgrad import keras
from graphgrad.eager import eager_mode

h5py = pytest.importorskip("h5py")
HERE = os.path.dirname(__file__)
X = inputs_value()
Y = np.array([0, 1])


def _sequential():
    model = keras.Sequential([keras.layers.LSTM(4, return_sequences=True, input_shape=X.shape[1:]),
                              keras.layers.GRU(3, go_backwards=True), keras.layers.Dropout(0.1),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _texts(names):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def test_sequential_round_trip(tmp_path):
    model = _sequential()
    model.fit(X, Y, epochs=2, verbose=0)
    path = str(tmp_path / "model.h5")
    model.save(path)
    loaded = keras.models.load_model(path)  # in the same graph: its layers get names of their own
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert [type(layer).__name__ for layer in loaded.layers] == ["LSTM", "GRU", "Dropout", "Dense"]
    assert loaded.layers[1].go_backwards and loaded.layers[0].return_sequences
    assert loaded.loss == "sparse_categorical_crossentropy" and loaded.optimizer.learning_rate_value == 0.02
    assert loaded.metrics_names == ["loss", "accuracy"]
    loaded.fit(X, Y, epochs=1, verbose=0)  # compiled: it trains on
    with h5py.File(path, "r") as f:  # Keras' layout
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential" and config["config"]["build_input_shape"] == [None, 5, 4]
        assert _texts(f["model_weights"].attrs["layer_names"]) == ["lstm", "gru", "dropout", "dense"]
        assert _texts(f["model_weights/lstm"].attrs["weight_names"]) == [  # Keras 2's names
            "lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0", "lstm/lstm_cell/bias:0"]
        assert f["model_weights/gru/gru/gru_cell/bias:0"].shape == (2, 9)


def test_functional_round_trip_in_a_new_graph(tmp_path):
    inputs = keras.Input(X.shape[1:])
    seq, state = keras.layers.SimpleRNN(3, return_sequences=True, return_state=True)(inputs)
    merged = keras.layers.concatenate([keras.layers.Flatten()(seq), state])
    outputs = keras.layers.Dense(1, activation="sigmoid")(merged)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "binary_crossentropy")
    expected = model.predict(X)
    path = str(tmp_path / "functional.h5")
    keras.models.save_model(model, path)
    keras.backend.clear_session()
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X), expected, rtol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.get_config()["output_layers"] == [["dense", 0, 0]]


def test_eager_round_trip(tmp_path):
    with eager_mode():
        model = keras.Sequential([keras.layers.GRU(3), keras.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(X, Y, epochs=1, verbose=0)  # built from the data
        path = str(tmp_path / "eager.h5")
        model.save(path)
        loaded = keras.models.load_model(path, compile=False)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        assert loaded.optimizer is None


def test_a_file_keras_wrote_loads():
    reference = json.load(open(os.path.join(HERE, "keras_rnn_reference.json")))
    model = keras.models.load_model(os.path.join(HERE, "data", "keras_lstm_gru.h5"))
    np.testing.assert_allclose(model.predict(X), reference["saved_model_predictions"], rtol=1e-5, atol=1e-6)
    assert model.loss == "sparse_categorical_crossentropy"


def test_what_cannot_be_saved(tmp_path, monkeypatch):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)
    sub = Sub()
    sub.predict(np.ones((2, 3), np.float32))
    with pytest.raises(NotImplementedError, match="Functional model or a Sequential"):
        sub.save(str(tmp_path / "sub.h5"))
    odd = keras.Sequential([keras.layers.Dense(2, activation=lambda x: x, input_shape=(3,))])
    with pytest.raises(ValueError, match="activation=.*cannot be saved"):
        odd.save(str(tmp_path / "odd.h5"))
    assert not os.listdir(tmp_path)  # nothing half-written
    with pytest.raises(ValueError, match="holds weights only"):
        model = _sequential()
        with h5py.File(tmp_path / "w.h5", "w") as f:
            f.create_group("model_weights").attrs["layer_names"] = []
        keras.models.load_model(str(tmp_path / "w.h5"))
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install 'graphgrad\[h5\]'"):
        model.save(str(tmp_path / "m.h5"))


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_the_optimizers_state_is_saved_and_training_goes_on_as_if_uninterrupted(tmp_path, eager):
    """Keras' `optimizer_weights`: Adam's moments and beta powers come back with the model, so fit after
    load_model gives the losses the uninterrupted run gives (a fresh Adam would start its moments at zero)."""
    import contextlib

    import graphgrad as tf

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 5)).astype(np.float32), rng.integers(0, 3, 32)
    with eager_mode() if eager else contextlib.nullcontext(), tf.Graph().as_default() if not eager else \
            contextlib.nullcontext():
        tf.set_random_seed(1)
        model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(5,)),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        path = str(tmp_path / "model.h5")
        model.save(path)
        going_on = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
        with h5py.File(path, "r") as f:
            names = _texts(f["optimizer_weights"].attrs["weight_names"])
        assert any("/.OPTIMIZER_SLOT/optimizer/m/" in n for n in names) and "optimizer/beta1_power/.ATTRIBUTES/" \
            "VARIABLE_VALUE" in names
        loaded = keras.models.load_model(path)
        resumed = loaded.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(resumed, going_on, rtol=1e-6)

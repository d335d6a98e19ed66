"""TF 1.x Keras's ways of giving data: Python lists and 1-D arrays to `fit`/`predict` (DeepLearningZeroToAll's
Keras labs), `Sequential.predict_classes`, and `tf.keras.datasets.mnist.load_data()` over graphgrad's MNIST files
(a local server of made-up files: tests/idx_server.py)."""
import dataclasses

import numpy as np
import pytest
from idx_server import Server, fake_mnist, gz_files, sha256s

import graphgrad as tf
from graphgrad.datasets import mnist as mnist_mod


def test_fit_takes_a_list_of_numbers_as_one_column():
    with tf.Graph().as_default():
        model = tf.keras.Sequential()
        model.add(tf.keras.layers.Dense(units=1, input_dim=1))
        model.compile(loss="mse", optimizer=tf.keras.optimizers.SGD(lr=0.1))
        history = model.fit([1, 2, 3, 4], [0, -1, -2, -3], epochs=200, verbose=0)
        assert history.history["loss"][-1] < 1e-3
        np.testing.assert_allclose(model.predict(np.array([5, 4])), [[-4.0], [-3.0]], atol=0.05)


def test_fit_takes_nested_lists_and_predict_classes():
    x = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]]
    y = [[0], [0], [0], [1], [1], [1]]
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_dim=2, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer=tf.keras.optimizers.SGD(lr=0.5))
        model.fit(x, y, epochs=300, verbose=0)
        classes = model.predict_classes(np.array(x, np.float32))
        assert classes.dtype == np.int32 and classes.shape == (6, 1)
        np.testing.assert_array_equal(classes, y)
        np.testing.assert_array_equal(model.predict_proba(np.array(x, np.float32)),
                                      model.predict(np.array(x, np.float32)))
        multi = tf.keras.Sequential([tf.keras.layers.Dense(3, input_dim=2, activation="softmax")])
        out = multi.predict(np.array(x, np.float32))
        np.testing.assert_array_equal(multi.predict_classes(np.array(x, np.float32)), out.argmax(-1))


@pytest.fixture
def local_mnist(monkeypatch, tmp_path):
    arrays = fake_mnist(n_train=30, n_test=10, seed=11)
    files = gz_files(arrays)
    monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path))
    with Server(files) as s:
        local = dataclasses.replace(mnist_mod.MNIST, mirrors=(s.url("m"),), sha256=sha256s(files))
        monkeypatch.setattr(mnist_mod, "MNIST", local)
        yield arrays


def test_keras_mnist_load_data_as_keras_gives_it(local_mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.keras/datasets/mnist.npz
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (30, 28, 28) and x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, local_mnist[mnist_mod.TRAIN_IMAGES])
    np.testing.assert_array_equal(y_test, local_mnist[mnist_mod.TEST_LABELS])
    assert x_test.shape == (10, 28, 28)


def test_keras_mnist_reads_keras_own_npz_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = tmp_path / ".keras" / "datasets"
    cache.mkdir(parents=True)
    arrays = {k: np.full(s, i, np.uint8) for i, (k, s) in enumerate(
        [("x_train", (3, 28, 28)), ("y_train", (3,)), ("x_test", (2, 28, 28)), ("y_test", (2,))])}
    np.savez(cache / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (3, 28, 28) and int(y_test[0]) == 3


def test_fit_runs_graph_tensors_given_as_data_once():
    """DeepLearningZeroToAll's tf2 char-seq lab gives `fit` `tf.one_hot(ids, n)` tensors: read in the session."""
    ids = [[0, 1, 0, 2, 3, 3]]
    with tf.Graph().as_default():
        x, y = tf.one_hot(ids, 5), tf.one_hot([[1, 0, 2, 3, 3, 4]], 5)
        model = tf.keras.Sequential([tf.keras.layers.LSTM(5, input_shape=(6, 5), return_sequences=True),
                                     tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(5, activation="softmax"))])
        model.compile(loss="categorical_crossentropy", optimizer=tf.keras.optimizers.Adam(0.1))
        history = model.fit(x, y, epochs=60, verbose=0)
        assert history.history["loss"][-1] < 0.1
        np.testing.assert_array_equal(model.predict(x).argmax(-1), [[1, 0, 2, 3, 3, 4]])

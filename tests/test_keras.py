"""graphgrad.keras (tf.keras): the classic Keras MNIST examples on the 8x8 digits, fit() against a hand-written
loop, the layers and model kinds, eager mode, tf.data input, callbacks by their effects on disk, weights files."""
import csv
import glob
import os

import numpy as np
import pytest

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode
from graphgrad.keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from graphgrad.keras.models import Sequential

DIGITS = tf.datasets.load_digits()


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    tf.set_random_seed(0)
    yield
    keras.backend.clear_session()


def test_the_keras_mnist_mlp_example_trains_on_the_digits(capsys):
    """keras/examples/mnist_mlp.py with the import changed, 784 -> 64 inputs, 20 -> 10 epochs."""
    x_train, y_train, x_test, y_test = DIGITS.x_train, DIGITS.y_train, DIGITS.x_test, DIGITS.y_test
    batch_size, num_classes, epochs = 128, 10, 10
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation='relu', input_shape=(64,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation='relu'))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation='softmax'))
    model.summary()
    model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.RMSprop(), metrics=['accuracy'])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=1,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    out = capsys.readouterr().out
    assert "dense_2 (Dense)              (None, 10)                5130" in out
    assert "Total params: 301,066" in out and "Trainable params: 301,066" in out
    assert "Epoch 10/10" in out and "11/11 [==============================]" in out and " - val_accuracy: " in out
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert score[1] >= 0.93, score   # 0.944


def test_the_keras_mnist_cnn_example_trains_on_the_digits():
    """keras/examples/mnist_cnn.py with the import changed, 28x28 -> 8x8 images and 12 -> 5 epochs."""
    img_rows, img_cols, num_classes = 8, 8, 10
    x_train = DIGITS.x_train.reshape(-1, img_rows, img_cols, 1)
    x_test = DIGITS.x_test.reshape(-1, img_rows, img_cols, 1)
    y_train = keras.utils.to_categorical(DIGITS.y_train, num_classes)
    y_test = keras.utils.to_categorical(DIGITS.y_test, num_classes)
    input_shape = (img_rows, img_cols, 1)

    model = Sequential()
    model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=input_shape))
    model.add(Conv2D(64, (3, 3), activation='relu'))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(128, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation='softmax'))
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=keras.optimizers.Adadelta(),
                  metrics=['accuracy'])
    model.fit(x_train, y_train, batch_size=128, epochs=5, verbose=0, validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    assert [lay.output_shape for lay in model.layers[:3]] == [(None, 6, 6, 32), (None, 4, 4, 64), (None, 2, 2, 64)]
    assert score[1] >= 0.8, score


def _mlp(seed=0):
    return Sequential([Dense(16, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")])


def test_fit_history_equals_a_hand_written_training_loop():
    model = _mlp()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", ["accuracy"])
    w0 = model.get_weights()
    history = model.fit(DIGITS.x_train, DIGITS.y_train, batch_size=64, epochs=3, shuffle=False, verbose=0)

    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (None, 64))
        labels = tf.placeholder(tf.int64, (None,))
        w1, b1, w2, b2 = (tf.Variable(w) for w in w0)
        logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            losses = []
            for _ in range(3):
                total = 0.0
                for i in range(0, 1347, 64):
                    _, v = s.run([step, loss], {x: DIGITS.x_train[i:i + 64], labels: DIGITS.y_train[i:i + 64]})
                    total += v * len(DIGITS.x_train[i:i + 64])
                losses.append(total / 1347)
            final = s.run([w1, w2])
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], final[0], rtol=1e-4, atol=1e-6)


def test_weights_and_set_weights():
    model = _mlp()
    assert [v.name for v in model.weights] == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
                                               "dense_1/bias:0"]
    assert model.trainable_weights == model.weights and model.layers[0].weights == model.weights[:2]
    new = [np.full(w.shape, 0.5, np.float32) for w in model.get_weights()]
    model.set_weights(new)
    assert all((w == 0.5).all() for w in model.get_weights())
    with pytest.raises(ValueError, match="expecting 2 weights"):
        model.layers[0].set_weights(new[:1])
    assert keras.backend.get_session() is model._session()


def test_functional_model_with_merges_and_its_summary(capsys):
    inp = keras.Input((64,))
    a = keras.layers.Dense(16, activation="relu")(inp)
    b = keras.layers.Dense(16, activation="tanh")(inp)
    merged = keras.layers.Concatenate()([a, keras.layers.Add()([a, b])])
    out = keras.layers.Dense(10, activation="softmax")(keras.layers.Activation("relu")(merged))
    model = keras.Model(inp, out)
    model.compile("adam", "sparse_categorical_crossentropy", ["acc"])
    h = model.fit(DIGITS.x_train, DIGITS.y_train, epochs=3, verbose=2, validation_split=0.2)
    model.summary()
    text = capsys.readouterr().out
    assert "Connected to" in text and "add (Add)" in text and "dense[0][0], dense_1[0][0]" in text
    assert "val_acc" in h.history and len(h.history["loss"]) == 3
    assert [type(lay).__name__ for lay in model.layers] == ["InputLayer", "Dense", "Dense", "Add", "Concatenate",
                                                            "Activation", "Dense"]
    assert model.predict(DIGITS.x_test).shape == (450, 10)


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(32, activation="relu")
        self.norm = keras.layers.BatchNormalization()
        self.drop = keras.layers.Dropout(0.1)
        self.out = keras.layers.Dense(10)

    def call(self, x, training=None):
        return self.out(self.drop(self.norm(self.hidden(x), training=training), training=training))


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_subclassed_model_trains_in_graph_and_eager_mode(eager):
    def run():
        model = _Subclassed()
        model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      ["accuracy"])
        h = model.fit(DIGITS.x_train, DIGITS.y_train, epochs=4, batch_size=32, verbose=0)
        acc = model.evaluate(DIGITS.x_test, DIGITS.y_test, verbose=0)[1]
        assert len(model.weights) == 8 and len(model.trainable_weights) == 6   # BN's moving stats are not trained
        moving_mean = model.norm.get_weights()[2]
        return h.history["loss"], acc, moving_mean, model.train_on_batch(DIGITS.x_train[:8], DIGITS.y_train[:8])
    if eager:
        with eager_mode():
            losses, acc, mean, batch = run()
    else:
        losses, acc, mean, batch = run()
    assert losses[-1] < losses[0] and acc > 0.9, (losses, acc)
    assert np.abs(mean).max() > 0          # the moving averages were updated while training
    assert len(batch) == 2


def test_eager_sequential_fit_and_summary(capsys):
    with eager_mode():
        model = Sequential([Dense(32, activation="relu"), Dense(10, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
        model.fit(DIGITS.x_train, DIGITS.y_train, epochs=2, verbose=0)
        model.summary()
        assert model.predict(DIGITS.x_test[:5]).shape == (5, 10)
    assert "(Dense)              (None, 10)                330" in capsys.readouterr().out


def test_tf_data_datasets_feed_fit_and_evaluate():
    train = tf.data.Dataset.from_tensor_slices((DIGITS.x_train, DIGITS.y_train)).shuffle(200, seed=1).batch(64)
    test = tf.data.Dataset.from_tensor_slices((DIGITS.x_test, DIGITS.y_test)).batch(64)
    model = _mlp()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    h = model.fit(train, epochs=5, verbose=0, validation_data=test)
    assert len(h.history["val_accuracy"]) == 5 and h.history["val_accuracy"][-1] > 0.85


def test_more_layers_build_and_train():
    xi = (DIGITS.x_train[:, ::8] * 15).astype("int32")
    binary = (DIGITS.y_train < 5).astype("float32")
    model = Sequential([keras.layers.Embedding(16, 4, input_length=8), keras.layers.Conv1D(4, 3),
                        keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", ["accuracy"])   # binary accuracy for one sigmoid unit
    model.fit(xi, binary, epochs=2, verbose=0)
    assert model.layers[0].output_shape == (None, 8, 4) and model.count_params() == 64 + 52 + 25
    reg = Sequential([keras.layers.Reshape((8, 8, 1), input_shape=(64,)), keras.layers.AveragePooling2D(),
                      keras.layers.Flatten(), keras.layers.Dense(1)])
    reg.compile("sgd", "mse", ["mae"])
    h = reg.fit(DIGITS.x_train, DIGITS.y_train.astype("float32"), epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0] and "mae" in h.history
    assert reg.test_on_batch(DIGITS.x_train[:4], DIGITS.y_train[:4].astype("float32"))[0] > 0


def test_callbacks_leave_their_files(tmp_path):
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    ckpt = str(tmp_path / "w.{epoch:02d}.ckpt")
    best = str(tmp_path / "best.ckpt")
    cbs = [keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 / (epoch + 1)),
           keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
           keras.callbacks.ModelCheckpoint(ckpt, monitor="val_loss"),
           keras.callbacks.ModelCheckpoint(best, monitor="val_accuracy", save_best_only=True),
           keras.callbacks.TensorBoard(str(tmp_path / "tb"))]
    h = model.fit(DIGITS.x_train, DIGITS.y_train, epochs=3, verbose=0, callbacks=cbs,
                  validation_data=(DIGITS.x_test, DIGITS.y_test))
    rows = list(csv.reader(open(tmp_path / "log.csv")))
    assert rows[0] == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"] and len(rows) == 4
    assert float(rows[3][3]) == pytest.approx(0.01 / 3)
    assert sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "w.*"))) == [
        "w.01.ckpt", "w.02.ckpt", "w.03.ckpt"]
    # the best checkpoint restores the best epoch's accuracy
    after = model.evaluate(DIGITS.x_test, DIGITS.y_test, verbose=0)
    model.load_weights(best)
    restored = model.evaluate(DIGITS.x_test, DIGITS.y_test, verbose=0)
    assert restored[1] == pytest.approx(max(h.history["val_accuracy"]))
    model.load_weights(str(tmp_path / "w.03.ckpt"))
    assert model.evaluate(DIGITS.x_test, DIGITS.y_test, verbose=0) == pytest.approx(after)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(glob.glob(str(tmp_path / "tb"))[0])
    events.Reload()
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("loss")] == [0, 1, 2]
    assert events.Scalars("loss")[2].value == pytest.approx(h.history["loss"][2], rel=1e-6)


def test_early_stopping_and_reduce_lr_on_plateau():
    model = _mlp()
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy", ["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=2)   # never improves by 10
    h = model.fit(DIGITS.x_train, DIGITS.y_train, epochs=20, verbose=0, callbacks=[stop])
    assert len(h.history["loss"]) == 3 and stop.stopped_epoch == 2   # Keras: best, then 2 epochs

    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1, min_delta=1.0)
    h = model.fit(DIGITS.x_train[:200], DIGITS.y_train[:200], epochs=40, verbose=0, callbacks=[best, plateau],
                  validation_data=(DIGITS.x_test, DIGITS.y_test))
    lrs = h.history["lr"][:4]     # logged before the epoch's reduction, as Keras does
    assert lrs == pytest.approx([0.01, 0.01, 0.005, 0.0025][:len(lrs)]) and len(lrs) >= 3
    if len(h.history["loss"]) < 40:       # stopped: the weights are the best epoch's
        assert model.evaluate(DIGITS.x_test, DIGITS.y_test, verbose=0)[0] == pytest.approx(
            min(h.history["val_loss"]), rel=1e-5)


def test_load_weights_of_a_keras_h5_file(tmp_path):
    """A Keras 2 weights file (model.save_weights('w.h5') layout) written with h5py."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    values = {"conv2d": [rng.normal(size=(3, 3, 1, 4)).astype("f4"), rng.normal(size=4).astype("f4")],
              "dense": [rng.normal(size=(144, 10)).astype("f4"), rng.normal(size=10).astype("f4")]}
    path = str(tmp_path / "keras.h5")
    with h5py.File(path, "w") as f:
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"conv2d", b"flatten", b"dense"]
        for name in ("conv2d", "flatten", "dense"):
            g = group.create_group(name)
            names = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()] if name in values else []
            g.attrs["weight_names"] = names
            for n, v in zip(names, values.get(name, [])):
                g.create_dataset(n.decode(), data=v)
    model = Sequential([Conv2D(4, 3, input_shape=(8, 8, 1)), Flatten(), Dense(10)])
    model.load_weights(path)
    got = model.get_weights()
    for a, b in zip(got, values["conv2d"] + values["dense"]):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="containing 2 layers"):
        Sequential([Dense(10, input_shape=(64,))]).load_weights(path)

"""Functional Keras models while executing eagerly: `keras.Input` is a placeholder of Keras' own graph (whose
layers' variables are eager variables), and the model then runs, trains and predicts eagerly, giving what the same
model gives in graph mode."""
import numpy as np

import graphgrad as tf
from graphgrad.eager import eager_mode


def _model():
    a = tf.keras.Input(shape=(4,), name="a")
    b = tf.keras.Input(shape=(2,), name="b")
    h = tf.keras.layers.Dense(8, activation="relu", name="hidden")(a)
    merged = tf.keras.layers.Concatenate()([h, b])
    out = tf.keras.layers.Dense(3, activation="softmax", name="out")(merged)
    return tf.keras.Model([a, b], out)


def test_a_functional_model_runs_and_trains_eagerly_as_in_graph_mode():
    rng = np.random.default_rng(0)
    xa, xb = rng.random((32, 4), np.float32), rng.random((32, 2), np.float32)
    y = xa[:, :3].argmax(1)  # learnable: the largest of the first three features
    with tf.Graph().as_default(), tf.Session() as s:
        tf.set_random_seed(1)
        graph_model = _model()
        s.run(tf.global_variables_initializer())
        weights = graph_model.get_weights()
        want = graph_model.predict([xa, xb])
    with eager_mode():
        model = _model()
        assert [type(v).__name__ for v in model.weights] == ["EagerVariable"] * 4
        assert [v.name for v in model.weights] == ["hidden/kernel:0", "hidden/bias:0", "out/kernel:0", "out/bias:0"]
        model.set_weights(weights)
        np.testing.assert_allclose(model([tf.constant(xa), tf.constant(xb)]).numpy(), want, rtol=1e-5)
        np.testing.assert_allclose(model.predict([xa, xb]), want, rtol=1e-5)
        model.compile(optimizer=tf.train.AdamOptimizer(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit([xa, xb], y, epochs=30, batch_size=8, verbose=0)
        losses = history.history["loss"]
        assert losses[-1] < 0.6 * losses[0]
        assert abs(model.evaluate([xa, xb], y, verbose=0)[0] - losses[-1]) < 0.2
        assert [layer.name for layer in model.layers] == ["a", "hidden", "b", "concatenate", "out"]


def test_an_eager_functional_model_nests_in_another_and_sees_its_updates():
    with eager_mode():
        inner_in = tf.keras.Input(shape=(3,))
        inner = tf.keras.Model(inner_in, tf.keras.layers.Dense(2, name="inner_dense")(inner_in))
        outer_in = tf.keras.Input(shape=(3,))
        outer = tf.keras.Model(outer_in, tf.keras.layers.Dense(1, name="head")(inner(outer_in)))
        x = np.ones((5, 3), np.float32)
        before = outer(tf.constant(x)).numpy()
        inner.get_layer("inner_dense").kernel.assign(np.zeros((3, 2), np.float32))
        after = outer(tf.constant(x)).numpy()  # the nested model's variables are the outer model's
        assert after.shape == (5, 1) and not np.allclose(before, after)
        assert len(outer.weights) == 4

"""Keras optimizers in custom training loops (Keras' OptimizerV2 calls): apply_gradients, minimize,
get_gradients, variables — eagerly, inside tf.function, and in a graph."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode


def test_apply_gradients_eagerly_is_an_sgd_step():
    with eager_mode():
        w = tf.Variable([1.0, 2.0])
        opt = tf.keras.optimizers.SGD(0.1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        assert np.allclose(w.numpy(), [1.0 - 0.1 * 2.0, 2.0 - 0.1 * 4.0])
        assert len(opt.variables()) == 1  # its learning rate (SGD has no slots)


def test_minimize_with_a_callable_loss_and_with_a_tape():
    with eager_mode():
        w = tf.Variable(3.0)
        opt = tf.keras.optimizers.SGD(0.5)
        opt.minimize(lambda: w * w, [w])             # d/dw = 6
        assert np.isclose(w.numpy(), 0.0)
        v = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = 4.0 * v
        opt.minimize(loss, [v], tape=tape)
        assert np.isclose(v.numpy(), -1.0)
        with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed."):
            opt.minimize(tf.constant(1.0) * v, [v])


def test_a_keras_model_trains_in_a_tf_function_loop():
    with eager_mode():
        rng = np.random.default_rng(0)
        x = rng.random((32, 4)).astype(np.float32)
        y = x.sum(1, keepdims=True)
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                                     tf.keras.layers.Dense(1)])
        opt = tf.keras.optimizers.Adam(0.05)

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - y))
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            return loss
        first = float(step(x, y))
        for _ in range(60):
            last = float(step(x, y))
        assert last < first / 10
        assert set(opt.get_slot_names()) == {"m", "v"}


def test_graph_mode_minimize_and_get_gradients():
    with tf.Graph().as_default():
        w = tf.Variable([1.0, -1.0])
        loss = tf.reduce_sum(tf.square(w))
        opt = tf.keras.optimizers.SGD(0.25)
        grads = opt.get_gradients(loss, [w])
        train = opt.minimize(loss, [w])
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            assert s.run(grads[0]).tolist() == [2.0, -2.0]
            s.run(train)
            assert s.run(w).tolist() == [0.5, -0.5]
        with pytest.raises(ValueError, match="has `None` for gradient"):
            opt.get_gradients(loss, [tf.Variable(1.0)])
        with pytest.raises(ValueError, match="No gradients provided for any variable"):
            opt.apply_gradients([(None, w)])


def test_metrics_update_inside_a_tf_function():
    """TF 2's 'quickstart for experts' loop: Keras metrics made eagerly, updated in the traced step."""
    with eager_mode():
        model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(2,))])
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        opt = tf.keras.optimizers.Adam(0.05)
        train_loss = tf.keras.metrics.Mean(name="train_loss")
        accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
        x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], np.float32)
        y = np.array([0, 1, 2, 0])

        @tf.function
        def train_step(images, labels):
            with tf.GradientTape() as tape:
                predictions = model(images, training=True)
                loss = loss_object(labels, predictions)
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            train_loss(loss)
            accuracy(labels, predictions)

        losses = []
        for _ in range(3):
            train_loss.reset_states()
            accuracy.reset_states()
            for _ in range(20):
                train_step(x, y)
            losses.append(float(train_loss.result()))
        assert losses[2] < losses[0] and 0.0 <= float(accuracy.result()) <= 1.0
        assert f"{train_loss.result():.3f}" == f"{losses[2]:.3f}"  # an eager tensor formats as its value
        assert f"{tf.constant([1.0, 2.0])}" == "[1. 2.]"

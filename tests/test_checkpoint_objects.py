"""tf.train.Checkpoint / CheckpointManager (graphgrad/train/checkpoint.py): object-based checkpoints that a fresh
model restores by attribute path, optimizer slots included (deferred until the slots exist), so training resumes
to the same numbers, eagerly and in graph mode."""
from __future__ import annotations

import os

import numpy as np
import pytest

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 4)).astype(np.float32)
Y = RNG.normal(size=(16, 1)).astype(np.float32)


def _model():
    return keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)), keras.layers.Dense(1)])


def _eager_step(model, opt, step):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(X) - Y) ** 2)
    variables = model.trainable_weights
    opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    step.assign_add(1)
    return float(loss)


def test_eager_resume_gives_the_same_losses_as_going_on(tmp_path):
    with eager_mode():
        model, opt, step = _model(), tf.train.AdamOptimizer(0.01), tf.Variable(0, dtype=tf.int64)
        for _ in range(3):
            _eager_step(model, opt, step)
        ckpt = tf.train.Checkpoint(model=model, optimizer=opt, step=step)
        path = ckpt.save(str(tmp_path / "ckpt"))
        assert path == str(tmp_path / "ckpt-1") and tf.train.latest_checkpoint(str(tmp_path)) == path
        going_on = [_eager_step(model, opt, step) for _ in range(3)]

        model2, opt2, step2 = _model(), tf.train.AdamOptimizer(0.01), tf.Variable(0, dtype=tf.int64)
        ckpt2 = tf.train.Checkpoint(model=model2, optimizer=opt2, step=step2)
        status = ckpt2.restore(tf.train.latest_checkpoint(str(tmp_path)))
        assert int(step2.numpy()) == 3 and ckpt2.save_counter == 1
        with pytest.raises(AssertionError, match="Unresolved object"):
            status.assert_consumed()  # the model is not built and Adam has no slots yet: values wait for them
        resumed = [_eager_step(model2, opt2, step2) for _ in range(3)]
        status.assert_consumed()
        assert resumed == going_on
        assert ckpt2.save(str(tmp_path / "ckpt")) == str(tmp_path / "ckpt-2")


def test_keys_are_attribute_paths_with_slots_under_their_variables(tmp_path):
    with eager_mode():
        model, opt, step = _model(), tf.train.AdamOptimizer(0.01), tf.Variable(0, dtype=tf.int64)
        _eager_step(model, opt, step)
        path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "c"))
    names = dict(tf.train.list_variables(path))
    assert names["model/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"] == [4, 8]
    assert names["model/layer-1/bias/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE"] == [1]
    assert "optimizer/beta1_power/.ATTRIBUTES/VARIABLE_VALUE" in names


def test_partial_restore_and_mismatches(tmp_path):
    with eager_mode():
        v, w = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
        path = tf.train.Checkpoint(v=v, w=w).save(str(tmp_path / "c"))
        v.assign([5.0, 6.0])
        v2 = tf.Variable([0.0, 0.0])
        status = tf.train.Checkpoint(v=v2).restore(path)
        np.testing.assert_array_equal(v2.numpy(), [1.0, 2.0])
        status.assert_existing_objects_matched()
        with pytest.raises(AssertionError, match="w/.ATTRIBUTES"):
            status.assert_consumed()
        status.expect_partial()
        extra = tf.train.Checkpoint(v=tf.Variable([0.0, 0.0]), u=tf.Variable(1.0)).restore(path)
        with pytest.raises(AssertionError, match="not bound"):
            extra.assert_existing_objects_matched()
        with pytest.raises(ValueError, match=r"v/.ATTRIBUTES/VARIABLE_VALUE failed.*float32\[2\]"):
            tf.train.Checkpoint(v=tf.Variable([0.0, 0.0, 0.0])).restore(path)
        with pytest.raises(AssertionError, match="No checkpoint"):
            tf.train.Checkpoint(v=v).restore(None).assert_consumed()
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.Checkpoint().restore(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="trackable"):
        tf.train.Checkpoint(x=3)


def test_checkpoint_manager_keeps_the_newest(tmp_path):
    with eager_mode():
        v = tf.Variable(0.0)
        ckpt = tf.train.Checkpoint(v=v)
        manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
        assert manager.latest_checkpoint is None
        for i in range(4):
            v.assign(float(i))
            manager.save()
        assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-3", "ckpt-4"]
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-3.safetensors", "ckpt-4.safetensors"]
        assert tf.train.latest_checkpoint(str(tmp_path)) == manager.latest_checkpoint
        again = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path), max_to_keep=2)
        assert again.checkpoints == manager.checkpoints
        v.assign(-1.0)
        tf.train.Checkpoint(v=v).restore(again.latest_checkpoint).assert_consumed()
        assert float(v.numpy()) == 3.0
        assert manager.save(checkpoint_number=10).endswith("ckpt-10")


def _graph_run(tmp_path, restore):
    """Three Adam steps of a Keras model in graph mode, saved (or restored) through a Checkpoint."""
    g = tf.Graph()
    with g.as_default():
        model = _model()
        loss = tf.reduce_mean((model.outputs[0] - Y) ** 2)
        opt = tf.train.AdamOptimizer(0.01)
        train = opt.minimize(loss, var_list=model.trainable_weights)
        ckpt = tf.train.Checkpoint(model=model, optimizer=opt)
        with tf.Session() as s:
            if restore:
                ckpt.restore(tf.train.latest_checkpoint(str(tmp_path))).initialize_or_restore()
            else:
                s.run(tf.global_variables_initializer())
                for _ in range(3):
                    s.run(train, {model.inputs[0]: X})
                ckpt.save(str(tmp_path / "ckpt"))
            return [float(s.run([train, loss], {model.inputs[0]: X})[1]) for _ in range(3)]


def test_graph_mode_resume(tmp_path):
    going_on = _graph_run(tmp_path, restore=False)
    assert _graph_run(tmp_path, restore=True) == going_on


def test_graph_mode_needs_a_session(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable(1.0)
        with pytest.raises(ValueError, match="needs a session"):
            tf.train.Checkpoint(v=v).save(str(tmp_path / "c"))


def test_keras_fit_resumes_from_a_checkpoint(tmp_path):
    with eager_mode():
        def fitted(model, epochs):
            model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
            return model
        model = _model()
        model.compile("adam", "mse")
        fitted(model, 1)
        path = tf.train.Checkpoint(model=model, optimizer=model.optimizer).save(str(tmp_path / "k"))
        going_on = fitted(model, 1).get_weights()
        model2 = _model()
        model2.compile("adam", "mse")
        status = tf.train.Checkpoint(model=model2, optimizer=model2.optimizer).restore(path)
        fitted(model2, 1)
        status.assert_consumed()
        for a, b in zip(going_on, model2.get_weights()):
            np.testing.assert_array_equal(a, b)

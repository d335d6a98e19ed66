"""tf.train's checkpoint utilities (train/checkpoint_utils.py, saver.py): init_from_checkpoint from checkpoints real
TensorFlow wrote (tests/data/tf_checkpoints; the forms and errors are recorded under TF: init_from_checkpoint_forms
in tools/record_tf1_reference.py), checkpoints_iterator and generate_checkpoint_state_proto."""
import os
import shutil
import sys

import numpy as np
import pytest

import graphgrad as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_checkpoints import PLAIN, STEP, expected  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_checkpoints")


def test_a_scope_starts_from_a_tensorflow_checkpoint_when_initialized():
    with tf.variable_scope("fine_tuned"):
        w = tf.get_variable("dense/kernel", [3, 2])
        b = tf.get_variable("dense/bias", [2])
        head = tf.get_variable("head", [2], initializer=tf.ones_initializer())
    tf.train.init_from_checkpoint(os.path.join(DATA, "plain"), {"dense/": "fine_tuned/dense/"})
    assert w.initial_value.op.type == "RestoreV2" and w.initial_value.op.name.startswith("checkpoint_initializer")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(w), expected("dense/kernel", *PLAIN["dense/kernel"]))
        np.testing.assert_array_equal(s.run(b), expected("dense/bias", *PLAIN["dense/bias"]))
        np.testing.assert_array_equal(s.run(head), [1.0, 1.0])


def test_a_partitioned_variable_reads_its_slices_of_a_tensor_tensorflow_saved_in_other_parts():
    table = tf.get_variable("emb", [6, 2], partitioner=tf.fixed_size_partitioner(3))  # TF saved 2 parts
    tf.train.init_from_checkpoint(os.path.join(DATA, "partitioned"), {"table": "emb"})
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(tf.convert_to_tensor(table)), np.full((6, 2), 1.5, np.float32))


def test_the_checkpoint_is_read_when_the_initializer_runs(tmp_path):
    shutil.copytree(os.path.join(DATA, "plain"), tmp_path / "plain")
    v = tf.get_variable("counts", [4], tf.int64)
    tf.train.init_from_checkpoint(str(tmp_path / "plain"), {"counts": v})
    for f in os.listdir(tmp_path / "plain"):
        os.remove(tmp_path / "plain" / f)
    with tf.Session() as s, pytest.raises(tf.errors.NotFoundError):
        s.run(v.initializer)


def test_a_missing_checkpoint_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.init_from_checkpoint(str(tmp_path), {"a/": "a/"})


def test_checkpoints_iterator_yields_each_new_checkpoint_then_times_out(tmp_path):
    shutil.copytree(os.path.join(DATA, "plain"), tmp_path / "run")
    run = str(tmp_path / "run")
    it = tf.train.checkpoints_iterator(run, timeout=0.5)
    assert next(it) == os.path.join(run, f"model.ckpt-{STEP}")
    v = tf.Variable(1.0, name="v")
    with tf.Session() as s:
        s.run(v.initializer)
        tf.train.Saver([v]).save(s, os.path.join(run, "model.ckpt"), global_step=STEP + 1)
    assert next(it) == os.path.join(run, f"model.ckpt-{STEP + 1}")
    assert list(it) == []  # nothing newer within the timeout
    assert list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0.1, timeout_fn=lambda: True)) == []


def test_generate_checkpoint_state_proto():
    state = tf.train.generate_checkpoint_state_proto("run", "run/model.ckpt-2", ["run/model.ckpt-1", "/abs/m"])
    assert state.model_checkpoint_path == "model.ckpt-2"
    assert list(state.all_model_checkpoint_paths) == ["model.ckpt-1", "/abs/m", "model.ckpt-2"]
    with pytest.raises(ValueError, match="timestamps, if provided, must match"):
        tf.train.generate_checkpoint_state_proto("/x", "a", ["b"], all_model_checkpoint_timestamps=[1.0])

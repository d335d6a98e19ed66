"""Checkpoints written by real TensorFlow (tests/data/tf_checkpoints, made by tools/record_tf_checkpoints.py) restore
into graphgrad models, and read through NewCheckpointReader / list_variables / load_variable."""
import os
import shutil
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.train import checkpoint_io as cio
from graphgrad.train.tf_bundle import TFCheckpoint

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_checkpoints import PLAIN, STEP, expected  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_checkpoints")


@pytest.fixture
def plain(tmp_path):
    shutil.copytree(os.path.join(DATA, "plain"), tmp_path / "plain")
    return str(tmp_path / "plain")


def test_saver_restores_what_tensorflow_saved(plain):
    variables = {n: tf.Variable(np.zeros(s, d), name=n) for n, (s, d) in PLAIN.items()}
    saver = tf.train.Saver()
    latest = tf.train.latest_checkpoint(plain)
    assert latest == os.path.join(plain, f"model.ckpt-{STEP}") and tf.train.checkpoint_exists(latest)
    with tf.Session() as s:
        saver.restore(s, latest)
        for n, v in variables.items():
            got, want = s.run(v), expected(n, *PLAIN[n])
            assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all(), n


def test_training_goes_on_from_a_tensorflow_checkpoint(plain):
    """The classic resume idiom: get_checkpoint_state -> restore -> train -> save (in TF's format again)."""
    w = tf.Variable(np.zeros((3, 2), np.float32), name="dense/kernel")
    b = tf.Variable(np.zeros(2, np.float32), name="dense/bias")
    step = tf.train.get_or_create_global_step()
    loss = tf.reduce_sum(tf.square(tf.matmul(tf.ones((1, 3)), w) + b))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
    saver = tf.train.Saver([w, b, step])
    with tf.Session() as s:
        ckpt = tf.train.get_checkpoint_state(plain)
        saver.restore(s, ckpt.model_checkpoint_path)
        assert s.run(step) == STEP
        s.run(train)
        path = saver.save(s, os.path.join(plain, "model.ckpt"), global_step=step)
    assert path.endswith(f"model.ckpt-{STEP + 1}") and TFCheckpoint(path).read("global_step") == STEP + 1
    assert tf.train.latest_checkpoint(plain) == path


def test_reader_and_listing(plain):
    prefix = os.path.join(plain, f"model.ckpt-{STEP}")
    listed = dict(tf.train.list_variables(plain))
    assert listed == {n: list(s) for n, (s, _) in PLAIN.items()}
    reader = tf.train.NewCheckpointReader(prefix + ".index")  # the index file's path names it too
    assert reader.has_tensor("dense/kernel") and not reader.has_tensor("nope")
    assert reader.get_variable_to_dtype_map()["halfs"] == tf.float16
    np.testing.assert_array_equal(reader.get_tensor("counts"), expected("counts", *PLAIN["counts"]))
    np.testing.assert_array_equal(tf.train.load_variable(plain, "dense/bias:0"),
                                  expected("dense/bias", (2,), "float32"))


def test_restore_by_name_map_into_other_variables(plain):
    mine = tf.Variable(np.zeros((3, 2), np.float32), name="my_kernel")
    with tf.Session() as s:
        tf.train.Saver({"dense/kernel": mine}).restore(s, tf.train.latest_checkpoint(plain))
        np.testing.assert_array_equal(s.run(mine), expected("dense/kernel", (3, 2), "float32"))


def test_mismatches_are_reported_as_for_graphgrads_checkpoints(plain):
    tf.Variable(np.zeros((2, 2), np.float32), name="dense/kernel")
    tf.Variable(0.0, name="not_there")
    with tf.Session() as s, pytest.raises(tf.errors.NotFoundError, match="not_there") as e:
        tf.train.Saver().restore(s, tf.train.latest_checkpoint(plain))
    assert "dense/kernel: shape [3,2] in checkpoint, [2,2] in graph" in str(e.value)


def test_damage_is_detected(plain):
    prefix = os.path.join(plain, f"model.ckpt-{STEP}")
    data = prefix + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[3] ^= 0xFF
    open(data, "wb").write(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match="CRC32C"):
        TFCheckpoint(prefix).read_all()
    index = bytearray(open(prefix + ".index", "rb").read())
    index[10] ^= 0xFF
    open(prefix + ".index", "wb").write(bytes(index))
    with pytest.raises(tf.errors.DataLossError, match="CRC32C"):
        TFCheckpoint(prefix)
    open(prefix + ".index", "wb").write(b"not a table")
    with pytest.raises(tf.errors.DataLossError, match="magic"):
        tf.train.NewCheckpointReader(prefix)


def test_a_missing_data_shard_is_named(plain):
    prefix = os.path.join(plain, f"model.ckpt-{STEP}")
    os.remove(prefix + ".data-00000-of-00001")
    with pytest.raises(tf.errors.DataLossError, match="data-00000-of-00001 is missing"):
        cio.load_checkpoint(prefix)


def test_a_partitioned_variable_reads_whole(tmp_path):
    """TF saved `table` in two slices; graphgrad reads it as the full tensor, as TF's restore does."""
    shutil.copytree(os.path.join(DATA, "partitioned"), tmp_path / "p")
    assert tf.train.list_variables(str(tmp_path / "p")) == [("table", [6, 2])]
    np.testing.assert_array_equal(tf.train.load_variable(str(tmp_path / "p"), "table"), np.full((6, 2), 1.5))
    table = tf.Variable(np.zeros((6, 2), np.float32), name="table")
    with tf.Session() as s:
        tf.train.Saver().restore(s, tf.train.latest_checkpoint(str(tmp_path / "p")))
        np.testing.assert_array_equal(s.run(table), np.full((6, 2), 1.5))


def test_a_missing_slice_is_named(tmp_path):
    from graphgrad.train.tf_bundle_writer import write_bundle

    write_bundle(tmp_path / "m", {}, {"t": ((4,), [((0,), np.ones(2, np.float32)), ((2,), np.ones(2, np.float32))])})
    ckpt = TFCheckpoint(tmp_path / "m")
    del ckpt.slices[next(iter(ckpt.slices))]
    with pytest.raises(tf.errors.DataLossError, match="'t' lacks its slice"):
        ckpt.read("t")

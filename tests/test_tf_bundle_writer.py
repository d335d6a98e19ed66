"""graphgrad writes TensorFlow's V2 checkpoints by default: byte for byte what TF writes for the same variables
(tests/data/tf_checkpoints, recorded by tools/record_tf_checkpoints.py), partitioned variables in slices, the
write_version choices, and crash safety of the two files."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.train import checkpoint_io as cio
from graphgrad.train import tf_bundle_writer
from graphgrad.train.tf_bundle import TFCheckpoint, _Table
from graphgrad.train.tf_bundle_writer import write_bundle

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_checkpoints import ADAM, WRITTEN, expected  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_checkpoints")
SHARD = ".data-00000-of-00001"


def _build(spec, adam):
    """The recorded variables, made as the recorder made them under TF, holding the recorded values."""
    for name, (shape, dtype, parts) in spec.items():
        partitioner = None if parts is None else tf.fixed_size_partitioner(*parts)
        tf.get_variable(name, shape, getattr(tf, dtype), tf.zeros_initializer(), partitioner=partitioner)
    if adam:
        tf.train.AdamOptimizer(0.1).minimize(tf.add_n([tf.reduce_sum(v) for v in tf.trainable_variables()]))
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    for v in tf.global_variables():
        info = v._save_slice_info
        full = info.full_name if info else v.op.name
        if full not in spec:
            continue
        value = expected(full, *spec[full][:2])
        if info:
            value = value[tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))]
        v.load(value, s)
    return s


@pytest.mark.parametrize("case", sorted(WRITTEN))
def test_saver_writes_the_bytes_tensorflow_writes(tmp_path, case):
    with tf.Graph().as_default():
        s = _build(WRITTEN[case], case in ADAM)
        prefix = tf.train.Saver().save(s, str(tmp_path / "model.ckpt"))
    for suffix in (".index", SHARD):
        with open(os.path.join(DATA, case, "model.ckpt" + suffix), "rb") as f:
            theirs = f.read()
        with open(prefix + suffix, "rb") as f:
            assert f.read() == theirs, suffix
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt.data-00000-of-00001", "model.ckpt.index",
                                            "model.ckpt.meta"]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool", "float16", "uint8", "int8"])
def test_round_trip_of_every_dtype_and_shape(tmp_path, dtype):
    rng = np.random.default_rng(0)
    arrays = {f"t{i}": (rng.standard_normal(shape) * 5).astype(dtype)
              for i, shape in enumerate([(), (0,), (3,), (2, 0, 4), (3, 4, 5)])}
    arrays["big/endian"] = (np.arange(6) % 2).astype(np.dtype(dtype).newbyteorder(">")).reshape(2, 3)
    write_bundle(tmp_path / "m", arrays)
    got = TFCheckpoint(tmp_path / "m").read_all()
    assert sorted(got) == sorted(arrays)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype.newbyteorder("=") and got[k].shape == v.shape
        np.testing.assert_array_equal(got[k], v)


def test_an_index_of_many_blocks_reads_back(tmp_path):
    """Over 256 KiB of index entries: several data blocks, found through separators in the index block."""
    arrays = {f"{i:05d}{'/layer' * 40}": np.array([i], np.int32) for i in range(1200)}  # little shared prefix
    write_bundle(tmp_path / "m", arrays)
    assert os.path.getsize(tmp_path / "m.index") > 262144
    table = _Table(str(tmp_path / "m.index"))
    assert len(list(table._entries(table._block(*table.index)))) == 2
    got = TFCheckpoint(tmp_path / "m").read_all()
    assert len(got) == len(arrays) and all(got[k][0] == v[0] for k, v in arrays.items())


def test_unsupported_dtypes_and_clashing_names_are_refused(tmp_path):
    with pytest.raises(TypeError, match="'c'.*complex64"):
        write_bundle(tmp_path / "m", {"c": np.ones(2, np.complex64)})
    with pytest.raises(ValueError, match="both whole and in slices"):
        write_bundle(tmp_path / "m", {"t": np.ones(2)}, {"t": ((2,), [((0,), np.ones(2))])})
    assert not os.listdir(tmp_path)


# --- partitioned variables ------------------------------------------------------------------------------------

def _table(shards, axis=0):
    return tf.get_variable("emb", (7, 3), partitioner=tf.fixed_size_partitioner(shards, axis=axis))


@pytest.mark.parametrize("write_version", [tf.train.SaverDef.V2, tf.train.SaverDef.GRAPHGRAD])
def test_partitioned_saves_restore_into_other_partitionings_and_whole(tmp_path, write_version):
    table = np.arange(21, dtype=np.float32).reshape(7, 3)
    with tf.Graph().as_default():
        pv = _table(3)
        with tf.Session() as s:
            s.run(pv.assign(table))
            path = tf.train.Saver(write_version=write_version).save(s, str(tmp_path / "m"))
    assert tf.train.list_variables(path) == [("emb", [7, 3])]
    np.testing.assert_array_equal(tf.train.load_variable(path, "emb"), table)
    for build in (lambda: _table(2), lambda: _table(3, axis=1), lambda: tf.get_variable("emb", (7, 3))):
        with tf.Graph().as_default():
            target = build()
            with tf.Session() as s:
                tf.train.Saver().restore(s, path)
                np.testing.assert_array_equal(s.run(tf.convert_to_tensor(target)), table)


def test_partitioned_var_list_forms_and_their_errors(tmp_path):
    pv = _table(3)
    b = tf.get_variable("b", (3,))
    with tf.variable_scope("other"):
        other = tf.get_variable("emb", (5, 3), partitioner=tf.fixed_size_partitioner(2))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for var_list in ([pv, b], [*pv, b], {"emb": pv, "b": b}, {"emb": list(pv), "b": b}):
            path = tf.train.Saver(var_list).save(s, str(tmp_path / "m"))
            assert TFCheckpoint(path).index() == {"b": ((3,), np.dtype("float32")),
                                                  "emb": ((7, 3), np.dtype("float32"))}
    assert TFCheckpoint(path).slices  # saved in slices, as TF saves them
    with pytest.raises(ValueError, match="emb/part_0 is saved twice"):
        tf.train.Saver([*pv, *pv])
    with pytest.raises(ValueError, match="emb/part_0 is saved twice"):
        tf.train.Saver({"x": list(pv)[0], "emb": pv})
    with pytest.raises(ValueError, match="parts of a partitioned variable"):
        tf.train.Saver({"emb": [b]})
    with pytest.raises(ValueError, match="do not come from one partitioned variable"):
        tf.train.Saver({"emb": [*pv, *other]})


def test_restoring_a_partitioned_variable_checks_the_full_shape(tmp_path):
    with tf.Graph().as_default():
        _table(3)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            path = tf.train.Saver().save(s, str(tmp_path / "m"))
    with tf.Graph().as_default():
        tf.get_variable("emb", (8, 3), partitioner=tf.fixed_size_partitioner(2))
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError,
                                              match=r"emb: shape \[7,3\] in checkpoint, \[8,3\] in graph"):
            tf.train.Saver().restore(s, path)


def test_a_partitioned_embedding_trains_and_resumes(tmp_path):
    """word2vec's shape: a sharded table, nce_loss over its parts, saved and restored mid-training."""
    emb = tf.get_variable("emb", (50, 4), partitioner=tf.fixed_size_partitioner(3))
    nce_w = tf.get_variable("nce_w", (50, 4), partitioner=tf.fixed_size_partitioner(2))
    nce_b = tf.get_variable("nce_b", (50,), initializer=tf.zeros_initializer())
    ids = tf.constant([1, 7, 20, 49])
    labels = tf.constant([[2], [8], [21], [0]], tf.int64)
    loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, labels, tf.nn.embedding_lookup(emb, ids), 5, 50))
    step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    saver = tf.train.Saver()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        before = s.run(tf.convert_to_tensor(emb))
        s.run(step)
        after = s.run(tf.convert_to_tensor(emb))
        assert not np.array_equal(before, after)
        path = saver.save(s, str(tmp_path / "w2v"), global_step=1)
        s.run(tf.global_variables_initializer())
        saver.restore(s, path)
        np.testing.assert_array_equal(s.run(tf.convert_to_tensor(emb)), after)


# --- formats, write_version, crash safety ---------------------------------------------------------------------

def test_write_version(tmp_path, caplog):
    v = tf.Variable(np.arange(3, dtype=np.float32), name="v")
    with tf.Session() as s:
        s.run(v.initializer)
        tf.train.Saver(write_version=tf.train.SaverDef.V1).save(s, str(tmp_path / "a"))
        assert "V1 is deprecated" in caplog.text and os.path.isfile(tmp_path / "a.index")
        with pytest.raises(RuntimeError, match="Unexpected write_version: 7"):
            tf.train.Saver(write_version=7)
        prefix = str(tmp_path / "b")
        tf.train.Saver(write_version=tf.train.SaverDef.GRAPHGRAD).save(s, prefix)
        assert sorted(os.listdir(tmp_path))[-2:] == ["b.safetensors", "checkpoint"]
        tf.train.Saver().save(s, prefix)  # the same prefix in the other format: the old file goes
        assert not os.path.exists(prefix + ".safetensors") and os.path.isfile(prefix + ".index")
        tf.train.Saver(write_version=tf.train.SaverDef.GRAPHGRAD).save(s, prefix)
        assert not os.path.exists(prefix + ".index") and not os.path.exists(prefix + SHARD)
        np.testing.assert_array_equal(tf.train.load_variable(prefix, "v"), np.arange(3))


class Killed(BaseException):
    pass


def test_a_save_killed_before_its_index_leaves_the_last_checkpoint(tmp_path, monkeypatch):
    v = tf.Variable(np.zeros(2, np.float32), name="v")
    saver = tf.train.Saver(max_to_keep=3)
    prefix = str(tmp_path / "m")
    real = tf_bundle_writer._atomic_write

    def dies_at_the_index(path, write):
        if str(path).endswith(".index"):
            raise Killed
        real(path, write)

    with tf.Session() as s:
        s.run(v.initializer)
        saver.save(s, prefix, global_step=1)
        v.load(np.ones(2, np.float32), s)
        with monkeypatch.context() as m:
            m.setattr(tf_bundle_writer, "_atomic_write", dies_at_the_index)
            with pytest.raises(Killed):
                saver.save(s, prefix, global_step=2)
        assert not tf.train.checkpoint_exists(f"{prefix}-2") and os.path.isfile(f"{prefix}-2{SHARD}")
        assert tf.train.latest_checkpoint(tmp_path) == f"{prefix}-1"
        saver.restore(s, tf.train.latest_checkpoint(tmp_path))
        np.testing.assert_array_equal(s.run(v), np.zeros(2))
        saver.save(s, prefix, global_step=3)  # the next save sweeps the orphaned data file away
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", f"m-1{SHARD}", "m-1.index", "m-1.meta", f"m-3{SHARD}",
                                            "m-3.index", "m-3.meta"]


def test_max_to_keep_removes_both_files_and_no_temp_files_stay(tmp_path):
    v = tf.Variable(np.zeros(2, np.float32), name="v")
    saver = tf.train.Saver(max_to_keep=1)
    with tf.Session() as s:
        s.run(v.initializer)
        for k in range(3):
            saver.save(s, str(tmp_path / "m"), global_step=k)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", f"m-2{SHARD}", "m-2.index", "m-2.meta"]
    assert tf.train.get_checkpoint_mtimes([str(tmp_path / "m-2")]) == [os.path.getmtime(tmp_path / "m-2.index")]


def test_inspect_shows_a_tf_checkpoints_global_step(tmp_path):
    tf.Variable(np.ones((2, 2), np.float32), name="w")
    step = tf.train.get_or_create_global_step()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step.assign(12))
        tf.train.Saver().save(s, str(tmp_path / "m"), global_step=step)
    text = tf.train.inspect_checkpoint(str(tmp_path))
    assert "global step  12" in text and "saved at" in text and "written by" not in text
    assert cio.checkpoint_file(str(tmp_path / "m-12")).endswith("m-12.index")


# --- string tensors -------------------------------------------------------------------------------------------

def test_string_variables_save_and_restore(tmp_path):
    words = np.array([b"", b"a\0b", "caf\u00e9".encode(), b"\xff" * 300], object)
    vocab = tf.get_variable("vocab", (4,), tf.string, tf.zeros_initializer())
    table = tf.get_variable("table", (5,), tf.string, tf.zeros_initializer(),
                            partitioner=tf.fixed_size_partitioner(2))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert list(s.run(vocab)) == [b""] * 4  # TF's zeros of strings
        vocab.load(words, s)
        path = tf.train.Saver().save(s, str(tmp_path / "m"))
        vocab.load(np.array([b"x"] * 4, object), s)
        tf.train.Saver().restore(s, path)
        assert list(s.run(vocab)) == list(words)
        assert list(s.run(tf.convert_to_tensor(table))) == [b""] * 5
    assert tf.train.NewCheckpointReader(path).get_variable_to_dtype_map()["vocab"] == tf.string
    assert "vocab  [4]    string  -" in tf.train.inspect_checkpoint(path)
    write_bundle(tmp_path / "u", {"u": np.array(["caf\u00e9", "x"])})  # str elements are written as UTF-8
    assert list(TFCheckpoint(tmp_path / "u").read("u")) == ["caf\u00e9".encode(), b"x"]


def test_string_tensor_damage_and_bad_elements(tmp_path):
    write_bundle(tmp_path / "m", {"w": np.array([b"abc", b"de"], object)})
    data = tmp_path / f"m{SHARD}"
    raw = bytearray(data.read_bytes())
    for where, what in ((0, "damaged string lengths"), (len(raw) - 1, "CRC32C")):
        broken = bytearray(raw)
        broken[where] ^= 0x01
        data.write_bytes(bytes(broken))
        with pytest.raises(tf.errors.DataLossError, match=what):
            TFCheckpoint(tmp_path / "m").read("w")
    with pytest.raises(TypeError, match="'n'.*int in a string tensor"):
        write_bundle(tmp_path / "n", {"n": np.array([b"a", 3], object)})

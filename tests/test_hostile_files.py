"""Files TensorFlow wrote, corrupted (bytes changed, flipped, cut, appended), fed to every reader of graph files,
SavedModels, checkpoints, TFRecords, tf.train.Example and images: each either reads or fails with the error
TensorFlow documents for it (ValueError, OSError, protobuf's DecodeError, a tf.errors.OpError), never an
IndexError / TypeError / AttributeError from deep inside a reader, and never hangs."""
from __future__ import annotations

import os
import shutil

import pytest
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphgrad as tf

DATA = os.path.join(os.path.dirname(__file__), "data")
EXPECTED = (tf.errors.OpError, ValueError, DecodeError, OSError)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: a corruption: (position as a fraction of the length, new byte or None to flip bit 0) pairs, a cut, bytes appended
corruptions = st.tuples(
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.one_of(st.none(), st.integers(0, 255))),
             min_size=0, max_size=8),
    st.one_of(st.none(), st.floats(0, 1, exclude_max=True)),
    st.binary(max_size=16))


def corrupt(data: bytes, how) -> bytes:
    changes, cut, tail = how
    b = bytearray(data)
    for where, value in changes:
        i = int(where * len(b))
        b[i] = b[i] ^ 1 if value is None else value
    if cut is not None:
        del b[int(cut * len(b)):]
    return bytes(b) + tail


def read_or_fail_as_documented(fn):
    try:
        fn()
    except EXPECTED:
        pass


def corrupted_copy(tmp_path, folder, name, how):
    """A copy of tests/data/`folder` in tmp_path with its file `name` corrupted `how`; returns the copy's path."""
    dst = tmp_path / "copy"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(DATA, folder), dst)
    path = dst / name
    path.write_bytes(corrupt(path.read_bytes(), how))
    return str(dst)


@FAST
@given(how=corruptions, which=st.sampled_from(["mlp_frozen.pb", "cnn_frozen.pb", "misc.pb"]))
def test_corrupt_graph_def_imports_or_raises_value_or_decode_error(how, which):
    with open(os.path.join(DATA, "tf_graphs", which), "rb") as f:
        data = corrupt(f.read(), how)

    def load():
        gd = tf.GraphDef()
        gd.ParseFromString(data)
        with tf.Graph().as_default():
            tf.import_graph_def(gd, name="")

    read_or_fail_as_documented(load)


def _frozen(name):
    gd = tf.GraphDef()
    with open(os.path.join(DATA, "tf_graphs", name), "rb") as f:
        gd.ParseFromString(f.read())
    return gd


def test_a_node_without_the_inputs_its_op_needs_is_a_value_error_naming_it():
    gd = _frozen("mlp_frozen.pb")
    node = next(n for n in gd.node if n.op == "MatMul")
    del node.input[1:]
    with tf.Graph().as_default(), pytest.raises(ValueError, match=f"'{node.name}' \\(op: 'MatMul'\\)"):
        tf.import_graph_def(gd, name="")


@pytest.mark.parametrize("damage", ["no strides", "bad dtype"])
def test_a_node_without_the_attributes_its_op_needs_is_a_value_error_naming_it(damage):
    gd = _frozen("cnn_frozen.pb")
    node = next(n for n in gd.node if n.op == ("Conv2D" if damage == "no strides" else "Placeholder"))
    if damage == "no strides":
        del node.attr["strides"]
    else:
        node.attr["dtype"].type = 126  # no such DataType
    with tf.Graph().as_default(), pytest.raises(ValueError, match=f"Node '{node.name}' \\(op: '{node.op}'\\)"):
        tf.import_graph_def(gd, name="")


def _restore_meta_graph(folder):
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(os.path.join(folder, "model.ckpt.meta"))
        with tf.Session() as sess:
            saver.restore(sess, os.path.join(folder, "model.ckpt"))


def _read_checkpoint(folder):
    reader = tf.train.load_checkpoint(os.path.join(folder, "model.ckpt-7"))
    for name in reader.get_variable_to_shape_map():
        reader.get_tensor(name)


def _load_saved_model(folder):
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.saved_model.loader.load(sess, ["serve"], folder)


#: folder of tests/data -> (its files to damage, what reads the folder)
FOLDERS = {
    os.path.join("tf_graphs", "mlp"): (["model.ckpt.meta", "model.ckpt.index", "model.ckpt.data-00000-of-00001"],
                                       _restore_meta_graph),
    os.path.join("tf_checkpoints", "plain"): (["model.ckpt-7.index", "model.ckpt-7.data-00000-of-00001"],
                                              _read_checkpoint),
    os.path.join("tf_saved_models", "simple"): (["saved_model.pb", "variables/variables.index",
                                                 "variables/variables.data-00000-of-00001"], _load_saved_model),
}


@pytest.mark.parametrize("folder", sorted(FOLDERS))
@FAST
@given(how=corruptions, pick=st.integers(0, 2))
def test_corrupt_meta_graph_checkpoint_or_saved_model_loads_or_raises(tmp_path, folder, how, pick):
    files, load = FOLDERS[folder]
    copy = corrupted_copy(tmp_path, folder, files[pick % len(files)], how)
    read_or_fail_as_documented(lambda: load(copy))


def test_a_meta_file_neither_binary_nor_text_is_tensorflows_os_error(tmp_path):
    path = tmp_path / "bad.meta"
    path.write_bytes(b"\x0a\xe3\x81garbage")
    with pytest.raises(OSError, match="Cannot parse file .*bad.meta"):
        tf.train.import_meta_graph(str(path))


@FAST
@given(how=corruptions, which=st.sampled_from(["examples.tfrecord", "examples_gzip.tfrecord", "raw_b.tfrecord"]))
def test_corrupt_tfrecord_reads_or_raises_data_loss(tmp_path, how, which):
    path = tmp_path / which
    with open(os.path.join(DATA, "tfrecord", "tf", which), "rb") as f:
        path.write_bytes(corrupt(f.read(), how))
    options = tf.python_io.TFRecordOptions(compression_type="GZIP") if "gzip" in which else None

    def load():
        for record in tf.python_io.tf_record_iterator(str(path), options=options):
            if which.startswith("examples"):
                tf.train.Example.FromString(record)

    read_or_fail_as_documented(load)


def _tf_records():
    return list(tf.python_io.tf_record_iterator(os.path.join(DATA, "tfrecord", "tf", "examples.tfrecord")))


@FAST
@given(how=corruptions, index=st.integers(0, 4))
def test_corrupt_serialized_example_parses_or_raises_invalid_argument(how, index):
    records = _tf_records()
    data = corrupt(records[index % len(records)], how)
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.string, [])
        features = {"x": tf.io.VarLenFeature(tf.float32),
                    "label": tf.io.FixedLenFeature([], tf.int64, default_value=0)}
        parsed = tf.io.parse_single_example(x, features)
        read_or_fail_as_documented(lambda: sess.run(parsed, {x: data}))


@FAST
@given(how=corruptions, which=st.sampled_from(["rgb.png", "gray.jpg", "still.gif", "rgba.bmp"]))
def test_corrupt_image_decodes_or_raises_invalid_argument(how, which):
    pytest.importorskip("PIL", reason="image decoding needs the `image` extra (Pillow)")
    with open(os.path.join(DATA, "images", which), "rb") as f:
        data = corrupt(f.read(), how)
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.string, [])
        image = tf.image.decode_image(x)
        read_or_fail_as_documented(lambda: sess.run(image, {x: data}))

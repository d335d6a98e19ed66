"""TFRecord files and tf.train.Example (docs/data.md, "TFRecord files"), against what TensorFlow wrote and read:
tests/data/tfrecord/ holds files TF wrote (tf/), files graphgrad wrote (graphgrad/) and reference.json, what
TF read from both, recorded by tools/record_tfrecord_reference.py with the cases of tests/tfrecord_cases.py."""
import gzip
import json
import os
import zlib

import numpy as np
import pytest
import tfrecord_cases as cases
from google.protobuf import descriptor_pb2, json_format

import graphgrad as tf
from graphgrad.io import example_pb
from graphgrad.io import tfrecord as tfr

DATA = os.path.join(os.path.dirname(__file__), "data", "tfrecord")
TF_DIR, GG_DIR = os.path.join(DATA, "tf"), os.path.join(DATA, "graphgrad")
with open(os.path.join(DATA, "reference.json")) as _f:
    REF = json.load(_f)


def _content(path, name):
    """A file's uncompressed bytes."""
    with open(path, "rb") as f:
        raw = f.read()
    kind = cases.EXAMPLE_FILES.get(name)
    if kind == "GZIP":
        return gzip.decompress(raw)
    if kind == "ZLIB":
        return zlib.decompress(raw)
    return raw


def test_descriptors_are_tensorflows():
    for fd in example_pb.FILE_DESCRIPTOR_PROTOS:
        ours = json_format.MessageToDict(descriptor_pb2.FileDescriptorProto.FromString(fd.SerializeToString()))
        assert ours == REF["descriptors"][fd.name]


def test_graphgrad_reads_what_tensorflow_wrote_as_tensorflow_does():
    assert cases.read_all(tf, TF_DIR) == REF["tf"]


def test_tensorflow_read_graphgrad_files_and_graphgrad_still_writes_them(tmp_path):
    # TF read the checked-in graphgrad files exactly as its own (recorded by the tool) ...
    assert REF["graphgrad"] == REF["tf"]
    # ... and graphgrad writes those files again: the same records, byte for byte, as TF's writer's
    cases.write_all(tf, str(tmp_path))
    for name in os.listdir(TF_DIR):
        ours = _content(tmp_path / name, name)
        assert ours == _content(os.path.join(GG_DIR, name), name) == _content(os.path.join(TF_DIR, name), name)
        if name not in cases.EXAMPLE_FILES or cases.EXAMPLE_FILES[name] is None:
            assert (tmp_path / name).read_bytes() == open(os.path.join(TF_DIR, name), "rb").read()


def test_damaged_files_and_bad_examples_fail_as_in_tensorflow(tmp_path):
    ours = cases.error_cases(tf, TF_DIR, str(tmp_path))
    assert sorted(ours) == sorted(REF["errors"])
    for key, want in REF["errors"].items():
        got = ours[key]
        if key == "parse:not_a_proto":  # TF 2.21 fails formatting its own message (UnicodeDecodeError)
            assert got["error"] == "InvalidArgumentError" and "Could not parse example input" in got["message"]
            continue
        if "value" in want:
            assert got == want, key
            continue
        assert got.get("read") == want.get("read") and got["error"] == want["error"], (key, got, want)
        if want["error"]:
            # the same message (graphgrad names the file after it; TF 1.x's wrong-count wording)
            prefix = want["message"].split(".  ")[0]
            assert got["message"].startswith(prefix), (key, got, want)
    assert ours["dataset:bad_data_crc"]["message"] == f"corrupted record at 12 in {tmp_path / 'bad_data_crc'}"


def test_classic_tf1_pipeline_with_only_the_import_changed():
    program = f'''
import graphgrad as tf

def parse(serialized):
    features = tf.parse_single_example(serialized, features={{
        "label": tf.FixedLenFeature([], tf.int64),
        "x": tf.FixedLenFeature([3], tf.float32),
        "tokens": tf.VarLenFeature(tf.int64),
    }})
    return features["x"], features["label"], tf.sparse_tensor_to_dense(features["tokens"])

files = [{os.path.join(TF_DIR, "examples.tfrecord")!r}, {os.path.join(TF_DIR, "examples_gzip.tfrecord")!r}]
dataset = tf.data.TFRecordDataset(files[:1]).map(parse).shuffle(buffer_size=100, seed=1)
dataset = dataset.map(lambda x, y, t: (x, y)).batch(2)
iterator = dataset.make_one_shot_iterator()
x, y = iterator.get_next()
w = tf.Variable(tf.zeros([3, 1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - tf.cast(tf.reshape(y, [-1, 1]), tf.float32)))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
labels, steps = [], 0
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    while True:
        try:
            _, batch = sess.run([train, y])
            labels.extend(batch.tolist())
            steps += 1
        except tf.errors.OutOfRangeError:
            break
'''
    scope = {}
    exec(compile(program, "tf1_tfrecord_program.py", "exec"), scope)
    assert scope["steps"] == 3 and sorted(scope["labels"]) == sorted(e["label"][0] for e in cases.EXAMPLES)


def test_crc32c_known_vectors():
    vectors = {b"123456789": 0xE3069283, bytes(32): 0x8A9136AA, b"\xff" * 32: 0x62A8AB43,
               bytes(range(32)): 0x46DD794E, b"": 0}
    for data, crc in vectors.items():
        assert tfr.crc32c(data) == crc
        assert tfr.crc32c_python(data) == crc
    header = (11).to_bytes(8, "little")
    crc = tfr.crc32c(header)
    assert tfr.masked_crc32c(header) == ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


@pytest.mark.parametrize("compression", [None, "GZIP", "ZLIB"])
def test_compressed_streams_longer_than_a_read_chunk(tmp_path, compression):
    rng = np.random.default_rng(0)
    records = [rng.bytes(int(n)) for n in rng.integers(0, 400, size=1500)] + [b"z" * 300_000]
    path = str(tmp_path / "many.tfrecord")
    options = tf.io.TFRecordOptions(compression)
    with tf.io.TFRecordWriter(path, options) as w:
        for r in records:
            w.write(r)
    assert list(tf.python_io.tf_record_iterator(path, options)) == records
    assert tf.io.TFRecordOptions.get_compression_type_string(options) == (compression or "")
    nxt = tf.data.TFRecordDataset(path, compression_type=compression or "").make_one_shot_iterator().get_next()
    with tf.Session() as s:
        assert [s.run(nxt) for _ in range(3)] == records[:3]


def test_a_truncated_gzip_stream_is_a_truncated_record(tmp_path):
    path = str(tmp_path / "t.tfrecord.gz")
    with tf.io.TFRecordWriter(path, "GZIP") as w:
        for i in range(50):
            w.write(b"%d" % i * 50)
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[: len(raw) // 2])
    got = []
    with pytest.raises(tf.errors.DataLossError, match="truncated record at"):
        for r in tf.io.tf_record_iterator(path, tf.io.TFRecordOptions("GZIP")):
            got.append(r)
    assert 0 < len(got) < 50


def test_filenames_from_a_placeholder_a_dataset_and_errors(tmp_path):
    names = tf.placeholder(tf.string, [None])
    it = tf.data.TFRecordDataset(names).make_initializable_iterator()
    nxt = it.get_next()
    listed = tf.data.Dataset.list_files(os.path.join(TF_DIR, "raw_*.tfrecord"), shuffle=False)
    from_ds = tf.data.TFRecordDataset(listed).make_one_shot_iterator().get_next()
    missing = tf.data.TFRecordDataset(str(tmp_path / "nope.tfrecord")).make_one_shot_iterator().get_next()
    with tf.Session() as s:
        s.run(it.initializer, {names: [os.path.join(TF_DIR, "raw_c.tfrecord"), os.path.join(TF_DIR, "raw_a.tfrecord")]})
        assert [s.run(nxt) for _ in range(5)] == [b"c0", b"c1", b"c2", b"a0", b"a1"]
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(nxt)
        assert [s.run(from_ds) for _ in range(9)] == [r for n in sorted(cases.RAW_FILES) for r in cases.RAW_FILES[n]]
        with pytest.raises(tf.errors.NotFoundError, match="nope.tfrecord"):
            s.run(missing)
    with pytest.raises(ValueError, match="Unsupported compression type"):
        tf.data.TFRecordDataset("x", compression_type="LZ4")
    with pytest.raises(ValueError, match="Missing: features"):
        tf.io.parse_single_example(tf.constant(b""), {})


def test_example_protos_and_sparse_tensors():
    ex = cases.make_example(tf, cases.EXAMPLES[0])
    assert type(ex).__name__ == "Example" and ex.features.feature["label"].int64_list.value == [3]
    assert tf.train.Example.FromString(ex.SerializeToString()) == ex
    sp = tf.SparseTensor(indices=[[0, 1], [2, 0]], values=[1.5, 2.5], dense_shape=[3, 2])
    assert sp.indices.dtype == tf.int64 and sp.dtype == tf.float32
    dense = tf.sparse.to_dense(sp, default_value=-1.0)
    with tf.Session() as s:
        got, value = s.run([dense, sp])
    np.testing.assert_array_equal(got, [[-1, 1.5], [-1, -1], [2.5, -1]])
    assert isinstance(value, tf.SparseTensorValue) and value.dense_shape.tolist() == [3, 2]

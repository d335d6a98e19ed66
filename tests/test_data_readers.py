"""tf.data's text and fixed-length file datasets, cardinality, Options, NumpyIterator and DatasetSpec beyond what
tests/test_tf1_conformance.py replays from TF (data_text_fixed_files, data_cardinality_options): files written here,
fed names and sizes, datasets of names, eager iteration."""
import gzip

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode
from tests.test_tf_data import values


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def drain(dataset, feed=None):
    return values(dataset, feed=feed or {})


def test_text_lines_from_a_dataset_of_names_with_a_fed_compression(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"1\r\n2\n")
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress(b"3\n\n4"))
    names = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert drain(tf.data.TextLineDataset(names, buffer_size=1)) == [b"1", b"2"]
    kind = tf.placeholder(tf.string, [])
    ds = tf.data.TextLineDataset(str(tmp_path / "b.txt.gz"), compression_type=kind)
    assert drain(ds, {kind: "GZIP"}) == [b"3", b"", b"4"]
    with pytest.raises(TypeError, match="Dataset` of `tf.string`"):
        tf.data.TextLineDataset(tf.data.Dataset.range(2))


def test_text_lines_parallel_reads_fed_as_a_tensor(tmp_path):
    paths = []
    for i, text in enumerate([b"a\nb\nc\n", b"d\n", b"e\nf\n"]):
        paths.append(str(tmp_path / f"{i}.txt"))
        (tmp_path / f"{i}.txt").write_bytes(text)
    n = tf.placeholder(tf.int64, [])
    ds = tf.data.TextLineDataset(paths, num_parallel_reads=n)
    # two slots, a|d; d's file ends at its turn, so the turn passes to c before that slot opens e (TF's order)
    assert drain(ds, {n: 2}) == [b"a", b"d", b"b", b"c", b"e", b"f"]
    assert drain(ds, {n: 1}) == [b"a", b"b", b"c", b"d", b"e", b"f"]


def test_fixed_length_records_of_fed_sizes_and_bad_record_bytes(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"H" + bytes(range(8)) + b"FF")
    size = tf.placeholder(tf.int64, [])
    ds = tf.data.FixedLengthRecordDataset(str(path), size, header_bytes=1, footer_bytes=2)
    assert drain(ds, {size: 4}) == [bytes(range(4)), bytes(range(4, 8))]
    assert [np.frombuffer(x, np.uint8).tolist() for x in drain(ds, {size: 2})] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="not an exact multiple"):
        drain(ds, {size: 3})
    with pytest.raises(tf.errors.InvalidArgumentError, match="record_bytes must be positive"):
        drain(ds, {size: 0})


def test_queue_readers_share_the_record_code(tmp_path):
    """TF1's queue readers keep their own rules on the same code: the fixed-length reader drops a partial record
    (the dataset refuses it) and hops; the text reader counts header lines in its keys."""
    (tmp_path / "f.bin").write_bytes(b"abcdefgh")
    (tmp_path / "t.txt").write_bytes(b"head\r\nx\ny")

    def read(reader, name):
        files = tf.train.string_input_producer([str(tmp_path / name)], num_epochs=1, shuffle=False)
        key, value = reader.read(files)
        out = []
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(s, coord)
            try:
                while True:
                    k, v = s.run([key, value])
                    out.append((k.decode().rsplit("/", 1)[-1], v))
            except tf.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
        tf.reset_default_graph()
        return out
    assert read(tf.FixedLengthRecordReader(3), "f.bin") == [("f.bin:0", b"abc"), ("f.bin:1", b"def")]
    assert read(tf.FixedLengthRecordReader(2, hop_bytes=3, footer_bytes=1), "f.bin") == [
        ("f.bin:0", b"ab"), ("f.bin:1", b"de")]
    assert read(tf.TextLineReader(skip_header_lines=1), "t.txt") == [("t.txt:2", b"x"), ("t.txt:3", b"y")]


def test_cardinality_of_list_files_and_fed_take(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_bytes(b"")
    count = tf.placeholder(tf.int64, [])
    files = tf.data.Dataset.list_files(str(tmp_path / "*.txt"))
    c = [files.cardinality(), files.take(count).cardinality(), files.repeat(count).cardinality()]
    with tf.Session() as s:
        assert s.run(c, {count: 2}) == [3, 2, 6]
        assert s.run(c, {count: -1}) == [3, 3, tf.data.INFINITE_CARDINALITY]
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        tf.data.experimental.cardinality([1, 2])


def test_options_types_aliases_and_merge():
    o = tf.data.Options()
    o.experimental_threading.private_threadpool_size = 2
    assert o.threading.private_threadpool_size == 2 and o.threading is o.experimental_threading
    with pytest.raises(TypeError, match='Property "threading" must be of type'):
        o.threading = 3
    o.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    other = tf.data.Options()
    other.deterministic = True
    merged = o.merge(other)
    assert merged.deterministic is True and merged.threading.private_threadpool_size == 2
    assert merged.experimental_distribute.auto_shard_policy == tf.data.experimental.AutoShardPolicy.DATA
    assert o.deterministic is None  # merge makes a new object
    ds = tf.data.Dataset.range(3).with_options(o).with_options(other)
    assert ds.options() == merged and drain(ds) == [0, 1, 2]


def test_as_numpy_iterator_and_numpy_iterator_in_eager_mode():
    with eager_mode():
        ds = tf.data.Dataset.from_tensor_slices({"x": np.arange(3, dtype=np.float32), "s": [b"a", b"b", b"c"]})
        got = list(ds.as_numpy_iterator())
        assert [(float(e["x"]), e["s"]) for e in got] == [(0.0, b"a"), (1.0, b"b"), (2.0, b"c")]
        assert isinstance(got[0]["x"], np.floating)
        batches = list(tf.data.NumpyIterator(tf.data.Dataset.range(5).batch(2)))
        assert [b.tolist() for b in batches] == [[0, 1], [2, 3], [4]]
        assert int(tf.data.Dataset.range(5).batch(2).cardinality()) == 3
    with pytest.raises(RuntimeError, match="eager execution"):
        tf.data.NumpyIterator(tf.data.Dataset.range(2))


def test_dataset_spec_compares_structures():
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((2, 3), np.float32), [1, 2]))
    spec = tf.data.DatasetSpec.from_value(ds)
    assert spec.is_compatible_with(ds) and spec.value_type is tf.data.Dataset
    assert spec == tf.data.DatasetSpec((tf.TensorSpec([3], tf.float32), tf.TensorSpec([], tf.int32)))
    assert spec != tf.data.DatasetSpec((tf.TensorSpec([3], tf.float32), tf.TensorSpec([], tf.int64)))
    assert spec != tf.data.DatasetSpec(tf.TensorSpec([3], tf.float32))

"""tf.data.experimental's sources (graphgrad/data/sources_experimental.py). Expected values and error messages are
those TensorFlow 2.21 (tf.compat.v1, graph mode) gave for the same files and calls."""
import gzip
import sqlite3

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.data.sources_experimental import from_sparse_tensor_slices
from graphgrad.eager import eager_mode

E = tf.data.experimental


def values(dataset, feed=None):
    """Every element of `dataset` through a one-shot (or, with `feed`, an initializable) iterator."""
    it = dataset.make_one_shot_iterator() if feed is None else dataset.make_initializable_iterator()
    nxt = it.get_next()
    out = []
    with tf.Session() as s:
        if feed is not None:
            s.run(it.initializer, feed)
        while True:
            try:
                out.append(s.run(nxt))
            except tf.errors.OutOfRangeError:
                return out


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def error_of(dataset):
    with pytest.raises(tf.errors.OpError) as info:
        values(dataset)
    return type(info.value), info.value.message.split("\n")[0]


def test_csv_dataset_quotes_defaults_and_types(tmp_path):
    path = write(tmp_path, "a.csv", 'h1,h2,h3\n1,"x,""y""",2.5\n,b,\n3,"multi\nline",4\r\n')
    ds = E.CsvDataset(path, [0, "s", [0.0]], header=True)
    assert ds.output_types == (tf.int32, tf.string, tf.float32)
    assert ds.output_shapes == (tf.TensorShape([]),) * 3
    assert repr(ds).startswith("<CsvDatasetV2 element_spec=(TensorSpec(shape=(), dtype=tf.int32")
    got = values(ds)
    assert got == [(1, b'x,"y"', 2.5), (0, b"b", 0.0), (3, b"multi\nline", 4.0)]
    assert [type(x) for x in got[0]] == [np.int32, bytes, np.float32]
    required = E.CsvDataset(path, [tf.int32, "s", 0.0], header=True)
    assert error_of(required) == (tf.errors.InvalidArgumentError, "Field 0 is required but missing in record!")
    assert error_of(E.CsvDataset(path, [tf.constant([], tf.int64)], header=True, select_cols=[0]))[1] == \
        "Field 0 is required but missing in record!"
    with tf.Session() as s:
        assert s.run(E.cardinality(ds)) == E.UNKNOWN_CARDINALITY


def test_csv_dataset_numbers_na_select_and_delimiters(tmp_path):
    path = write(tmp_path, "k.csv", "1.5,2e3,1e40,x\n")
    assert values(E.CsvDataset(path, [0.0, tf.float64, 0.0, ""])) == [(1.5, 2000.0, np.inf, b"x")]
    assert values(E.CsvDataset(write(tmp_path, "m.csv", " 1 , 2\n"), [0, 0.0])) == [(1, 2.0)]
    big = write(tmp_path, "l.csv", "99999999999,2\n")
    assert values(E.CsvDataset(big, [tf.int64, 0])) == [(99999999999, 2)]
    assert error_of(E.CsvDataset(big, [0, 0]))[1] == "Field 0 in record is not a valid int32: 99999999999"
    assert error_of(E.CsvDataset(path, [0, tf.float64, 0.0, ""]))[1] == "Field 0 in record is not a valid int32: 1.5"
    na = write(tmp_path, "h.csv", "NA,2\n5,NA\n")
    assert values(E.CsvDataset(na, [tf.constant([7]), 8], na_value="NA")) == [(7, 2), (5, 8)]
    semi = write(tmp_path, "i.csv", '1;"a;b"\n')
    assert values(E.CsvDataset(semi, [0, ""], field_delim=";")) == [(1, b"a;b")]
    assert values(E.CsvDataset(semi, [0, "", ""], field_delim=";", use_quote_delim=False)) == [(1, b'"a', b'b"')]
    three = write(tmp_path, "c.csv", "1,2,3\n")
    ds = E.CsvDataset([three, three], [0, 0], select_cols=[0, 2])
    assert ds.output_types == (tf.int32, tf.int32) and values(ds) == [(1, 3), (1, 3)]
    assert values(E.CsvDataset(write(tmp_path, "r.csv", '"ab",2\r3,4\r'), ["", 0])) == [(b"ab", 2), (b"3", 4)]
    assert values(E.CsvDataset(write(tmp_path, "e.csv", ""), ["", 0])) == []


def test_csv_dataset_compression_and_fed_names(tmp_path):
    gz = tmp_path / "j.csv.gz"
    gz.write_bytes(gzip.compress(b"1,2\n3,4"))
    assert values(E.CsvDataset(str(gz), [0, 0], compression_type="GZIP")) == [(1, 2), (3, 4)]
    name = tf.placeholder(tf.string, [None])
    default = tf.placeholder(tf.int64, [])
    ds = E.CsvDataset(name, [default, 0], compression_type="GZIP")
    assert values(ds, feed={name: [str(gz)], default: 9}) == [(1, 2), (3, 4)]
    assert ds.output_types == (tf.int64, tf.int32)


@pytest.mark.parametrize("text, defaults, message", [
    ("1,2\n\n3,4\n", [0, 0], "Expect 2 fields but have 1 in record"),
    ("1,2,3\n", [0, 0], "Expect 2 fields but have more in record"),
    ('a"b,2\n', ["", 0], "Unquoted fields cannot have quotes inside"),
    ('"ab"c,2\n3,4\n', ["", 0], "Reached end of file without closing quoted field in record"),
    ('"a"\n"b""\n', [""], "Reached end of file without closing quoted field in record"),
    ("abc,2\n", [0, 0], "Field 0 in record is not a valid int32: abc"),
])
def test_csv_dataset_record_errors(tmp_path, text, defaults, message):
    assert error_of(E.CsvDataset(write(tmp_path, "x.csv", text), defaults)) == \
        (tf.errors.InvalidArgumentError, message)


def test_csv_dataset_argument_errors(tmp_path):
    path = write(tmp_path, "b.csv", "1,2\n")
    for kwargs, message in [(dict(record_defaults=[0, 0], select_cols=[1, 0]),
                             "select_cols should be strictly increasing indices"),
                            (dict(record_defaults=[0], select_cols=[0, 1]), "select_cols should match output size"),
                            (dict(record_defaults=[0], field_delim=";;"), "field_delim should be only 1 char"),
                            (dict(record_defaults=[0], select_cols=[-1]),
                             "select_cols should be non-negative indices")]:
        assert error_of(E.CsvDataset(path, **kwargs))[1] == message
    with pytest.raises(ValueError, match="length-0 or length-1 vector, or a scalar"):
        E.CsvDataset(path, [[1, 2]])
    with pytest.raises(TypeError, match="DataType bool not in list of allowed values"):
        E.CsvDataset(path, [True])


CSV = 'name,age,score,big,ratio,flag\nann,31,1.5,3000000000,1e39,1\nbob,,2,5,1e-3,\n"c,d",7,NA,6,2,x\n'


def test_make_csv_dataset_infers_types_and_splits_the_label(tmp_path):
    path = write(tmp_path, "mk.csv", CSV)
    ds = E.make_csv_dataset(path, 2, label_name="age", na_value="NA", num_epochs=1, shuffle=False)
    features, label = ds.output_types
    assert list(features) == ["name", "score", "big", "ratio", "flag"]
    assert features == {"name": tf.string, "score": tf.float32, "big": tf.int64, "ratio": tf.float64,
                        "flag": tf.string} and label == tf.int32
    assert ds.output_shapes[0]["big"].as_list() == [None] and ds.output_shapes[1].as_list() == [None]
    (f1, l1), (f2, l2) = values(ds)
    assert f1["name"].tolist() == [b"ann", b"bob"] and l1.tolist() == [31, 0]
    assert f1["big"].tolist() == [3000000000, 5] and f1["ratio"].tolist() == [1e39, 1e-3]
    assert f1["flag"].tolist() == [b"1", b""]
    assert f2["name"].tolist() == [b"c,d"] and f2["score"].tolist() == [0.0] and l2.tolist() == [7]
    # forever (num_epochs=None): full batches with a static batch dimension
    ds = E.make_csv_dataset(path, 2, select_columns=["score", "name"], shuffle=False, na_value="NA")
    assert ds.output_shapes == {"name": tf.TensorShape([2]), "score": tf.TensorShape([2])}
    second = values(ds.take(2))[1]
    assert second["name"].tolist() == [b"c,d", b"ann"] and second["score"].tolist() == [0.0, 1.5]


def test_make_csv_dataset_given_defaults_shuffle_and_ignore_errors(tmp_path):
    path = write(tmp_path, "mk.csv", CSV)
    ds = E.make_csv_dataset(path, 3, column_defaults=[tf.string, 0, 0.0, tf.int64, tf.float64, ""], na_value="NA",
                            num_epochs=1, shuffle=False)
    (batch,) = values(ds)
    assert batch["age"].tolist() == [31, 0, 7] and batch["ratio"].dtype == np.float64
    small = write(tmp_path, "s.csv", "a,b\n1,x\n2,y\n3,z\n")
    ds = E.make_csv_dataset(small, 2, num_epochs=2, shuffle=True, shuffle_seed=5)
    assert sorted(v for f in values(ds) for v in f["a"].tolist()) == [1, 1, 2, 2, 3, 3]
    bad = write(tmp_path, "bad.csv", "a,b\n1,2\nq,3\n4,5\n")
    (batch,) = values(E.make_csv_dataset(bad, 5, column_defaults=[0, 0], num_epochs=1, shuffle=False,
                                         ignore_errors=True))
    assert batch["a"].tolist() == [1, 4] and batch["b"].tolist() == [2, 5]


@pytest.mark.parametrize("kwargs, message", [
    (dict(label_name="zz"), "`label_name` provided must be one of the columns: ['name', 'age', 'score', 'big', "
                            "'ratio', 'flag']. Received: zz."),
    (dict(select_columns=[9]), "Column index 9 specified in `select_columns` should be > 0  and <= 6, which is the "
                               "number of columns."),
    (dict(select_columns=["q"]), "Column q specified in `select_columns` must be of one of the columns: "
                                 "dict_keys(['name', 'age', 'score', 'big', 'ratio', 'flag'])."),
    (dict(header=False), "Expected `column_names` or `header` arguments. Neither is provided."),
    (dict(column_names=["a", "a"]), "Either `column_names` argument or CSV header row contains duplicate column "
                                    "names: {'a'}."),
])
def test_make_csv_dataset_errors(tmp_path, kwargs, message):
    path = write(tmp_path, "mk.csv", CSV)
    with pytest.raises(ValueError) as info:
        E.make_csv_dataset(path, 2, **kwargs)
    assert str(info.value) == message


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "t.db")
    db = sqlite3.connect(path)
    db.execute("create table t (a text, b integer, c real, d integer)")
    db.executemany("insert into t values (?,?,?,?)", [("x", 1, 2.5, 1), ("y", -2, None, 0), (None, 3, 1.0, 5)])
    db.commit()
    db.close()
    return path


def test_sql_dataset(database):
    ds = E.SqlDataset("sqlite", database, "select a, b, c, d from t", (tf.string, tf.int32, tf.float64, tf.bool))
    assert ds.output_shapes == (tf.TensorShape([]),) * 4
    assert values(ds) == [(b"x", 1, 2.5, True), (b"y", -2, 0.0, False), (b"", 3, 1.0, True)]
    assert values(E.SqlDataset("sqlite", database, "select b from t", tf.uint8)) == [1, 254, 3]
    assert values(E.SqlDataset("sqlite", database, "select a from t", tf.int32)) == [0, 0, 0]
    assert values(E.SqlDataset("sqlite", database, "select b, b from t", {"p": tf.int32, "q": tf.int64}))[1] == \
        {"p": -2, "q": -2}
    query = tf.placeholder(tf.string, [])
    assert values(E.SqlDataset("sqlite", database, query, (tf.int64,)), feed={query: "select b from t"}) == \
        [(1,), (-2,), (3,)]


@pytest.mark.parametrize("driver, query, types, kind, message", [
    ("sqlite", "select b, c from t", (tf.int64,), tf.errors.InvalidArgumentError,
     "The number of columns in query (2) must match the number of elements in output_types (1)."),
    ("sqlite", "select c from t", tf.float32, tf.errors.InvalidArgumentError,
     "Each element of `output_types_` must be one of: DT_STRING, DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_UINT8, "
     "DT_UINT16, DT_BOOL, DT_DOUBLE"),
    ("sqlite", "select zz from t", tf.int32, tf.errors.UnknownError,
     "Prepare() failed: [1] no such column: zz: select zz from t"),
    ("mysql", "select b from t", tf.int32, tf.errors.InvalidArgumentError,
     "The database type, mysql, is not supported by SqlDataset. The set of supported databases is: {'sqlite'}."),
])
def test_sql_dataset_errors(database, driver, query, types, kind, message):
    assert error_of(E.SqlDataset(driver, database, query, types)) == (kind, message)


def test_counter_and_random_dataset():
    ds = E.Counter()
    assert ds.output_types == tf.int64 and ds.output_shapes == tf.TensorShape([])
    assert values(ds.take(3)) == [0, 1, 2]
    assert values(E.Counter(5, -2, tf.int32).take(3)) == [5, 3, 1]
    assert values(E.Counter(0.5, 1, tf.float32).take(2)) == [0.5, 1.5]
    rnd = E.RandomDataset(seed=3)
    # TF's Philox with the seeds (87654321, 3): the same numbers as TensorFlow
    assert values(rnd.take(3)) == [3534849767, 279844183, 888998500]
    with tf.Session() as s:
        assert s.run(E.cardinality(ds)) == s.run(E.cardinality(rnd)) == E.INFINITE_CARDINALITY


def test_choose_from_datasets():
    a, b = tf.data.Dataset.from_tensor_slices([1, 2, 3]), tf.data.Dataset.from_tensor_slices([10, 20])
    choice = tf.data.Dataset.from_tensor_slices(tf.constant([0, 1, 1, 0, 1, 0, 0], tf.int64))
    ds = E.choose_from_datasets([a, b], choice)
    assert values(ds) == [1, 10, 20, 2, 3]  # an exhausted input's turns are passed over
    out_of_range = E.choose_from_datasets([a, b], tf.data.Dataset.from_tensor_slices(tf.constant([0, 2], tf.int64)))
    assert error_of(out_of_range) == (tf.errors.InvalidArgumentError, "Selector index out of range: 2 >= 2")
    with pytest.raises(TypeError, match=r"must be scalar `tf.int64` tensors but are TensorSpec\(shape=\(\), "
                                        r"dtype=tf.int32"):
        E.choose_from_datasets([a, b], tf.data.Dataset.from_tensor_slices([0, 1]))
    with pytest.raises(TypeError) as info:
        E.choose_from_datasets([a, tf.data.Dataset.from_tensor_slices(([1], [2]))], choice)
    assert str(info.value) == (
        "Invalid `datasets`. `datasets` must have compatible element specs.\n Dataset 0 element_spec=TensorSpec("
        "shape=(), dtype=tf.int32, name=None).\nDataset 1 element_spec=(TensorSpec(shape=(), dtype=tf.int32, "
        "name=None), TensorSpec(shape=(), dtype=tf.int32, name=None)).")
    with pytest.raises(ValueError, match="`datasets` should not be empty"):
        E.choose_from_datasets([], choice)


def test_sample_from_datasets():
    a, b = tf.data.Dataset.from_tensor_slices([1, 2, 3]), tf.data.Dataset.from_tensor_slices([10, 20])
    ds = E.sample_from_datasets([a, b], [0.5, 0.5], seed=1)
    got = values(ds)
    assert sorted(got) == [1, 2, 3, 10, 20] and [x for x in got if x < 10] == [1, 2, 3]
    assert values(ds) == got  # seeded: the same order each time
    assert values(E.sample_from_datasets([a, b], [1.0, 0.0], seed=1).take(3)) == [1, 2, 3]
    weights = tf.data.Dataset.from_tensors(tf.constant([0.0, 1.0])).repeat()
    assert values(E.sample_from_datasets([a, b], weights).take(2)) == [10, 20]
    assert E.sample_from_datasets([a]) is a
    shapes = [tf.data.Dataset.from_tensor_slices(np.zeros((2, n), np.int32)) for n in (3, 4)]
    assert E.sample_from_datasets(shapes).output_shapes.as_list() == [None]
    with pytest.raises(TypeError, match=r"`weights` type must be either `tf.float32` or `tf.float64` but is "
                                        r"<dtype: 'int32'>\."):
        E.sample_from_datasets([a, b], weights=[1, 2])
    with pytest.raises(ValueError, match=r"got `len\(weights\)=3` vs. `len\(datasets\)=2`"):
        E.sample_from_datasets([a, b], weights=[1.0, 2.0, 3.0])


def test_tfrecord_writer_writes_what_tf_writes(tmp_path):
    path = str(tmp_path / "out.tfrecord")
    op = E.TFRecordWriter(path).write(tf.data.Dataset.from_tensor_slices([b"ab", b"c"]))
    assert isinstance(op, tf.Operation) and op.type == "DatasetToTFRecord"
    with tf.Session() as s:
        assert s.run(op) is None
    # the bytes TensorFlow wrote for the same records
    assert open(path, "rb").read() == (b"\x02\x00\x00\x00\x00\x00\x00\x00x'\x0b4ab\x1c\xb0\xf0\xf4\x01\x00\x00\x00"
                                       b"\x00\x00\x00\x00\x01u\xdeAc\xae,\x11\n")
    name = tf.placeholder(tf.string, [])
    op = E.TFRecordWriter(name, "GZIP").write(tf.data.Dataset.range(3).map(tf.as_string))
    with tf.Session() as s:
        s.run(op, {name: str(tmp_path / "n.gz")})
    assert values(tf.data.TFRecordDataset(str(tmp_path / "n.gz"), "GZIP")) == [b"0", b"1", b"2"]
    with pytest.raises(TypeError) as info:
        E.TFRecordWriter(path).write(tf.data.Dataset.from_tensor_slices([1]))
    assert str(info.value) == ("Invalid `dataset`. Expected a`dataset` that produces scalar `tf.string` elements, "
                               "but got a dataset which produces elements with shapes () and types "
                               "<dtype: 'int32'>.")
    with pytest.raises(TypeError, match="Expected a `tf.data.Dataset` object but got <class 'list'>"):
        E.TFRecordWriter(path).write([b"a"])


def _examples(path):
    with tf.io.TFRecordWriter(path) as f:
        for i in range(5):
            f.write(tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                "v": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5] * i)),
                "y": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"l%d" % i]))})).SerializeToString())
    return path


FEATURES = {"x": tf.FixedLenFeature([], tf.int64), "v": tf.VarLenFeature(tf.float32),
            "y": tf.FixedLenFeature([], tf.string)}


def test_parse_example_dataset(tmp_path):
    path = _examples(str(tmp_path / "ex.tfrecord"))
    ds = tf.data.TFRecordDataset(path).batch(2).apply(E.parse_example_dataset(FEATURES))
    assert ds.output_types == {"v": tf.float32, "x": tf.int64, "y": tf.string}
    assert ds.output_classes["v"] is tf.SparseTensor
    assert ds.output_shapes["x"].as_list() == [None]
    first, second, last = values(ds)
    assert first["x"].tolist() == [0, 1] and first["y"].tolist() == [b"l0", b"l1"]
    assert first["v"].indices.tolist() == [[1, 0]] and first["v"].dense_shape.tolist() == [2, 1]
    assert second["v"].dense_shape.tolist() == [2, 3] and last["v"].values.tolist() == [0.5] * 4
    with pytest.raises(TypeError, match=r"Input dataset should be a dataset of vectors of strings. Instead it is "
                                        r"`TensorSpec\(shape=\(\), dtype=tf.string"):
        tf.data.TFRecordDataset(path).apply(E.parse_example_dataset(FEATURES))
    with pytest.raises(ValueError, match="Argument `features` is required, but not specified."):
        E.parse_example_dataset(None)


def test_make_batched_features_dataset(tmp_path):
    path = _examples(str(tmp_path / "ex.tfrecord"))
    ds = E.make_batched_features_dataset(path, 2, FEATURES, label_key="y", num_epochs=1, shuffle=False)
    assert ds.output_types == ({"v": tf.float32, "x": tf.int64}, tf.string)
    got = values(ds)
    assert [f["x"].tolist() for f, _ in got] == [[0, 1], [2, 3], [4]]
    assert [label.tolist() for _, label in got] == [[b"l0", b"l1"], [b"l2", b"l3"], [b"l4"]]
    forever = E.make_batched_features_dataset(path, 2, FEATURES, shuffle=False)
    assert forever.output_shapes["x"].as_list() == [2]
    dropped = E.make_batched_features_dataset(path, 2, FEATURES, num_epochs=1, shuffle=False, drop_final_batch=True)
    assert len(values(dropped)) == 2
    with pytest.raises(ValueError, match=r"The `label_key` provided \(zz\) must be one of the `features` keys"):
        E.make_batched_features_dataset(path, 2, FEATURES, label_key="zz")


def test_from_sparse_tensor_slices():
    st = tf.SparseTensor([[0, 1], [2, 0], [2, 3]], [1.0, 2.0, 3.0], [4, 5])
    ds = from_sparse_tensor_slices(st)
    assert ds.output_types == (tf.int64, tf.float32, tf.int64)
    assert [s.as_list() for s in ds.output_shapes] == [[None, 1], [None], [1]]
    got = values(ds)
    assert [(i.tolist(), v.tolist(), d.tolist()) for i, v, d in got] == [
        ([[1]], [1.0], [5]), ([], [], [5]), ([[0], [3]], [2.0, 3.0], [5]), ([], [], [5])]
    assert got[1][0].shape == (0, 1)
    with tf.Session() as s:
        assert s.run(E.cardinality(ds)) == 4
    with pytest.raises(TypeError, match="`sparse_tensor` must be a `tf.sparse.SparseTensor`"):
        from_sparse_tensor_slices(tf.constant([1]))


def test_eager_iteration(tmp_path, database):
    path = write(tmp_path, "a.csv", "1,x\n2,y\n")
    with eager_mode():
        rows = [(int(a), np.asarray(b.numpy()).item()) for a, b in E.CsvDataset(path, [0, ""])]
        assert rows == [(1, b"x"), (2, b"y")]
        assert [int(x) for x in E.Counter(3).take(2)] == [3, 4]
        assert [int(x) for x in E.SqlDataset("sqlite", database, "select b from t", tf.int64)] == [1, -2, 3]
        out = str(tmp_path / "eager.tfrecord")
        E.TFRecordWriter(out).write(tf.data.Dataset.from_tensor_slices([b"p", b"q"]))
        assert [np.asarray(x.numpy()).item() for x in tf.data.TFRecordDataset(out)] == [b"p", b"q"]


def test_dataset_static_methods_are_the_experimental_sources():
    with tf.Graph().as_default():
        counted = tf.data.Dataset.counter(3, 2).take(3)
        chosen = tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(0, 3), tf.data.Dataset.range(10, 13)],
                                                      tf.data.Dataset.from_tensor_slices(np.array([1, 0, 1], np.int64)))
        sparse = tf.data.Dataset.from_sparse_tensor_slices(tf.SparseTensor([[0, 1], [1, 0]], [5, 6], [2, 2]))
        with tf.Session() as s:
            x, y = counted.make_one_shot_iterator().get_next(), chosen.make_one_shot_iterator().get_next()
            assert [s.run(x) for _ in range(3)] == [3, 5, 7]
            assert [s.run(y) for _ in range(3)] == [10, 0, 11]
            row = s.run(sparse.make_one_shot_iterator().get_next())
            assert row[1].tolist() == [5]
        assert isinstance(tf.data.Dataset.random(3), tf.data.experimental.RandomDataset)
        assert isinstance(tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(2)]), tf.data.Dataset)


def test_float64_is_not_none():
    assert tf.float64 != None and not (tf.float64 == None)  # noqa: E711 (np.dtype(None) is float64)
    assert tf.float64 not in (None, tf.int32)

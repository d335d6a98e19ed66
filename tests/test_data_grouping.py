"""Dataset.window, Dataset.reduce and tf.data.experimental's group_by_window, group_by_reducer and
bucket_by_sequence_length (graphgrad/data/grouping.py). Expected values and messages are TensorFlow 2.21's
(tf.compat.v1, graph mode), recorded by hand from the same programs."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode


def run(ds, feed=None, limit=100):
    x = tf.data.make_one_shot_iterator(ds).get_next() if feed is None else None
    if feed is not None:
        it = tf.data.make_initializable_iterator(ds)
        x = it.get_next()
    out = []
    with tf.Session() as s:
        if feed is not None:
            s.run(it.initializer, feed)
        try:
            for _ in range(limit):
                out.append(s.run(x))
        except tf.errors.OutOfRangeError:
            pass
    return out


def lists(values):
    return [v.tolist() for v in values]


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


# --- window ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ((3, 2), [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]),
    ((3, 1, 2), [[0, 2, 4], [1, 3, 5], [2, 4, 6], [3, 5], [4, 6], [5], [6]]),
    ((3, 1, 2, True), [[0, 2, 4], [1, 3, 5], [2, 4, 6]]),
    ((2, 3), [[0, 1], [3, 4], [6]]),
    ((7,), [[0, 1, 2, 3, 4, 5, 6]]),
    ((8, None, 1, True), []),
])
def test_window_flat_map_batch(args, expected):
    ds = tf.data.Dataset.range(7).window(*args).flat_map(lambda w: w.batch(10))
    assert lists(run(ds)) == expected


def test_window_shift_longer_than_window_skips_elements():
    ds = tf.data.Dataset.range(10).window(2, 3).flat_map(lambda w: w.batch(5))
    assert lists(run(ds)) == [[0, 1], [3, 4], [6, 7], [9]]


def test_window_cardinality_as_tf():
    with tf.Session() as s:
        assert s.run(tf.data.experimental.cardinality(tf.data.Dataset.range(10).window(2, 3))) == 4
        assert s.run(tf.data.Dataset.range(10).window(3, 2, 2, True).cardinality()) == 3
        assert s.run(tf.data.Dataset.range(3).window(5, drop_remainder=True).cardinality()) == 0
        assert s.run(tf.data.Dataset.range(3).repeat().window(2).cardinality()) == tf.data.INFINITE_CARDINALITY


@pytest.mark.parametrize("args, message", [((0,), "Window size must be greater than zero."),
                                           ((2, 0), "Window shift must be greater than zero."),
                                           ((2, 1, 0), "Window stride must be greater than zero.")])
def test_window_rejects_non_positive_arguments(args, message):
    ds = tf.data.Dataset.range(3).window(*args).flat_map(lambda w: w)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        run(ds)


def test_window_sizes_fed_through_placeholders():
    size = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.range(5).window(size, 1, drop_remainder=True).flat_map(lambda w: w.batch(9))
    assert lists(run(ds, {size: 4})) == [[0, 1, 2, 3], [1, 2, 3, 4]]


def test_window_of_structures_is_a_structure_of_datasets():
    ds = tf.data.Dataset.from_tensor_slices(({"a": [1, 2, 3]}, [4.0, 5.0, 6.0])).window(2)
    types = ds.output_types
    assert isinstance(types[0]["a"], tf.data.DatasetSpec) and isinstance(types[1], tf.data.DatasetSpec)
    assert types[1] == tf.data.DatasetSpec(tf.TensorSpec([], tf.float32))
    assert ds.element_spec[0]["a"].element_spec == tf.TensorSpec([], tf.int32)
    assert "DatasetSpec(TensorSpec(shape=(), dtype=tf.float32" in repr(ds)
    pairs = tf.data.Dataset.from_tensor_slices(([1, 2, 3, 4, 5], [10.0, 20.0, 30.0, 40.0, 50.0])).window(2).flat_map(
        lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))
    got = run(pairs)
    assert [a.tolist() for a, _ in got] == [[1, 2], [3, 4], [5]]
    assert [b.tolist() for _, b in got] == [[10.0, 20.0], [30.0, 40.0], [50.0]]
    assert got[0][1].dtype == np.float32


def test_window_of_sparse_tensors_keeps_them_sparse():
    ds = tf.data.Dataset.range(3).map(lambda i: tf.SparseTensor([[i]], [tf.cast(i, tf.float32) + 1.0], [4]))
    dense = ds.window(2).flat_map(lambda w: w.map(tf.sparse.to_dense).batch(2))
    assert lists(run(dense)) == [[[1, 0, 0, 0], [0, 2, 0, 0]], [[0, 0, 3, 0]]]


def test_map_over_windows_makes_datasets_and_reduces_them():
    ds = tf.data.Dataset.range(7).window(3, 2)
    sums = ds.map(lambda w: w.reduce(tf.constant(0, tf.int64), lambda s, x: s + x))
    assert [int(v) for v in run(sums)] == [3, 9, 15, 6]
    nested = tf.data.Dataset.range(6).window(4, 2).map(lambda w: w.batch(10))
    assert isinstance(nested.output_types, tf.data.DatasetSpec)
    assert nested.output_types.element_spec.shape.as_list() == [None]
    assert lists(run(nested.flat_map(lambda d: d))) == [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5]]


def test_get_next_of_a_window_is_a_dataset():
    w = tf.data.make_one_shot_iterator(tf.data.Dataset.range(5).window(2)).get_next()
    assert isinstance(w, tf.data.Dataset)
    it = tf.data.make_initializable_iterator(w.batch(5))
    x = it.get_next()
    with tf.Session() as s:
        got = []
        for _ in range(3):  # each initialization takes the next window
            s.run(it.initializer)
            got.append(s.run(x).tolist())
    assert got == [[0, 1], [2, 3], [4]]


def test_batching_windows_is_refused_clearly():
    with pytest.raises(TypeError, match="cannot batch elements that are datasets"):
        tf.data.Dataset.range(6).window(2).batch(2)


# --- group_by_window ------------------------------------------------------------------------------------------------

def test_group_by_window_emits_full_groups_then_the_rest_by_key():
    ds = tf.data.Dataset.range(10).apply(tf.data.experimental.group_by_window(
        lambda x: x % 3, lambda k, w: w.batch(10).map(lambda b: (k, b)), 2))
    got = run(ds)
    assert [int(k) for k, _ in got] == [0, 1, 2, 0, 1, 2]
    assert [b.tolist() for _, b in got] == [[0, 3], [1, 4], [2, 5], [6, 9], [7], [8]]


def test_group_by_window_flushes_in_ascending_key_order():
    ds = tf.data.Dataset.from_tensor_slices(np.array([5, 1, 5, 2, 1, 5, 9], np.int64)).apply(
        tf.data.experimental.group_by_window(lambda x: x, lambda k, w: w.batch(10), 10))
    assert lists(run(ds)) == [[1, 1], [2], [5, 5, 5], [9]]


def test_group_by_window_with_a_window_size_function():
    ds = tf.data.Dataset.range(10).apply(tf.data.experimental.group_by_window(
        lambda x: x % 3, lambda k, w: w.batch(10), window_size_func=lambda k: k + 1))
    assert lists(run(ds)) == [[0], [3], [1, 4], [6], [2, 5, 8], [9], [7]]


def test_group_by_window_errors_as_tf():
    gbw = tf.data.experimental.group_by_window
    with pytest.raises(ValueError, match="Either the `window_size` argument or the `window_size_func`"):
        tf.data.Dataset.range(3).apply(gbw(lambda x: x, lambda k, w: w))
    with pytest.raises(ValueError, match="Either the `window_size` argument"):
        tf.data.Dataset.range(3).apply(gbw(lambda x: x, lambda k, w: w, 2, lambda k: k))
    with pytest.raises(ValueError, match="`key_func` must return a single `tf.int64` scalar tensor"):
        tf.data.Dataset.range(3).apply(gbw(lambda x: tf.cast(x, tf.int32), lambda k, w: w, 2))
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        tf.data.Dataset.range(3).apply(gbw(lambda x: x, lambda k, w: 3, 2))
    zero = tf.data.Dataset.range(3).apply(gbw(lambda x: x, lambda k, w: w, window_size_func=lambda k: k * 0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Window size must be greater than zero, but got 0."):
        run(zero)


def test_group_by_window_captures_a_fed_tensor():
    n = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.range(6).apply(tf.data.experimental.group_by_window(
        lambda x: x % 2, lambda k, w: w.batch(10).map(lambda b: b * n), 3))
    assert lists(run(ds, {n: 10})) == [[0, 20, 40], [10, 30, 50]]


# --- group_by_reducer ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, modulo, expected", [([5, 1, 5, 2, 1, 5, 9], 4, [260, 20]),
                                                     ([3, 1, 7, 2, 3, 1], 100, [20, 20, 60, 70])])
def test_group_by_reducer_folds_each_key_in_key_order(data, modulo, expected):
    r = tf.data.experimental.Reducer(lambda k: tf.constant(0, tf.int64), lambda s, x: s + x, lambda s: s * 10)
    ds = tf.data.Dataset.from_tensor_slices(np.array(data, np.int64)).apply(
        tf.data.experimental.group_by_reducer(lambda x: x % modulo, r))
    assert [int(v) for v in run(ds)] == expected


def test_group_by_reducer_with_structured_state_and_result():
    r = tf.data.experimental.Reducer(lambda k: (k, tf.constant(0.0)),
                                     lambda s, x: (s[0], s[1] + tf.cast(x, tf.float32)),
                                     lambda a, b: {"k": a, "v": b})
    ds = tf.data.Dataset.range(6).apply(tf.data.experimental.group_by_reducer(lambda x: x % 2, r))
    assert ds.output_types == {"k": tf.int64, "v": tf.float32}
    assert [(int(d["k"]), float(d["v"])) for d in run(ds)] == [(0, 6.0), (1, 9.0)]


def test_group_by_reducer_relaxes_a_growing_state():
    r = tf.data.experimental.Reducer(lambda k: tf.zeros([0], tf.int64), lambda s, x: tf.concat([s, [x]], 0),
                                     lambda s: s)
    ds = tf.data.Dataset.range(7).apply(tf.data.experimental.group_by_reducer(lambda x: x % 3, r))
    assert ds.output_shapes.as_list() == [None]
    assert lists(run(ds)) == [[0, 3, 6], [1, 4], [2, 5]]


# --- Dataset.reduce -------------------------------------------------------------------------------------------------

def test_reduce_folds_the_dataset_each_run():
    r = tf.data.Dataset.range(5).reduce((np.int64(0), 1.0), lambda s, x: (s[0] + x, s[1] * 2.0))
    with tf.Session() as s:
        assert s.run(r) == (10, 32.0)
        assert s.run(r) == (10, 32.0)
    with tf.Session() as s:
        assert s.run(tf.data.Dataset.range(0).reduce(np.int64(7), lambda s, x: s + x)) == 7


def test_reduce_state_shape_relaxes_as_tf():
    r = tf.data.Dataset.range(5).reduce(tf.zeros([0], tf.int64), lambda s, x: tf.concat([s, [x]], 0))
    assert r.shape.as_list() == [None] and r.dtype == tf.int64
    with tf.Session() as s:
        assert s.run(r).tolist() == [0, 1, 2, 3, 4]


def test_reduce_over_fed_dataset_and_dict_elements():
    n = tf.placeholder(tf.int64, [])
    with tf.Session() as s:
        assert s.run(tf.data.Dataset.range(n).reduce(np.int64(0), lambda s, x: s + x), {n: 4}) == 6
        ds = tf.data.Dataset.from_tensor_slices({"a": [1.0, 2.0], "b": [3.0, 4.0]})
        assert s.run(ds.reduce(0.0, lambda s, e: s + e["a"] * e["b"])) == 11.0


def test_reduce_errors_as_tf():
    with pytest.raises(TypeError, match="The element types for the new state must match the initial state. "
                                        "Expected <dtype: 'int64'> but got <dtype: 'int32'>."):
        tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: tf.cast(s, tf.int32))
    with pytest.raises(TypeError, match="structure of the new state"):
        tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: (s, s))


# --- bucket_by_sequence_length -----------------------------------------------------------------------------------

LENGTHS = [3, 1, 5, 2, 7, 4, 6, 2, 1, 8, 3]


def sequences():
    def gen():
        for i, n in enumerate(LENGTHS):
            yield np.arange(1, n + 1, dtype=np.int32) * (i + 1)
    return tf.data.Dataset.from_generator(gen, tf.int32, [None])


def test_bucket_by_sequence_length_as_tf():
    bucket = tf.data.experimental.bucket_by_sequence_length
    ds = sequences().apply(bucket(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 3]))
    assert ds.output_shapes.as_list() == [None, None]
    assert lists(run(ds)) == [[[1, 2, 3, 0, 0], [3, 6, 9, 12, 15]], [[2, 0], [4, 8]], [[8, 16], [9, 0]],
                              [[5, 10, 15, 20, 25, 30, 35, 0], [7, 14, 21, 28, 35, 42, 0, 0],
                               [10, 20, 30, 40, 50, 60, 70, 80]], [[6, 12, 18, 24], [11, 22, 33, 0]]]
    padded = sequences().apply(bucket(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 3], padding_values=-1))
    assert lists(run(padded))[0] == [[1, 2, 3, -1, -1], [3, 6, 9, 12, 15]]


def test_bucket_by_sequence_length_padded_to_the_boundary():
    bucket = tf.data.experimental.bucket_by_sequence_length
    ds = sequences().apply(bucket(lambda x: tf.shape(x)[0], [3, 9], [2, 2, 3], pad_to_bucket_boundary=True))
    assert lists(run(ds)) == [[[1, 2, 3, 0, 0, 0, 0, 0], [3, 6, 9, 12, 15, 0, 0, 0]], [[2, 0], [4, 8]],
                              [[5, 10, 15, 20, 25, 30, 35, 0], [6, 12, 18, 24, 0, 0, 0, 0]], [[8, 16], [9, 0]],
                              [[7, 14, 21, 28, 35, 42, 0, 0], [10, 20, 30, 40, 50, 60, 70, 80]],
                              [[11, 22, 33, 0, 0, 0, 0, 0]]]
    too_long = sequences().apply(bucket(lambda x: tf.shape(x)[0], [3, 6], [2, 2, 3], pad_to_bucket_boundary=True))
    with pytest.raises(tf.errors.InvalidArgumentError, match="elements must have length < max"):
        run(too_long)


def test_bucket_by_sequence_length_of_dicts():
    ds = sequences().map(lambda x: {"ids": x, "n": tf.shape(x)[0]}).apply(
        tf.data.experimental.bucket_by_sequence_length(lambda e: e["n"], [4], [3, 3]))
    got = run(ds)
    assert [d["n"].tolist() for d in got] == [[3, 1, 2], [5, 7, 4], [2, 1, 3], [6, 8]]
    assert got[0]["ids"].tolist() == [[1, 2, 3], [2, 0, 0], [4, 8, 0]]


def test_padded_batch_takes_shapes_computed_in_the_graph():
    n = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).padded_batch(2, [n])
    assert lists(run(ds, {n: 4})) == [[[1, 2, 0, 0], [3, 4, 0, 0]]]


# --- eager --------------------------------------------------------------------------------------------------------

def test_windows_groups_and_reduce_eagerly():
    with eager_mode():
        windows = [list(w.as_numpy_iterator()) for w in tf.data.Dataset.range(5).window(2)]
        assert windows == [[0, 1], [2, 3], [4]]
        assert int(tf.data.Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)) == 10
        groups = tf.data.Dataset.range(8).apply(
            tf.data.experimental.group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), 3))
        assert [g.numpy().tolist() for g in groups] == [[0, 2, 4], [1, 3, 5], [6], [7]]

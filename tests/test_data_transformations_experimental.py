"""tf.data.experimental transformations and iterator helpers (graphgrad/data/transformations_experimental.py).
Expected values and error messages are TensorFlow 2.21's (tf.compat.v1, graph mode) for the same programs."""
import numpy as np
import pytest

import graphgrad as tf

E = tf.data.experimental


def run(ds, limit=100):
    nx = tf.data.make_one_shot_iterator(ds).get_next()
    out = []
    with tf.Session() as s:
        try:
            for _ in range(limit):
                out.append(s.run(nx))
        except tf.errors.OutOfRangeError:
            pass
    return out


def run_error(ds, limit=100):
    with pytest.raises(tf.errors.OpError) as info:
        run(ds, limit)
    return info.value


# --- scan ------------------------------------------------------------------------------------------------------

def test_scan_running_sum():
    ds = tf.data.Dataset.range(5).apply(E.scan(np.int64(0), lambda s, x: (s + x, s * 2)))
    assert ds.output_types == tf.int64 and ds.output_shapes.as_list() == []
    assert run(ds) == [0, 0, 2, 6, 12]
    with tf.Session() as s:
        assert s.run(ds.cardinality()) == 5


def test_scan_nested_state_relaxes_growing_shape():
    init = (tf.constant(0, tf.int64), {"a": tf.constant([1.0])})
    ds = tf.data.Dataset.range(3).apply(E.scan(init, lambda s, x: (
        (s[0] + x, {"a": tf.concat([s[1]["a"], [1.0]], 0)}), (s[0], s[1]["a"]))))
    assert ds.output_types == (tf.int64, tf.float32)
    assert [sh.as_list() for sh in ds.output_shapes] == [[], [None]]
    out = run(ds)
    assert [o[0] for o in out] == [0, 0, 1]
    assert [o[1].tolist() for o in out] == [[1.0], [1.0, 1.0], [1.0, 1.0, 1.0]]


def test_scan_relaxed_state_and_dict_output():
    ds = tf.data.Dataset.range(3).apply(E.scan(tf.constant([[1.0]]), lambda s, x: (tf.concat([s, s], 0),
                                                                                    tf.shape(s))))
    assert ds.output_shapes.as_list() == [2]
    assert [o.tolist() for o in run(ds)] == [[1, 1], [2, 1], [4, 1]]
    ds = tf.data.Dataset.range(3).apply(E.scan(np.int64(0), lambda s, x: (s, (x, {"b": s}))))
    assert ds.output_types == (tf.int64, {"b": tf.int64})
    assert run(ds) == [(0, {"b": 0}), (1, {"b": 0}), (2, {"b": 0})]


def test_scan_errors():
    rng = tf.data.Dataset.range(3)
    with pytest.raises(TypeError, match=r"^Invalid `scan_func`. `scan_func` should return a pair consisting of new "
                                        r"state and the output value but its return type is TensorSpec\(shape=\(\), "
                                        r"dtype=tf.int32, name=None\).$"):
        rng.apply(E.scan(0, lambda s, x: s + 1))
    with pytest.raises(TypeError, match=r"^Invalid `scan_func`. The element types for the new state must match the "
                                        r"initial state. Expected <dtype: 'int64'>, got <dtype: 'int32'>.$"):
        rng.apply(E.scan(np.int64(0), lambda s, x: (tf.cast(s, tf.int32), x)))
    with pytest.raises(TypeError, match=r"Expected \(tf.int64, tf.int64\), got \(tf.int64, tf.int32\).$"):
        rng.apply(E.scan((np.int64(0), np.int64(1)), lambda s, x: ((s[0], tf.cast(s[1], tf.int32)), x)))
    with pytest.raises(TypeError, match="The element classes for the new state must match the initial state"):
        rng.apply(E.scan(np.int64(0), lambda s, x: (tf.SparseTensor([[0]], [s], [1]), x)))


# --- unique, take_while, ignore_errors -------------------------------------------------------------------------

def test_unique():
    assert run(tf.data.Dataset.from_tensor_slices([1, 2, 2, 3, 1, 5]).apply(E.unique())) == [1, 2, 3, 5]
    assert run(tf.data.Dataset.from_tensor_slices(["a", "b", "a"]).apply(E.unique())) == [b"a", b"b"]
    vectors = run(tf.data.Dataset.from_tensor_slices([[1, 2], [1, 2], [3, 4]]).apply(E.unique()))
    assert [v.tolist() for v in vectors] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match=r"^`tf.data.Dataset.unique` does not support type <dtype: 'float32'> -- only "
                                        r"`tf.int32`, `tf.int64`, and `tf.string` are supported.$"):
        tf.data.Dataset.from_tensor_slices([1.0]).apply(E.unique())
    err = run_error(tf.data.Dataset.from_tensor_slices(([1, 1], [1, 1])).apply(E.unique()))
    assert isinstance(err, tf.errors.InvalidArgumentError)
    assert err.message.startswith("UniqueDataset only supports inputs with a single component.")


def test_take_while():
    assert run(tf.data.Dataset.range(10).apply(E.take_while(lambda x: x < 4))) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"must return a `tf.bool` scalar tensor but its return type isTensorSpec\("
                                         r"shape=\(1,\), dtype=tf.bool, name=None\).$"):
        tf.data.Dataset.range(10).apply(E.take_while(lambda x: tf.constant([True])))


def _inverse(values):
    return tf.data.Dataset.from_tensor_slices(values).map(lambda x: tf.debugging.check_numerics(1. / x, "error"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_ignore_errors_drops_failed_elements():
    assert run(_inverse([1., 2., 0., 4.]).apply(E.ignore_errors())) == [1.0, 0.5, 0.25]
    assert run(_inverse([1., 2., 0., 4.]).map(lambda x: x * 2).apply(E.ignore_errors())) == [2.0, 1.0, 0.5]
    batches = run(_inverse([1., 2., 0., 4., 5.]).batch(2).apply(E.ignore_errors()))  # TF: the failed batch goes
    assert [b.tolist() for b in batches] == [[1.0, 0.5], [pytest.approx(0.2)]]
    assert isinstance(run_error(_inverse([1., 0.])), tf.errors.InvalidArgumentError)  # without it, the error


# --- dense_to_sparse_batch -------------------------------------------------------------------------------------

def test_dense_to_sparse_batch():
    ds = tf.data.Dataset.from_tensor_slices([[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    ds = ds.map(lambda x: x[:tf.reduce_sum(tf.cast(x > 0, tf.int32))]).apply(E.dense_to_sparse_batch(2, [4]))
    assert ds.output_types == tf.int32 and ds.output_classes is tf.SparseTensor
    assert ds.output_shapes.as_list() == [None, 4]
    first, second = run(ds)
    assert first.indices.tolist() == [[0, 0], [1, 0], [1, 1]] and first.values.tolist() == [1, 2, 3]
    assert first.dense_shape.tolist() == [2, 4]
    assert second.indices.tolist() == [[0, 0], [0, 1], [0, 2]] and second.dense_shape.tolist() == [1, 4]
    whole, = run(tf.data.Dataset.from_tensor_slices([[1, 0, 0], [2, 3, 0]]).apply(E.dense_to_sparse_batch(2, [None])))
    assert whole.values.tolist() == [1, 0, 0, 2, 3, 0] and whole.dense_shape.tolist() == [2, 3]
    strings = run(tf.data.Dataset.from_tensor_slices(["a", "b", "c"]).apply(E.dense_to_sparse_batch(2, [])))
    assert strings[0].indices.tolist() == [[0], [1]] and strings[1].values.tolist() == [b"c"]


def test_dense_to_sparse_batch_errors():
    rows = tf.data.Dataset.from_tensor_slices([[1, 0, 0], [2, 3, 0]])
    err = run_error(rows.apply(E.dense_to_sparse_batch(2, [2])))
    assert isinstance(err, tf.errors.DataLossError)
    assert err.message.startswith("Input element had shape ([3]) that is larger than the row shape ([2]).")
    err = run_error(rows.apply(E.dense_to_sparse_batch(2, [2, 3])))
    assert isinstance(err, tf.errors.InvalidArgumentError)
    assert err.message.startswith("Input element had shape ([3]) that is incompatible with the row shape ([2,3]).")
    with pytest.raises(TypeError, match=r"single component, but the given dataset has the following component "
                                        r"types: \(tf.int32, tf.int32\).$"):
        tf.data.Dataset.from_tensor_slices(([1], [2])).apply(E.dense_to_sparse_batch(2, [2]))


# --- rejection_resample ----------------------------------------------------------------------------------------

def _class_counts(ds):
    counts = [0, 0]
    for c, e in run(ds, 10000):
        assert c == e
        counts[c] += 1
    return counts


def test_rejection_resample_reaches_target_distribution():
    ds = tf.data.Dataset.range(4000).map(lambda x: tf.cast(tf.equal(x % 10, 0), tf.int32))  # 10% class 1
    resampled = ds.apply(E.rejection_resample(lambda x: x, [0.5, 0.5], initial_dist=[0.9, 0.1], seed=3))
    assert resampled.output_types == (tf.int32, tf.int32)
    zeros, ones = _class_counts(resampled)
    assert 0.35 < ones / (zeros + ones) < 0.65  # TF gave [423, 448] here
    zeros, ones = _class_counts(ds.apply(E.rejection_resample(lambda x: x, [0.5, 0.5], seed=3)))  # estimated
    assert 0.35 < ones / (zeros + ones) < 0.65
    # a target equal to the initial distribution keeps the input; a zero target weight filters a class out
    assert _class_counts(ds.apply(E.rejection_resample(lambda x: x, [0.9, 0.1], initial_dist=[0.9, 0.1]))) == \
        [3600, 400]
    assert _class_counts(ds.apply(E.rejection_resample(lambda x: x, [0.0, 1.0], initial_dist=[0.9, 0.1]))) == \
        [0, 400]


def test_rejection_resample_structure_and_class_type():
    ds = tf.data.Dataset.range(10).map(lambda x: (x, x % 2))
    out = ds.apply(E.rejection_resample(lambda x, y: y, [0.5, 0.5], initial_dist=[0.5, 0.5]))
    assert out.output_types == (tf.int64, (tf.int64, tf.int64))
    assert run(out)[3] == (1, (3, 1))
    with pytest.raises(TypeError, match="has DataType float32 not in list of allowed values"):
        ds.apply(E.rejection_resample(lambda x, y: tf.cast(x, tf.float32), [0.5, 0.5]))


# --- parallel_interleave, map_and_batch_with_legacy_function, assert_cardinality, device copies ----------------

def test_parallel_interleave_deterministic_order():
    ds = tf.data.Dataset.range(1, 4).apply(E.parallel_interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2))
    assert run(ds) == [1, 2, 2, 3, 3, 3]
    with pytest.raises(TypeError, match="must return a `Dataset` object"):
        tf.data.Dataset.range(3).apply(E.parallel_interleave(lambda x: x, cycle_length=2))


def test_map_and_batch_with_legacy_function_and_device_copies():
    ds = tf.data.Dataset.range(5).apply(E.map_and_batch_with_legacy_function(lambda x: x * 2, 2, drop_remainder=True))
    assert ds.output_shapes.as_list() == [2]
    assert [b.tolist() for b in run(ds)] == [[0, 2], [4, 6]]
    for fn in (E.prefetch_to_device("/gpu:0"), E.copy_to_device("/gpu:0"), E.prefetch_to_device("/cpu:0", 1)):
        copied = tf.data.Dataset.range(5).apply(fn)
        assert run(copied) == [0, 1, 2, 3, 4]
        with tf.Session() as s:
            assert s.run(copied.cardinality()) == E.UNKNOWN_CARDINALITY  # as TF


def test_assert_cardinality():
    filtered = tf.data.Dataset.range(5).filter(lambda x: x > 1)
    checked = filtered.apply(E.assert_cardinality(3))
    assert run(checked) == [2, 3, 4]
    with tf.Session() as s:
        assert s.run(checked.cardinality()) == 3
    cases = [(tf.data.Dataset.range(5), 3, "3 elements but contained at least 4 elements."),
             (tf.data.Dataset.range(5), 7, "7 elements but contained only 5 elements."),
             (filtered, 1, "1 element but contained at least 2 elements."),
             (filtered, E.INFINITE_CARDINALITY, "an infinite number of elements but contained only 3 elements.")]
    for ds, n, text in cases:
        err = run_error(ds.apply(E.assert_cardinality(n)))
        assert isinstance(err, tf.errors.FailedPreconditionError)
        assert err.message.startswith("Input dataset was expected to contain " + text)


# --- get_single_element ----------------------------------------------------------------------------------------

def test_get_single_element():
    x = E.get_single_element(tf.data.Dataset.from_tensors((1, {"a": "x"})))
    p = tf.placeholder(tf.int64, [])
    fed = E.get_single_element(tf.data.Dataset.range(p))
    sparse = E.get_single_element(tf.data.Dataset.from_tensors(tf.SparseTensor([[0]], [1.0], [3])))
    with tf.Session() as s:
        assert s.run(x) == (1, {"a": b"x"})
        assert s.run(E.get_single_element(tf.data.Dataset.range(3).filter(lambda v: v > 1))) == 2
        assert s.run(fed, {p: 1}) == 0
        assert s.run(sparse).values.tolist() == [1.0]
        for ds, text in [(tf.data.Dataset.range(0), "Dataset was empty."),
                         (tf.data.Dataset.range(2), "Dataset had more than one element.")]:
            with pytest.raises(tf.errors.InvalidArgumentError) as info:
                s.run(E.get_single_element(ds))
            assert info.value.message.startswith(text)
    with pytest.raises(TypeError, match=r"^Invalid `dataset`. Expected a `tf.data.Dataset` object but got "
                                        r"<class 'list'>.$"):
        E.get_single_element([1])


# --- Optional and get_next_as_optional -------------------------------------------------------------------------

def test_get_next_as_optional_graph():
    ds = tf.data.Dataset.range(2).map(lambda x: (x, {"b": tf.cast(x, tf.float32)}))
    it = tf.data.make_initializable_iterator(ds)
    opt = E.get_next_as_optional(it)
    assert opt.value_structure == (tf.TensorSpec([], tf.int64), {"b": tf.TensorSpec([], tf.float32)})
    has_value, value = opt.has_value(), opt.get_value()
    assert has_value.dtype == tf.bool
    with tf.Session() as s:
        s.run(it.initializer)
        assert s.run([has_value, value]) == [True, (0, {"b": 0.0})]  # one element per run
        assert s.run(has_value)
        with pytest.raises(tf.errors.InvalidArgumentError, match="^The given optional does not have a value."):
            s.run(value)  # the end: no OutOfRangeError
        assert not s.run(has_value)


def test_optional_from_value_and_none():
    o = E.Optional.from_value({"a": tf.constant(1.0), "b": (tf.constant([1, 2]), "s")})
    assert o.value_structure["b"][0] == tf.TensorSpec([2], tf.int32)
    n = E.Optional.none_from_structure(tf.TensorSpec([2], tf.int32))
    assert n.get_value().shape.as_list() == [2]
    with tf.Session() as s:
        has, value = s.run([o.has_value(), o.get_value()])
        assert has and value["a"] == 1.0 and value["b"][0].tolist() == [1, 2] and value["b"][1] == b"s"
        assert not s.run(n.has_value())
        with pytest.raises(tf.errors.InvalidArgumentError, match="^The given optional does not have a value."):
            s.run(n.get_value())


# --- eager mode ------------------------------------------------------------------------------------------------

@pytest.fixture
def eager():
    with tf.eager.eager_mode():
        yield


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_eager(eager):
    ds = tf.data.Dataset.range(5).apply(E.scan(np.int64(0), lambda s, x: (s + x, s)))
    assert list(ds.as_numpy_iterator()) == [0, 0, 1, 3, 6]
    assert list(_inverse([1., 0., 2.]).apply(E.ignore_errors()).as_numpy_iterator()) == [1.0, 0.5]
    assert list(tf.data.Dataset.range(9).apply(E.take_while(lambda x: x < 2)).as_numpy_iterator()) == [0, 1]
    single = E.get_single_element(tf.data.Dataset.from_tensors({"a": 1, "b": "x"}))
    assert single["a"].numpy() == 1 and single["b"].numpy() == b"x"
    with pytest.raises(tf.errors.InvalidArgumentError, match="^Dataset was empty."):
        E.get_single_element(tf.data.Dataset.range(0))
    it = iter(tf.data.Dataset.range(2))
    seen = [E.get_next_as_optional(it) for _ in range(3)]
    assert [bool(o.has_value()) for o in seen] == [True, True, False]
    assert seen[1].get_value().numpy() == 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="^The given optional does not have a value."):
        seen[2].get_value()


# --- the same as Dataset methods (TF 2.x's compat.v1 names) -------------------------------------------------------

def test_dataset_methods_are_the_experimental_transformations():
    ds = tf.data.Dataset.range(6).scan(np.int64(0), lambda s, x: (s + x, s))
    assert [int(v) for v in run(ds)] == [0, 0, 1, 3, 6, 10]
    ds = tf.data.Dataset.from_tensor_slices(np.array([1, 2, 2, 3, 1], np.int64)).unique().take_while(lambda x: x < 3)
    assert [int(v) for v in run(ds)] == [1, 2]
    with tf.Session() as s:
        assert s.run(tf.data.Dataset.range(4).batch(4).get_single_element()).tolist() == [0, 1, 2, 3]
    sparse = run(tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).sparse_batch(2, [3]))
    assert sparse[0].dense_shape.tolist() == [2, 3] and sparse[0].values.tolist() == [1, 2, 3, 4]


def test_ignore_errors_drops_elements_whose_filter_predicate_failed():
    def even(x):
        if x == 2:
            raise ValueError("bad element")
        return x % 2 == 0
    ds = tf.data.Dataset.range(6).filter(lambda x: tf.reshape(tf.py_func(even, [x], tf.bool), [])).ignore_errors()
    assert [int(v) for v in run(ds)] == [0, 4]  # TensorFlow 2.21 gives [0, 4]

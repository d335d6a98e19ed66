"""tf.data as TensorFlow 1.x has it: datasets, transformations, iterators, OutOfRangeError, background threads."""
import collections
import threading
import time

import numpy as np
import pytest

import graphgrad as tf


def values(dataset, session=None, feed=None):
    """Every element of `dataset` through a one-shot (or initializable, with `feed`) iterator, as TF1 reads it."""
    g = tf.get_default_graph()
    if feed is None:
        it = dataset.make_one_shot_iterator()
    else:
        it = dataset.make_initializable_iterator()
    nxt = it.get_next()
    out = []
    with tf.Session(graph=g) as s:
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


def ints(xs):
    return [int(x) for x in xs]


# --- sources -------------------------------------------------------------------------------------------------

def test_from_tensor_slices_nested_structures_types_and_shapes():
    ds = tf.data.Dataset.from_tensor_slices(({"a": np.zeros((4, 2), np.float32), "b": np.arange(4)},
                                             np.arange(4.0)))
    assert ds.output_types == ({"a": tf.float32, "b": tf.int64}, tf.float64)
    assert [s.as_list() for s in (ds.output_shapes[0]["a"], ds.output_shapes[0]["b"], ds.output_shapes[1])] \
        == [[2], [], []]
    assert ds.output_classes == ({"a": tf.Tensor, "b": tf.Tensor}, tf.Tensor)
    got = values(ds)
    assert len(got) == 4 and got[2][0]["b"] == 2 and got[3][1] == 3.0
    assert got[0][0]["a"].shape == (2,)
    # Python lists become tensors (float32 / int32, as tf.constant makes them)
    assert tf.data.Dataset.from_tensor_slices([1.0, 2.0]).output_types == tf.float32
    assert tf.data.Dataset.from_tensor_slices([1, 2]).output_types == tf.int32


def test_from_tensor_slices_checks_sizes_and_rank():
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.data.Dataset.from_tensor_slices(np.float32(1))


def test_from_tensor_slices_of_graph_tensors_and_from_tensors():
    c = tf.constant([[1, 2], [3, 4]])
    assert [list(v) for v in values(tf.data.Dataset.from_tensor_slices(c * 10))] == [[10, 20], [30, 40]]
    got = values(tf.data.Dataset.from_tensors((c, tf.constant("x"))))
    assert len(got) == 1 and got[0][0].shape == (2, 2) and got[0][1] == b"x"


def test_range_zip_concatenate():
    assert ints(values(tf.data.Dataset.range(5))) == [0, 1, 2, 3, 4]
    assert ints(values(tf.data.Dataset.range(2, 9, 3))) == [2, 5, 8]
    assert tf.data.Dataset.range(3).output_types == tf.int64
    z = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(10, 20)))
    assert [(int(a), int(b)) for a, b in values(z)] == [(0, 10), (1, 11), (2, 12)]
    c = tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))
    assert ints(values(c)) == [0, 1, 5, 6]
    with pytest.raises(TypeError, match="different types"):
        tf.data.Dataset.range(2).concatenate(tf.data.Dataset.from_tensor_slices([1.0]))


def test_from_generator_types_shapes_and_errors():
    def gen():
        for i in range(3):
            yield i, [i] * 2
    ds = tf.data.Dataset.from_generator(gen, (tf.int64, tf.float32), (tf.TensorShape([]), tf.TensorShape([2])))
    got = values(ds)
    assert [int(a) for a, _ in got] == [0, 1, 2] and got[2][1].dtype == np.float32
    assert ds.output_shapes[1].as_list() == [2]
    unknown = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3]]), tf.int32)
    assert unknown.output_shapes.dims is None
    assert [list(v) for v in values(unknown)] == [[1, 2], [3]]
    bad = tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]), tf.int32, tf.TensorShape([2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="yielded an element of shape"):
        values(bad)

    def broken():
        yield 1
        raise RuntimeError("disk on fire")
    with pytest.raises(tf.errors.UnknownError, match="disk on fire"):
        values(tf.data.Dataset.from_generator(broken, tf.int32))


def test_list_files(tmp_path):
    for n in "bca":
        (tmp_path / f"{n}.txt").write_text(n)
    names = values(tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False))
    assert [n.decode().rsplit("/", 1)[1] for n in names] == ["a.txt", "b.txt", "c.txt"]
    shuffled = values(tf.data.Dataset.list_files(str(tmp_path / "*.txt"), seed=3))
    assert sorted(shuffled) == sorted(names)
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched pattern"):
        values(tf.data.Dataset.list_files(str(tmp_path / "*.none")))


# --- transformations -------------------------------------------------------------------------------------------

def test_map_builds_graph_ops_on_tuples_and_dicts():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4.0, dtype=np.float32), np.arange(4)))
    m = ds.map(lambda x, y: {"sum": x + tf.cast(y, tf.float32), "sq": tf.square(x)})
    assert m.output_types == {"sq": tf.float32, "sum": tf.float32}
    got = values(m)
    assert [float(e["sum"]) for e in got] == [0, 2, 4, 6] and float(got[3]["sq"]) == 9
    d = tf.data.Dataset.from_tensor_slices({"a": np.arange(3)}).map(lambda e: e["a"] * 2)
    assert ints(values(d)) == [0, 2, 4]


def test_map_after_batch_sees_the_batch():
    shapes = []
    ds = tf.data.Dataset.range(10).batch(4).map(
        lambda b: tf.py_func(lambda a: shapes.append(a.shape) or a * 2, [b], tf.int64))
    got = values(ds)
    assert [list(v) for v in got] == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]
    assert shapes == [(4,), (4,), (2,)]


def test_map_captures_a_placeholder_fed_at_initialization():
    scale = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.range(3).map(lambda x: x * scale)
    assert ints(values(ds, feed={scale: 5})) == [0, 5, 10]
    with pytest.raises(ValueError, match="one-shot iterator"):
        ds.make_one_shot_iterator()


def test_parallel_map_keeps_order_and_runs_concurrently():
    active, peak, lock = [0], [0], threading.Lock()

    def slow(x):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.002)
        with lock:
            active[0] -= 1
        return x + 1
    ds = tf.data.Dataset.range(24).map(lambda x: tf.py_func(slow, [x], tf.int64), num_parallel_calls=4)
    assert ints(values(ds)) == list(range(1, 25))
    assert peak[0] > 1
    auto = tf.data.Dataset.range(5).map(lambda x: x * 2, num_parallel_calls=tf.data.experimental.AUTOTUNE)
    assert ints(values(auto)) == [0, 2, 4, 6, 8]


def test_filter():
    assert ints(values(tf.data.Dataset.range(10).filter(lambda x: tf.equal(x % 3, 0)))) == [0, 3, 6, 9]
    with pytest.raises(ValueError, match="scalar boolean"):
        tf.data.Dataset.range(3).filter(lambda x: x)


def test_batch_drop_remainder_and_shapes():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10).reshape(5, 2))
    assert ds.batch(2).output_shapes.as_list() == [None, 2]
    assert ds.batch(2, drop_remainder=True).output_shapes.as_list() == [2, 2]
    assert [v.shape for v in values(ds.batch(2))] == [(2, 2), (2, 2), (1, 2)]
    assert [v.shape for v in values(ds.batch(2, drop_remainder=True))] == [(2, 2), (2, 2)]
    ragged = tf.data.Dataset.from_generator(lambda: iter([[1], [1, 2]]), tf.int32, tf.TensorShape([None]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot batch tensors with different shapes"):
        values(ragged.batch(2))


def test_padded_batch():
    ds = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([tf.cast(x, tf.int32)], x))
    got = values(ds.padded_batch(2, padded_shapes=[None]))
    assert got[0].tolist() == [[1, 0], [2, 2]] and got[1].tolist() == [[3, 3, 3, 0], [4, 4, 4, 4]]
    fixed = values(ds.padded_batch(3, padded_shapes=[5], padding_values=tf.constant(-1, tf.int64)))
    assert fixed[1].tolist() == [[4, 4, 4, 4, -1]]


def test_unbatch_take_skip_shard():
    ds = tf.data.Dataset.range(7).batch(3).unbatch()
    assert ints(values(ds)) == list(range(7))
    assert ints(values(tf.data.Dataset.range(7).take(3))) == [0, 1, 2]
    assert ints(values(tf.data.Dataset.range(7).take(-1))) == list(range(7))
    assert ints(values(tf.data.Dataset.range(7).skip(5))) == [5, 6]
    assert ints(values(tf.data.Dataset.range(7).skip(-1))) == []
    assert ints(values(tf.data.Dataset.range(10).shard(3, 1))) == [1, 4, 7]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index must be between 0 and 2"):
        tf.data.Dataset.range(10).shard(3, 3)


def test_repeat_and_repeat_of_empty():
    assert ints(values(tf.data.Dataset.range(3).repeat(2))) == [0, 1, 2, 0, 1, 2]
    assert ints(values(tf.data.Dataset.range(2).repeat().take(5))) == [0, 1, 0, 1, 0]
    assert ints(values(tf.data.Dataset.range(0).repeat())) == []


def test_flat_map_and_interleave_in_tf1_order():
    ds = tf.data.Dataset.range(1, 4).flat_map(lambda x: tf.data.Dataset.from_tensors(x).repeat(x))
    assert ints(values(ds)) == [1, 2, 2, 3, 3, 3]
    # The TF1 documentation's example: cycle_length=2, block_length=4 over repeat(6) of 1..5.
    il = tf.data.Dataset.range(1, 6).interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(6),
                                                cycle_length=2, block_length=4)
    assert ints(values(il)) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4,
                                5, 5, 5, 5, 5, 5]
    slices = tf.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).flat_map(
        tf.data.Dataset.from_tensor_slices)
    assert ints(values(slices)) == list(range(6))


def test_shuffle_buffer_semantics_and_seeds():
    ds = tf.data.Dataset.range(20).shuffle(20, seed=7)
    a, b = ints(values(ds)), ints(values(ds))
    assert sorted(a) == list(range(20)) and a == b != list(range(20))  # a seed gives one order per session
    # buffer_size 1 is no shuffle; a buffer of 3 can only ever emit one of the first 3 elements first
    assert ints(values(tf.data.Dataset.range(10).shuffle(1, seed=1))) == list(range(10))
    for seed in range(10):
        tf.reset_default_graph()
        first = ints(values(tf.data.Dataset.range(100).shuffle(3, seed=seed)))
        assert first[0] < 3 and all(first[i] < i + 3 for i in range(100))


def test_shuffle_reshuffles_each_iteration_unless_told_not_to():
    epochs = ints(values(tf.data.Dataset.range(10).shuffle(10, seed=2).repeat(3)))
    e1, e2, e3 = epochs[:10], epochs[10:20], epochs[20:]
    assert sorted(e1) == sorted(e2) == list(range(10)) and not (e1 == e2 == e3)
    same = ints(values(tf.data.Dataset.range(10).shuffle(10, seed=2, reshuffle_each_iteration=False).repeat(3)))
    assert same[:10] == same[10:20] == same[20:]


def test_shuffle_with_graph_seed_is_reproducible():
    def order():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        return ints(values(tf.data.Dataset.range(30).shuffle(10)))
    assert order() == order()


def test_cache_in_memory_and_in_a_file(tmp_path):
    calls = []
    ds = tf.data.Dataset.range(3).map(lambda x: tf.py_func(lambda v: calls.append(1) or v, [x], tf.int64))
    assert ints(values(ds.cache().repeat(3))) == [0, 1, 2] * 3
    assert len(calls) == 3
    path = str(tmp_path / "c")
    strings = tf.data.Dataset.from_tensor_slices((["a", "bc", ""], np.arange(6.0).reshape(3, 2)))
    first = values(strings.cache(path))
    again = values(tf.data.Dataset.from_tensor_slices((["x"], np.zeros((1, 2)))).cache(path))  # read from file
    assert [(s, list(v)) for s, v in again] == [(s, list(v)) for s, v in first] and first[1][0] == b"bc"


def test_prefetch_gives_the_same_elements():
    ds = tf.data.Dataset.range(50).map(lambda x: x * 3).prefetch(4)
    assert ints(values(ds)) == [3 * i for i in range(50)]
    assert ints(values(tf.data.Dataset.range(5).prefetch(tf.data.experimental.AUTOTUNE))) == list(range(5))


def test_experimental_helpers_and_apply():
    ds = tf.data.Dataset.range(4).apply(tf.data.experimental.shuffle_and_repeat(4, 2, seed=1))
    assert sorted(ints(values(ds))) == [0, 0, 1, 1, 2, 2, 3, 3]
    mb = tf.data.Dataset.range(5).apply(tf.data.experimental.map_and_batch(lambda x: x + 1, 2))
    assert [list(v) for v in values(mb)] == [[1, 2], [3, 4], [5]]


def test_repr_is_tf1s():
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2), np.float32), np.zeros(4, np.int32))).batch(2)
    assert repr(ds) == "<DatasetV1Adapter shapes: ((?, 2), (?,)), types: (tf.float32, tf.int32)>"


# --- iterators ---------------------------------------------------------------------------------------------------

def test_one_shot_iterator_forms_and_end_of_sequence():
    ds = tf.data.Dataset.range(2)
    for make in (lambda d: d.make_one_shot_iterator(), tf.data.make_one_shot_iterator,
                 tf.compat.v1.data.make_one_shot_iterator):
        nxt = make(ds).get_next()
        with tf.Session() as s:
            assert [s.run(nxt), s.run(nxt)] == [0, 1]
            for _ in range(2):  # stays at the end, as TF1
                with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
                    s.run(nxt)


def test_iterator_state_is_per_session():
    nxt = tf.data.Dataset.range(5).make_one_shot_iterator().get_next()
    s1, s2 = tf.Session(), tf.Session()
    assert [s1.run(nxt), s1.run(nxt), s2.run(nxt), s1.run(nxt)] == [0, 1, 0, 2]
    s1.close()
    s2.close()


def test_initializable_iterator_restarts_and_needs_initializing():
    x = tf.placeholder(tf.float32, [None])
    it = tf.data.Dataset.from_tensor_slices(x).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="has not been initialized"):
            s.run(nxt)
        s.run(it.initializer, {x: [1, 2, 3]})
        assert s.run(nxt) == 1
        s.run(it.initializer, {x: [7]})
        assert s.run(nxt) == 7
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(nxt)


def test_reinitializable_and_feedable_iterators():
    train = tf.data.Dataset.range(100, 103)
    val = tf.data.Dataset.range(3)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    init_train, init_val = it.make_initializer(train), it.make_initializer(val)
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(tf.data.Dataset.from_tensor_slices([1.0]))
    with tf.Session() as s:
        s.run(init_train)
        assert s.run(nxt) == 100
        s.run(init_val)
        assert [s.run(nxt), s.run(nxt)] == [0, 1]

    handle = tf.placeholder(tf.string, shape=[])
    feedable = tf.data.Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
    nxt = feedable.get_next()
    a = train.make_one_shot_iterator()
    b = val.make_initializable_iterator()
    with tf.Session() as s:
        ha, hb = s.run([a.string_handle(), b.string_handle()])
        s.run(b.initializer)
        assert [s.run(nxt, {handle: ha}), s.run(nxt, {handle: hb}), s.run(nxt, {handle: ha})] == [100, 0, 101]
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid iterator handle"):
            s.run(nxt, {handle: b"nope"})


def test_a_run_ending_with_out_of_range_changes_no_variable():
    x = tf.data.Dataset.from_tensor_slices(np.ones(2, np.float32)).make_one_shot_iterator().get_next()
    v = tf.Variable(0.0)
    total = tf.assign_add(v, x)
    counter = tf.Variable(0)
    with tf.control_dependencies([total]):
        bump = tf.assign_add(counter, 1)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(bump)
        s.run(bump)
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run([bump, tf.assign_add(v, 100.0)])
        assert s.run([v, counter]) == [2.0, 2]


def test_get_next_names_and_structure():
    ds = tf.data.Dataset.from_tensor_slices({"img": np.zeros((3, 2, 2), np.float32), "label": np.arange(3)})
    nxt = ds.batch(2).make_one_shot_iterator().get_next()
    assert nxt["img"].name == "IteratorGetNext:0" and nxt["img"].shape.as_list() == [None, 2, 2]
    Point = collections.namedtuple("Point", "x y")
    p = tf.data.Dataset.from_tensor_slices(Point(np.arange(2), np.arange(2))).make_one_shot_iterator().get_next()
    assert type(p) is Point


def test_closing_a_session_with_a_running_prefetch_thread_returns_promptly():
    def slow_forever():
        i = 0
        while True:
            time.sleep(0.001)
            i += 1
            yield i
    ds = tf.data.Dataset.from_generator(slow_forever, tf.int64).map(lambda x: x * 2, num_parallel_calls=2)
    nxt = ds.prefetch(2).make_one_shot_iterator().get_next()
    before = threading.active_count()
    s = tf.Session()
    assert s.run(nxt) == 2
    t = time.perf_counter()
    s.close()
    assert time.perf_counter() - t < 0.5
    deadline = time.time() + 2
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


def test_reinitializing_stops_the_old_prefetch_thread():
    it = tf.data.Dataset.range(10**6).prefetch(1).make_initializable_iterator()
    nxt = it.get_next()
    before = threading.active_count()
    with tf.Session() as s:
        for _ in range(5):
            s.run(it.initializer)
            assert s.run(nxt) == 0
        time.sleep(0.2)
        assert threading.active_count() <= before + 1


def test_a_consumer_holding_the_session_lock_does_not_block_the_pipeline():
    # Training runs hold the session lock while get_next waits: prefetch and parallel map must not need it.
    v = tf.Variable(0.0)
    ds = tf.data.Dataset.range(40).map(lambda x: tf.cast(x, tf.float32) + v, num_parallel_calls=3).prefetch(2)
    nxt = ds.make_one_shot_iterator().get_next()
    step = tf.assign_add(v, 0.0 * nxt)
    with tf.Session() as s:
        s.run(v.initializer)
        for _ in range(40):
            s.run(step)
        with pytest.raises(tf.errors.OutOfRangeError):
            s.run(step)


def test_pipeline_errors_name_the_get_next_op():
    ds = tf.data.Dataset.range(3).map(
        lambda x: tf.py_func(lambda v: (_ for _ in ()).throw(ValueError("bad element")) if v == 1 else v,
                             [x], tf.int64))
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as s:
        assert s.run(nxt) == 0
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad element"):
            s.run(nxt)


# --- the classic TF1 tutorial, with only the import line changed -----------------------------------------------

TUTORIAL = '''
import numpy as np
import graphgrad as tf

np.random.seed(0)
x_data = np.random.rand(200).astype(np.float32)
y_data = 3.0 * x_data + 2.0 + np.random.normal(0, 0.01, 200).astype(np.float32)

dataset = tf.data.Dataset.from_tensor_slices((x_data, y_data))
dataset = dataset.shuffle(buffer_size=200).batch(20).repeat(50)
iterator = dataset.make_one_shot_iterator()
next_element = iterator.get_next()
x, y = next_element

W = tf.Variable(tf.random_uniform([1], -1.0, 1.0))
b = tf.Variable(tf.zeros([1]))
y_pred = W * x + b
loss = tf.reduce_mean(tf.square(y_pred - y))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    step = 0
    while True:
        try:
            _, loss_value = sess.run([train, loss])
            step += 1
        except tf.errors.OutOfRangeError:
            break
    w_value, b_value = sess.run([W, b])
'''


def test_the_classic_tf_data_linear_regression_tutorial_runs_unchanged():
    scope = {}
    exec(compile(TUTORIAL, "tutorial.py", "exec"), scope)
    assert scope["step"] == 500
    assert abs(scope["w_value"][0] - 3.0) < 0.05 and abs(scope["b_value"][0] - 2.0) < 0.05
    assert scope["loss_value"] < 1e-3


def test_shuffle_with_a_huge_buffer_and_without_seeds():
    """buffer_size far beyond the data (a common idiom) costs nothing; unseeded orders differ per pipeline."""
    ds = tf.data.Dataset.range(50).shuffle(2**40)
    orders = [ints(values(ds)) for _ in range(3)]
    assert all(sorted(o) == list(range(50)) for o in orders) and len({tuple(o) for o in orders}) > 1


def test_sparse_components_are_one_entry_of_the_element_spec():
    """A VarLenFeature parsed in `map` is one SparseTensor component, as TF describes it; an iterator built
    from the spec (with output_classes) runs the dataset."""
    ds = tf.data.Dataset.from_tensors(tf.constant([1.0, 2.0])).map(
        lambda x: {"n": tf.size(x), "s": tf.SparseTensor([[0], [2]], x, tf.cast(tf.shape(x), tf.int64) + 1)})
    assert ds.output_classes == {"n": tf.Tensor, "s": tf.SparseTensor}
    assert ds.output_types == {"n": tf.int32, "s": tf.float32}
    assert ds.output_shapes["s"].as_list() == [None]  # rank 1, its size computed
    it = tf.data.Iterator.from_structure(ds.output_types, ds.output_shapes, output_classes=ds.output_classes)
    nxt = it.get_next()
    with tf.Session() as s:
        s.run(it.make_initializer(ds))
        got = s.run(nxt)
    np.testing.assert_array_equal(got["s"].values, [1.0, 2.0])
    np.testing.assert_array_equal(got["s"].dense_shape, [3])
    assert got["n"] == 2


def test_enumerate_and_the_legacy_function_names():
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(np.array([10, 20, 30])).enumerate(start=5)
        assert ds.output_types == (tf.int64, tf.int64)
        legacy = (tf.data.Dataset.range(4).apply(tf.data.experimental.enumerate_dataset())
                  .map_with_legacy_function(lambda i, v: i * 10 + v).filter_with_legacy_function(lambda v: v > 0))
        pairs, values = ds.make_one_shot_iterator().get_next(), legacy.make_one_shot_iterator().get_next()
        with tf.Session() as s:
            assert [tuple(int(v) for v in s.run(pairs)) for _ in range(3)] == [(5, 10), (6, 20), (7, 30)]
            assert [int(s.run(values)) for _ in range(3)] == [11, 22, 33]
            with pytest.raises(tf.errors.OutOfRangeError):
                s.run(values)

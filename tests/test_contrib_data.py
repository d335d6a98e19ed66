"""tf.contrib.data (graphgrad/contrib/data.py): tf.data.experimental under TF 1.x contrib's names, and the
transformations only contrib had."""
import numpy as np
import pytest

import graphgrad as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


def run(ds):
    x = ds.make_one_shot_iterator().get_next()
    out = []
    with tf.Session() as s:
        try:
            while True:
                out.append(s.run(x))
        except tf.errors.OutOfRangeError:
            return out


def test_contrib_names_are_tf_data_experimental():
    for name in ("group_by_window", "bucket_by_sequence_length", "scan", "map_and_batch", "shuffle_and_repeat",
                 "parallel_interleave", "Counter", "get_single_element", "make_csv_dataset", "unbatch"):
        assert getattr(tf.contrib.data, name) is getattr(tf.data.experimental, name)


def test_batch_and_drop_remainder():
    ds = tf.data.Dataset.range(7).apply(tf.contrib.data.batch_and_drop_remainder(3))
    assert ds.output_shapes.as_list() == [3]
    assert [b.tolist() for b in run(ds)] == [[0, 1, 2], [3, 4, 5]]
    padded = tf.data.Dataset.range(1, 6).map(lambda n: tf.fill([n], n)).apply(
        tf.contrib.data.padded_batch_and_drop_remainder(2, [None]))
    assert [b.tolist() for b in run(padded)] == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]


def test_sliding_window_batch_gives_whole_windows():
    swb = tf.contrib.data.sliding_window_batch
    assert [b.tolist() for b in run(tf.data.Dataset.range(7).apply(swb(3, window_shift=2)))] == [
        [0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert [b.tolist() for b in run(tf.data.Dataset.range(5).apply(swb(2)))] == [[0, 1], [1, 2], [2, 3], [3, 4]]
    assert [b.tolist() for b in run(tf.data.Dataset.range(6).apply(swb(2, stride=2, window_stride=2)))] == [
        [0, 2], [2, 4]]
    pairs = run(tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0])).apply(swb(2)))
    assert [(a.tolist(), b.tolist()) for a, b in pairs] == [([1, 2], [4.0, 5.0]), ([2, 3], [5.0, 6.0])]
    with pytest.raises(ValueError, match="both `stride` and `window_shift`"):
        swb(2, stride=1, window_shift=1)


def test_assert_element_shape_sets_and_checks_shapes():
    ds = tf.data.Dataset.from_generator(lambda: iter([np.zeros((2, 3), np.float32)]), tf.float32, [None, None])
    checked = ds.apply(tf.contrib.data.assert_element_shape([2, 3]))
    assert checked.output_shapes.as_list() == [2, 3]
    assert run(checked)[0].shape == (2, 3)
    wrong = ds.apply(tf.contrib.data.assert_element_shape([2, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(wrong)
    with pytest.raises(ValueError, match="not compatible"):
        tf.data.Dataset.range(3).batch(2, drop_remainder=True).apply(tf.contrib.data.assert_element_shape([3]))


def test_reduce_dataset_folds_and_finalizes():
    reducer = tf.contrib.data.Reducer(lambda key: (np.int64(0), np.int64(0)),
                                      lambda state, x: (state[0] + x, state[1] + 1),
                                      lambda total, count: tf.cast(total, tf.float64) / tf.cast(count, tf.float64))
    mean = tf.contrib.data.reduce_dataset(tf.data.Dataset.range(10), reducer)
    with tf.Session() as s:
        assert s.run(mean) == 4.5

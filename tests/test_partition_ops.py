"""Partitions and index arithmetic (ops/partition_ops.py, ops/bucket_ops.py): dynamic_partition (values, TF's
errors, a gradient through dynamic_stitch), invert_permutation, setdiff1d, searchsorted, histogram_fixed_width(_bins),
unravel_index and batch_gather against NumPy. tools/record_tf1_reference.py records them under TF
(`partitions_and_buckets`)."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.framework.errors import InvalidArgumentError

RNG = np.random.default_rng(1)


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def test_dynamic_partition_splits_rows_in_order():
    data = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    parts = np.array([[1, 0, 2], [2, 1, 1]], np.int32)
    out = tf.dynamic_partition(data, parts, 3)
    assert [t.shape.as_list() for t in out] == [[None, 4]] * 3
    for k, got in enumerate(_run(out)):
        np.testing.assert_array_equal(got, data[parts == k])
    p = tf.placeholder(tf.int32, [None])
    with pytest.raises(InvalidArgumentError, match=r"partitions\[2\] = 2 is not in \[0, 2\)"):
        _run(tf.dynamic_partition(np.ones((4, 2)), p, 2), {p: [0, 1, 2, 0]})
    with pytest.raises(InvalidArgumentError, match=r"got data.shape = \[4,2\], partitions.shape = \[3\]"):
        _run(tf.dynamic_partition(np.ones((4, 2)), p, 2), {p: [0, 1, 0]})


def test_dynamic_partition_gradient_stitches_the_pieces_back():
    parts = np.array([2, 0, 2, 1, 0])

    def build(x):
        a, b, c = tf.dynamic_partition(x, parts, 3)
        return tf.reshape(tf.concat([a * 2.0, b ** 2, tf.sin(c)], 0), [5, 2])  # every piece used differently
    check_gradients(build, [RNG.standard_normal((5, 2))])
    check_gradients(lambda x: tf.gradients(tf.reduce_sum(build(x) ** 2), x)[0], [RNG.standard_normal((5, 2))],
                    rtol=1e-4, atol=1e-5)
    x = tf.constant(np.ones((5, 2)))
    g = tf.gradients(tf.reduce_sum(tf.dynamic_partition(x, parts, 3)[1]), x)[0]  # pieces unused get zeros
    np.testing.assert_array_equal(_run(g), (parts == 1)[:, None] * np.ones((5, 2)))


def test_invert_permutation_and_its_errors():
    perm = RNG.permutation(7).astype(np.int64)
    got = _run(tf.math.invert_permutation(perm))
    np.testing.assert_array_equal(got[perm], np.arange(7))
    assert got.dtype == np.int64
    p = tf.placeholder(tf.int32, [None])
    for feed, message in {(2, 0, 0): "0 is duplicated in the input.", (3, 0, 1): "3 is not between 0 and 3"}.items():
        with pytest.raises(InvalidArgumentError, match=message):
            _run(tf.invert_permutation(p), {p: feed})
    with pytest.raises(TypeError, match="not in list of allowed values: int32, int64"):
        tf.invert_permutation([1.0])


def test_setdiff1d_keeps_order_and_repeats():
    out, idx = _run(tf.setdiff1d([1, 2, 3, 4, 2, 5], [2, 5, 9]))
    np.testing.assert_array_equal(out, [1, 3, 4])
    np.testing.assert_array_equal(idx, [0, 2, 3])
    res = tf.listdiff([1.0, 2.0], [2.0], out_idx=tf.int64)
    assert res.idx.dtype == tf.int64 and type(res).__name__ == "ListDiff"


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_matches_numpy_row_by_row(side):
    seq = np.sort(RNG.integers(0, 6, (2, 3, 8)), axis=-1).astype(np.float32)
    vals = RNG.integers(-1, 7, (2, 3, 5)).astype(np.float32)
    t = tf.searchsorted(seq, vals, side=side, out_type=tf.int64)
    want = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(seq.reshape(6, 8), vals.reshape(6, 5))])
    np.testing.assert_array_equal(_run(t), want.reshape(2, 3, 5))
    assert t.shape.as_list() == [2, 3, 5] and t.dtype == tf.int64
    with pytest.raises(ValueError, match="must be either 'right' or 'left'"):
        tf.searchsorted(seq, vals, side="middle")
    with pytest.raises(InvalidArgumentError, match="Leading dim_size of both tensors must match."):
        _run(tf.searchsorted([[1, 3], [2, 4]], [[3], [2], [5]]))


def test_histograms_count_as_tf_does_outside_the_range():
    v = np.concatenate([RNG.uniform(-1, 6, 50), [0.0, 5.0, np.inf, -np.inf]]).astype(np.float32)
    got = _run(tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5))
    bins = np.clip(np.floor(v / 1.0), 0, 4).astype(int)
    np.testing.assert_array_equal(got, np.bincount(bins, minlength=5))
    np.testing.assert_array_equal(_run(tf.histogram_fixed_width_bins(v[:-2].reshape(2, 26), [0.0, 5.0], 5)),
                                  bins[:-2].reshape(2, 26))
    assert tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5).name == "histogram_fixed_width_1:0"
    with pytest.raises(InvalidArgumentError, match="value_range should satisfy value_range"):
        _run(tf.histogram_fixed_width(v, [5.0, 0.0]))
    with pytest.raises(InvalidArgumentError, match="Histogram values must not contain NaN"):
        _run(tf.histogram_fixed_width([np.nan], [0.0, 1.0]))
    with pytest.raises(ValueError, match="Requires nbins > 0"):
        tf.histogram_fixed_width(v, [0.0, 5.0], nbins=0)


def test_unravel_index_matches_numpy():
    idx = RNG.integers(0, 42, 9)
    np.testing.assert_array_equal(_run(tf.unravel_index(idx, [7, 6])), np.stack(np.unravel_index(idx, (7, 6))))
    np.testing.assert_array_equal(_run(tf.unravel_index(tf.constant(23, tf.int64), [2, 3, 4])), [1, 2, 3])
    with pytest.raises(InvalidArgumentError, match="index is out of bound as with dims"):
        _run(tf.unravel_index([22, 42], [7, 6]))
    with pytest.raises(InvalidArgumentError, match="dims contains zero at index 1"):
        _run(tf.unravel_index([1], [3, 0]))


def test_batch_gather_picks_per_batch_row_and_differentiates():
    params = RNG.standard_normal((2, 3, 4))
    idx = np.array([[[2, 0], [1, 1], [3, 3]], [[0, 0], [1, 2], [3, 0]]])
    got = _run(tf.batch_gather(params, idx))
    np.testing.assert_array_equal(got, np.take_along_axis(params, idx, axis=2))
    assert tf.batch_gather(tf.placeholder(tf.float32, (None, 3)), [[0], [1]]).shape.as_list() == [2, 1]
    check_gradients(lambda p: tf.batch_gather(p, idx), [params])
    check_gradients(lambda p: tf.batch_gather(p, [[2, 0], [1, 1]]), [params])

"""Segment reductions (ops/segment_reduce_ops.py): values against NumPy loops, TF's empty-segment values and
errors, and gradients (first and second order) against finite differences in float64. Under TensorFlow the same
ops are recorded by tools/record_tf1_reference.py (`segment_reductions`)."""
import re

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.framework.errors import InvalidArgumentError

RNG = np.random.default_rng(0)


def _run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def _loop(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], empty, data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


SORTED = [(tf.segment_sum, np.sum, 0), (tf.segment_mean, np.mean, 0), (tf.segment_max, np.max, 0),
          (tf.segment_min, np.min, 0), (tf.segment_prod, np.prod, 1)]


@pytest.mark.parametrize("f, reduce, empty", SORTED, ids=[f.__name__ for f, _, _ in SORTED])
def test_sorted_segments_match_a_loop_with_tf_empty_values(f, reduce, empty):
    data = RNG.standard_normal((7, 3)).astype(np.float32)
    ids = np.array([0, 0, 2, 2, 2, 5, 6])
    got = _run(f(data, ids))
    np.testing.assert_allclose(got, _loop(data, ids, 7, reduce, empty), rtol=1e-6)
    assert got.dtype == np.float32 and f(tf.placeholder(tf.float32, (None, 3)), ids).shape.as_list() == [None, 3]


def test_segment_ids_are_checked_as_tf_checks_them():
    x = tf.constant(np.ones((4, 2), np.float32))
    p = tf.placeholder(tf.int32, [None])
    cases = {(0, 1, 0, 2): "segment ids are not increasing",
             (-1, 0, 0, 1): "Segment id -1 out of range [0, 2), possibly because 'segment_ids' input is not sorted.",
             (0, 1, 2): "segment_ids should be the same size as dimension 0 of input.",
             (0, 1, 1, -1): "segment ids must be >= 0"}
    for feed, message in cases.items():
        with pytest.raises(InvalidArgumentError, match=re.escape(message)):
            _run(tf.segment_max(x, p), {p: feed})
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        tf.segment_sum(x, [[0, 1, 1, 2]])
    with pytest.raises(TypeError, match="has DataType float32 not in list"):
        tf.segment_sum(x, [0.0, 1.0, 1.0, 2.0])
    assert _run(tf.segment_sum(tf.zeros([0, 2]), tf.zeros([0], tf.int32))).shape == (0, 2)


UNSORTED = [(tf.unsorted_segment_max, np.max, np.finfo(np.float32).min),
            (tf.unsorted_segment_min, np.min, np.finfo(np.float32).max),
            (tf.unsorted_segment_prod, np.prod, 1), (tf.unsorted_segment_mean, np.mean, 0),
            (tf.unsorted_segment_sqrt_n, lambda r, axis: r.sum(axis) / np.sqrt(len(r)), 0)]


@pytest.mark.parametrize("f, reduce, empty", UNSORTED, ids=[f.__name__ for f, _, _ in UNSORTED])
def test_unsorted_segments_drop_negative_ids(f, reduce, empty):
    data = RNG.standard_normal((3, 4, 2)).astype(np.float32)
    ids = np.array([[1, -1, 4, 1], [0, 4, 1, -1], [4, 4, 1, 0]])
    got = _run(f(data, ids, 6))
    np.testing.assert_allclose(got, _loop(data.reshape(12, 2), ids.reshape(-1), 6, reduce, empty), rtol=1e-6)
    assert f(data, ids, 6).shape.as_list() == [6, 2]
    with pytest.raises(InvalidArgumentError, match=r"segment_ids\[0,2\] = 6 is out of range \[0, 6\)"):
        _run(f(data, ids + 2, 6))


def test_unsorted_extrema_of_integers_use_the_dtype_bounds():
    got = _run([tf.unsorted_segment_max(tf.constant([1, 2]), [0, 0], 2),
                tf.math.unsorted_segment_min(tf.constant([3, 2], tf.int64), [1, 1], 3)])
    np.testing.assert_array_equal(got[0], [2, np.iinfo(np.int32).min])
    np.testing.assert_array_equal(got[1], [np.iinfo(np.int64).max, 2, np.iinfo(np.int64).max])


def test_sparse_segments_pick_rows_then_reduce():
    data = RNG.standard_normal((5, 3)).astype(np.float32)
    idx, ids = np.array([0, 3, 3, 1, 4]), np.array([0, 0, 1, 3, 3])
    picked = data[idx]
    sums = _loop(picked, ids, 4, np.sum, 0)
    counts = np.bincount(ids, minlength=4).reshape(-1, 1)
    np.testing.assert_allclose(_run(tf.sparse_segment_sum(data, idx, ids)), sums, rtol=1e-6)
    np.testing.assert_allclose(_run(tf.sparse.segment_mean(data, idx, ids)), sums / np.maximum(counts, 1), rtol=1e-6)
    got = _run(tf.sparse_segment_sqrt_n(data, idx, ids, num_segments=6))
    np.testing.assert_allclose(got[:4], sums / np.sqrt(np.maximum(counts, 1)), rtol=1e-6)
    np.testing.assert_array_equal(got[4:], 0)
    t = tf.sparse.segment_sum(data, idx, ids, num_segments=6)
    assert t.op.type == "SparseSegmentSumWithNumSegments" and t.shape.as_list() == [6, 3]
    p = tf.placeholder(tf.int32, [None])
    for feed, message in {(0, 1, 7): r"Bad: indices\[2\] == 7 out of range \[0, 5\)",
                          (0, 1): "segment_ids and indices should have same size."}.items():
        with pytest.raises(InvalidArgumentError, match=message):
            _run(tf.sparse_segment_sum(data, p, [0, 0, 2]), {p: feed})
    with pytest.raises(InvalidArgumentError, match="segment ids must be < num_segments"):
        _run(tf.sparse_segment_mean(data, [0, 1, 2], p, num_segments=2), {p: [0, 1, 2]})


def _x(shape):
    return RNG.standard_normal(shape)


IDS = np.array([0, 0, 1, 3, 3, 3])
UIDS = np.array([2, -1, 0, 2, 3, 1])  # no empty segment: an empty max is the lowest float, its products overflow


@pytest.mark.parametrize("build, rows", [
    (lambda x: tf.segment_sum(x, IDS), 4), (lambda x: tf.segment_mean(x, IDS), 4),
    (lambda x: tf.segment_max(x, IDS), 4), (lambda x: tf.segment_min(x, IDS), 4),
    (lambda x: tf.segment_prod(x, IDS), 4),
    (lambda x: tf.unsorted_segment_max(x, UIDS, 4), 4), (lambda x: tf.unsorted_segment_min(x, UIDS, 4), 4),
    (lambda x: tf.unsorted_segment_prod(x, UIDS, 4), 4), (lambda x: tf.unsorted_segment_mean(x, UIDS, 4), 4),
    (lambda x: tf.unsorted_segment_sqrt_n(x, UIDS, 4), 4),
    (lambda x: tf.sparse_segment_sum(x, [5, 0, 5, 2], [0, 0, 2, 2]), 3),
    (lambda x: tf.sparse_segment_mean(x, [5, 0, 5, 2], [0, 0, 2, 2], num_segments=4), 4),
    (lambda x: tf.sparse_segment_sqrt_n(x, [5, 0, 5, 2], [0, 1, 1, 1]), 2)])
def test_gradients_match_finite_differences(build, rows):
    def f(x):  # the sorted ops' rows are known only when they run (as in TF): fix them for the check
        return tf.reshape(build(x), [rows, 3])
    check_gradients(f, [_x((6, 3))])
    # second order: the gradient of sum(f(x)^2) differentiated again
    check_gradients(lambda x: tf.gradients(tf.reduce_sum(f(x) ** 2), x)[0], [_x((6, 3))], rtol=1e-4, atol=1e-5)


def test_extremum_gradient_is_shared_among_ties_and_prod_is_exact_with_zeros():
    x = tf.constant([[2.0, 1.0], [2.0, 0.0], [1.0, 0.0], [3.0, 5.0], [0.0, 5.0]])
    ids = [0, 0, 0, 1, 1]
    g_max = _run(tf.gradients(tf.reduce_sum(tf.segment_max(x, ids)), x)[0])
    np.testing.assert_array_equal(g_max, [[0.5, 1.0], [0.5, 0.0], [0.0, 0.0], [1.0, 0.5], [0.0, 0.5]])
    g_umin = _run(tf.gradients(tf.reduce_sum(tf.unsorted_segment_min(x, [0, 0, -1, 1, 1], 2)), x)[0])
    np.testing.assert_array_equal(g_umin, [[0.5, 0.0], [0.5, 1.0], [0.0, 0.0], [0.0, 0.5], [1.0, 0.5]])
    g_prod = _run(tf.gradients(tf.reduce_sum(tf.segment_prod(x, ids)), x)[0])
    # segment 0, column 1 holds two zeros: no gradient; segment 1, column 0 one zero: the others' product there
    np.testing.assert_array_equal(g_prod, [[2.0, 0.0], [2.0, 0.0], [4.0, 0.0], [0.0, 5.0], [3.0, 5.0]])


def test_names_and_static_shapes_follow_tf():
    x = tf.placeholder(tf.float32, (None, 2))
    assert str(tf.math.segment_sum(x, [0, 1])) == 'Tensor("SegmentSum:0", shape=(?, 2), dtype=float32)'
    assert tf.unsorted_segment_mean(x, [0, 1], 5).name == "UnsortedSegmentMean/truediv:0"
    assert tf.unsorted_segment_mean(x, [0, 1], 5).shape.as_list() == [5, 2]


@pytest.mark.parametrize("length", [3, 200], ids=["short groups", "long groups"])
@pytest.mark.parametrize("ufunc", ["add", "maximum", "minimum", "multiply"])
def test_row_reductions_agree_with_a_loop_whether_groups_are_short_or_long(ufunc, length):
    from types import SimpleNamespace

    from graphgrad.ops import row_sums

    assert (length > row_sums.SHORT) == (length == 200)  # both paths: position by position, and reduceat
    ids = np.repeat(np.arange(0, 40, 2), length)  # even ids only: the odd rows of out keep their value
    for order in (RNG.permutation(len(ids)), np.arange(len(ids))):  # shuffled, and already sorted
        rows = RNG.uniform(0.5, 1.5, (len(ids), 3))
        out, want = np.full((40, 3), 7.0), np.full((40, 3), 7.0)
        for s in range(0, 40, 2):
            want[s] = getattr(np, ufunc).reduce(rows[ids[order] == s], axis=0)
        row_sums.reduce_rows(SimpleNamespace(xp=np, to_device=lambda a: a), ufunc, out, ids[order], rows)
        np.testing.assert_allclose(out, want, rtol=1e-12)
        if ufunc == "add":
            total, expect = np.full((40, 3), 7.0), np.full((40, 3), 7.0)
            row_sums.add_rows(np, total, ids[order], rows)
            np.add.at(expect, ids[order], rows)
            np.testing.assert_allclose(total, expect, rtol=1e-12)

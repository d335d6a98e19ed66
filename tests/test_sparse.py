"""SparseTensor and the tf.sparse ops beyond what tests/test_tf1_conformance.py replays from TF's recordings
(sparse_tensor_basics, sparse_matmul_and_add, sparse_reshaping, sparse_reductions, embedding_lookup_sparse):
every value gradient against finite differences, feeding through make_callable, and larger random inputs
against dense NumPy."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

IDX = [[0, 0], [0, 2], [1, 1], [2, 0], [2, 2]]  # row-major, a 3x3 pattern with an empty spot in every row
SHAPE = [3, 3]


def _dense(idx, values, shape):
    out = np.zeros(shape, values.dtype)
    np.add.at(out, tuple(np.asarray(idx).T), values)
    return out


def _values(t, n):
    """A SparseTensor's values with their static length (the finite-difference check needs it)."""
    return tf.reshape(t.values, [n])


@pytest.mark.parametrize("adjoint_a, adjoint_b", [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_gradients_wrt_values_and_dense(adjoint_a, adjoint_b):
    rng = np.random.default_rng(0)
    b = rng.standard_normal((2, 3) if adjoint_b else (3, 2))

    def build(v, d):
        return tf.sparse_tensor_dense_matmul(tf.SparseTensor(IDX, v, SHAPE), d, adjoint_a, adjoint_b)

    def ref(v, d):
        import autograd.numpy as anp

        rows, cols = np.asarray(IDX).T
        a = anp.stack([anp.sum(v * ((rows == i) & (cols == j))) for i in range(3) for j in range(3)])
        a = anp.reshape(a, (3, 3))
        return anp.dot(a.T if adjoint_a else a, d.T if adjoint_b else d)
    check_gradients(build, [rng.standard_normal(5), b], ref)


@pytest.mark.parametrize("width", [1, 8])  # a bincount on NumPy up to 4 columns, add_rows beyond
def test_matmul_matches_dense_on_random_inputs_with_repeated_indices(width):
    rng = np.random.default_rng(1)
    idx = rng.integers(0, [40, 30], size=(200, 2))
    vals = rng.standard_normal(200).astype(np.float32)
    b = rng.standard_normal((30, width)).astype(np.float32)
    with tf.Session() as s:
        got = s.run(tf.sparse_tensor_dense_matmul(tf.SparseTensor(idx, vals, [40, 30]), b))
    np.testing.assert_allclose(got, _dense(idx, vals, (40, 30)) @ b, rtol=1e-5, atol=1e-5)


def test_sparse_add_gradients():
    other = [[0, 1], [1, 1], [2, 2]]

    def build(a, b):
        return _values(tf.sparse_add(tf.SparseTensor(IDX, a, SHAPE), tf.SparseTensor(other, b, SHAPE)), 6)
    check_gradients(build, [np.arange(1.0, 6.0), np.array([2.0, -1.0, 0.5])])

    def build_dense(a, d):
        return tf.sparse_add(tf.SparseTensor(IDX, a, SHAPE), d)
    check_gradients(build_dense, [np.arange(1.0, 6.0), np.ones((3, 3))])


def test_thresh_drops_small_sums_and_their_gradient():
    a = tf.constant([1.0, 2.0])
    b = tf.constant([-0.9, 5.0])
    sp = tf.sparse_add(tf.SparseTensor([[0, 0], [1, 1]], a, [2, 2]), tf.SparseTensor([[0, 0], [1, 0]], b, [2, 2]),
                       threshold=0.5)
    with tf.Session() as s:
        got, (ga, gb) = s.run([sp, tf.gradients(tf.reduce_sum(sp.values * [10.0, 100.0]), [a, b])])
    assert got.indices.tolist() == [[1, 0], [1, 1]] and got.values.tolist() == [5.0, 2.0]
    assert ga.tolist() == [0.0, 100.0] and gb.tolist() == [0.0, 10.0]


@pytest.mark.parametrize("which", ["reorder", "slice", "fill", "retain", "transpose", "reshape"])
def test_value_gradients_follow_the_entries(which):
    unordered = [[2, 0], [0, 2], [1, 1], [0, 0], [2, 2]]

    def build(v, d):
        sp = tf.SparseTensor(IDX, v, SHAPE)
        if which == "reorder":
            return _values(tf.sparse_reorder(tf.SparseTensor(unordered, v, SHAPE)), 5)
        if which == "slice":
            return _values(tf.sparse_slice(sp, [1, 0], [2, 2]), 2)
        if which == "fill":
            filled, _ = tf.sparse_fill_empty_rows(tf.SparseTensor([[0, 0], [0, 2], [3, 1], [3, 2], [4, 0]], v,
                                                                  [6, 3]), d)
            return _values(filled, 8)
        if which == "retain":
            return _values(tf.sparse_retain(sp, [True, False, True, True, False]), 3)
        if which == "transpose":
            return _values(tf.sparse_transpose(sp), 5)
        return tf.sparse.to_dense(tf.sparse_reshape(sp, [9, 1]))
    check_gradients(build, [np.arange(1.0, 6.0), np.array(-2.0)])


def test_concat_and_split_are_not_differentiable_as_in_tf():
    v = tf.constant([1.0, 2.0])
    sp = tf.SparseTensor([[0, 0], [1, 1]], v, [2, 2])
    assert tf.gradients(tf.reduce_sum(tf.sparse_concat(0, [sp, sp]).values), v) == [None]
    with pytest.raises(LookupError):
        tf.gradients(tf.reduce_sum(tf.sparse_split(sp_input=sp, num_split=2, axis=0)[0].values), v)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), ([0, 1], True), (-1, False)])
def test_reduce_sum_matches_numpy_and_its_gradient(axis, keepdims):
    def build(v):
        return tf.sparse_reduce_sum(tf.SparseTensor(IDX, v, SHAPE), axis, keepdims=keepdims)
    v = np.arange(1.0, 6.0)
    with tf.Session() as s:
        got = s.run(build(tf.constant(v)))
    want = _dense(IDX, v, SHAPE).sum(axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims)
    np.testing.assert_allclose(got, want)
    check_gradients(build, [v])


def test_softmax_and_cwise_gradients():
    def softmax(v):
        return _values(tf.sparse_softmax(tf.SparseTensor(IDX, v, SHAPE)), 5)
    check_gradients(softmax, [np.array([1.0, -2.0, 0.5, 3.0, 1.5])])

    def cwise(v, d):
        sp = tf.SparseTensor(IDX, v, SHAPE)
        return _values(sp * d, 5) + _values(sp / (d + 3.0), 5)
    check_gradients(cwise, [np.arange(1.0, 6.0), np.array([[0.5, -1.0, 2.0]])])


def test_to_dense_gradient_reaches_values_and_default():
    def build(v, d):
        return tf.sparse.to_dense(tf.SparseTensor(IDX, v, SHAPE), default_value=d)
    check_gradients(build, [np.arange(1.0, 6.0), np.array(0.25)])


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookup_sparse_gradients(combiner):
    def sparse_ids():  # in the graph each check builds
        return tf.SparseTensor([[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]], tf.constant([3, 1, 0, 3, 3], tf.int64),
                               [3, 4])

    def build(params, w):
        ids = sparse_ids()
        weights = tf.SparseTensor(ids.indices, w, ids.dense_shape)
        return tf.reshape(tf.nn.embedding_lookup_sparse(params, ids, weights, combiner=combiner), [3, 2])
    rng = np.random.default_rng(2)
    check_gradients(build, [rng.standard_normal((4, 2)), np.array([0.5, 2.0, 1.0, 1.5, 0.25])])

    def safe(params):
        return tf.nn.safe_embedding_lookup_sparse([params[:2], params[2:]], sparse_ids(), combiner=combiner,
                                                  default_id=1)
    check_gradients(safe, [rng.standard_normal((4, 2))])


def test_make_callable_and_feeds_of_a_sparse_placeholder():
    sp = tf.sparse_placeholder(tf.float32, [None, 3])
    total = tf.sparse_reduce_sum(sp, 1)
    with tf.Session() as s:
        f = s.make_callable(total, [sp])
        np.testing.assert_array_equal(f(tf.SparseTensorValue([[0, 1], [1, 2], [1, 0]], [1.0, 2.0, 3.0], [2, 3])),
                                      [1.0, 5.0])
        np.testing.assert_array_equal(f(([[2, 2]], [4.0], [3, 3])), [0.0, 0.0, 4.0])
        with pytest.raises(TypeError, match="SparseTensorValue"):
            s.run(total, {sp: np.ones((2, 3))})
        with pytest.raises(ValueError, match="Cannot feed value of shape"):
            s.run(total, {sp: ([0, 1], [1.0], [2, 3])})  # indices must be [N, 2]


def test_numpy_parts_make_a_sparse_tensor_of_constants():
    sp = tf.SparseTensor(np.array([[0, 1]]), np.array([2.5], np.float32), np.array([2, 2]))
    assert isinstance(sp.values, tf.Tensor) and sp.indices.dtype == tf.int64
    with tf.Session() as s:
        got = s.run({"sp": sp, "n": tf.sparse_reduce_sum(sp)})
    assert isinstance(got["sp"], tf.SparseTensorValue) and got["n"] == 2.5


def test_operators_on_a_sparse_tensor():
    sp = tf.SparseTensor(IDX, np.arange(1.0, 6.0, dtype=np.float32), SHAPE)
    with pytest.raises(TypeError):
        sp + 1.0  # noqa: B018 -- TF1's SparseTensor has no +
    with pytest.raises(TypeError):
        2.0 * sp  # noqa: B018


def test_run_time_errors():
    a = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Operands' shapes do not match"):
            s.run(tf.sparse_add(a, tf.SparseTensor([[0, 0]], [1.0], tf.placeholder_with_default(
                np.array([2, 3], np.int64), [2]))).values)
        with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
            s.run(tf.sparse_tensor_dense_matmul(tf.SparseTensor([[0, 5]], [1.0], [2, 2]), np.ones((2, 1),
                                                                                                 np.float32)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="is invalid"):
            s.run(tf.sparse_fill_empty_rows(tf.SparseTensor([[4, 0]], [1.0], [2, 2]), 0.0)[1])


@pytest.mark.parametrize("fn", ["sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"])
def test_sparse_segment_gradients(fn):
    def build(data):
        return getattr(tf, fn)(data, [0, 2, 1, 1, 2], [0, 0, 1, 3, 3], num_segments=5)
    check_gradients(build, [np.random.default_rng(3).standard_normal((3, 2))])


def test_merge_gradient_reaches_the_values():
    ids = [[0, 0], [0, 1], [1, 0]]

    def build(v):
        merged = tf.sparse_merge(tf.SparseTensor(ids, tf.constant([4, 1, 2], tf.int64), [2, 2]),
                                 tf.SparseTensor(ids, v, [2, 2]), 5)
        return tf.sparse.to_dense(merged)
    check_gradients(build, [np.array([0.5, 1.5, 2.5])])

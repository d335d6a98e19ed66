"""The ops TensorFlow's gradients write into training graphs (ops/gradient_args_ops.py, segment_ops.py,
scatter_ops.py, train/adagrad.py's SparseApplyAdagrad): values as TensorFlow documents them, errors in TF's
words, and gradients against finite differences where the op has one."""
import numpy as np
import pytest
from autograd import numpy as anp

import graphgrad as tf
from graphgrad.ops import gradient_args_ops as dyn
from tests.gradcheck import check_gradients


def _run(fetch, feed=None):
    with tf.Session() as s:
        return s.run(fetch, feed)


@pytest.mark.parametrize("s0, s1, r0, r1", [
    ([2, 3], [3], [], [0]), ([2, 1], [1, 3], [1], [0]), ([1, 1], [1, 1], [0, 1], [0, 1]),
    ([4, 1, 5], [1], [1], [0, 1, 2]), ([], [2, 2], [0, 1], []),
])
def test_broadcast_gradient_args_lists_the_axes_each_operand_sums_over_as_tf(s0, s1, r0, r1):
    with tf.Graph().as_default():
        a = tf.placeholder(tf.int32, (None,))
        b = tf.placeholder(tf.int32, (None,))
        got = _run(dyn.broadcast_gradient_args_op(a, b), {a: s0, b: s1})
    assert [list(g) for g in got] == [r0, r1]


def test_broadcast_gradient_args_of_incompatible_shapes_is_invalid_argument():
    with tf.Graph().as_default():
        a = tf.placeholder(tf.int32, (None,))
        out = dyn.broadcast_gradient_args_op(a, tf.constant([3]))
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
            _run(out, {a: [2]})


def test_concat_offset_places_each_input_along_the_axis():
    with tf.Graph().as_default():
        shapes = [tf.placeholder(tf.int32, (3,)) for _ in range(3)]
        got = _run(dyn.concat_offset(tf.constant(-2), shapes),
                   dict(zip(shapes, [[2, 3, 5], [2, 4, 5], [2, 1, 5]])))
    assert [list(g) for g in got] == [[0, 0, 0], [0, 3, 0], [0, 7, 0]]


def test_tensor_slice_takes_bounds_known_when_run_and_refuses_a_block_that_does_not_fit():
    x = np.arange(24.0).reshape(4, 6)
    with tf.Graph().as_default():
        begin, size = tf.placeholder(tf.int32, (2,)), tf.placeholder(tf.int32, (2,))
        y = dyn.tensor_slice(tf.constant(x), begin, size)
        np.testing.assert_array_equal(_run(y, {begin: [1, 2], size: [2, -1]}), x[1:3, 2:])
        with pytest.raises(tf.errors.InvalidArgumentError, match="to fit in shape"):
            _run(y, {begin: [3, 0], size: [2, 1]})
    check_gradients(lambda t: tf.reshape(dyn.tensor_slice(t, tf.constant([1, 0]), tf.constant([2, 3])), [2, 3]),
                    [x[:3, :4]], reference=lambda t: t[1:3, 0:3])


@pytest.mark.parametrize("kind, fn", [("Sum", np.sum), ("Prod", np.prod), ("Mean", np.mean), ("Max", np.max),
                                      ("Min", np.min)])
@pytest.mark.parametrize("keep", [False, True])
def test_reductions_over_tensor_axes_match_numpy(kind, fn, keep):
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    with tf.Graph().as_default():
        axes = tf.placeholder(tf.int32, (None,))
        y = dyn.tensor_axes_reduction(kind, tf.constant(x), axes, keep)
        for a in ([0], [-1, 1], []):
            np.testing.assert_allclose(_run(y, {axes: a}), fn(x, axis=tuple(a), keepdims=keep), rtol=1e-6)


@pytest.mark.parametrize("kind, ref", [("Sum", anp.sum), ("Mean", anp.mean)])
def test_sums_and_means_over_tensor_axes_differentiate(kind, ref):
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    check_gradients(lambda t: tf.reshape(dyn.tensor_axes_reduction(kind, t, tf.constant([0, 2])), [3]), [x],
                    reference=lambda t: ref(t, axis=(0, 2)))
    check_gradients(lambda t: tf.reshape(dyn.tensor_axes_reduction(kind, t, tf.constant([1]), True), [2, 1, 4]),
                    [x], reference=lambda t: ref(t, axis=1, keepdims=True))


def test_a_product_over_tensor_axes_has_no_gradient_as_said():
    with tf.Graph().as_default():
        x = tf.constant(np.ones((2, 2)))
        with pytest.raises(LookupError, match="No gradient defined"):
            tf.gradients(dyn.tensor_axes_reduction("Prod", x, tf.constant([0])), x)


def test_dynamic_stitch_interleaves_as_tf_documents_it_and_differentiates():
    with tf.Graph().as_default():
        indices = [tf.constant(6), tf.constant([4, 1]), tf.constant([[5, 2], [0, 3]])]
        data = [tf.constant([61.0, 62.0]), tf.constant([[41.0, 42.0], [11.0, 12.0]]),
                tf.constant([[[51.0, 52.0], [21.0, 22.0]], [[1.0, 2.0], [31.0, 32.0]]])]
        got = _run(tf.dynamic_stitch(indices, data))
    np.testing.assert_array_equal(got, [[1, 2], [11, 12], [21, 22], [31, 32], [41, 42], [51, 52], [61, 62]])
    # each input's gradient is the rows it was stitched to (TF's rule, which also gives rows a later input
    # overwrote to the earlier one: the indices here do not repeat)
    check_gradients(lambda a, b: tf.reshape(tf.dynamic_stitch([tf.constant([0, 2]), tf.constant([3, 1])], [a, b]),
                                            [4, 2]),
                    [np.ones((2, 2)), np.full((2, 2), 2.0)], reference=lambda a, b: anp.stack([a[0], b[1], a[1], b[0]]))


def test_unsorted_segment_sum_adds_rows_per_id_drops_negative_ids_and_differentiates():
    data = np.arange(12.0).reshape(4, 3)
    with tf.Graph().as_default():
        got = _run(tf.unsorted_segment_sum(tf.constant(data), tf.constant([2, 0, 2, -1]), 3))
        np.testing.assert_array_equal(got, [data[1], np.zeros(3), data[0] + data[2]])
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[0\] = 3 is out of range \[0, 3\)"):
            _run(tf.unsorted_segment_sum(tf.constant(data), tf.constant([3, 0, 0, 0]), 3))
    check_gradients(lambda d: tf.unsorted_segment_sum(d, tf.constant([1, 0, 1, 1]), 2), [data],
                    reference=lambda d: anp.stack([d[1], d[0] + d[2] + d[3]]))


_ANY_ORDER = pytest.mark.cpu_semantics("TF's GPU kernel applies repeated indices in no set order")


@pytest.mark.parametrize("fn, want", [(tf.scatter_add, [[1, 1], [9, 9], [5, 5]]),
                                      (tf.scatter_sub, [[1, 1], [-7, -7], [-3, -3]]),
                                      pytest.param(tf.scatter_update, [[1, 1], [5, 5], [4, 4]], marks=_ANY_ORDER)])
def test_scatter_ops_change_the_rows_of_a_variable_in_place(fn, want):
    with tf.Graph().as_default():
        v = tf.Variable(np.ones((3, 2), np.float32))
        up = fn(v, tf.constant([1, 2, 1]), tf.constant([[3.0, 3.0], [4.0, 4.0], [5.0, 5.0]]))
        with tf.Session() as s:
            s.run(v.initializer)
            if fn is tf.scatter_update:  # a repeated index: the last update wins
                s.run(up)
            else:
                np.testing.assert_array_equal(s.run(up), want)
            np.testing.assert_array_equal(s.run(v), want)
            bad = fn(v, tf.constant([3]), tf.constant([[1.0, 1.0]]))
            with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = 3 is not in \[0, 3\)"):
                s.run(bad)


def test_sparse_apply_adagrad_updates_only_the_given_rows():
    from graphgrad.ops.core import apply_op
    from graphgrad.train.adagrad import SparseApplyAdagrad

    with tf.Graph().as_default():
        v = tf.Variable(np.ones((3, 2), np.float32))
        acc = tf.Variable(np.full((3, 2), 0.1, np.float32))
        g = np.array([[1.0, 2.0]], np.float32)
        op = apply_op(SparseApplyAdagrad, [v._ref(), acc._ref(), tf.constant(0.5), tf.constant(g),
                                           tf.constant([2])], {"use_locking": False, "update_slots": True})
        with tf.Session() as s:
            s.run([v.initializer, acc.initializer])
            s.run(op)
            a = 0.1 + g[0] ** 2
            np.testing.assert_allclose(s.run(acc), [[0.1, 0.1], [0.1, 0.1], a], rtol=1e-6)
            np.testing.assert_allclose(s.run(v), [[1, 1], [1, 1], 1 - 0.5 * g[0] / np.sqrt(a)], rtol=1e-6)

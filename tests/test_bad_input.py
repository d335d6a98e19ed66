"""Bad API input (issue 11): each example is a named error as TF1 raises it (build: ValueError/TypeError; run:
tf.errors.InvalidArgumentError or ResourceExhaustedError with TF1's text), never a raw Python/NumPy exception or a
silently wrong answer. Each of these failed before the fix; tests/test_fuzz_inputs.py searches around them."""
import numpy as np
import pytest

import graphgrad as tf


def run(fetch, feed=None):
    with tf.Session() as s:
        return s.run(fetch, feed)


def test_concat_of_nothing():
    with pytest.raises(ValueError, match="length 0 shorter than minimum length 2"):
        tf.concat([], 0)


def test_negative_and_float_shapes():
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        tf.zeros((-1, 3))
    with pytest.raises(ValueError, match="must be >= 0"):
        tf.fill([2, -2], 1.0)
    with pytest.raises(TypeError, match="Expected int32, got 2.0"):
        tf.reshape(tf.ones((2, 3)), (2.0, 3.0))
    d = tf.placeholder(tf.int32, (2,))
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        run(tf.fill(d, 1.0), {d: [2, -1]})


@pytest.mark.parametrize("value", [2**40, 1e30, -1e30, [1, 2**31], float("nan"), np.array([2**40])])
def test_feeding_values_out_of_int32_range(value):
    x = tf.placeholder(tf.int32, None, name="x")
    with pytest.raises(ValueError, match="Cannot feed value .* for Tensor x:0, which has dtype int32"):
        run(x, {x: value})


def test_floats_fed_to_int_are_still_truncated():
    x = tf.placeholder(tf.int32, (None,), name="x")
    assert run(x, {x: [2.7, -2.7, 2147483647.5]}).tolist() == [2, -2, 2147483647]


def test_unknown_feed_names():
    x = tf.placeholder(tf.float32, (), name="x")
    with pytest.raises(TypeError, match="Cannot interpret feed_dict key as Tensor: The name 'nope:0' refers to a "
                                        "Tensor which does not exist"):
        run(x + 1.0, {"nope:0": 1.0})


def test_one_hot_depth_beyond_int32():
    with pytest.raises(ValueError, match="depth"):
        tf.one_hot(tf.constant([1]), 2**40)
    with pytest.raises(ValueError, match="depth"):
        tf.one_hot(tf.constant([1]), -1)


def test_range_beyond_int32_is_int64_and_out_of_memory_by_name():
    r = tf.range(0, 2**40)
    assert r.dtype == tf.int64 and r.shape.as_list() == [2**40]
    with pytest.raises(tf.errors.ResourceExhaustedError, match="OOM when allocating tensor with shape"):
        run(r)
    assert run(tf.range(2**31, 2**31 + 2)).tolist() == [2**31, 2**31 + 1]


@pytest.mark.cpu_semantics("TF's GPU gather does not check indices")
def test_gather_out_of_range_indices():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = -1 is not in \[0, 2\)"):
        run(tf.gather(x, [-1]))
    i = tf.placeholder(tf.int32, (None,))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^indices\[1\] = 5 is not in \[0, 3\)"):
        run(tf.gather(tf.constant([1.0, 2.0, 3.0]), i), {i: [0, 5]})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,0\] = 2 is not in \[0, 2\)"):
        run(tf.gather(x, [[0], [2]], axis=1))
    assert run(tf.gather(x, [1, 0])).tolist() == [[3.0, 4.0], [1.0, 2.0]]


def test_slice_past_the_end():
    with pytest.raises(ValueError, match=r"Expected size\[0\] in \[0, 2\], but got 5"):
        tf.slice(tf.constant([1.0, 2.0]), [0], [5])
    with pytest.raises(ValueError, match=r"Expected begin\[0\] in \[0, 2\], but got -1"):
        tf.slice(tf.constant([1.0, 2.0]), [-1], [1])
    x = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected size\[0\] in \[0, 1\], but got 2"):
        run(tf.slice(x, [1], [2]), {x: [1.0, 2.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected begin and size arguments to be 1-D tensors "
                                                             "of size 2"):
        run(tf.slice(x, [0], [1]), {x: [[1.0, 2.0]]})
    assert run(tf.slice(x, [1], [-1]), {x: [1.0, 2.0, 3.0]}).tolist() == [2.0, 3.0]


def test_matmul_of_a_vector_through_unknown_shapes():
    a, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"In\[0\] is not a matrix. Instead it has shape \[3\]"):
        run(tf.matmul(a, b), {a: np.ones(3), b: np.ones((3, 2))})
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Matrix size-incompatible: In\[0\]: \[2,3\], "
                                                             r"In\[1\]: \[4,2\]"):
        run(tf.matmul(a, b), {a: np.ones((2, 3)), b: np.ones((4, 2))})
    assert run(tf.matmul(a, b), {a: np.ones((2, 3)), b: np.ones((3, 2))}).tolist() == [[3.0, 3.0]] * 2


def test_known_shapes_keep_the_bare_matmul_kernel():
    a = tf.placeholder(tf.float32, (None, 3))
    w = tf.ones((3, 2))
    op = tf.matmul(a, w).op
    from graphgrad.runtime.backends import Placement
    from graphgrad.runtime.context import RunContext
    ctx = RunContext(Placement(None, None, tf.get_default_graph()).backend, "float32")
    assert op.op_def.kernel(op, ctx) is ctx.matmul_f32


def test_duplicate_reduction_axes():
    x = tf.ones((2, 3))
    with pytest.raises(ValueError, match="Axes contains duplicate dimension: 0"):
        tf.reduce_sum(x, axis=[0, 0])
    with pytest.raises(ValueError, match="Axes contains duplicate dimension: 1"):
        tf.reduce_mean(x, axis=[1, -1])
    u = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension"):
        run(tf.reduce_sum(u, axis=2), {u: np.ones((2, 2))})


def test_dense_units_must_be_a_positive_integer():
    x = tf.ones((2, 3))
    for units in (2.5, 0, -1, True):
        with pytest.raises(ValueError, match="units"):
            tf.layers.dense(x, units)
    assert tf.layers.dense(x, np.int64(2)).shape.as_list() == [2, 2]
    assert tf.layers.dense(x, x.shape[1]).shape.as_list() == [2, 3]


def test_unknown_rank_inputs_are_checked_when_run():
    u = tf.placeholder(tf.float32)
    one = {u: np.ones(3, np.float32)}
    with pytest.raises(tf.errors.InvalidArgumentError, match="transpose expects a vector of size 1"):
        run(tf.transpose(u, [1, 0]), one)
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiples argument to be a vector of length 1"):
        run(tf.tile(u, [2, 2]), one)
    with pytest.raises(tf.errors.InvalidArgumentError, match="paddings must be the rank of inputs"):
        run(tf.pad(u, [[1, 1], [1, 1]]), one)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected dimension in the range \[-1, 1\)"):
        run(tf.argmax(u, 1), one)
    with pytest.raises(tf.errors.InvalidArgumentError, match="ConcatOp : Dimension 0 in both shapes must be equal"):
        run(tf.concat([u, tf.placeholder_with_default(np.ones((2, 2), np.float32), None)], 1),
            {u: np.ones((3, 2), np.float32)})


@pytest.mark.parametrize("build", [lambda a, b: a + b, lambda a, b: tf.maximum(a, b),
                                   lambda a, b: tf.squared_difference(a, b), lambda a, b: a * b])
def test_broadcast_mismatch_at_run_time_in_tensorflows_words(build):
    a, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    out = build(a, b)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError) as info:
        s.run(out, {a: np.ones((2, 3)), b: np.ones(4)})
    message = str(info.value)
    assert message.startswith("Incompatible shapes: [2,3] vs. [4]") and f"{{{{node {out.op.name}}}}}" in message
    assert "operands could not be broadcast" not in message  # NumPy's words stay out


def test_in_place_update_with_a_mismatched_value_names_both_shapes():
    v = tf.Variable(np.ones((2, 3), np.float32))
    p = tf.placeholder(tf.float32)
    up = tf.assign_add(v, p)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Incompatible shapes: \[2,3\] vs. \[3,3\]\n"):
            s.run(up, {p: np.ones((3, 3))})
        np.testing.assert_array_equal(s.run(v), np.ones((2, 3)))


def test_matmul_of_known_ranks_with_a_run_time_size_mismatch_names_both_sizes():
    a, b = tf.placeholder(tf.float32, (2, None)), tf.placeholder(tf.float32, (None, 2))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^Matrix size-incompatible: In\[0\] has 3 columns, "
                                                             r"In\[1\] has 4 rows\n"):
        run(tf.matmul(a, b), {a: np.ones((2, 3)), b: np.ones((4, 2))})

"""tf.linspace, tf.repeat, the tensor scatters and TF1's variable scatters, space_to_batch, extract_volume_patches,
cross and bitcast: float64 finite-difference gradients (second order where the op is not linear), NumPy
references over random shapes and repeated indices, and the paths TF recordings do not reach (groups of more than
64 repeated indices, fed shapes). Values against TF: the conformance programs sequences_and_tensor_scatters,
variable_scatters and blocks_patches_cross_bitcast."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf

rng = np.random.default_rng(5)


def test_linspace_gradients_first_and_second_order():
    a, b = rng.standard_normal(3), rng.standard_normal((2, 3))
    check_gradients(lambda s, e: tf.linspace(s, e, 5, axis=-1), [a, b])
    check_gradients(lambda s, e: tf.linspace(s, e, 4) ** 2, [a, b])
    check_gradients(lambda s, e: tf.linspace(s, e, 1), [a[:1], b[0, :1]])
    check_gradients(lambda s, e: tf.add_n(tf.gradients(tf.reduce_sum(tf.linspace(s, e, 3) ** 3), [s, e])), [a, b[0]])


def test_linspace_with_a_fed_num_matches_numpy():
    with tf.Graph().as_default(), tf.Session() as s:
        n = tf.placeholder(tf.int32, [])
        out = tf.linspace(tf.constant(-2.0, tf.float64), 3.0, n)
        assert out.shape.as_list() == [None]
        for k in (0, 1, 2, 7, 50):
            got = s.run(out, {n: k})
            np.testing.assert_allclose(got, np.linspace(-2, 3, k) if k != 1 else [-2.0], rtol=1e-15, atol=1e-15)


def test_repeat_gradient_is_dense_and_correct():
    x = rng.standard_normal((3, 2))
    check_gradients(lambda t: tf.reshape(tf.repeat(t, [2, 0, 3], axis=0), [5, 2]), [x])
    check_gradients(lambda t: tf.repeat(t, 3, axis=1), [x])
    check_gradients(lambda t: tf.repeat(t, 2), [x])
    with tf.Graph().as_default():
        t = tf.constant(x)
        (g,) = tf.gradients(tf.reduce_sum(tf.repeat(t, [1, 2], axis=1)), t)
        assert isinstance(g, tf.Tensor)


@settings(max_examples=20)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
def test_repeat_matches_numpy(shape, data):
    x = rng.standard_normal(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = x.size if axis is None else shape[axis]
    repeats = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    with tf.Graph().as_default(), tf.Session() as s:
        np.testing.assert_array_equal(s.run(tf.repeat(x, repeats, axis=axis)), np.repeat(x, repeats, axis=axis))


SCATTERS = [(tf.tensor_scatter_nd_update, lambda o, i, u: o.__setitem__(i, u)),
            (tf.tensor_scatter_nd_add, lambda o, i, u: np.add.at(o, i, u)),
            (tf.tensor_scatter_nd_sub, lambda o, i, u: np.subtract.at(o, i, u)),
            (tf.tensor_scatter_nd_min, lambda o, i, u: np.minimum.at(o, i, u)),
            (tf.tensor_scatter_nd_max, lambda o, i, u: np.maximum.at(o, i, u))]


@settings(max_examples=15)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
def test_tensor_scatters_match_numpy(shape, data):
    k = data.draw(st.integers(1, len(shape)))
    n = data.draw(st.integers(0, 6))
    idx = np.stack([rng.integers(0, d, n) for d in shape[:k]], axis=-1).reshape(n, k)
    if data.draw(st.booleans()):  # unique indices: update's result does not depend on the order of writes
        idx = np.unique(idx, axis=0)
    x = rng.standard_normal(shape)
    u = rng.standard_normal((len(idx),) + shape[k:])
    with tf.Graph().as_default(), tf.Session() as s:
        for op, ref in SCATTERS[1:] if len(np.unique(idx, axis=0)) < len(idx) else SCATTERS:
            want = x.copy()
            ref(want, tuple(idx.T), u)
            np.testing.assert_allclose(s.run(op(x, idx, u)), want, rtol=1e-14)


@pytest.mark.parametrize("op", [s[0] for s in SCATTERS], ids=lambda f: f.__name__)
def test_tensor_scatter_gradients(op):
    x, u = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    check_gradients(lambda a, b: op(a, [[2], [0]], b), [x, u])
    check_gradients(lambda a, b: op(a, [[1, 2], [3, 0]], b[:, 0]), [x, u])


def test_cross_gradients_first_and_second_order():
    a, b = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))
    check_gradients(tf.cross, [a, b])
    check_gradients(lambda p, q: tf.add_n(tf.gradients(tf.reduce_sum(tf.cross(p, q) ** 2), [p, q])), [a, b])


def test_extract_volume_patches_gradient_and_values():
    v = rng.standard_normal((1, 3, 4, 3, 2))
    check_gradients(lambda t: tf.extract_volume_patches(t, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME"), [v])
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run(tf.extract_volume_patches(v, [1, 3, 4, 3, 1], [1, 1, 1, 1, 1], "VALID"))
    np.testing.assert_array_equal(got.reshape(-1), v.reshape(-1))


def test_space_to_batch_round_trip_and_gradient():
    x = rng.standard_normal((2, 4, 6, 1))
    check_gradients(lambda t: tf.space_to_batch(t, [[0, 0], [1, 1]], block_size=2), [x])
    with tf.Graph().as_default(), tf.Session() as s:
        paddings, crops = tf.required_space_to_batch_paddings([4, 5], [2, 2])
        y = tf.batch_to_space(tf.space_to_batch(x[:, :, :5], paddings, 2), crops, block_size=2)
        np.testing.assert_array_equal(s.run(y), x[:, :, :5])
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.space_to_batch(x, [[0, 0], [0, 0]], block_size=2, block_shape=2)


def _variable_scatter(build, start):
    with tf.Graph().as_default(), tf.Session() as s:
        v = tf.Variable(start)
        out = build(v)
        s.run(tf.global_variables_initializer())
        return s.run(out)


@pytest.mark.parametrize("n", [3, 100])
def test_variable_scatters_apply_repeated_indices_in_turn(n):
    """n = 100 repeats of one index take NumPy's reduceat path (groups longer than 64)."""
    start = rng.uniform(0.5, 2.0, (5, 2))
    ids = np.concatenate([np.full(n, 3), [0, 1]])
    ups = rng.uniform(0.9, 1.1, (len(ids), 2))
    for fn, ufunc in ((tf.scatter_mul, np.multiply), (tf.scatter_min, np.minimum), (tf.scatter_max, np.maximum),
                      (tf.scatter_div, np.divide), (tf.scatter_add, np.add), (tf.scatter_sub, np.subtract)):
        want = start.copy()
        ufunc.at(want, ids, ups)
        np.testing.assert_allclose(_variable_scatter(lambda v, fn=fn: fn(v, ids, ups), start), want, rtol=1e-12)
    nd = np.stack([ids, ids % 2], axis=1)
    for fn, ufunc in ((tf.scatter_nd_add, np.add), (tf.scatter_nd_sub, np.subtract)):
        want = start.copy()
        ufunc.at(want, tuple(nd.T), ups[:, 0])
        np.testing.assert_allclose(_variable_scatter(lambda v, fn=fn: fn(v, nd, ups[:, 0]), start), want, rtol=1e-12)


def test_integer_scatter_div_truncates():
    start = np.array([[7, -7], [9, 8]], np.int32)
    got = _variable_scatter(lambda v: tf.scatter_div(v, [0, 0, 1], np.array([[2, 2], [1, 1], [-4, 3]], np.int32)),
                            start)
    np.testing.assert_array_equal(got, [[3, -3], [-2, 2]])


@pytest.mark.parametrize("src,dst", [(np.float32, np.int32), (np.float64, np.uint8), (np.int16, np.int32),
                                     (np.int64, np.float64)])
def test_bitcast_reads_the_same_bytes(src, dst):
    x = rng.integers(-100, 100, (3, 4)).astype(src)
    if np.dtype(src).itemsize < np.dtype(dst).itemsize:
        x = x.reshape(3, 4 // (np.dtype(dst).itemsize // np.dtype(src).itemsize), -1)
    with tf.Graph().as_default(), tf.Session() as s:
        t = tf.bitcast(x, dst)
        got = s.run(t)
    want = x.view(dst).reshape(t.shape.as_list())
    np.testing.assert_array_equal(got, want)
    assert list(got.shape) == t.shape.as_list()

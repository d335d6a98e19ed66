"""Array ops: forward values vs NumPy, static shapes (with unknown dims), build- and run-time errors,
TF1 op names, and gradients (finite differences + autograd, first and second order)."""
import autograd
import autograd.numpy as anp
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad.ops import array_ops

SETTINGS = settings(max_examples=25, deadline=None)


def fresh(test):
    """Run each hypothesis example on its own graph (names and op counts start from scratch)."""
    import functools

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        with tf.Graph().as_default():
            return test(*args, **kwargs)
    return wrapper


def run(fetch, feed=None):
    with tf.Session() as s:
        return s.run(fetch, feed)


def unknown(arr, dtype=tf.float64):
    """A placeholder with every dimension unknown, and its feed."""
    arr = np.asarray(arr)
    ph = tf.placeholder(dtype, (None,) * arr.ndim)
    return ph, {ph: arr}


def vjp_check(build, x, static_shape, seed=0, reference=None):
    """Gradient of sum(build(x) * r) with x fed through a placeholder of `static_shape` (unknown dims),
    compared with autograd's vjp of `reference` (default: build's NumPy twin given as reference)."""
    x = np.asarray(x, np.float64)
    g = tf.Graph()
    with g.as_default():
        ph = tf.placeholder(tf.float64, static_shape)
        y = build(ph)
        with tf.Session() as s:
            yv = s.run(y, {ph: x})
            r = np.random.default_rng(seed).standard_normal(np.shape(yv))
            (gr,) = tf.gradients(y, ph, grad_ys=tf.constant(r))
            got = s.run(tf.convert_to_tensor(gr), {ph: x})  # a gather's IndexedSlices as a dense tensor
    want = autograd.make_vjp(reference)(x)[0](r)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    return got


def adjoint_check(build, x, seed=1):
    """Second order: d<J^T v, w>/dv = J w for a linear op, so differentiating the gradient w.r.t. grad_ys must
    give the op itself applied to w (this exercises every *Grad op's own gradient)."""
    x = np.asarray(x, np.float64)
    g = tf.Graph()
    with g.as_default():
        xc = tf.constant(x)
        y = build(xc)
        v = tf.placeholder(tf.float64, y.shape)
        (gx,) = tf.gradients(y, xc, grad_ys=v)
        rng = np.random.default_rng(seed)
        with tf.Session() as s:
            vv = rng.standard_normal(np.shape(s.run(y)))
        w = rng.standard_normal(x.shape)
        (gv,) = tf.gradients(gx, v, grad_ys=tf.constant(w))
        with tf.Session() as s:
            got = s.run(gv, {v: vv})
            want = s.run(build(tf.constant(w)))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


# --- zeros, ones, fill ----------------------------------------------------------------------------------

def test_zeros_ones_fill_values_names_and_dtypes():
    z = tf.zeros((2, 3))
    o = tf.ones([4], dtype=tf.int32)
    f = tf.fill([2, 2], 7.5)
    big = tf.zeros((40, 40))
    assert z.op.name == "zeros" and z.op.type == "Const" and z.dtype == tf.float32
    assert o.op.name == "ones" and o.dtype == tf.int32
    assert f.op.type == "Fill" and f.shape.as_list() == [2, 2]
    assert big.op.type == "Fill" and big.op.name == "zeros_1" and big.shape.as_list() == [40, 40]
    zv, ov, fv, bv = run([z, o, f, big])
    np.testing.assert_array_equal(zv, np.zeros((2, 3), np.float32))
    assert ov.dtype == np.int32 and list(ov) == [1, 1, 1, 1]
    np.testing.assert_array_equal(fv, np.full((2, 2), 7.5, np.float32))
    assert bv.shape == (40, 40) and not bv.any()


def test_zeros_with_dimension_objects_and_tensor_shape():
    x = tf.placeholder(tf.float32, (None, 5))
    z = tf.zeros((x.shape[1], 2))
    assert z.shape.as_list() == [5, 2]
    dyn = tf.zeros(tf.shape(x))
    assert dyn.shape.as_list() == [None, 5]
    assert run(dyn, {x: np.ones((3, 5))}).shape == (3, 5)
    assert tf.ones(tf.TensorShape([2, 1])).shape.as_list() == [2, 1]


def test_zeros_like_ones_like_are_exported():
    assert tf.zeros_like is array_ops.zeros_like and "ones_like" in array_ops.__all__
    x = tf.constant([[1, 2]])
    np.testing.assert_array_equal(run(tf.ones_like(x)), [[1, 1]])


def test_fill_gradient_sums_into_the_value():
    check_gradients(lambda v: tf.fill([2, 3], v), [np.array(1.5)], reference=lambda v: anp.ones((2, 3)) * v)


# --- reshape --------------------------------------------------------------------------------------------

@SETTINGS
@given(shapes, st.data())
@fresh
def test_reshape_matches_numpy_static_and_dynamic(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    target = list(data.draw(st.permutations(shape)))
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    want = x.reshape(target)
    y = tf.reshape(tf.constant(x), target)
    assert y.shape.as_list() == list(want.shape)
    np.testing.assert_array_equal(run(y), want)
    ph, feed = unknown(x)
    y2 = tf.reshape(ph, target)
    assert y2.shape.as_list() == [None if d == -1 else d for d in target]
    np.testing.assert_array_equal(run(y2, feed), want)


def test_reshape_static_inference_with_unknown_dims_and_tensor_shapes():
    x = tf.placeholder(tf.float32, (None, 4, 3))
    assert tf.reshape(x, [-1, 12]).shape.as_list() == [None, 12]
    assert tf.reshape(x, [-1]).shape.as_list() == [None]
    fixed = tf.placeholder(tf.float32, (2, 6))
    assert tf.reshape(fixed, [3, -1]).shape.as_list() == [3, 4]
    assert tf.reshape(fixed, np.array([4, 3])).shape.as_list() == [4, 3]
    # a shape list that contains tensors is packed into one shape tensor; known entries stay known
    y = tf.reshape(x, [tf.shape(x)[0], 2, -1])
    assert y.shape.as_list() == [None, 2, None]
    v = run(y, {x: np.ones((5, 4, 3))})
    assert v.shape == (5, 2, 6)
    # a shape tensor of unknown value and known length
    s = tf.placeholder(tf.int32, (2,))
    z = tf.reshape(fixed, s)
    assert z.shape.as_list() == [None, None]
    assert run(z, {s: [6, 2], fixed: np.ones((2, 6))}).shape == (6, 2)
    # unknown rank
    s2 = tf.placeholder(tf.int32, None)
    assert tf.reshape(fixed, s2).shape.ndims is None


def test_reshape_errors():
    fixed = tf.placeholder(tf.float32, (2, 3))
    with pytest.raises(ValueError, match="Cannot reshape a tensor with 6 elements to shape"):
        tf.reshape(fixed, [4])
    with pytest.raises(ValueError, match="Cannot reshape"):
        tf.reshape(fixed, [4, -1])
    with pytest.raises(ValueError, match="-1"):
        tf.reshape(fixed, [-1, -1])
    x = tf.placeholder(tf.float32, (None, 3))
    y = tf.reshape(x, [4, -1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input to reshape is a tensor with 6 values"):
        run(y, {x: np.ones((2, 3))})
    s = tf.placeholder(tf.int32, (2,))
    z = tf.reshape(x, s)
    with pytest.raises(tf.errors.InvalidArgumentError, match="reshape"):
        run(z, {x: np.ones((2, 3)), s: [4, 4]})


def test_reshape_gradients():
    check_gradients(lambda x: tf.reshape(x, [3, -1]), [np.arange(12.0).reshape(2, 6)],
                    reference=lambda x: anp.reshape(x, (3, -1)))
    vjp_check(lambda x: tf.reshape(x, [-1]), np.ones((3, 4)), (None, 4), reference=lambda x: anp.reshape(x, -1))
    adjoint_check(lambda x: tf.reshape(x, [2, 2, 3]), np.ones((3, 4)))


def test_reshape_default_name_and_view_of_input():
    x = tf.constant(np.arange(6.0))
    y = tf.reshape(x, [2, 3])
    assert y.op.name == "Reshape" and y.op.type == "Reshape"


# --- transpose, expand_dims, squeeze, reverse -----------------------------------------------------------

@SETTINGS
@given(shapes, st.data())
@fresh
def test_transpose_matches_numpy(shape, data):
    x = np.random.default_rng(0).standard_normal(shape)
    perm = data.draw(st.permutations(range(len(shape))))
    y = tf.transpose(tf.constant(x), perm)
    assert y.op.name == "transpose"
    assert y.shape.as_list() == list(np.transpose(x, perm).shape)
    np.testing.assert_array_equal(run(y), np.transpose(x, perm))
    np.testing.assert_array_equal(run(tf.transpose(tf.constant(x))), x.T)


def test_transpose_static_and_errors_and_gradients():
    x = tf.placeholder(tf.float32, (None, 3, 5))
    assert tf.transpose(x, [2, 0, 1]).shape.as_list() == [5, None, 3]
    assert tf.transpose(x).shape.as_list() == [5, 3, None]
    with pytest.raises(ValueError, match="permutation"):
        tf.transpose(x, [0, 0, 1])
    with pytest.raises(ValueError, match="Dimension must be 3 but is 2"):
        tf.transpose(x, [1, 0])
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    check_gradients(lambda t: tf.transpose(t, [1, 2, 0]), [a], reference=lambda t: anp.transpose(t, (1, 2, 0)))
    check_gradients(lambda t: tf.transpose(t), [a], reference=lambda t: anp.transpose(t))
    adjoint_check(lambda t: tf.transpose(t, [2, 0, 1]), a)
    m = tf.matrix_transpose(tf.placeholder(tf.float32, (7, 2, 3)))
    assert m.shape.as_list() == [7, 3, 2]


def test_expand_dims_and_squeeze():
    x = tf.placeholder(tf.float32, (None, 3))
    assert tf.expand_dims(x, 1).op.name == "ExpandDims"
    assert tf.expand_dims(x, 0).shape.as_list() == [1, None, 3]
    assert tf.expand_dims(x, -1).shape.as_list() == [None, 3, 1]
    with pytest.raises(ValueError):
        tf.expand_dims(x, 3)
    a = np.arange(6.0).reshape(2, 3)
    for axis in (0, 1, 2, -1, -2, -3):
        np.testing.assert_array_equal(run(tf.expand_dims(a, axis)), np.expand_dims(a, axis))
    y = tf.placeholder(tf.float32, (1, None, 1, 4))
    assert tf.squeeze(y, [0, 2]).shape.as_list() == [None, 4]
    assert tf.squeeze(y, -2).shape.as_list() == [1, None, 4]
    assert tf.squeeze(y).shape.ndims is None  # the unknown dim might be 1
    assert tf.squeeze(tf.placeholder(tf.float32, (1, 2, 1))).shape.as_list() == [2]
    with pytest.raises(ValueError, match="Can not squeeze dim\\[3\\], expected a dimension of 1, got 4"):
        tf.squeeze(y, [3])
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.squeeze(y, [1]), {y: np.ones((1, 2, 1, 4))})
    b = np.arange(8.0).reshape(1, 2, 1, 4)
    np.testing.assert_array_equal(run(tf.squeeze(b)), b.squeeze())
    check_gradients(lambda t: tf.expand_dims(t, 1), [a], reference=lambda t: anp.expand_dims(t, 1))
    check_gradients(lambda t: tf.squeeze(t, [0]), [b], reference=lambda t: anp.squeeze(t, 0))
    vjp_check(lambda t: tf.squeeze(t), b, (None, None, 1, None), reference=anp.squeeze)
    vjp_check(lambda t: tf.expand_dims(t, 0), a, (None, None), reference=lambda t: anp.expand_dims(t, 0))


def test_reverse():
    a = np.arange(24.0).reshape(2, 3, 4)
    for axis in ([0], [1, 2], [-1]):
        np.testing.assert_array_equal(run(tf.reverse(a, axis)), np.flip(a, axis))
    check_gradients(lambda t: tf.reverse(t, [0, 2]), [a], reference=lambda t: t[::-1, :, ::-1])
    with pytest.raises(ValueError):
        tf.reverse(a, [0, 0])


# --- concat, stack, unstack, split ---------------------------------------------------------------------

@SETTINGS
@given(shapes, st.data())
@fresh
def test_concat_matches_numpy(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(0)
    parts = []
    for _ in range(data.draw(st.integers(2, 3))):
        s = list(shape)
        s[axis] = data.draw(st.integers(0, 3))
        parts.append(rng.standard_normal(s))
    y = tf.concat([tf.constant(p) for p in parts], axis)
    want = np.concatenate(parts, axis)
    assert y.shape.as_list() == list(want.shape)
    np.testing.assert_array_equal(run(y), want)


def test_concat_static_shapes_names_and_errors():
    a = tf.placeholder(tf.float32, (None, 3))
    b = tf.placeholder(tf.float32, (2, None))
    c = tf.concat([a, b], 0)
    assert c.op.name == "concat" and c.op.type == "ConcatV2"
    assert c.shape.as_list() == [None, 3]
    assert tf.concat([b, b], 1).shape.as_list() == [2, None]
    assert tf.concat([tf.zeros((2, 3)), tf.zeros((2, 4))], -1).shape.as_list() == [2, 7]
    with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal"):
        tf.concat([tf.zeros((2, 3)), tf.zeros((2, 4))], 0)
    with pytest.raises(ValueError, match="rank"):
        tf.concat([tf.zeros((2, 3)), tf.zeros((2,))], 0)
    with pytest.raises(TypeError):
        tf.concat([tf.zeros((2,)), tf.zeros((2,), tf.int32)], 0)
    single = tf.concat([a], 0)
    assert single.op.type == "Identity"


def test_concat_and_split_gradients():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    check_gradients(lambda x, y: tf.concat([x, y, x], 1), [a, b],
                    reference=lambda x, y: anp.concatenate([x, y, x], 1))
    c = rng.standard_normal((6, 2))
    check_gradients(lambda x: tf.concat(tf.split(x, 3)[::-1], 0), [c],
                    reference=lambda x: anp.concatenate(anp.split(x, 3)[::-1], 0))
    # an unused piece gets a zero gradient
    check_gradients(lambda x: tf.split(x, [1, -1, 2], axis=0)[1], [c], reference=lambda x: x[1:4])
    # unknown sizes along the axis: the gradient splits at run time
    vjp_check(lambda x: tf.concat([x, 2.0 * x], 0), a, (None, 3),
              reference=lambda x: anp.concatenate([x, 2.0 * x], 0))
    adjoint_check(lambda x: tf.concat([x, x[:1]], 0), a)


def test_stack_unstack():
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
    for axis in (0, 1, 2, -1):
        y = tf.stack(xs, axis=axis)
        assert y.shape.as_list() == list(np.stack(xs, axis).shape)
        np.testing.assert_array_equal(run(y), np.stack(xs, axis))
        parts = tf.unstack(y, axis=axis)
        assert len(parts) == 4 and all(p.shape.as_list() == [2, 3] for p in parts)
        for got, want in zip(run(parts), xs):
            np.testing.assert_array_equal(got, want)
    p = tf.placeholder(tf.float32, (None, 3))
    s = tf.stack([p, p])
    assert s.op.name == "stack_4" and s.op.type == "Pack" and s.shape.as_list() == [2, None, 3]
    one = tf.unstack(tf.zeros((1, 5)))
    assert isinstance(one, list) and len(one) == 1 and run(one[0]).shape == (5,)
    with tf.Graph().as_default():
        u = tf.unstack(tf.zeros((3, 2)))
        assert [t.name for t in u] == ["unstack:0", "unstack:1", "unstack:2"]
    with pytest.raises(ValueError, match="Cannot infer num"):
        tf.unstack(p)
    with pytest.raises(ValueError):
        tf.stack([tf.zeros((2,)), tf.zeros((3,))])
    # constants stack into one Const; a list with tensors packs
    assert tf.stack([1, 2, 3]).op.type == "Const"
    packed = tf.convert_to_tensor([tf.constant(1.0), 2.0])
    assert packed.op.type == "Pack" and packed.op.name == "packed"
    np.testing.assert_array_equal(run(packed), [1.0, 2.0])


def test_stack_unstack_gradients():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check_gradients(lambda x, y: tf.stack([x, y, x], axis=1), [a, b],
                    reference=lambda x, y: anp.stack([x, y, x], axis=1))
    check_gradients(lambda x: tf.unstack(x, axis=1)[2] * 3.0 + tf.unstack(x, axis=1)[0], [a],
                    reference=lambda x: x[:, 2] * 3.0 + x[:, 0])
    adjoint_check(lambda x: tf.stack([x, x], axis=-1), a)


@SETTINGS
@given(shapes, st.data())
@fresh
def test_split_matches_numpy(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = shape[axis]
    x = np.random.default_rng(0).standard_normal(shape)
    n = data.draw(st.sampled_from([k for k in range(1, d + 1) if d % k == 0]))
    parts = tf.split(x, n, axis=axis)
    assert len(parts) == n
    for got, want in zip(run(parts), np.split(x, n, axis)):
        np.testing.assert_array_equal(got, want)
    cuts = sorted(data.draw(st.lists(st.integers(0, d), max_size=3)))
    sizes = list(np.diff([0] + cuts + [d]))
    if data.draw(st.booleans()):
        sizes[data.draw(st.integers(0, len(sizes) - 1))] = -1
    parts = tf.split(x, sizes, axis=axis)
    wants = np.split(x, cuts, axis)
    assert [p.shape.as_list() for p in parts] == [list(w.shape) for w in wants]
    for got, want in zip(run(parts), wants):
        np.testing.assert_array_equal(got, want)


def test_split_static_shapes_and_errors():
    x = tf.placeholder(tf.float32, (None, 6))
    a, b = tf.split(x, 2, axis=1)
    assert a.shape.as_list() == [None, 3] and a.name == "split:0" and b.name == "split:1"
    c, d = tf.split(x, [2, -1], axis=0)
    assert c.shape.as_list() == [2, 6] and d.shape.as_list() == [None, 6]
    assert tf.split(x, 1, axis=1)[0].shape.as_list() == [None, 6]
    with pytest.raises(ValueError, match="evenly divisible by 4"):
        tf.split(x, 4, axis=1)
    with pytest.raises(ValueError):
        tf.split(x, [2, 2], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.split(x, 4, axis=0), {x: np.ones((3, 6))})
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(tf.split(x, [2, 2], axis=0), {x: np.ones((3, 6))})
    sizes = tf.placeholder(tf.int32, (2,))
    p, q = tf.split(x, sizes, axis=0)
    pv, qv = run([p, q], {x: np.arange(30.0).reshape(5, 6), sizes: [1, 4]})
    assert pv.shape == (1, 6) and qv.shape == (4, 6)


# --- tile, broadcast_to, pad ----------------------------------------------------------------------------

@SETTINGS
@given(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), st.data())
@fresh
def test_tile_matches_numpy_and_gradient(shape, data):
    x = np.random.default_rng(0).standard_normal(shape)
    mult = data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape)))
    y = tf.tile(tf.constant(x), mult)
    assert y.shape.as_list() == list(np.tile(x, mult).shape)
    np.testing.assert_array_equal(run(y), np.tile(x, mult))
    if x.size and 0 < np.prod(mult) and x.size * np.prod(mult) <= 64:
        check_gradients(lambda t: tf.tile(t, mult), [x], reference=lambda t: anp.tile(t, mult))


def test_tile_static_dynamic_and_second_order():
    x = tf.placeholder(tf.float32, (None, 2))
    assert tf.tile(x, [3, 2]).shape.as_list() == [None, 4]
    with pytest.raises(ValueError):
        tf.tile(x, [2])
    m = tf.placeholder(tf.int32, (2,))
    y = tf.tile(x, m)
    assert y.shape.as_list() == [None, None]
    np.testing.assert_array_equal(run(y, {x: [[1, 2]], m: [2, 1]}), [[1, 2], [1, 2]])
    a = np.random.default_rng(5).standard_normal((2, 3))
    vjp_check(lambda t: tf.tile(t, [2, 3]), a, (None, None), reference=lambda t: anp.tile(t, (2, 3)))
    adjoint_check(lambda t: tf.tile(t, [3, 1]), a)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=3, max_side=3))
@fresh
def test_broadcast_to_matches_numpy_and_gradient(shapes_):
    (shape,), target = shapes_
    x = np.random.default_rng(0).standard_normal(shape)
    y = tf.broadcast_to(x, target)
    assert y.shape.as_list() == list(target)
    np.testing.assert_array_equal(run(y), np.broadcast_to(x, target))
    if 0 < np.prod(target) <= 48:
        check_gradients(lambda t: tf.broadcast_to(t, target), [x],
                        reference=lambda t: anp.broadcast_to(t, target))


def test_broadcast_to_errors_and_unknown_dims():
    with pytest.raises(ValueError):
        tf.broadcast_to(tf.zeros((2, 3)), (2, 4))
    with pytest.raises(ValueError):
        tf.broadcast_to(tf.zeros((2, 3)), (3,))
    x = tf.placeholder(tf.float64, (None, 1))
    y = tf.broadcast_to(x, [tf.shape(x)[0], 3])
    assert y.shape.as_list() == [None, 3]
    out = run(y, {x: [[1.0], [2.0]]})
    assert out.flags.writeable
    np.testing.assert_array_equal(out, [[1, 1, 1], [2, 2, 2]])
    vjp_check(lambda t: tf.broadcast_to(t, [2, 3]), np.ones((2, 1)), (None, 1),
              reference=lambda t: anp.broadcast_to(t, (2, 3)))


def test_pad_modes_and_gradients():
    a = np.arange(12.0).reshape(3, 4)
    p = [[1, 2], [2, 1]]
    np.testing.assert_array_equal(run(tf.pad(a, p)), np.pad(a, p))
    np.testing.assert_array_equal(run(tf.pad(a, p, constant_values=-1)), np.pad(a, p, constant_values=-1))
    np.testing.assert_array_equal(run(tf.pad(a, p, "REFLECT")), np.pad(a, p, "reflect"))
    np.testing.assert_array_equal(run(tf.pad(a, [[3, 3], [4, 4]], "SYMMETRIC")),
                                  np.pad(a, [[3, 3], [4, 4]], "symmetric"))
    assert tf.pad(a, p).op.type == "Pad" and tf.pad(a, p, constant_values=1).op.type == "PadV2"
    x = tf.placeholder(tf.float32, (None, 4))
    assert tf.pad(x, p).shape.as_list() == [None, 7]
    with pytest.raises(ValueError):
        tf.pad(a, [[4, 0], [0, 0]], "REFLECT")
    check_gradients(lambda t: tf.pad(t, p), [a], reference=lambda t: anp.pad(t, p, "constant"))
    b = np.random.default_rng(6).standard_normal((3, 4))
    for mode, q in (("REFLECT", [[2, 1], [3, 3]]), ("SYMMETRIC", [[3, 0], [1, 4]])):
        check_gradients(lambda t, m=mode, q=q: tf.pad(t, q, m), [b])  # finite differences (autograd lacks it)
        adjoint_check(lambda t, m=mode, q=q: tf.pad(t, q, m), b)
    adjoint_check(lambda t: tf.pad(t, p), b)


# --- gather, one_hot, boolean_mask ----------------------------------------------------------------------

@SETTINGS
@given(shapes, hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), st.data())
@fresh
def test_gather_matches_numpy_and_gradient(pshape, ishape, data):
    axis = data.draw(st.integers(-len(pshape), len(pshape) - 1))
    params = np.random.default_rng(0).standard_normal(pshape)
    idx = data.draw(hnp.arrays(np.int32, ishape, elements=st.integers(0, pshape[axis] - 1)))
    y = tf.gather(params, idx, axis=axis)
    want = np.take(params, idx, axis=axis)
    assert y.shape.as_list() == list(want.shape)
    np.testing.assert_array_equal(run(y), want)
    if params.size <= 32:
        check_gradients(lambda p: tf.gather(p, idx, axis=axis), [params],
                        reference=lambda p: anp.moveaxis(anp.moveaxis(p, axis, 0)[idx], list(range(idx.ndim)),
                                                         list(range(axis % len(pshape),
                                                                    axis % len(pshape) + idx.ndim))))


@pytest.mark.cpu_semantics("TF's GPU gather does not check indices")
def test_gather_names_errors_dynamic_and_second_order():
    p = tf.placeholder(tf.float64, (None, 3))
    i = tf.placeholder(tf.int32, (None,))
    y = tf.gather(p, i)
    assert y.op.name == "GatherV2" and y.shape.as_list() == [None, 3]
    with pytest.raises(TypeError):
        tf.gather(p, tf.constant([0.5]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(y, {p: np.ones((2, 3)), i: [5]})
    params = np.random.default_rng(7).standard_normal((4, 3))
    vjp_check(lambda t: tf.gather(t, [0, 2, 0, 3]), params, (None, 3), reference=lambda t: t[[0, 2, 0, 3]])
    adjoint_check(lambda t: tf.gather(t, [[1, 1], [3, 0]], axis=0), params)
    adjoint_check(lambda t: tf.gather(t, [2, 2, 0], axis=1), params)


def test_one_hot():
    idx = np.array([[0, 2], [1, -1]])
    y = tf.one_hot(idx, 3)
    assert y.op.name == "one_hot" and y.dtype == tf.float32 and y.shape.as_list() == [2, 2, 3]
    want = (idx[..., None] == np.arange(3)).astype(np.float32)
    np.testing.assert_array_equal(run(y), want)
    np.testing.assert_array_equal(run(tf.one_hot(idx, 3, axis=0)), np.moveaxis(want, -1, 0))
    np.testing.assert_array_equal(run(tf.one_hot(idx, 3, axis=1)), np.moveaxis(want, -1, 1))
    z = tf.one_hot([1, 0], 2, on_value=5, off_value=-1)
    assert z.dtype == tf.int32
    np.testing.assert_array_equal(run(z), [[-1, 5], [5, -1]])
    w = tf.one_hot(tf.placeholder(tf.int64, (None,)), 4, dtype=tf.float64)
    assert w.shape.as_list() == [None, 4] and w.dtype == tf.float64
    with pytest.raises(TypeError):
        tf.one_hot([0.5], 3)


def test_boolean_mask():
    a = np.arange(24.0).reshape(2, 3, 4)
    m = np.array([[True, False, True], [False, False, True]])
    y = tf.boolean_mask(a, m)
    assert y.shape.as_list() == [None, 4] and y.op.name == "boolean_mask"
    np.testing.assert_array_equal(run(y), a[m])
    m1 = np.array([True, False, True])
    np.testing.assert_array_equal(run(tf.boolean_mask(a, m1, axis=1)), a[:, m1])
    # the masked size is only known at run time; gradcheck needs a static output shape
    check_gradients(lambda t: tf.reshape(tf.boolean_mask(t, m), [3, 4]), [a], reference=lambda t: t[m])
    adjoint_check(lambda t: tf.boolean_mask(t, m1, axis=1), a)
    with pytest.raises(ValueError):
        tf.boolean_mask(a, np.ones((2, 4), bool))


# --- shape, size, rank, range ---------------------------------------------------------------------------

def test_shape_size_rank():
    x = tf.placeholder(tf.float32, (None, 3))
    s, n, r = tf.shape(x), tf.size(x), tf.rank(x)
    assert s.op.type == "Shape" and s.op.name == "Shape" and s.dtype == tf.int32 and s.shape.as_list() == [2]
    assert n.op.type == "Size" and r.op.type == "Const"
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    sv, nv, rv = run([s, n, r], {x: np.ones((5, 3))})
    assert sv.dtype == np.int32 and list(sv) == [5, 3] and nv == 15 and rv == 2
    assert isinstance(nv, np.int32)
    # fully defined shapes are constants, as in TF1
    c = tf.shape(tf.zeros((2, 4)))
    assert c.op.type == "Const"
    np.testing.assert_array_equal(run(c), [2, 4])
    u = tf.placeholder(tf.float32)
    assert tf.rank(u).op.type == "Rank" and tf.shape(u).shape.as_list() == [None]
    assert run(tf.rank(u), {u: np.ones((2, 2, 2))}) == 3
    a, b = tf.shape_n([x, u])
    av, bv = run([a, b], {x: np.ones((1, 3)), u: np.ones(4)})
    assert list(av) == [1, 3] and list(bv) == [4]


def test_range():
    r = tf.range(5)
    assert r.op.name == "range" and r.dtype == tf.int32 and r.shape.as_list() == [5]
    np.testing.assert_array_equal(run(r), np.arange(5))
    f = tf.range(1, 2.5, 0.5)
    assert f.dtype == tf.float32 and f.shape.as_list() == [3]
    np.testing.assert_allclose(run(f), [1.0, 1.5, 2.0])
    assert tf.range(10, 0, -3).shape.as_list() == [4]
    np.testing.assert_array_equal(run(tf.range(10, 0, -3)), [10, 7, 4, 1])
    assert tf.range(np.int64(3)).dtype == tf.int64
    assert tf.range(3, dtype=tf.float64).dtype == tf.float64
    n = tf.placeholder(tf.int32, ())
    d = tf.range(n)
    assert d.shape.as_list() == [None]
    np.testing.assert_array_equal(run(d, {n: 3}), [0, 1, 2])
    with pytest.raises(ValueError, match="delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(ValueError):
        tf.range(5, 0, 1)


# --- strided slice: tensor[...] -------------------------------------------------------------------------

@SETTINGS
@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4).flatmap(
    lambda s: st.tuples(st.just(s), hnp.basic_indices(s, allow_newaxis=True, allow_ellipsis=True))))
@fresh
def test_getitem_matches_numpy(case):
    shape, key = case
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    want = x[key]
    y = array_ops._slice_helper(tf.constant(x), key)
    assert y.shape.as_list() == list(np.shape(want))
    np.testing.assert_array_equal(run(y), want)
    ph, feed = unknown(x)
    y2 = array_ops._slice_helper(ph, key)
    assert y2.shape.ndims == np.ndim(want)
    np.testing.assert_array_equal(run(y2, feed), want)
    if 0 < x.size <= 24 and np.size(want):
        check_gradients(lambda t: array_ops._slice_helper(t, key), [x], reference=lambda t: t[key])


def test_getitem_operator_names_static_shapes_and_errors():
    x = tf.placeholder(tf.float32, (None, 5, 4))
    y = x[0]
    assert y.op.name == "strided_slice" and y.op.type == "StridedSlice"
    assert y.shape.as_list() == [5, 4]
    assert x[:, 1:4].shape.as_list() == [None, 3, 4]
    assert x[..., ::-2].shape.as_list() == [None, 5, 2]
    assert x[:, tf.newaxis, -1].shape.as_list() == [None, 1, 4]
    assert x[1:3].shape.as_list() == [None, 5, 4]
    with pytest.raises(ValueError, match="out of bounds"):
        x[:, 5]
    with pytest.raises(ValueError):
        x[0, 0, 0, 0]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        x[..., 0, ...]
    with pytest.raises(ValueError):
        x[::0]
    with pytest.raises(TypeError):
        x[[0, 1]]
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(x[3], {x: np.ones((2, 5, 4))})


def test_getitem_with_scalar_tensor_indices():
    a = np.arange(20.0).reshape(4, 5)
    i = tf.placeholder(tf.int32, ())
    x = tf.constant(a)
    y = x[i, 1:i]
    assert y.shape.as_list() == [None]
    np.testing.assert_array_equal(run(y, {i: 3}), a[3, 1:3])
    np.testing.assert_array_equal(run(x[tf.constant(-1)]), a[-1])  # constants fold into the spec
    assert x[tf.constant(2)].shape.as_list() == [5]
    # gradient with a tensor index, static and unknown input shape
    check_gradients(lambda t: t[tf.constant(1):, 2], [a], reference=lambda t: t[1:, 2])
    g = tf.Graph()
    with g.as_default():
        ph = tf.placeholder(tf.float64, (None, None))
        j = tf.placeholder(tf.int32, ())
        y = ph[j, ::2]
        (gx,) = tf.gradients(y, ph, grad_ys=tf.constant(np.array([1.0, 2.0, 3.0])))
        with tf.Session() as s:
            got = s.run(gx, {ph: a, j: 2})
    want = np.zeros_like(a)
    want[2, ::2] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(got, want)


def test_getitem_second_order_and_hessian_helpers():
    a = np.random.default_rng(8).standard_normal((3, 4))
    adjoint_check(lambda t: t[1:, ::-2], a)
    adjoint_check(lambda t: t[..., None, 2], a)
    vjp_check(lambda t: t[::-1, 1], a, (None, None), reference=lambda t: t[::-1, 1])


def test_strided_slice_and_slice_functions():
    a = np.arange(24.0).reshape(2, 3, 4)
    y = tf.strided_slice(a, [0, 1], [2, 3], [1, 1])
    np.testing.assert_array_equal(run(y), a[0:2, 1:3])
    np.testing.assert_array_equal(run(tf.strided_slice(a, [1, 0], [0, 0], shrink_axis_mask=1, end_mask=2)),
                                  a[1, 0:])
    np.testing.assert_array_equal(run(tf.strided_slice(a, [0, 0], [0, 2], ellipsis_mask=1)), a[..., 0:2])
    s = tf.slice(a, [1, 0, 1], [1, -1, 2])
    assert s.op.type == "Slice" and s.shape.as_list() == [1, 3, 2]
    np.testing.assert_array_equal(run(s), a[1:2, :, 1:3])
    check_gradients(lambda t: tf.slice(t, [0, 1, 0], [2, 2, -1]), [a], reference=lambda t: t[0:2, 1:3, :])


def test_get_static_value():
    assert array_ops.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    x = tf.placeholder(tf.float32, (None, 3))
    assert array_ops.get_static_value(x) is None
    assert array_ops.get_static_value(tf.stack([tf.constant(1), tf.constant(2)])).tolist() == [1, 2]


def test_public_names_are_exported():
    for name in ["zeros", "ones", "fill", "reshape", "transpose", "expand_dims", "squeeze", "concat", "stack",
                 "unstack", "split", "tile", "gather", "one_hot", "shape", "size", "rank", "range", "broadcast_to",
                 "pad", "reverse", "boolean_mask", "strided_slice", "slice", "shape_n"]:
        assert getattr(tf, name) is getattr(array_ops, name), name

"""Math ops: forward values vs NumPy on random (broadcasting) shapes, static shape inference, build-time
errors, TensorFlow 1.x dtype rules and names, and gradients (first and second order) vs finite differences
and HIPS autograd, including TF's subgradient conventions at kinks and ties."""
import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as tf

FAST = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GRAD = settings(max_examples=8, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FLOATS = st.sampled_from([np.float32, np.float64])
SEEDS = st.integers(0, 2**31 - 1)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
SMALL_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def values(rng, shape, domain="any", dtype=np.float64):
    """Random inputs kept away from each function's non-differentiable or undefined points."""
    if domain == "any":
        v = rng.uniform(-2, 2, shape)
    elif domain == "pos":
        v = rng.uniform(0.5, 2, shape)
    elif domain == "nonzero":
        v = rng.uniform(0.5, 2, shape) * rng.choice([-1, 1], shape)
    elif domain == "unit":
        v = rng.uniform(-0.9, 0.9, shape)
    elif domain == "grid_x":  # with grid_y: never tied, always 0.05 apart
        v = (rng.integers(-20, 20, shape) + 0.5) * 0.1
    elif domain == "grid_y":
        v = rng.integers(-20, 20, shape) * 0.1
    else:
        raise ValueError(domain)
    return np.asarray(v, dtype=dtype)


def run(fetches, feed_dict=None):
    with tf.Session() as s:
        return s.run(fetches, feed_dict)


def close(a, b, dtype):
    rtol = 2e-5 if np.dtype(dtype) == np.float32 else 1e-12
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def _pdims(shape, rng):
    """A placeholder shape with some dimensions unknown."""
    return tuple(None if rng.random() < 0.3 else d for d in shape)


# --- elementwise binary ops -------------------------------------------------------------------------

def _np_floordiv(x, y):
    return np.floor(x / y)


# name, graphgrad function, NumPy reference, autograd reference (None: not differentiable), domains
BINARY = [
    ("add", tf.add, np.add, anp.add, "any", "any"),
    ("subtract", tf.subtract, np.subtract, anp.subtract, "any", "any"),
    ("multiply", tf.multiply, np.multiply, anp.multiply, "any", "any"),
    ("truediv", tf.truediv, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("divide", tf.divide, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("div", tf.div, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("realdiv", tf.realdiv, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("floordiv", tf.floordiv, _np_floordiv, None, "any", "nonzero"),
    ("floormod", tf.floormod, np.mod, None, "any", "nonzero"),
    ("mod", tf.mod, np.mod, None, "any", "nonzero"),
    ("pow", tf.pow, np.power, anp.power, "pos", "any"),
    ("maximum", tf.maximum, np.maximum, anp.maximum, "grid_x", "grid_y"),
    ("minimum", tf.minimum, np.minimum, anp.minimum, "grid_x", "grid_y"),
    ("squared_difference", tf.squared_difference, lambda x, y: (x - y) ** 2, lambda x, y: (x - y) ** 2,
     "any", "any"),
    ("div_no_nan", tf.div_no_nan, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("op+", lambda x, y: x + y, np.add, anp.add, "any", "any"),
    ("op-", lambda x, y: x - y, np.subtract, anp.subtract, "any", "any"),
    ("op*", lambda x, y: x * y, np.multiply, anp.multiply, "any", "any"),
    ("op/", lambda x, y: x / y, np.true_divide, anp.true_divide, "any", "nonzero"),
    ("op//", lambda x, y: x // y, _np_floordiv, None, "any", "nonzero"),
    ("op%", lambda x, y: x % y, np.mod, None, "any", "nonzero"),
    ("op**", lambda x, y: x ** y, np.power, anp.power, "pos", "any"),
]
DIFFERENTIABLE_BINARY = [b for b in BINARY if b[3] is not None]


@pytest.mark.parametrize("name,fn,ref,_,dx,dy", BINARY, ids=[b[0] for b in BINARY])
@FAST
@given(shapes=PAIRS, dtype=FLOATS, seed=SEEDS)
def test_binary_forward_and_static_shape(name, fn, ref, _, dx, dy, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    x, y = values(rng, sx, dx, dtype), values(rng, sy, dy, dtype)
    with tf.Graph().as_default():
        px = tf.placeholder(dtype, _pdims(sx, rng))
        py = tf.placeholder(dtype, _pdims(sy, rng))
        z = fn(px, py)
        assert z.dtype == dtype
        assert z.shape.ndims == len(out_shape)
        assert z.shape.is_compatible_with(out_shape)
        full = fn(tf.constant(x), tf.constant(y))
        assert full.shape == out_shape  # fully defined inputs give a fully defined shape
        got, got_full = run([z, full], {px: x, py: y})
    assert np.shape(got) == out_shape
    assert np.asarray(got).dtype == dtype
    close(got, ref(x, y), dtype)
    close(got_full, ref(x, y), dtype)


@pytest.mark.parametrize("name,fn,_,ref,dx,dy", DIFFERENTIABLE_BINARY, ids=[b[0] for b in DIFFERENTIABLE_BINARY])
@GRAD
@given(shapes=SMALL_PAIRS, seed=SEEDS)
def test_binary_gradients(name, fn, _, ref, dx, dy, shapes, seed):
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    check_gradients(fn, [values(rng, sx, dx), values(rng, sy, dy)], reference=ref)


@pytest.mark.parametrize("fn", [tf.floormod, lambda x, y: x % y])
def test_mod_gradient_away_from_jumps(fn):
    rng = np.random.default_rng(0)
    y = values(rng, (3, 4), "nonzero")
    x = y * (rng.integers(-3, 3, (3, 4)) + rng.uniform(0.2, 0.8, (3, 4)))
    check_gradients(fn, [x, y], reference=anp.mod)
    check_gradients(fn, [x, np.array(1.5)], reference=anp.mod)


@pytest.mark.parametrize("fn", [tf.floordiv, tf.floor, tf.ceil, tf.round, tf.sign])
def test_piecewise_constant_ops_pass_no_gradient(fn):
    x = tf.constant([0.3, -1.7, 2.5])
    out = fn(x, tf.constant(2.0)) if fn is tf.floordiv else fn(x)
    (g,) = tf.gradients(tf.reduce_sum(tf.cast(out, tf.float32) * x), x)
    np.testing.assert_array_equal(run(g), run(tf.cast(out, tf.float32)))  # only the direct product term


def test_pow_gradient_conventions_at_zero_and_negative_base():
    """d/dy x^y uses log(x) only where x > 0 (0 elsewhere), as TensorFlow; no NaN from log(0)."""
    x = tf.constant([0.0, -1.0, 2.0], tf.float64)
    y = tf.constant(2.0, tf.float64)
    gx, gy = run(tf.gradients(x ** y, [x, y]))
    np.testing.assert_allclose(gx, [0.0, -2.0, 4.0])
    np.testing.assert_allclose(gy, 4 * np.log(2.0))


def test_maximum_minimum_ties_go_to_x():
    a = tf.constant([1.0, 2.0, 2.0, 0.5])
    b = tf.constant([2.0, 2.0, 1.0, 3.0])
    np.testing.assert_array_equal(run(tf.gradients(tf.maximum(a, b), [a, b])), [[0, 1, 1, 0], [1, 0, 0, 1]])
    np.testing.assert_array_equal(run(tf.gradients(tf.minimum(a, b), [a, b])), [[1, 1, 0, 1], [0, 0, 1, 0]])
    x = tf.constant([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(run(tf.gradients(tf.maximum(x, 0.0), x)[0]), [0, 1, 1])  # relu via max


def test_maximum_gradient_sums_over_broadcast_y():
    x = tf.constant([[1.0, 5.0], [3.0, 0.0]])
    y = tf.constant([2.0, 2.0])
    gx, gy = run(tf.gradients(tf.maximum(x, y), [x, y]))
    np.testing.assert_array_equal(gx, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(gy, [1, 1])


def test_div_no_nan_gives_zero_where_y_is_zero():
    x = tf.constant([1.0, 2.0, 3.0], tf.float64)
    y = tf.constant([0.0, 4.0, 0.0], tf.float64)
    np.testing.assert_array_equal(run(tf.div_no_nan(x, y)), [0, 0.5, 0])
    gx, gy = run(tf.gradients(tf.div_no_nan(x, y), [x, y]))
    np.testing.assert_array_equal(gx, [0, 0.25, 0])
    np.testing.assert_allclose(gy, [0, -2 / 16, 0])


# --- integer arithmetic and dtype rules --------------------------------------------------------------

def test_integer_division_rules():
    i, j = tf.constant([-7, 7]), tf.constant(2)
    out = run([i / j, tf.div(i, j), i // j, tf.floordiv(i, j), i % j, tf.truncatediv(i, j), tf.truncatemod(i, j),
               tf.realdiv(i, j)])
    np.testing.assert_array_equal(out[0], [-3.5, 3.5])
    assert out[0].dtype == np.float64 and (i / j).dtype == tf.float64
    for floor in out[1:4]:
        np.testing.assert_array_equal(floor, [-4, 3])
        assert floor.dtype == np.int32
    np.testing.assert_array_equal(out[4], [1, 1])
    np.testing.assert_array_equal(out[5], [-3, 3])
    np.testing.assert_array_equal(out[6], [-1, 1])
    np.testing.assert_array_equal(out[7], [-3, 3])


def test_small_ints_divide_to_float32_and_op_names():
    a = tf.constant(np.array([1, 2], np.int16))
    q = a / tf.constant(np.array([2, 2], np.int16))
    assert q.dtype == tf.float32
    assert q.op.name == "truediv" and q.op.type == "RealDiv"
    assert [t.op.type for t in q.op.inputs] == ["Cast", "Cast"]
    np.testing.assert_array_equal(run(q), [0.5, 1.0])


def test_integer_division_by_zero_is_an_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        run(tf.constant([1, 2]) // tf.constant([1, 0]))


def test_float_floordiv_is_floor_of_quotient():
    """TensorFlow computes floor(x / y): 1 // 0.1 is 10 there (Python and NumPy say 9)."""
    assert run(tf.constant(1.0, tf.float64) // tf.constant(0.1, tf.float64)) == 10.0


def test_integer_ops_keep_dtype():
    a = tf.constant(np.array([[3, -2], [5, 7]], np.int32))
    outs = run([a + 1, a * a, a - a, -a, abs(a), tf.square(a), tf.sign(a), tf.maximum(a, 0), a ** 2,
                tf.reduce_sum(a), tf.reduce_prod(a, 1), tf.reduce_max(a), tf.cumsum(a)])
    for o in outs:
        assert o.dtype == np.int32, o
    np.testing.assert_array_equal(outs[-1], np.cumsum([[3, -2], [5, 7]], axis=0))
    assert tf.round(a) is a  # rounding an integer is the identity, no op


def test_dtype_mismatch_is_type_error():
    with pytest.raises(TypeError, match="int32.*float32|float32.*int32"):
        tf.constant(1.0) + tf.constant(1)
    with pytest.raises(TypeError):
        tf.constant([1, 2]) * 2.5
    with pytest.raises(TypeError):
        tf.matmul(tf.ones((2, 2)) if hasattr(tf, "ones") else tf.constant(np.ones((2, 2), np.float32)),
                  tf.constant(np.ones((2, 2), np.float64)))
    with pytest.raises(TypeError, match="bool"):
        tf.constant([True]) + tf.constant([True])
    with pytest.raises(TypeError, match="int32"):
        tf.exp(tf.constant(1))
    with pytest.raises(TypeError, match="int32"):
        tf.floor(tf.constant(1))
    with pytest.raises(TypeError, match="bool"):
        tf.logical_and(tf.constant([1]), tf.constant([1]))
    with pytest.raises(TypeError, match="bool"):
        tf.reduce_sum(tf.constant([True]))
    with pytest.raises(TypeError, match="bool"):
        tf.less(tf.constant([True]), tf.constant([False]))


def test_python_scalars_take_the_tensor_dtype():
    x = tf.placeholder(tf.float64, (2,))
    for z in [x + 1, 1 + x, x * 2, 2 * x, x - 1, 1 - x, x / 2, 2 / x, x ** 2, 2 ** x, x // 2, 7 // x, x % 2,
              7 % x, tf.maximum(x, 0), tf.minimum(0, x)]:
        assert z.dtype == tf.float64
    np.testing.assert_allclose(run([1 - x, 2 / x, 2 ** x, 7 % x], {x: [2.0, 4.0]}),
                               [[-1, -3], [1, 0.5], [4, 16], [1, 3]])


def test_broadcast_error_names_op_and_shapes():
    a = tf.placeholder(tf.float32, (None, 3))
    b = tf.placeholder(tf.float32, (4,))
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4.*'add'.*\[\?,3\], \[4\]"):
        a + b
    with pytest.raises(ValueError, match=r"'Maximum'"):
        tf.maximum(a, b)


# --- unary ops ----------------------------------------------------------------------------------------

def _sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


# name, function, NumPy reference, autograd reference (None: not differentiable), domain
UNARY = [
    ("negative", tf.negative, np.negative, anp.negative, "any"),
    ("op-", lambda x: -x, np.negative, anp.negative, "any"),
    ("abs", tf.abs, np.abs, anp.abs, "nonzero"),
    ("op abs", abs, np.abs, anp.abs, "nonzero"),
    ("sign", tf.sign, np.sign, None, "nonzero"),
    ("exp", tf.exp, np.exp, anp.exp, "any"),
    ("log", tf.log, np.log, anp.log, "pos"),
    ("log1p", tf.log1p, np.log1p, anp.log1p, "pos"),
    ("sqrt", tf.sqrt, np.sqrt, anp.sqrt, "pos"),
    ("rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), lambda x: 1 / anp.sqrt(x), "pos"),
    ("square", tf.square, np.square, anp.square, "any"),
    ("reciprocal", tf.reciprocal, np.reciprocal, anp.reciprocal, "nonzero"),
    ("sin", tf.sin, np.sin, anp.sin, "any"),
    ("cos", tf.cos, np.cos, anp.cos, "any"),
    ("tan", tf.tan, np.tan, anp.tan, "unit"),
    ("atan", tf.atan, np.arctan, anp.arctan, "any"),
    ("sinh", tf.sinh, np.sinh, anp.sinh, "any"),
    ("cosh", tf.cosh, np.cosh, anp.cosh, "any"),
    ("tanh", tf.tanh, np.tanh, anp.tanh, "any"),
    ("sigmoid", tf.sigmoid, _sigmoid_ref, lambda x: 1 / (1 + anp.exp(-x)), "any"),
    ("expm1", tf.expm1, np.expm1, anp.expm1, "any"),
    ("floor", tf.floor, np.floor, None, "any"),
    ("ceil", tf.ceil, np.ceil, None, "any"),
    ("round", tf.round, np.round, None, "any"),
    ("rint", tf.rint, np.rint, None, "any"),
]
DIFFERENTIABLE_UNARY = [u for u in UNARY if u[3] is not None]
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)
SMALL_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)


@pytest.mark.parametrize("name,fn,ref,_,domain", UNARY, ids=[u[0] for u in UNARY])
@FAST
@given(shape=SHAPES, dtype=FLOATS, seed=SEEDS)
def test_unary_forward_and_static_shape(name, fn, ref, _, domain, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = values(rng, shape, domain, dtype)
    if name in ("round", "rint"):
        x[...] = np.round(x * 2) / 2  # exact halves: round half to even
    with tf.Graph().as_default():
        px = tf.placeholder(dtype, _pdims(shape, rng))
        y = fn(px)
        assert y.dtype == dtype and y.shape.is_compatible_with(shape) and y.shape.ndims == len(shape)
        got = run(y, {px: x})
    assert np.asarray(got).dtype == dtype and np.shape(got) == shape
    close(got, ref(x), dtype)


@pytest.mark.parametrize("name,fn,_,ref,domain", DIFFERENTIABLE_UNARY, ids=[u[0] for u in DIFFERENTIABLE_UNARY])
@GRAD
@given(shape=SMALL_SHAPES, seed=SEEDS)
def test_unary_gradients(name, fn, _, ref, domain, shape, seed):
    check_gradients(fn, [values(np.random.default_rng(seed), shape, domain)], reference=ref)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name,fn,_,ref,domain", DIFFERENTIABLE_UNARY, ids=[u[0] for u in DIFFERENTIABLE_UNARY])
def test_unary_second_derivatives(name, fn, _, ref, domain):
    """The gradient graph is itself differentiable: d/dx of grad(sum(f(x)·w)) vs autograd's Hessian."""
    x = values(np.random.default_rng(1), (2, 3), domain)
    w = np.random.default_rng(2).standard_normal((2, 3))

    def grad_graph(px):
        return tf.gradients(tf.reduce_sum(fn(px) * tf.constant(w)), px)[0]

    check_gradients(grad_graph, [x], reference=autograd.grad(lambda v: anp.sum(ref(v) * w)), rtol=1e-4)


def test_abs_gradient_is_zero_at_zero_and_sign_gradient_is_zero():
    x = tf.constant([0.0, -2.0, 3.0])
    np.testing.assert_array_equal(run(tf.gradients(tf.abs(x), x)[0]), [0, -1, 1])
    np.testing.assert_array_equal(run(tf.gradients(tf.sign(x), x)[0]), [0, 0, 0])
    assert tf.gradients(tf.floor(x), x) == [None]
    assert tf.gradients(tf.round(x), x) == [None]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_is_stable_for_large_inputs(dtype):
    x = tf.constant(np.array([-1e4, -50, 0, 50, 1e4], dtype if dtype != np.float16 else np.float32)
                    .astype(dtype))
    y = tf.sigmoid(x)
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out, grad = run([y, g])
    assert out.dtype == dtype and np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    expected = np.array([0, _sigmoid_ref(-50.0), 0.5, 1, 1]).astype(dtype)
    np.testing.assert_allclose(out, expected, rtol=1e-2 if dtype == np.float16 else 1e-6, atol=1e-30)
    tiny = np.finfo(dtype).tiny
    assert 0 <= out[0] < 2 * tiny and 0 <= grad[0] < 2 * tiny and grad[-1] == 0


def test_sigmoid_is_accurate_for_small_outputs():
    """Relative accuracy where 1 - tanh-based formulas cancel: sigmoid(-30) ~ 9.4e-14."""
    x = np.array([-30.0, -100.0, -700.0])
    got = run(tf.sigmoid(tf.constant(x)))
    np.testing.assert_allclose(got[:2], np.exp(x[:2]) / (1 + np.exp(x[:2])), rtol=1e-12)
    assert 0 <= got[2] < 1e-300


def test_is_finite_nan_inf():
    x = tf.constant([1.0, np.nan, np.inf, -np.inf])
    outs = run([tf.is_finite(x), tf.is_nan(x), tf.is_inf(x)])
    np.testing.assert_array_equal(outs, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]])
    assert all(o.dtype == bool for o in outs)


# --- matmul -------------------------------------------------------------------------------------------

MATMUL_CASES = [
    ((3, 4), (4, 2), False, False),
    ((4, 3), (4, 2), True, False),
    ((3, 4), (2, 4), False, True),
    ((4, 3), (2, 4), True, True),
    ((2, 3, 4), (4, 5), False, False),
    ((3, 4), (2, 4, 5), False, False),
    ((1, 3, 4), (2, 4, 5), False, False),
    ((2, 1, 4, 3), (3, 4, 2), True, False),
    ((2, 3, 4), (2, 5, 4), False, True),
]


def _np_matmul(a, b, ta, tb):
    a = np.swapaxes(a, -1, -2) if ta else a
    b = np.swapaxes(b, -1, -2) if tb else b
    return np.matmul(a, b)


@pytest.mark.parametrize("sa,sb,ta,tb", MATMUL_CASES)
def test_matmul_forward_shapes_and_gradients(sa, sb, ta, tb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    expected = _np_matmul(a, b, ta, tb)
    z = tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb)
    assert z.shape == expected.shape and z.op.name == "MatMul"
    np.testing.assert_allclose(run(z), expected, rtol=1e-12)
    pa = tf.placeholder(tf.float64, (None,) + sa[1:])
    assert tf.matmul(pa, tf.constant(b), transpose_a=ta, transpose_b=tb).shape.is_compatible_with(expected.shape)
    check_gradients(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                    reference=lambda x, y: _np_matmul_ag(x, y, ta, tb))


def _np_matmul_ag(a, b, ta, tb):
    a = anp.swapaxes(a, -1, -2) if ta else a
    b = anp.swapaxes(b, -1, -2) if tb else b
    return anp.matmul(a, b)


def test_matmul_operator_and_errors():
    x = tf.placeholder(tf.float32, (None, 3))
    w = tf.constant(np.ones((3, 2), np.float32))
    z = x @ w
    assert str(z) == 'Tensor("matmul:0", shape=(?, 2), dtype=float32)'
    assert (np.ones((4, 3), np.float32) @ w).shape == (4, 2)  # NumPy on the left defers to the tensor
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4.*\[\?,3\], \[4,2\]"):
        x @ tf.constant(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="rank"):
        tf.matmul(tf.constant([1.0, 2.0]), w)


# --- reductions ---------------------------------------------------------------------------------------

@st.composite
def reduction_cases(draw, max_side=4):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=max_side))
    rank = len(shape)
    kind = draw(st.sampled_from(["none", "int", "list"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-rank, rank - 1))
    else:
        axis = draw(st.lists(st.integers(-rank, rank - 1), min_size=1, max_size=rank, unique_by=lambda a: a % rank))
    return shape, axis, draw(st.booleans())


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = [
    ("sum", tf.reduce_sum, np.sum, anp.sum, "any"),
    ("mean", tf.reduce_mean, np.mean, anp.mean, "any"),
    ("max", tf.reduce_max, np.max, anp.max, "any"),
    ("min", tf.reduce_min, np.min, anp.min, "any"),
    ("prod", tf.reduce_prod, np.prod, anp.prod, "nonzero"),
    ("logsumexp", tf.reduce_logsumexp, _np_logsumexp,
     lambda x, axis=None, keepdims=False: anp.log(anp.sum(anp.exp(x), axis=axis, keepdims=keepdims)), "any"),
]


@pytest.mark.parametrize("name,fn,ref,_,domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@FAST
@given(case=reduction_cases(), dtype=FLOATS, seed=SEEDS)
def test_reduction_forward_and_static_shape(name, fn, ref, _, domain, case, dtype, seed):
    shape, axis, keep = case
    rng = np.random.default_rng(seed)
    x = values(rng, shape, domain, dtype)
    expected = ref(x, axis=_np_axis(axis), keepdims=keep)
    with tf.Graph().as_default():
        px = tf.placeholder(dtype, _pdims(shape, rng))
        y = fn(px, axis=axis, keepdims=keep)
        assert y.dtype == dtype
        assert y.shape.ndims == np.ndim(expected) and y.shape.is_compatible_with(np.shape(expected))
        assert fn(tf.constant(x), axis, keep_dims=keep).shape == np.shape(expected)
        got = run(y, {px: x})
    assert np.shape(got) == np.shape(expected) and np.asarray(got).dtype == dtype
    close(got, expected, dtype)


@pytest.mark.parametrize("name,fn,_,ref,domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@GRAD
@given(case=reduction_cases(max_side=3), seed=SEEDS)
def test_reduction_gradients(name, fn, _, ref, domain, case, seed):
    shape, axis, keep = case
    x = values(np.random.default_rng(seed), shape, domain)
    x = x + np.arange(x.size).reshape(shape) * 1e-3  # no ties for max/min
    check_gradients(lambda t: fn(t, axis=axis, keepdims=keep), [x],
                    reference=lambda v: ref(v, axis=_np_axis(axis), keepdims=keep))


@pytest.mark.parametrize("name,fn,_,ref,domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_second_derivatives(name, fn, _, ref, domain):
    x = values(np.random.default_rng(3), (2, 3), domain) + np.arange(6).reshape(2, 3) * 1e-2
    w = np.random.default_rng(4).standard_normal(3)

    def grad_graph(px):
        return tf.gradients(tf.reduce_sum(tf.square(fn(px, axis=0)) * tf.constant(w)), px)[0]

    check_gradients(grad_graph, [x], reference=autograd.grad(lambda v: anp.sum(ref(v, axis=0) ** 2 * w)),
                    rtol=1e-4)


def test_reduction_gradients_with_unknown_dims():
    x = tf.placeholder(tf.float64, (None, 3))
    v = np.random.default_rng(0).standard_normal((4, 3))
    y = tf.reduce_sum(tf.reduce_mean(x, 1)) + tf.reduce_sum(tf.reduce_max(x, 0))
    (g,) = tf.gradients(y, x)
    expected = np.full((4, 3), 1 / 3) + (v == v.max(0))
    np.testing.assert_allclose(run(g, {x: v}), expected)
    z = tf.placeholder(tf.float64)  # unknown rank
    gz = tf.gradients(tf.reduce_sum(tf.reduce_prod(z, axis=-1)) + tf.reduce_mean(z), z)[0]
    vz = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 6.0]])
    np.testing.assert_allclose(run(gz, {z: vz}), [[6, 3, 2], [0, 24, 0]] + np.full((2, 3), 1 / 6))


def test_reduction_axis_forms_and_static_shapes():
    x = tf.placeholder(tf.float32, (None, 3, None))
    assert tf.reduce_sum(x, axis=[0, -1], keepdims=True).shape.as_list() == [1, 3, 1]
    assert tf.reduce_sum(x, reduction_indices=1).shape.as_list() == [None, None]
    assert tf.reduce_mean(x, 1, keep_dims=True).shape.as_list() == [None, 1, None]
    assert tf.reduce_max(x).shape == ()
    assert tf.reduce_sum(x, tf.constant([0, 1])).shape.as_list() == [None]
    u = tf.placeholder(tf.float32)
    assert tf.reduce_sum(u, axis=1).shape.ndims is None
    assert tf.reduce_sum(u).shape == ()
    with pytest.raises(ValueError, match="Invalid reduction dimension 3 for input with 3 dimensions.*'Sum'"):
        tf.reduce_sum(x, axis=3)
    with pytest.raises(ValueError, match="both"):
        tf.reduce_sum(x, axis=0, reduction_indices=0)
    v = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(run(tf.reduce_sum(x, axis=[-1, 0]), {x: v}), v.sum(axis=(0, 2)))
    with pytest.raises(ValueError, match="duplicate dimension: 2"):  # TF1: "Axes contains duplicate dimension"
        tf.reduce_sum(x, axis=[-1, 2, 0])
    np.testing.assert_array_equal(run(tf.reduce_sum(x, axis=[]), {x: v}), v)
    with tf.Graph().as_default():
        c = tf.constant([1.0])
        assert tf.reduce_sum(c).op.name == "Sum" and tf.reduce_mean(c).op.name == "Mean"


def test_integer_reductions():
    assert run(tf.reduce_mean(tf.constant([-1, -2, -4]))) == -2
    assert run(tf.reduce_mean(tf.constant([1, 2, 4]))) == 2
    m = run(tf.reduce_mean(tf.constant([[1, 2], [3, 5], [-3, -4]]), 1))
    np.testing.assert_array_equal(m, [1, 4, -3])
    assert m.dtype == np.int32
    s = run(tf.reduce_sum(tf.constant(np.array([2**30, 2**30], np.int32))))
    assert s.dtype == np.int32  # stays int32 (wraps as TF's does), NumPy would widen to int64
    assert run(tf.reduce_prod(tf.constant([2, 3, 4]))) == 24


def test_reduce_max_min_ties_share_gradient():
    a = tf.constant([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0]])
    np.testing.assert_allclose(run(tf.gradients(tf.reduce_max(a, 1), a)[0]),
                               [[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3, 0]])
    np.testing.assert_allclose(run(tf.gradients(tf.reduce_max(a), a)[0]), [[0, 0, 0, 0], [1 / 3] * 3 + [0]])
    np.testing.assert_allclose(run(tf.gradients(tf.reduce_min(a, 0), a)[0]), [[1, 1, 1, 0], [0, 0, 0, 1]])
    b = tf.constant([2.0, 2.0])
    np.testing.assert_allclose(run(tf.gradients(tf.reduce_min(b), b)[0]), [0.5, 0.5])


def _prod_others(x, axis):
    out = np.empty_like(x)
    moved = np.moveaxis(x, axis, -1)
    res = np.moveaxis(out, axis, -1)
    for idx in np.ndindex(moved.shape):
        row = np.delete(moved[idx[:-1]], idx[-1])
        res[idx] = np.prod(row)
    return out


@pytest.mark.parametrize("vals", [[0.0, 2.0, 3.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [1.5, -2.0, 3.0]])
def test_reduce_prod_gradient_exact_with_zeros(vals):
    x = tf.constant(vals, tf.float64)
    np.testing.assert_array_equal(run(tf.gradients(tf.reduce_prod(x), x)[0]), _prod_others(np.array(vals), 0))


def test_reduce_prod_gradient_with_zeros_along_axes():
    v = np.array([[[0.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [5.0, -1.0]], [[2.0, 3.0], [0.5, 0.0]]])
    x = tf.constant(v)
    for axis in (0, 1, 2, -1):
        g = run(tf.gradients(tf.reduce_prod(x, axis), x)[0])
        np.testing.assert_array_equal(g, _prod_others(v, axis % 3))
    g = run(tf.gradients(tf.reduce_prod(x, [1, 2]), x)[0])
    flat = v.reshape(3, 4)
    np.testing.assert_array_equal(g.reshape(3, 4), _prod_others(flat, 1))


def test_reduce_logsumexp_is_stable():
    x = tf.constant([[-1e4, 1e4, 0.0], [-np.inf, -np.inf, -np.inf]])
    with np.errstate(over="raise", divide="ignore", invalid="ignore"):  # log(0) = -inf for the -inf row
        out = run(tf.reduce_logsumexp(x, axis=1))
        g = run(tf.gradients(tf.reduce_logsumexp(x, axis=1, keepdims=True), x)[0])
    np.testing.assert_array_equal(out, [1e4, -np.inf])
    np.testing.assert_array_equal(g[0], [0, 1, 0])
    assert run(tf.reduce_logsumexp(tf.constant([1e4, 1e4]))) == pytest.approx(1e4 + np.log(2))
    with tf.Graph().as_default():
        assert tf.reduce_logsumexp(tf.constant([1.0])).op.name == "ReduceLogSumExp"


def test_reduce_any_all_and_count_nonzero():
    v = np.array([[True, False, False], [True, True, True]])
    b = tf.constant(v)
    outs = run([tf.reduce_any(b), tf.reduce_any(b, 1), tf.reduce_all(b, 1, keepdims=True), tf.reduce_all(b)])
    assert outs[0] and not outs[3]
    np.testing.assert_array_equal(outs[1], [True, True])
    np.testing.assert_array_equal(outs[2], [[False], [True]])
    c = tf.count_nonzero(tf.constant([[0, 1], [2, 0], [3, 3]]), axis=1)
    assert c.dtype == tf.int64
    np.testing.assert_array_equal(run(c), [1, 1, 2])
    assert run(tf.count_nonzero(tf.constant([0.0, 1.5, -2.0]))) == 2
    assert run(tf.count_nonzero(b, dtype=tf.int32)) == 4


# --- argmax / argmin / cumsum -------------------------------------------------------------------------

@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data())
def test_argmax_argmin_match_numpy_first_index_on_ties(shape, seed, data):
    x = np.random.default_rng(seed).integers(0, 3, shape).astype(np.float32)  # many ties
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    with tf.Graph().as_default():
        t = tf.constant(x)
        amax, amin = tf.argmax(t, axis), tf.argmin(t, dimension=axis, output_type=tf.int32)
        assert amax.dtype == tf.int64 and amin.dtype == tf.int32
        assert amax.shape == np.argmax(x, axis).shape
        got = run([amax, amin, tf.argmax(t)])
    np.testing.assert_array_equal(got[0], np.argmax(x, axis))
    np.testing.assert_array_equal(got[1], np.argmin(x, axis))
    np.testing.assert_array_equal(got[2], np.argmax(x, 0))  # axis None means 0 (TF1)
    assert got[0].dtype == np.int64 and got[1].dtype == np.int32


def test_argmax_errors_and_names():
    x = tf.constant(np.zeros((2, 3), np.float32))
    assert tf.argmax(x).op.name == "ArgMax"
    with pytest.raises(ValueError, match="range"):
        tf.argmax(x, 2)
    assert tf.gradients(tf.cast(tf.argmax(x, 1), tf.float32), x) == [None]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum(exclusive, reverse, axis):
    v = np.random.default_rng(0).standard_normal((3, 4))

    flip = tuple(slice(None, None, -1) if i == axis % 2 else slice(None) for i in range(2))

    def ref(x):
        x = x[flip] if reverse else x
        c = anp.cumsum(x, axis=axis)
        c = c - x if exclusive else c
        return c[flip] if reverse else c

    np.testing.assert_allclose(run(tf.cumsum(tf.constant(v), axis, exclusive, reverse)), ref(v), atol=1e-12)
    check_gradients(lambda t: tf.cumsum(t, axis, exclusive=exclusive, reverse=reverse), [v], reference=ref)


# --- comparisons and logic ----------------------------------------------------------------------------

COMPARISONS = [
    (tf.equal, np.equal), (tf.not_equal, np.not_equal), (tf.less, np.less), (tf.less_equal, np.less_equal),
    (tf.greater, np.greater), (tf.greater_equal, np.greater_equal),
    (lambda x, y: x < y, np.less), (lambda x, y: x <= y, np.less_equal), (lambda x, y: x > y, np.greater),
    (lambda x, y: x >= y, np.greater_equal),
]


@pytest.mark.parametrize("fn,ref", COMPARISONS)
@FAST
@given(shapes=PAIRS, dtype=st.sampled_from([np.float32, np.float64, np.int32]), seed=SEEDS)
def test_comparisons(fn, ref, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    x, y = rng.integers(0, 3, sx).astype(dtype), rng.integers(0, 3, sy).astype(dtype)  # plenty of equality
    with tf.Graph().as_default():
        px, py = tf.placeholder(dtype, sx), tf.placeholder(dtype, sy)
        z = fn(px, py)
        assert z.dtype == tf.bool and z.shape == out_shape
        got = run(z, {px: x, py: y})
    assert np.asarray(got).dtype == np.bool_
    np.testing.assert_array_equal(got, ref(x, y))


def test_comparisons_are_not_differentiable_and_eq_is_identity():
    x = tf.constant([1.0, 2.0])
    y = tf.constant([2.0, 1.0])
    mask = tf.cast(x < y, tf.float32)
    assert tf.gradients(tf.reduce_sum(mask * x), [x, y])[1] is None
    assert (x == y) is False and (x != y) is True and (x == x) is True
    assert {x: 1, y: 2}[x] == 1
    with tf.Graph().as_default():
        less = tf.constant([1.0]) < 1.5
        assert less.op.name == "Less" and less.op.inputs[1].op.name == "Less/y"


LOGICAL = [
    (tf.logical_and, np.logical_and), (tf.logical_or, np.logical_or), (tf.logical_xor, np.logical_xor),
    (lambda x, y: x & y, np.logical_and), (lambda x, y: x | y, np.logical_or), (lambda x, y: x ^ y, np.logical_xor),
]


@pytest.mark.parametrize("fn,ref", LOGICAL)
@FAST
@given(shapes=PAIRS, seed=SEEDS)
def test_logical_ops(fn, ref, shapes, seed):
    rng = np.random.default_rng(seed)
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    x, y = rng.random(sx) < 0.5, rng.random(sy) < 0.5
    with tf.Graph().as_default():
        px, py = tf.placeholder(tf.bool, sx), tf.placeholder(tf.bool, sy)
        z = fn(px, py)
        assert z.shape == out_shape and z.dtype == tf.bool
        got = run([z, ~px, tf.logical_not(py)], {px: x, py: y})
    np.testing.assert_array_equal(got[0], ref(x, y))
    np.testing.assert_array_equal(got[1], ~x)
    np.testing.assert_array_equal(got[2], ~y)


def test_logical_operators_with_python_bools_and_names():
    b = tf.constant([True, False])
    assert (b & True).op.name == "and" and (b | b).op.name == "or" and (b ^ b).op.name == "xor"
    assert (~b).op.name == "LogicalNot"
    np.testing.assert_array_equal(run([True & b, False | b, True ^ b]), [[True, False], [True, False],
                                                                         [False, True]])
    with pytest.raises(TypeError, match="bool"):
        tf.constant([1]) & tf.constant([1])


# --- cast, clip, where, add_n, scalar_mul -------------------------------------------------------------

def test_cast_rules_and_gradient():
    f = tf.constant([1.7, -1.7, 2.5])
    outs = run([tf.cast(f, tf.int32), tf.to_int64(f), tf.cast(f, tf.bool), tf.to_double(tf.constant([1, 2])),
                tf.to_float(tf.constant([True, False]))])
    np.testing.assert_array_equal(outs[0], [1, -1, 2])
    assert outs[0].dtype == np.int32 and outs[1].dtype == np.int64 and outs[3].dtype == np.float64
    np.testing.assert_array_equal(outs[2], [True, True, True])
    np.testing.assert_array_equal(outs[4], [1.0, 0.0])
    assert tf.cast(f, tf.float32) is f
    with tf.Graph().as_default():
        assert tf.to_float(tf.constant([1])).op.name == "ToFloat"
    x = tf.constant([0.1, -1.3], tf.float64)
    g = run(tf.gradients(tf.cast(tf.cast(x, tf.float32), tf.float64) * x, x)[0])
    np.testing.assert_allclose(g, [0.1 + np.float32(0.1), -1.3 + np.float32(-1.3)], rtol=1e-15)
    assert tf.gradients(tf.cast(tf.cast(f, tf.int32), tf.float32), f) == [None]


@FAST
@given(shape=SHAPES, dtype=FLOATS, seed=SEEDS)
def test_clip_by_value_forward(shape, dtype, seed):
    x = values(np.random.default_rng(seed), shape, "any", dtype)
    with tf.Graph().as_default():
        y = tf.clip_by_value(tf.constant(x), -0.5, 1.0)
        assert y.shape == shape and y.dtype == dtype
        np.testing.assert_array_equal(run(y), np.clip(x, -0.5, 1.0))


def test_clip_by_value_gradient_passes_at_the_bounds():
    x = tf.constant([-2.0, -1.0, 0.0, 1.0, 2.0], tf.float64)
    lo, hi = tf.constant(-1.0, tf.float64), tf.constant(1.0, tf.float64)
    y = tf.clip_by_value(x, lo, hi)
    assert y.op.name == "clip_by_value" and y.op.type == "Maximum"
    gx, glo, ghi = run(tf.gradients(y, [x, lo, hi]))
    np.testing.assert_array_equal(gx, [0, 1, 1, 1, 0])
    assert glo == 1 and ghi == 1
    check_gradients(lambda t, a, b: tf.clip_by_value(t, a, b),
                    [np.array([[-2.0, 0.3, 2.0], [0.1, 1.7, -0.4]]), np.array([-0.5, 0.0, -1.0]),
                     np.array(1.0)],
                    reference=lambda t, a, b: anp.maximum(anp.minimum(t, b), a))
    with pytest.raises(ValueError):
        tf.clip_by_value(tf.constant([1.0, 2.0]), tf.constant([[0.0], [1.0]]), 3.0)


def test_where_select_forms():
    c = np.array([[True, False], [False, True]])
    x, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])
    s = tf.where(c, x, y)
    assert s.op.type == "Select" and s.op.name == "Select"
    np.testing.assert_array_equal(run(s), np.where(c, x, y))
    rows = tf.where([True, False], x, y)  # a vector condition picks whole rows
    np.testing.assert_array_equal(run(rows), [[1, 2], [7, 8]])
    np.testing.assert_array_equal(run(tf.where(True, x, y)), x)
    idx = tf.where(c)
    assert idx.dtype == tf.int64 and idx.shape.as_list() == [None, 2] and idx.op.type == "Where"
    np.testing.assert_array_equal(run(idx), [[0, 0], [1, 1]])
    np.testing.assert_array_equal(run(tf.where(tf.constant([False, True, True]))), [[1], [2]])
    with pytest.raises(ValueError, match="Dimension 0"):
        tf.where([True, False], np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError):
        tf.where(c, x)
    with pytest.raises(TypeError):
        tf.where(tf.constant([1, 0]), x[0], y[0])
    np.testing.assert_array_equal(run(tf.where_v2(c[0], x, 0.0)), np.where(c[0], x, 0.0))


def test_where_gradients():
    c = np.array([[True, False, True], [False, False, True]])
    check_gradients(lambda a, b: tf.where(c, a, b), [np.ones((2, 3)), np.ones((2, 3)) * 2],
                    reference=lambda a, b: anp.where(c, a, b))
    check_gradients(lambda a, b: tf.where(np.array([True, False]), a, b), [np.ones((2, 3)), np.ones((2, 3))],
                    reference=lambda a, b: anp.where(np.array([[True], [False]]), a, b))
    ones = np.ones((2, 3))  # autograd's where does not sum its gradient over broadcast dims: broadcast first
    check_gradients(lambda a, b: tf.where_v2(c, a, b), [np.ones((1, 3)), np.full((2, 1), 2.0)],
                    reference=lambda a, b: anp.where(c, a * ones, b * ones))


def test_add_n_and_scalar_mul():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((2, 3)) for _ in range(3))
    np.testing.assert_allclose(run(tf.add_n([a, b, c])), a + b + c)
    check_gradients(lambda x, y, z: tf.add_n([x, y, x, z]), [a, b, c], reference=lambda x, y, z: 2 * x + y + z)
    with pytest.raises(ValueError, match="Dimension"):
        tf.add_n([tf.constant(a), tf.constant(np.ones((3, 3)))])
    s = tf.scalar_mul(2, tf.constant(a))
    assert s.dtype == tf.float64 and s.op.type == "Mul"
    np.testing.assert_allclose(run(s), 2 * a)
    with pytest.raises(ValueError, match="0-D"):
        tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))


# --- Python operators ---------------------------------------------------------------------------------

def test_operator_names_follow_tf1():
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y = tf.placeholder(tf.float32, (3,), name="y")
    names = {"add": x + y, "sub": x - y, "mul": x * y, "truediv": x / y, "floordiv": x // y, "mod": x % y,
             "pow": x ** y, "Neg": -x, "Abs": abs(x), "Less": x < y, "LessEqual": x <= y, "Greater": x > y,
             "GreaterEqual": x >= y}
    for name, t in names.items():
        assert t.op.name == name
    assert (x + 1).op.inputs[1].op.name == "add_1/y"
    assert (2 * x).op.inputs[0].op.name == "mul_1/x"
    assert names["mul"].op.type == "Mul" and names["add"].op.type == "AddV2" and names["mod"].op.type == "FloorMod"
    # names are unique ignoring case, as in TF1: `Mul` after `mul` and `mul_1` is `Mul_2`
    assert tf.multiply(x, y).op.name == "Mul_2" and tf.add(x, y).op.name == "Add_2"
    with tf.Graph().as_default():
        a = tf.constant([1.0])
        assert [tf.multiply(a, a).op.name, tf.add(a, a).op.name, tf.pow(a, a).op.name] == ["Mul", "Add", "Pow"]


def test_numpy_operands_on_either_side():
    t = tf.constant([1.0, 2.0, 3.0])
    for z in [np.ones(3) * t, t * np.ones(3), np.ones(3) + t, np.ones(3) - t, np.ones(3) / t,
              np.float64(2.0) * t, np.ones(3) ** t, np.ones(3) < t]:
        assert isinstance(z, tf.Tensor)
    z = np.array([2.0, 2.0, 2.0]) - t
    assert z.dtype == tf.float32  # the float64 array takes the tensor's dtype
    np.testing.assert_array_equal(run(z), [1, 0, -1])
    np.testing.assert_array_equal(run(np.array([6.0]) / t), [6, 3, 2])


def test_variable_operators():
    v = tf.Variable(np.array([1.0, -2.0], np.float32))
    outs = [v + 1, 1 + v, v * v, -v, abs(v), v / 2, 2 ** v, np.ones(2) * v, v - v, v < 0]
    for o in outs:
        assert isinstance(o, tf.Tensor)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run(outs)
    np.testing.assert_array_equal(got[0], [2, -1])
    np.testing.assert_array_equal(got[4], [1, 2])
    np.testing.assert_array_equal(got[6], [2, 0.25])
    np.testing.assert_array_equal(got[-1], [False, True])
    assert {v: 1}[v] == 1


def test_getitem_delegates_to_array_ops():
    from graphgrad.ops import array_ops

    if not hasattr(array_ops, "_slice_helper"):
        pytest.skip("array_ops._slice_helper is not written yet")
    v = np.arange(12.0).reshape(3, 4)
    t = tf.constant(v)
    for got, expected in zip(run([t[1], t[:, 1:3], t[-1, ::2]]), [v[1], v[:, 1:3], v[-1, ::2]]):
        np.testing.assert_array_equal(got, expected)


# --- second derivatives -------------------------------------------------------------------------------

def _f_tf(x):
    return tf.reduce_sum(tf.tanh(x) ** 2 * tf.exp(x))


def _f_ag(x):
    return anp.sum(anp.tanh(x) ** 2 * anp.exp(x))


def test_hessian_vector_product_vs_autograd():
    rng = np.random.default_rng(0)
    xv, vv = rng.uniform(-1, 1, 5), rng.standard_normal(5)
    x = tf.placeholder(tf.float64, (5,))
    v = tf.constant(vv)
    (g,) = tf.gradients(_f_tf(x), x)
    (hvp,) = tf.gradients(tf.reduce_sum(g * v), x)
    expected = autograd.grad(lambda a: anp.sum(autograd.grad(_f_ag)(a) * vv))(xv)
    np.testing.assert_allclose(run(hvp, {x: xv}), expected, rtol=1e-10)


def test_full_hessian_vs_autograd():
    xv = np.random.default_rng(1).uniform(-1, 1, (2, 3))
    expected = autograd.hessian(_f_ag)(xv)
    x = tf.placeholder(tf.float64, (2, 3))
    (g,) = tf.gradients(_f_tf(x), x)
    rows = []  # Hessian rows as products with unit vectors: needs math ops only
    for idx in np.ndindex(2, 3):
        e = np.zeros((2, 3))
        e[idx] = 1
        rows.append(tf.gradients(tf.reduce_sum(g * tf.constant(e)), x)[0])
    np.testing.assert_allclose(np.array(run(rows, {x: xv})).reshape(2, 3, 2, 3), expected, rtol=1e-10)
    from graphgrad.ops import array_ops

    if not all(hasattr(array_ops, n) for n in ("reshape", "stack", "_slice_helper")):
        pytest.skip("tf.hessians needs array_ops (reshape, stack, slicing)")
    (h,) = tf.hessians(_f_tf(x), x)
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(run(h, {x: xv}), expected, rtol=1e-10)


def test_second_derivatives_of_binary_ops_and_matmul():
    rng = np.random.default_rng(5)
    a, b = rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, (3,))
    w = rng.standard_normal((2, 3))
    for fn, ref in [(tf.truediv, anp.true_divide), (tf.pow, anp.power), (tf.squared_difference,
                                                                          lambda x, y: (x - y) ** 2),
                    (tf.multiply, anp.multiply), (tf.maximum, anp.maximum)]:
        def grads(x, y, fn=fn):
            gx, gy = tf.gradients(tf.reduce_sum(tf.square(fn(x, y)) * tf.constant(w)), [x, y])
            return tf.reduce_sum(gx) + tf.reduce_sum(gy) * 0.5

        def ref_grads(x, y, ref=ref):
            gx, gy = autograd.grad(lambda p, q: anp.sum(ref(p, q) ** 2 * w), (0, 1))(x, y)
            return anp.sum(gx) + anp.sum(gy) * 0.5

        check_gradients(grads, [a, b + 0.05], reference=ref_grads, rtol=1e-4)
    m1, m2 = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2))

    def mm_grads(x, y):
        gx, gy = tf.gradients(tf.reduce_sum(tf.tanh(tf.matmul(x, y))), [x, y])
        return tf.reduce_sum(gx * gx) + tf.reduce_sum(gy)

    def mm_ref(x, y):
        gx, gy = autograd.grad(lambda p, q: anp.sum(anp.tanh(anp.matmul(p, q))), (0, 1))(x, y)
        return anp.sum(gx * gx) + anp.sum(gy)

    check_gradients(mm_grads, [m1, m2], reference=mm_ref, rtol=1e-4)


def test_no_runtime_warnings_on_plain_ops():
    x = tf.constant(np.linspace(-3, 3, 7))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run([tf.sigmoid(x), tf.tanh(x), tf.div_no_nan(x, x - x), tf.reduce_logsumexp(x)])


@pytest.mark.parametrize("sa,sb,axes", [
    ((3, 4), (4, 5), 1), ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (4, 5), 0), ((4, 3, 2), (2, 4), [[0, 2], [1, 0]]),
    ((3, 4), (5, 3), [[0], [1]]), ((2, 3, 4), (4,), [[-1], [0]]),
])
def test_tensordot(sa, sb, axes):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    np_axes = axes if isinstance(axes, int) else tuple(tuple(x) for x in axes)
    expected = np.tensordot(a, b, np_axes)
    z = tf.tensordot(tf.constant(a), tf.constant(b), axes)
    assert z.shape == expected.shape
    np.testing.assert_allclose(run(z), expected, rtol=1e-12)
    check_gradients(lambda x, y: tf.tensordot(x, y, axes), [a, b], reference=lambda x, y: anp.tensordot(x, y, np_axes))


def test_tensordot_unknown_free_dims_and_errors():
    x = tf.placeholder(tf.float64, (None, 3, None))
    w = tf.constant(np.ones((3, 2)))
    z = tf.tensordot(x, w, [[1], [0]])
    assert z.shape.as_list() == [None, None, 2] and z.op.name == "Tensordot"
    v = np.random.default_rng(1).standard_normal((2, 3, 5))
    np.testing.assert_allclose(run(z, {x: v}), np.tensordot(v, np.ones((3, 2)), ((1,), (0,))), rtol=1e-12)
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.tensordot(tf.constant(np.ones((2, 4))), w, 1)
    with pytest.raises(ValueError):
        tf.tensordot(w, w, [[0, 0], [1, 1]])

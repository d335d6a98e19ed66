"""The global step, learning-rate schedules (against TF1's formulas in NumPy) and norm clipping (values and
gradients)."""
import math

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
import graphgrad.train  # noqa: F401  (tf.train until the package wires it)
from graphgrad.framework.graph import GraphKeys
from graphgrad.ops import clip_ops
from tests.gradcheck import check_gradients

# --- global step -------------------------------------------------------------------------------------------


def test_get_or_create_global_step():
    assert tf.train.get_global_step() is None
    gs = tf.train.get_or_create_global_step()
    assert gs.op.name == "global_step" and gs.dtype.base_dtype == tf.int64 and gs.shape.as_list() == []
    assert tf.get_collection(GraphKeys.GLOBAL_STEP) == [gs]
    assert gs in tf.global_variables() and gs not in tf.trainable_variables()
    assert tf.train.get_or_create_global_step() is gs
    assert tf.train.get_global_step() is gs
    with pytest.raises(ValueError, match='"global_step" already exists'):
        tf.train.create_global_step()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    value = tf.train.global_step(s, gs)
    assert value == 0 and isinstance(value, int)


def test_global_step_per_graph_and_found_by_name():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(0, name="global_step", trainable=False)
        found = tf.train.get_global_step()
        assert found is not None and found.name == "global_step:0" and found.graph is g
        assert tf.train.get_or_create_global_step().name == "global_step:0"
    assert tf.train.get_global_step() is None
    assert tf.train.get_global_step(g).op is v.op


def test_global_step_type_checks():
    tf.Variable(np.float32(0), name="global_step")
    with pytest.raises(TypeError, match="does not have integer type"):
        tf.train.get_global_step()
    with pytest.raises(TypeError, match="is not scalar"):
        tf.train.assert_global_step(tf.Variable(np.zeros(2, np.int64)))
    with pytest.raises(TypeError, match="must be a Variable or Tensor"):
        tf.train.assert_global_step(3)


def test_several_global_steps_in_collection_gives_none():
    tf.train.create_global_step()
    tf.add_to_collection(GraphKeys.GLOBAL_STEP, tf.Variable(np.int64(0)))
    assert tf.train.get_global_step() is None


# --- learning-rate schedules -------------------------------------------------------------------------------

STEPS = [0, 1, 4, 5, 9, 10, 11, 25, 37, 100]


def _frac(step, decay_steps, staircase):
    p = step / decay_steps
    return math.floor(p) if staircase else p


def _poly(step, lr, ds, end, power, cycle):
    if cycle:
        ds = ds * (1.0 if step == 0 else math.ceil(step / ds))
    else:
        step = min(step, ds)
    return (lr - end) * (1 - step / ds) ** power + end


SCHEDULES = {
    "exponential": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5),
                    lambda t: 0.1 * 0.5 ** _frac(t, 10, False)),
    "exponential_staircase": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5, staircase=True),
                              lambda t: 0.1 * 0.5 ** _frac(t, 10, True)),
    "natural_exp": (lambda s: tf.train.natural_exp_decay(0.1, s, 5, 0.3),
                    lambda t: 0.1 * math.exp(-0.3 * _frac(t, 5, False))),
    "natural_exp_staircase": (lambda s: tf.train.natural_exp_decay(0.1, s, 5, 0.3, staircase=True),
                              lambda t: 0.1 * math.exp(-0.3 * _frac(t, 5, True))),
    "inverse_time": (lambda s: tf.train.inverse_time_decay(0.1, s, 10, 0.5),
                     lambda t: 0.1 / (1 + 0.5 * _frac(t, 10, False))),
    "inverse_time_staircase": (lambda s: tf.train.inverse_time_decay(0.1, s, 10, 0.5, staircase=True),
                               lambda t: 0.1 / (1 + 0.5 * _frac(t, 10, True))),
    "polynomial": (lambda s: tf.train.polynomial_decay(0.1, s, 10),
                   lambda t: _poly(t, 0.1, 10, 0.0001, 1.0, False)),
    "polynomial_power": (lambda s: tf.train.polynomial_decay(0.1, s, 10, 0.01, power=2.0),
                         lambda t: _poly(t, 0.1, 10, 0.01, 2.0, False)),
    "polynomial_cycle": (lambda s: tf.train.polynomial_decay(0.1, s, 10, 0.01, power=0.5, cycle=True),
                         lambda t: _poly(t, 0.1, 10, 0.01, 0.5, True)),
    "cosine": (lambda s: tf.train.cosine_decay(0.1, s, 20),
               lambda t: 0.1 * 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20))),
    "cosine_alpha": (lambda s: tf.train.cosine_decay(0.1, s, 20, alpha=0.2),
                     lambda t: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20)) + 0.2)),
    "piecewise": (lambda s: tf.train.piecewise_constant(s, [5, 10], [1.0, 0.5, 0.1]),
                  lambda t: 1.0 if t <= 5 else 0.5 if t <= 10 else 0.1),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_formula(name):
    build, formula = SCHEDULES[name]
    step = tf.placeholder(tf.int64, ())
    lr = build(step)
    assert lr.dtype == tf.float32 and lr.shape.as_list() == []
    s = tf.Session()
    for t in STEPS:
        assert s.run(lr, {step: t}) == pytest.approx(formula(t), rel=1e-6, abs=1e-9), t


@pytest.mark.parametrize("name", ["exponential", "polynomial_cycle", "cosine", "piecewise"])
def test_schedule_follows_a_global_step_variable(name):
    build, formula = SCHEDULES[name]
    gs = tf.train.get_or_create_global_step()
    lr = build(gs)
    inc = tf.assign_add(gs, np.int64(3))
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    for k in range(6):
        assert s.run(lr) == pytest.approx(formula(3 * k), rel=1e-6, abs=1e-9)
        s.run(inc)


def test_schedule_dtype_follows_learning_rate_and_names():
    step = tf.placeholder(tf.int32, ())
    lr = tf.train.exponential_decay(np.float64(0.1), step, 3, 0.9)
    assert lr.dtype == tf.float64 and lr.op.name == "ExponentialDecay"
    assert tf.train.polynomial_decay(0.1, step, 3).op.name == "PolynomialDecay"
    assert tf.train.exponential_decay(0.1, step, 3, 0.9, name="my_lr").op.name == "my_lr"
    s = tf.Session()
    assert s.run(lr, {step: 7}) == pytest.approx(0.1 * 0.9 ** (7 / 3), rel=1e-12)


def test_decay_with_tensor_hyper_parameters():
    step = tf.placeholder(tf.int64, ())
    rate = tf.placeholder(tf.float32, ())
    lr = tf.train.exponential_decay(tf.constant(0.2), step, tf.constant(4), rate)
    s = tf.Session()
    assert s.run(lr, {step: 8, rate: 0.5}) == pytest.approx(0.05, rel=1e-6)


def test_schedule_errors():
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        tf.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="global_step is required for cosine_decay"):
        tf.train.cosine_decay(0.1, None, 10)
    step = tf.placeholder(tf.int64, ())
    with pytest.raises(ValueError, match="1 less than the length of values"):
        tf.train.piecewise_constant(step, [1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="same dtype"):
        tf.train.piecewise_constant(step, [1], [0.1, 2])
    with pytest.raises(ValueError, match="Boundaries"):
        tf.train.piecewise_constant(step, [1.5], [0.1, 0.2])


def test_piecewise_constant_float_step_and_tensor_values_get_gradients():
    x = tf.placeholder(tf.float32, ())
    v = tf.Variable(np.float32(2.0), name="v")
    out = tf.train.piecewise_constant(x, [0.5, 1.5], [v * 1.0, v * 3.0, tf.constant(7.0)])
    (g,) = tf.gradients(out, [v])
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    assert s.run([out, g], {x: 0.5}) == [2.0, 1.0]
    assert s.run([out, g], {x: 1.0}) == [6.0, 3.0]
    assert s.run([out, g], {x: 2.0}) == [7.0, 0.0]


# --- clipping ------------------------------------------------------------------------------------------------

def _np_clip_by_norm(t, c, axes=None):
    norm = np.sqrt(np.sum(t * t, axis=axes, keepdims=True))
    return t * c / np.maximum(norm, c)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, clip=st.floats(0.1, 5.0), seed=st.integers(0, 2**16), use_axis=st.booleans())
def test_clip_by_norm_values(shape, clip, seed, use_axis):
    tf.reset_default_graph()
    t = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    axes = [len(shape) - 1] if use_axis else None
    out = clip_ops.clip_by_norm(tf.constant(t), clip, axes=axes)
    assert out.shape.as_list() == list(shape) and out.op.name == "clip_by_norm"
    want = _np_clip_by_norm(t.astype(np.float64), np.float32(clip), tuple(axes) if axes else None)
    np.testing.assert_allclose(tf.Session().run(out), want, rtol=2e-6, atol=1e-7)


def test_clip_by_norm_zero_tensor_has_finite_gradient():
    x = tf.placeholder(tf.float32, (3,))
    y = clip_ops.clip_by_norm(x, 1.0)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    out, grad = tf.Session().run([y, g], {x: np.zeros(3)})
    np.testing.assert_array_equal(out, np.zeros(3))
    assert np.all(np.isfinite(grad))


def test_clip_by_norm_rejects_broadcasting_clip_norm():
    with pytest.raises(ValueError):
        clip_ops.clip_by_norm(tf.constant([1.0, 2.0]), tf.constant([[1.0], [2.0]]))


@pytest.mark.parametrize("scale", [0.3, 3.0])      # below and above the clip norm
def test_clip_by_norm_gradient(scale):
    t = np.random.default_rng(1).standard_normal((3, 4))
    t = t / np.linalg.norm(t) * scale
    check_gradients(lambda x: clip_ops.clip_by_norm(x, 1.0), [t],
                    reference=lambda x: x * 1.0 / anp.maximum(anp.sqrt(anp.sum(x * x)), 1.0))
    check_gradients(lambda x: clip_ops.clip_by_norm(x, 0.5, axes=[0]), [t],
                    reference=lambda x: x * 0.5 / anp.maximum(anp.sqrt(anp.sum(x * x, axis=0, keepdims=True)),
                                                              0.5))


def test_global_norm_values_and_gradient():
    a = np.array([3.0, 4.0])
    b = np.array([[12.0]])
    n = clip_ops.global_norm([tf.constant(a), None, tf.constant(b)])
    assert n.op.name == "global_norm/global_norm" and n.shape.as_list() == []
    assert tf.Session().run(n) == pytest.approx(13.0)
    rng = np.random.default_rng(2)
    xs = [rng.standard_normal((2, 3)), rng.standard_normal(4)]
    check_gradients(lambda x, y: clip_ops.global_norm([x, y]), xs,
                    reference=lambda x, y: anp.sqrt(anp.sum(x * x) + anp.sum(y * y)))
    with pytest.raises(TypeError, match="t_list should be a sequence"):
        clip_ops.global_norm(tf.constant(a))


@settings(max_examples=20, deadline=None)
@given(shape_a=shapes, shape_b=shapes, clip=st.floats(0.1, 10.0), seed=st.integers(0, 2**16))
def test_clip_by_global_norm_values(shape_a, shape_b, clip, seed):
    tf.reset_default_graph()
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    clipped, norm = clip_ops.clip_by_global_norm([tf.constant(a), None, tf.constant(b)], clip)
    assert clipped[1] is None
    out_a, out_b, n = tf.Session().run([clipped[0], clipped[2], norm])
    gn = np.sqrt(np.sum(a * a) + np.sum(b * b))
    assert n == pytest.approx(gn, rel=1e-12)
    scale = clip / max(gn, clip)
    np.testing.assert_allclose(out_a, a * scale, rtol=1e-12)
    np.testing.assert_allclose(out_b, b * scale, rtol=1e-12)


def test_clip_by_global_norm_use_norm_nonfinite_and_gradient():
    a = tf.constant(np.array([3.0, 4.0], np.float32))
    clipped, norm = clip_ops.clip_by_global_norm([a], 1.0, use_norm=tf.constant(10.0))
    s = tf.Session()
    np.testing.assert_allclose(s.run(clipped[0]), [0.3, 0.4], rtol=1e-6)
    assert s.run(norm) == np.float32(10.0)
    bad, _ = clip_ops.clip_by_global_norm([a], 1.0, use_norm=tf.constant(np.inf))
    with np.errstate(invalid="ignore"):        # inf - inf
        assert np.all(np.isnan(s.run(bad[0])))
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((2, 2)) * 2, rng.standard_normal(3)]

    def ref(x, y):
        n = anp.sqrt(anp.sum(x * x) + anp.sum(y * y))
        return anp.concatenate([anp.ravel(x), y]) * 1.5 / anp.maximum(n, 1.5)

    check_gradients(lambda x, y: tf.concat([tf.reshape(c, [-1]) for c in clip_ops.clip_by_global_norm([x, y],
                                                                                                       1.5)[0]], 0),
                    xs, reference=ref)


def test_clip_by_average_norm():
    t = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)     # norm 5 over 4 elements: average norm 1.25
    s = tf.Session()
    np.testing.assert_allclose(s.run(clip_ops.clip_by_average_norm(tf.constant(t), 0.5)), t * 0.5 / 1.25,
                               rtol=1e-6)
    np.testing.assert_allclose(s.run(clip_ops.clip_by_average_norm(tf.constant(t), 2.0)), t, rtol=1e-6)
    assert clip_ops.clip_by_average_norm(tf.constant(t), 2.0).op.name == "clip_by_average_norm_2"


def test_clipped_gradients_train():
    w = tf.Variable(np.array([10.0, -10.0], np.float32), name="w")
    opt = tf.train.GradientDescentOptimizer(1.0)
    grads, variables = zip(*opt.compute_gradients(tf.reduce_sum(w * w)))
    clipped, norm = clip_ops.clip_by_global_norm(list(grads), 1.0)
    step = opt.apply_gradients(zip(clipped, variables))
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    _, n = s.run([step, norm])
    assert n == pytest.approx(np.sqrt(800.0), rel=1e-6)
    np.testing.assert_allclose(s.run(w), [10.0 - 1 / np.sqrt(2), -10.0 + 1 / np.sqrt(2)], rtol=1e-6)

"""tf.nn ops: forward values vs NumPy, gradients vs finite differences and autograd, TF's conventions at kinks,
stability for logits of magnitude 1e4, second derivatives, and dropout's masks."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad import nn

FEW = settings(max_examples=12, deadline=None)
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def away_from(x, points, gap=1e-3):
    """Shift entries that sit within `gap` of a kink so finite differences stay on one side."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + 2 * gap
    return x


def run(fetches, feed=None):
    with tf.Session() as s:
        return s.run(fetches, feed)


def a_logsumexp(x, axis=-1, keepdims=False):
    m = anp.max(x, axis=axis, keepdims=True)
    out = anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else anp.squeeze(out, axis)


def a_softmax(x, axis=-1):
    e = anp.exp(x - anp.max(x, axis=axis, keepdims=True))
    return e / anp.sum(e, axis=axis, keepdims=True)


def a_log_softmax(x, axis=-1):
    return x - a_logsumexp(x, axis, keepdims=True)


ACTIVATIONS = {
    "relu": (nn.relu, lambda x: anp.maximum(x, 0), [0]),
    "relu6": (nn.relu6, lambda x: anp.minimum(anp.maximum(x, 0), 6), [0, 6]),
    "leaky_relu": (nn.leaky_relu, lambda x: anp.where(x > 0, x, 0.2 * x), [0]),
    "elu": (nn.elu, lambda x: anp.where(x > 0, x, anp.exp(anp.minimum(x, 0)) - 1), [0]),
    "selu": (nn.selu, lambda x: SELU_S * anp.where(x > 0, x, SELU_A * (anp.exp(anp.minimum(x, 0)) - 1)), [0]),
    "softplus": (nn.softplus, lambda x: anp.logaddexp(x, 0), []),
    "softsign": (nn.softsign, lambda x: x / (1 + anp.abs(x)), [0]),
    "swish": (nn.swish, lambda x: x / (1 + anp.exp(-x)), []),
    "sigmoid": (nn.sigmoid, lambda x: 1 / (1 + anp.exp(-x)), []),
    "tanh": (nn.tanh, anp.tanh, []),
}


# --- activations ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_activation_values_and_gradients(name, shape, seed):
    fn, ref, kinks = ACTIVATIONS[name]
    x = away_from(np.random.default_rng(seed).normal(scale=4, size=shape), kinks)
    xt = tf.constant(x.astype(np.float32))
    y32 = run(fn(xt))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, ref(x), rtol=1e-5, atol=1e-6)
    check_gradients(fn, [x], reference=ref)


@pytest.mark.parametrize("fn, x, expected", [
    (nn.relu, [0.0, -1.0, 2.0], [0.0, 0.0, 1.0]),
    (nn.relu6, [0.0, 6.0, 3.0, 7.0], [0.0, 0.0, 1.0, 0.0]),
    (nn.leaky_relu, [0.0, -1.0, 1.0], [0.2, 0.2, 1.0]),
    (nn.elu, [0.0, 1.0], [1.0, 1.0]),
    (nn.selu, [0.0, 1.0], [SELU_S, SELU_S]),
])
def test_gradient_conventions_at_kinks(fn, x, expected):
    xt = tf.constant(np.array(x, np.float32))
    (g,) = tf.gradients(tf.reduce_sum(fn(xt)), xt)
    np.testing.assert_allclose(run(g), expected, rtol=1e-6)


def test_leaky_relu_alpha_and_names():
    x = tf.constant([-2.0, 3.0])
    y = nn.leaky_relu(x, alpha=0.5)
    np.testing.assert_allclose(run(y), [-1.0, 3.0])
    assert y.op.type == "LeakyRelu" and y.name == "LeakyRelu:0"
    assert nn.relu(x).name == "Relu:0" and nn.relu(x, name="act").name == "act:0"
    assert nn.leaky_relu(x, alpha=1.5).op.get_attr("alpha") == 1.5
    np.testing.assert_allclose(run(nn.leaky_relu(x, alpha=1.5)), [-3.0, 3.0])
    np.testing.assert_array_equal(run(nn.relu(tf.constant([-1, 2]))), [0, 2])  # integer relu


def test_activations_keep_float64_and_handle_scalars():
    x = tf.constant(np.float64(-0.5))
    for f in (nn.relu, nn.elu, nn.selu, nn.softplus, nn.softsign, nn.leaky_relu):
        y = f(x)
        assert y.dtype == tf.float64 and y.shape.as_list() == []
        v = run(y)
        assert np.asarray(v).dtype == np.float64
        (g,) = tf.gradients(y, x)
        assert np.isfinite(run(g))


def test_activation_rejects_integers():
    with pytest.raises(TypeError):
        nn.elu(tf.constant([1, 2]))


def test_stable_activations_at_1e4():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    xt = tf.constant(x)
    sp, ssg = nn.softplus(xt), nn.softsign(xt)
    (g,) = tf.gradients(tf.reduce_sum(sp), xt)
    spv, gv = run([sp, g])
    np.testing.assert_allclose(spv, np.logaddexp(x, 0), rtol=1e-15)
    np.testing.assert_allclose(gv, [0.0, 1 / (1 + np.exp(50.0)), 0.5, 1 / (1 + np.exp(-50.0)), 1.0], rtol=1e-14)
    assert np.isfinite(run(ssg)).all()
    with np.errstate(over="raise"):
        e32 = run(nn.elu(tf.constant(np.float32([1e4, -1e4]))))
    np.testing.assert_array_equal(e32, [1e4, -1.0])


# --- softmax and log-softmax ----------------------------------------------------------------------------

@FEW
@given(shape=shapes, seed=st.integers(0, 2**16), data=st.data())
def test_softmax_and_log_softmax(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(scale=3, size=shape)
    np.testing.assert_allclose(run(nn.softmax(tf.constant(x), axis=axis)), a_softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(run(nn.log_softmax(tf.constant(x), dim=axis)), a_log_softmax(x, axis), rtol=1e-12,
                               atol=1e-12)
    check_gradients(lambda t: nn.softmax(t, axis=axis), [x], reference=lambda t: a_softmax(t, axis))
    check_gradients(lambda t: nn.log_softmax(t, axis=axis), [x], reference=lambda t: a_log_softmax(t, axis))


def test_softmax_stable_at_1e4():
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, -1e4]], np.float32)
    xt = tf.constant(x)
    sm, lsm = nn.softmax(xt), nn.log_softmax(xt)
    w = tf.constant(np.array([[1.0, 2.0, 3.0], [1.0, -1.0, 2.0]], np.float32))
    gs, gl = tf.gradients(tf.reduce_sum(sm * w), xt)[0], tf.gradients(tf.reduce_sum(lsm * w), xt)[0]
    smv, lsmv, gsv, glv = run([sm, lsm, gs, gl])
    np.testing.assert_array_equal(smv, [[1, 0, 0], [0.5, 0.5, 0]])
    np.testing.assert_allclose(lsmv, [[0, -1e4, -2e4], [-np.log(2), -np.log(2), -2e4 - np.log(2)]], rtol=1e-7)
    np.testing.assert_allclose(gsv, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-7)
    # d/dx sum(w * log_softmax) = w - softmax * sum(w)
    np.testing.assert_allclose(glv, [[1 - 6, 2, 3], [1 - 1, -1 - 1, 2]], atol=1e-6)


def test_softmax_errors_and_names():
    x = tf.placeholder(tf.float32, (None, 3))
    assert nn.softmax(x).name == "Softmax:0" and nn.log_softmax(x).name == "LogSoftmax:0"
    with pytest.raises(ValueError, match="out of bounds"):
        nn.softmax(x, axis=2)
    with pytest.raises(ValueError):
        nn.softmax(x, axis=0, dim=0)


# --- bias_add, l2_loss, l2_normalize, moments -----------------------------------------------------------

@FEW
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple), seed=st.integers(0, 2**16))
def test_bias_add(shape, seed):
    rng = np.random.default_rng(seed)
    x, b = rng.normal(size=shape), rng.normal(size=shape[-1:])
    y = nn.bias_add(tf.constant(x), tf.constant(b))
    assert y.op.type == "BiasAdd"
    np.testing.assert_allclose(run(y), x + b)
    check_gradients(nn.bias_add, [x, b], reference=lambda x, b: x + b)
    bc = rng.normal(size=shape[1:2])
    ref_nchw = lambda x, b: x + anp.reshape(b, (-1,) + (1,) * (len(shape) - 2))  # noqa: E731
    check_gradients(lambda x, b: nn.bias_add(x, b, data_format="NCHW"), [x, bc], reference=ref_nchw)


def test_bias_add_second_order_and_errors():
    x = tf.placeholder(tf.float64, (2, 3))
    b = tf.constant(np.array([1.0, 2.0, 3.0]))
    y = nn.bias_add(x, b)
    (gb,) = tf.gradients(tf.reduce_sum(y * y), b)
    (ggx,) = tf.gradients(tf.reduce_sum(gb * tf.constant([1.0, 0.0, -1.0], tf.float64)), x)
    # gb = sum_rows 2 (x + b); its gradient wrt x under weights w is 2 w broadcast over rows
    np.testing.assert_allclose(run(ggx, {x: np.ones((2, 3))}), [[2, 0, -2], [2, 0, -2]])
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        nn.bias_add(x, tf.constant(np.ones(4)))
    with pytest.raises(ValueError, match="rank 1"):
        nn.bias_add(x, tf.constant(np.ones((1, 3))))
    with pytest.raises(ValueError, match="at least rank 2"):
        nn.bias_add(tf.constant(np.ones(3)), b)


@FEW
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_l2_loss_and_l2_normalize(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    v = run(nn.l2_loss(tf.constant(x.astype(np.float32))))
    assert v.dtype == np.float32
    np.testing.assert_allclose(v, (x ** 2).sum() / 2, rtol=1e-5)
    check_gradients(nn.l2_loss, [x], reference=lambda t: anp.sum(t ** 2) / 2)
    axis = len(shape) - 1
    ref = lambda t: t / anp.sqrt(anp.maximum(anp.sum(t ** 2, axis=axis, keepdims=True), 1e-12))  # noqa: E731
    check_gradients(lambda t: nn.l2_normalize(t, axis=axis), [x], reference=ref)
    np.testing.assert_allclose(run(nn.l2_normalize(tf.constant(x))), x / np.linalg.norm(x), rtol=1e-12)


def test_moments():
    x = np.random.default_rng(0).normal(size=(4, 3, 2))
    m, v = nn.moments(tf.constant(x), axes=[0, 1])
    assert m.shape.as_list() == [2] and v.shape.as_list() == [2]
    mv, vv = run([m, v])
    np.testing.assert_allclose(mv, x.mean((0, 1)))
    np.testing.assert_allclose(vv, x.var((0, 1)))
    mk, vk = nn.moments(tf.constant(x), axes=[0], keep_dims=True)
    assert mk.shape.as_list() == [1, 3, 2] and vk.shape.as_list() == [1, 3, 2]
    assert m.name.startswith("moments/") and mk.name.startswith("moments_1/")
    check_gradients(lambda t: nn.moments(t, [0, 1])[1], [x], reference=lambda t: anp.var(t, axis=(0, 1)))
    check_gradients(lambda t: nn.moments(t, [1])[0], [x], reference=lambda t: anp.mean(t, axis=1))


# --- cross-entropies ------------------------------------------------------------------------------------

def _distribution(rng, shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def a_softmax_xent(z, x, axis=-1):
    return -anp.sum(z * a_log_softmax(x, axis), axis=axis)


@FEW
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_softmax_cross_entropy_v2(shape, seed):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(scale=3, size=shape), _distribution(rng, shape)
    loss = nn.softmax_cross_entropy_with_logits_v2(labels=tf.constant(z), logits=tf.constant(x))
    assert loss.shape.as_list() == list(shape[:-1])
    np.testing.assert_allclose(run(loss), a_softmax_xent(z, x), rtol=1e-12)
    check_gradients(lambda x, z: nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x), [x, z],
                    reference=lambda x, z: a_softmax_xent(z, x))


def test_softmax_cross_entropy_axis():
    rng = np.random.default_rng(1)
    x, z = rng.normal(size=(4, 3)), _distribution(rng, (3, 4)).T
    check_gradients(lambda x, z: nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x, axis=0), [x, z],
                    reference=lambda x, z: a_softmax_xent(z, x, 0))


def test_softmax_cross_entropy_v1_blocks_labels():
    x = tf.placeholder(tf.float32, (None, 3))
    z = tf.placeholder(tf.float32, (None, 3))
    loss = nn.softmax_cross_entropy_with_logits(labels=z, logits=x)
    assert loss.name == "softmax_cross_entropy_with_logits_sg:0"
    gx, gz = tf.gradients(tf.reduce_sum(loss), [x, z])
    assert gz is None
    xv = np.array([[1.0, 2.0, 3.0]], np.float32)
    zv = np.array([[0.0, 1.0, 0.0]], np.float32)
    np.testing.assert_allclose(run(gx, {x: xv, z: zv}), a_softmax(xv.astype(np.float64)) - zv, rtol=1e-6)
    loss2 = nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x)
    assert loss2.name == "softmax_cross_entropy_with_logits:0"
    (gz2,) = tf.gradients(tf.reduce_sum(loss2), z)
    np.testing.assert_allclose(run(gz2, {x: xv, z: zv}), -a_log_softmax(xv.astype(np.float64)), rtol=1e-6)
    with pytest.raises(ValueError, match="named arguments"):
        nn.softmax_cross_entropy_with_logits(z, x)


def test_sparse_softmax_cross_entropy():
    rng = np.random.default_rng(2)
    x = rng.normal(scale=3, size=(5, 4))
    labels = np.array([0, 3, 1, 1, 2])

    def ref(x):
        return a_logsumexp(x) - x[np.arange(5), labels]

    loss = nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(labels), logits=tf.constant(x))
    assert loss.name == "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0"
    np.testing.assert_allclose(run(loss), ref(x), rtol=1e-12)
    check_gradients(lambda t: nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t), [x],
                    reference=ref)
    # batch dims of rank 2, int64 labels
    x3, l3 = rng.normal(size=(2, 3, 4)), rng.integers(0, 4, size=(2, 3))
    v = run(nn.sparse_softmax_cross_entropy_with_logits(labels=l3.astype(np.int64), logits=x3))
    onehot = np.eye(4)[l3]
    np.testing.assert_allclose(v, a_softmax_xent(onehot, x3), rtol=1e-12)


@pytest.mark.cpu_semantics("a bad label is an error on the CPU, NaN rows on a GPU")
def test_sparse_softmax_cross_entropy_errors():
    x = tf.placeholder(tf.float32, (None, 3))
    y = tf.placeholder(tf.int32, (None,))
    loss = nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 3"):
        run(loss, {x: np.zeros((2, 3)), y: [0, 3]})
    with pytest.raises(ValueError, match="Rank mismatch"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int32, (None, 1)), logits=x)
    with pytest.raises(TypeError):
        nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.float32, (None,)), logits=x)


@FEW
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_sigmoid_and_weighted_cross_entropy(shape, seed):
    rng = np.random.default_rng(seed)
    x, z = rng.normal(scale=3, size=shape), rng.uniform(size=shape)
    q = rng.uniform(0.5, 3.0, size=shape[-1:])

    def ref_sig(x, z):
        return anp.logaddexp(x, 0) - x * z

    def ref_w(x, z, q):
        return (1 - z) * x + (1 + (q - 1) * z) * anp.logaddexp(-x, 0)

    loss = nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(z), logits=tf.constant(x))
    np.testing.assert_allclose(run(loss), ref_sig(x, z), rtol=1e-12, atol=1e-14)
    check_gradients(lambda x, z: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x), [x, z],
                    reference=ref_sig)
    w = nn.weighted_cross_entropy_with_logits(tf.constant(z), tf.constant(x), tf.constant(q))
    np.testing.assert_allclose(run(w), ref_w(x, z, q), rtol=1e-12, atol=1e-14)
    check_gradients(lambda x, z, q: nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=q),
                    [x, z, q], reference=ref_w)


def test_weighted_cross_entropy_targets_and_scalar_pos_weight():
    x, z = np.array([-2.0, 0.5, 3.0]), np.array([1.0, 0.0, 1.0])
    w = nn.weighted_cross_entropy_with_logits(targets=z, logits=x, pos_weight=2.0)
    assert w.name == "logistic_loss:0"
    np.testing.assert_allclose(run(w), (1 - z) * x + (1 + z) * np.logaddexp(-x, 0))
    s = nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    assert s.name == "logistic_loss_1:0"
    with pytest.raises(ValueError, match="same shape"):
        nn.sigmoid_cross_entropy_with_logits(labels=np.zeros(2), logits=x)


def test_cross_entropies_stable_at_1e4():
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], np.float32)
    z = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], np.float32)
    xt, zt = tf.constant(x), tf.constant(z)
    soft = nn.softmax_cross_entropy_with_logits_v2(labels=zt, logits=xt)
    sparse = nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=xt)
    sig = nn.sigmoid_cross_entropy_with_logits(labels=zt, logits=xt)
    wce = nn.weighted_cross_entropy_with_logits(labels=zt, logits=xt, pos_weight=3.0)
    grads = tf.gradients([tf.reduce_sum(soft), tf.reduce_sum(sparse)], xt)
    g_sig, g_w = tf.gradients(tf.reduce_sum(sig), xt)[0], tf.gradients(tf.reduce_sum(wce), xt)[0]
    sv, spv, sigv, wv, gv, gsv, gwv = run([soft, sparse, sig, wce, grads[0], g_sig, g_w])
    np.testing.assert_array_equal(sv, [1e4, 2e4])
    np.testing.assert_array_equal(spv, [2e4, 2e4])
    np.testing.assert_array_equal(sigv, np.float32([[1e4, np.log(2), 0], [5e3, 5e3, 1e4]]))
    assert np.isfinite(wv).all()
    p = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    np.testing.assert_array_equal(gv, (p - z) + (p - np.array([[0, 0, 1], [1, 0, 0]])))
    sigm = np.array([[1, 0.5, 0], [0, 0, 1]], np.float32)
    np.testing.assert_array_equal(gsv, sigm - z)
    lw = 1 + 2 * z
    np.testing.assert_allclose(gwv, (1 - z) - lw * (1 - sigm), atol=1e-7)


# --- second derivatives ---------------------------------------------------------------------------------

def _hessian_check(build, ref, x):
    xt = tf.placeholder(tf.float64, x.shape)
    (h,) = tf.hessians(tf.reduce_sum(build(xt)), xt)
    got = run(h, {xt: x})
    want = autograd.hessian(lambda t: anp.sum(ref(t)))(x)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10)


def test_hessian_of_softmax_cross_entropy():
    rng = np.random.default_rng(3)
    x, z = rng.normal(size=(2, 3)), _distribution(rng, (2, 3))
    _hessian_check(lambda t: nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=t),
                   lambda t: a_softmax_xent(z, t), x)
    labels = np.array([2, 0])
    _hessian_check(lambda t: nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t),
                   lambda t: a_logsumexp(t) - t[np.arange(2), labels], x)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "swish"])
def test_hessian_of_activations(name):
    fn, ref, kinks = ACTIVATIONS[name]
    x = away_from(np.random.default_rng(4).normal(size=(4,)), kinks)
    _hessian_check(lambda t: fn(t) * fn(t), lambda t: ref(t) * ref(t), x)


def test_hessian_of_sigmoid_and_weighted_cross_entropy_and_softmax():
    rng = np.random.default_rng(5)
    x, z = rng.normal(size=(3,)), rng.uniform(size=(3,))
    _hessian_check(lambda t: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=t),
                   lambda t: anp.logaddexp(t, 0) - t * z, x)
    _hessian_check(lambda t: nn.weighted_cross_entropy_with_logits(labels=z, logits=t, pos_weight=2.5),
                   lambda t: (1 - z) * t + (1 + 1.5 * z) * anp.logaddexp(-t, 0), x)
    w = rng.normal(size=(3,))
    _hessian_check(lambda t: nn.softmax(t) * w, lambda t: a_softmax(t) * w, x)
    _hessian_check(lambda t: nn.log_softmax(t) * w, lambda t: a_log_softmax(t) * w, x)


def test_third_order_through_softmax_grad():
    """Gradients of the SoftmaxGrad op (the gradient of a gradient) match autograd."""
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=(3,)), rng.normal(size=(3,))
    xt = tf.constant(x)
    (g,) = tf.gradients(tf.reduce_sum(nn.softmax(xt) * w), xt)
    (gg,) = tf.gradients(tf.reduce_sum(g * g), xt)

    def first(t):
        return autograd.grad(lambda u: anp.sum(a_softmax(u) * w))(t)
    want = autograd.grad(lambda t: anp.sum(first(t) ** 2))(x)
    np.testing.assert_allclose(run(gg), want, rtol=1e-9, atol=1e-12)


# --- dropout --------------------------------------------------------------------------------------------

def test_dropout_statistics_and_seed():
    tf.set_random_seed(1)
    x = tf.ones((200, 500))
    y = nn.dropout(x, keep_prob=0.8)
    v1 = run(y)
    assert v1.dtype == np.float32
    assert set(np.unique(v1).tolist()) == {0.0, np.float32(1 / np.float32(0.8))}
    kept = (v1 != 0).mean()
    assert abs(kept - 0.8) < 0.01  # 100k Bernoulli draws: sd 0.0013
    np.testing.assert_array_equal(run(y), v1)  # a new session repeats the seeded mask
    with tf.Session() as s:
        a, b = s.run(y), s.run(y)
    assert not np.array_equal(a, b)  # each run draws a new mask
    z = nn.dropout(x, rate=0.25, seed=7)
    assert abs((run(z) != 0).mean() - 0.75) < 0.01


def test_dropout_gradient_uses_the_forward_mask():
    x = tf.placeholder(tf.float64, (50, 40))
    y = nn.dropout(x, keep_prob=0.5)
    (g,) = tf.gradients(tf.reduce_sum(y * 3.0), x)
    xv = np.random.default_rng(0).uniform(1, 2, size=(50, 40))
    with tf.Session() as s:
        for _ in range(3):
            yv, gv = s.run([y, g], {x: xv})
            np.testing.assert_allclose(gv, np.where(yv != 0, 3.0 / 0.5, 0.0))
            np.testing.assert_allclose(yv[yv != 0], xv[yv != 0] / 0.5)


def test_dropout_identity_cases_and_placeholder_keep_prob():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    assert nn.dropout(x, rate=0.0) is x
    assert nn.dropout(x, keep_prob=1.0) is x
    keep = tf.placeholder(tf.float32, ())
    y = nn.dropout(tf.ones((4, 4)), keep_prob=keep)
    np.testing.assert_array_equal(run(y, {keep: 1.0}), np.ones((4, 4)))
    assert set(np.unique(run(y, {keep: 0.5})).tolist()) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="rate"):
        nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError, match="keep_prob"):
        nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError, match="Exactly one"):
        nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="floating"):
        nn.dropout(tf.constant([1, 2]), rate=0.5)


def test_dropout_noise_shape_broadcasts_the_mask():
    x = tf.ones((64, 10))
    y = nn.dropout(x, rate=0.5, noise_shape=[1, 10], seed=3)
    v = run(y)
    assert (v == v[:1]).all()  # one mask row, shared by every example
    yb = nn.dropout(tf.placeholder(tf.float32, (None, 10)), rate=0.5, noise_shape=[None, 1], seed=3)
    vb = run(yb, {yb.op.inputs[0]: np.ones((30, 10))})
    assert (vb == vb[:, :1]).all()


# --- in_top_k ------------------------------------------------------------------------------------------

def test_in_top_k():
    p = np.array([[0.1, 0.9, 0.0], [0.5, 0.5, 0.0], [np.nan, 1.0, 0.0], [0.3, 0.2, 0.1]], np.float32)
    t = np.array([1, 0, 0, 2])
    np.testing.assert_array_equal(run(nn.in_top_k(p, t, 1)), [True, True, False, False])
    np.testing.assert_array_equal(run(nn.in_top_k(p, t, 3)), [True, True, False, True])
    np.testing.assert_array_equal(run(nn.in_top_k(p, np.array([5, 1, 1, -1]), 2)), [False, True, True, False])


def test_xw_plus_b_and_relu_layer():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    np.testing.assert_allclose(run(nn.xw_plus_b(x, w, b)), x @ w + b)
    np.testing.assert_allclose(run(nn.relu_layer(x, w, b)), np.maximum(x @ w + b, 0))


def test_dropout_fed_keep_prob_one_is_the_identity_without_drawing_a_mask():
    # TF1 programs evaluate with keep_prob fed 1.0: x comes back unchanged (x * 1) and its gradient is dy, and
    # no uniform mask of x's size is drawn (10,000 test images through a CNN: a draw of gigabytes)
    xv = np.random.default_rng(3).standard_normal((5, 7)).astype(np.float32)
    x, keep = tf.placeholder(tf.float32, (5, 7)), tf.placeholder(tf.float32, ())
    y = nn.dropout(x, keep_prob=keep, seed=1)
    dx = tf.gradients(tf.reduce_sum(y * y), x)[0]
    with tf.Session() as sess:
        value, grad = sess.run([y, dx], {x: xv, keep: 1.0})
        np.testing.assert_array_equal(value, xv)
        np.testing.assert_array_equal(grad, 2 * xv)
        dropped, grad = sess.run([y, dx], {x: xv, keep: 0.5})   # and a later run at 0.5 still drops
        assert set(np.unique(dropped[dropped != 2 * xv]).tolist()) == {0.0}
        np.testing.assert_array_equal(grad, 2 * dropped * np.where(dropped != 0, 2.0, 0.0))
    with tf.Session() as sess:   # the seeded stream was not advanced by the run at 1.0: the same first mask
        np.testing.assert_array_equal(sess.run(y, {x: xv, keep: 0.5}), dropped)

"""tf.losses (weights x reductions vs NumPy formulas, collections), tf.layers (naming, reuse, values,
regularization, dropout, flatten) and the regularizers."""
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad import layers, losses, nn, regularizers
from graphgrad.losses import Reduction

R = Reduction


def run(fetches, feed=None, init=False):
    with tf.Session() as s:
        if init:
            s.run(tf.global_variables_initializer())
        return s.run(fetches, feed)


def softplus(x):
    return np.logaddexp(x, 0)


def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def reduce_ref(elementwise, weights, reduction):
    """TF1's compute_weighted_loss, written out with NumPy."""
    w = np.broadcast_to(np.asarray(weights, np.float64), elementwise.shape)
    weighted = elementwise * w
    total = weighted.sum()
    if reduction == R.NONE:
        return weighted
    if reduction == R.SUM:
        return total
    if reduction == R.MEAN:
        d = w.sum()
    elif reduction == R.SUM_OVER_BATCH_SIZE:
        d = elementwise.size
    else:
        d = np.count_nonzero(w)
    return 0.0 if d == 0 else total / d


# --- elementwise losses vs NumPy ---------------------------------------------------------------------

B, C = 4, 3
rng0 = np.random.default_rng(0)
PRED = rng0.uniform(0.05, 0.95, size=(B, C))
LAB = (rng0.uniform(size=(B, C)) > 0.5).astype(np.float64)
LOGITS = rng0.normal(scale=2, size=(B, C))
SOFT = rng0.uniform(0.1, 1, size=(B, C))
SOFT /= SOFT.sum(-1, keepdims=True)
SPARSE = np.array([0, 2, 1, 2])


def huber(e, delta):
    a = np.abs(e)
    q = np.minimum(a, delta)
    return 0.5 * q * q + delta * (a - q)


ELEMENTWISE = {
    "mean_squared_error": (lambda **k: losses.mean_squared_error(LAB, PRED, **k), (PRED - LAB) ** 2),
    "absolute_difference": (lambda **k: losses.absolute_difference(LAB, PRED, **k), np.abs(PRED - LAB)),
    "log_loss": (lambda **k: losses.log_loss(LAB, PRED, **k),
                 -LAB * np.log(PRED + 1e-7) - (1 - LAB) * np.log(1 - PRED + 1e-7)),
    "hinge_loss": (lambda **k: losses.hinge_loss(LAB, LOGITS, **k), np.maximum(0, 1 - (2 * LAB - 1) * LOGITS)),
    "huber_loss": (lambda **k: losses.huber_loss(LAB, LOGITS, delta=1.5, **k), huber(LOGITS - LAB, 1.5)),
    "sigmoid_cross_entropy": (lambda **k: losses.sigmoid_cross_entropy(LAB, LOGITS, **k),
                              softplus(LOGITS) - LOGITS * LAB),
}
PER_EXAMPLE = {
    "softmax_cross_entropy": (lambda **k: losses.softmax_cross_entropy(SOFT, LOGITS, **k),
                              -(SOFT * log_softmax(LOGITS)).sum(-1)),
    "sparse_softmax_cross_entropy": (lambda **k: losses.sparse_softmax_cross_entropy(SPARSE, LOGITS, **k),
                                     -log_softmax(LOGITS)[np.arange(B), SPARSE]),
}
WEIGHTS_ELEMENTWISE = {
    "one": 1.0, "scalar": 2.5, "zero": 0.0, "np_scalar": np.float32(0.5),
    "per_example": np.array([[1.0], [0.0], [2.0], [0.5]]),
    "per_class": np.array([[0.0, 1.0, 3.0]]),
    "full": rng0.choice([0.0, 1.0, 2.0], size=(B, C)),
}
WEIGHTS_PER_EXAMPLE = {"one": 1.0, "scalar": 3.0, "vector": np.array([1.0, 0.0, 2.0, 0.5]),
                       "all_zero": np.zeros(B)}


@pytest.mark.parametrize("reduction", R.all()[:5])
@pytest.mark.parametrize("weights", sorted(WEIGHTS_ELEMENTWISE))
@pytest.mark.parametrize("loss", sorted(ELEMENTWISE))
def test_elementwise_losses(loss, weights, reduction):
    fn, elementwise = ELEMENTWISE[loss]
    w = WEIGHTS_ELEMENTWISE[weights]
    out = fn(weights=w, reduction=reduction)
    np.testing.assert_allclose(run(out), reduce_ref(elementwise, w, reduction), rtol=1e-5, atol=1e-6)
    assert out.dtype == tf.float64 and losses.get_losses() == [out]


@pytest.mark.parametrize("reduction", R.all()[:5])
@pytest.mark.parametrize("weights", sorted(WEIGHTS_PER_EXAMPLE))
@pytest.mark.parametrize("loss", sorted(PER_EXAMPLE))
def test_per_example_losses(loss, weights, reduction):
    fn, per_example = PER_EXAMPLE[loss]
    w = WEIGHTS_PER_EXAMPLE[weights]
    out = fn(weights=w, reduction=reduction)
    np.testing.assert_allclose(run(out), reduce_ref(per_example, w, reduction), rtol=1e-6, atol=1e-9)


def test_default_reduction_names_and_dtype():
    labels = tf.placeholder(tf.float32, (None, 1))
    pred = tf.placeholder(tf.float32, (None, 1))
    loss = losses.mean_squared_error(labels, pred)
    assert loss.name == "mean_squared_error/value:0" and loss.shape.as_list() == []
    feed = {labels: [[1.0], [2.0]], pred: [[1.5], [1.0]]}
    v = run(loss, feed)
    assert isinstance(v, np.float32) and v == np.float32((0.25 + 1.0) / 2)
    w = tf.placeholder(tf.float32, (None, 1))
    lw = losses.mean_squared_error(labels, pred, weights=w)
    assert lw.name == "mean_squared_error_1/value:0"
    np.testing.assert_allclose(run(lw, {**feed, w: [[0.0], [4.0]]}), 4.0)
    assert losses.sparse_softmax_cross_entropy([1], [[0.0, 1.0]]).name == "sparse_softmax_cross_entropy_loss/value:0"


def test_loss_shape_and_weight_errors():
    with pytest.raises(ValueError):
        losses.mean_squared_error(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="weights can not be broadcast"):
        losses.mean_squared_error(np.zeros((3, 1)), np.zeros((3, 1)), weights=np.ones(3))
    with pytest.raises(ValueError, match="weights can not be broadcast"):
        losses.absolute_difference(np.zeros((3, 2)), np.zeros((3, 2)), weights=np.ones((3, 3)))
    with pytest.raises(ValueError, match="Invalid Reduction"):
        losses.mean_squared_error(np.zeros(3), np.zeros(3), reduction="avg")
    with pytest.raises(ValueError, match="must not be None"):
        losses.log_loss(None, np.zeros(3))


def test_label_smoothing():
    s = 0.2
    onehot = np.eye(3)[[0, 2]]
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0]])
    smoothed = onehot * (1 - s) + s / 3
    v = run(losses.softmax_cross_entropy(onehot, logits, label_smoothing=s))
    np.testing.assert_allclose(v, -(smoothed * log_softmax(logits)).sum(-1).mean())
    z = onehot * (1 - s) + 0.5 * s
    v = run(losses.sigmoid_cross_entropy(onehot, logits, label_smoothing=s))
    np.testing.assert_allclose(v, (softplus(logits) - logits * z).mean())
    # label smoothing with an unknown number of classes
    ph = tf.placeholder(tf.float64, (None, None))
    lg = tf.placeholder(tf.float64, (None, None))
    v = run(losses.softmax_cross_entropy(ph, lg, label_smoothing=s), {ph: onehot, lg: logits})
    np.testing.assert_allclose(v, -(smoothed * log_softmax(logits)).sum(-1).mean())


def test_softmax_cross_entropy_loss_blocks_label_gradient_and_sparse_squeezes():
    labels = tf.placeholder(tf.float64, (None, 3))
    logits = tf.placeholder(tf.float64, (None, 3))
    loss = losses.softmax_cross_entropy(labels, logits)
    gl, gz = tf.gradients(loss, [logits, labels])
    assert gz is None
    p = np.exp(log_softmax(LOGITS[:2]))
    np.testing.assert_allclose(run(gl, {labels: SOFT[:2], logits: LOGITS[:2]}), (p - SOFT[:2]) / 2)
    col = SPARSE.reshape(-1, 1)
    w = np.array([[1.0], [2.0], [0.0], [1.0]])
    v = run(losses.sparse_softmax_cross_entropy(col, LOGITS, weights=w))
    np.testing.assert_allclose(v, reduce_ref(PER_EXAMPLE["sparse_softmax_cross_entropy"][1], w[:, 0],
                                             R.SUM_BY_NONZERO_WEIGHTS))


def test_cosine_distance():
    a = np.array([[1.0, 0.0], [0.6, 0.8]])
    b = np.array([[0.0, 1.0], [0.6, 0.8]])
    out = losses.cosine_distance(a, b, axis=1, reduction=R.NONE)
    assert out.shape.as_list() == [2, 1]
    np.testing.assert_allclose(run(out), [[1.0], [0.0]], atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), reduction=st.sampled_from(R.all()[:5]))
def test_loss_gradients(seed, reduction):
    rng = np.random.default_rng(seed)
    p, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    w = rng.choice([0.0, 0.5, 2.0], size=(3, 1))
    w[0] = 1.0  # at least one non-zero weight
    d = {R.NONE: None, R.SUM: 1.0, R.MEAN: 2 * w.sum(), R.SUM_OVER_BATCH_SIZE: 6.0,
         R.SUM_BY_NONZERO_WEIGHTS: 2.0 * np.count_nonzero(w)}[reduction]

    def ref(fn):
        return lambda p, y: fn(p, y) * w if d is None else anp.sum(fn(p, y) * w) / d

    def mse(p, y):
        return (p - y) ** 2

    def sig(x, z):
        return anp.logaddexp(x, 0) - x * z

    check_gradients(lambda p, y: losses.mean_squared_error(y, p, weights=w, reduction=reduction), [p, y],
                    reference=ref(mse))
    z = rng.uniform(size=(3, 2))
    check_gradients(lambda x: losses.sigmoid_cross_entropy(z, x, weights=w, reduction=reduction), [p],
                    reference=lambda x: ref(sig)(x, z))


# --- collections ----------------------------------------------------------------------------------------

def test_loss_collections_and_total_loss():
    a = losses.mean_squared_error([1.0, 2.0], [1.0, 3.0])
    b = losses.absolute_difference([1.0], [3.0], loss_collection=None)
    c = losses.absolute_difference([1.0], [4.0], loss_collection="mine")
    assert losses.get_losses() == [a] and losses.get_losses(loss_collection="mine") == [c]
    assert b not in losses.get_losses()
    reg0 = losses.get_regularization_loss()
    assert run(reg0) == 0.0
    w = tf.get_variable("w", initializer=np.array([1.0, -2.0], np.float32),
                        regularizer=regularizers.l2_regularizer(0.5))
    assert len(losses.get_regularization_losses()) == 1
    reg = losses.get_regularization_loss()
    assert reg.name == "total_regularization_loss:0"
    losses.add_loss(tf.constant(10.0))
    total = losses.get_total_loss()
    assert total.name == "total_loss:0"
    no_reg = losses.get_total_loss(add_regularization_losses=False)
    rv, tv, nv = run([reg, total, no_reg], init=True)
    assert rv == np.float32(0.5 * 5 / 2)
    np.testing.assert_allclose(tv, 0.5 + 10.0 + 1.25)
    np.testing.assert_allclose(nv, 10.5)
    assert w in tf.trainable_variables()


def test_get_total_loss_without_losses_raises():
    with pytest.raises(ValueError):
        losses.get_total_loss()


# --- regularizers -------------------------------------------------------------------------------------

def test_regularizers_values_and_names():
    w = tf.constant(np.array([[1.0, -2.0], [3.0, 0.5]], np.float32))
    sq, ab = float(np.sum(np.float64([1, 4, 9, 0.25]))), 6.5
    l1, l2 = regularizers.l1_regularizer(0.1)(w), regularizers.l2_regularizer(0.1)(w)
    assert l1.name == "l1_regularizer:0" and l2.name == "l2_regularizer:0"
    both = regularizers.l1_l2_regularizer(0.1, 0.2)(w)
    ks = [regularizers.l1(0.1)(w), regularizers.l2(0.1)(w), regularizers.l1_l2(0.1, 0.2)(w)]
    vals = run([l1, l2, both] + ks)
    np.testing.assert_allclose(vals, [0.1 * ab, 0.1 * sq / 2, 0.1 * ab + 0.2 * sq / 2, 0.1 * ab, 0.1 * sq,
                                      0.1 * ab + 0.2 * sq], rtol=1e-6)
    assert regularizers.l2_regularizer(0.0)(w) is None
    assert regularizers.sum_regularizer([]) is None
    with pytest.raises(ValueError, match="integer"):
        regularizers.l2_regularizer(1)
    with pytest.raises(ValueError, match="less than 0"):
        regularizers.l1_regularizer(-0.1)
    assert regularizers.l2(0.5).get_config() == {"l2": 0.5}  # tf_keras: l2 is the class L2


def test_apply_regularization():
    ws = [tf.constant([1.0, 2.0]), tf.constant([3.0])]
    total = regularizers.apply_regularization(regularizers.l1_regularizer(0.5), ws)
    assert losses.get_regularization_losses() == [total]
    np.testing.assert_allclose(run(total), 3.0)


# --- layers.dense -------------------------------------------------------------------------------------

def test_dense_naming_and_reuse():
    x = tf.placeholder(tf.float32, (None, 4))
    h = layers.dense(x, 3, activation=nn.relu)
    assert h.name == "dense/Relu:0" and h.shape.as_list() == [None, 3]
    h2 = layers.dense(h, 2)
    assert h2.name == "dense_1/BiasAdd:0"
    names = [v.name for v in tf.global_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert [v.shape.as_list() for v in tf.global_variables()] == [[4, 3], [3], [3, 2], [2]]
    a = layers.dense(x, 5, name="layer1")
    b = layers.dense(x, 5, name="layer1", reuse=True)
    assert a.name == "layer1/BiasAdd:0" and b.name == "layer1_1/BiasAdd:0"
    assert len(tf.global_variables()) == 6
    assert tf.get_default_graph().get_operation_by_name("layer1_1/MatMul").inputs[1].op.name == "layer1/kernel/read"
    with pytest.raises(ValueError, match="already exists"):
        layers.dense(x, 5, name="layer1")
    with tf.variable_scope("net"):
        layers.dense(x, 2, use_bias=False)
    assert tf.global_variables()[-1].name == "net/dense/kernel:0"
    with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
        layers.dense(x, 2, name="d")
    with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
        layers.dense(x, 2, name="d")
    assert [v.name for v in tf.global_variables()].count("shared/d/kernel:0") == 1


def test_dense_values_initializers_and_gradients():
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(5, 4)).astype(np.float32)
    x = tf.placeholder(tf.float32, (None, 4))
    y = layers.dense(x, 3, activation=tf.tanh)
    kernel, bias = tf.global_variables()
    r = tf.constant(rng.normal(size=(5, 3)).astype(np.float32))
    gk, gb, gx = tf.gradients(tf.reduce_sum(y * r), [kernel, bias, x])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        k, b, yv, gkv, gbv, gxv = s.run([kernel, bias, y, gk, gb, gx], {x: xv})
    limit = np.sqrt(6 / (4 + 3))
    assert np.abs(k).max() <= limit and np.abs(k).std() > 0.1 and (b == 0).all()
    np.testing.assert_allclose(yv, np.tanh(xv @ k + b), rtol=1e-5, atol=1e-6)
    dz = (1 - yv ** 2) * run(r)
    np.testing.assert_allclose(gkv, xv.T @ dz, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gbv, dz.sum(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gxv, dz @ k.T, rtol=1e-4, atol=1e-5)


def test_dense_rank3_float64_and_constant_initializers():
    w = np.arange(6.0).reshape(3, 2) / 10
    x = tf.placeholder(tf.float64, (None, 4, 3))
    y = layers.dense(x, 2, kernel_initializer=tf.constant_initializer(w), bias_initializer=tf.ones_initializer())
    assert y.shape.as_list() == [None, 4, 2] and y.dtype == tf.float64
    kernel = tf.global_variables()[0]
    assert kernel.dtype.base_dtype == tf.float64
    xv = np.random.default_rng(1).normal(size=(2, 4, 3))
    (gk,) = tf.gradients(tf.reduce_sum(y), kernel)
    yv, gkv = run([y, gk], {x: xv}, init=True)
    np.testing.assert_allclose(yv, xv @ w + 1)
    np.testing.assert_allclose(gkv, np.broadcast_to(xv.sum((0, 1))[:, None], (3, 2)))


def test_dense_regularizers_and_trainable():
    x = tf.placeholder(tf.float32, (8, 3))
    y = layers.dense(x, 2, kernel_regularizer=regularizers.l2_regularizer(0.1),
                     bias_regularizer=regularizers.l1(0.3), bias_initializer=tf.ones_initializer(),
                     activity_regularizer=regularizers.l1(0.01))
    reg = losses.get_regularization_losses()
    assert len(reg) == 3
    assert reg[0].name == "dense/kernel/Regularizer/l2_regularizer:0"
    assert reg[2].name.startswith("dense/ActivityRegularizer/")
    layers.dense(x, 2, name="dense", reuse=True, kernel_regularizer=regularizers.l2_regularizer(0.1))
    assert len(losses.get_regularization_losses()) == 3  # reusing a variable does not add its penalty again
    kernel = tf.global_variables()[0]
    xv = np.random.default_rng(2).normal(size=(8, 3)).astype(np.float32)
    vals = run(reg + [kernel, y], {x: xv}, init=True)
    k, yv = vals[3], vals[4]
    np.testing.assert_allclose(vals[:3], [0.1 * (k ** 2).sum() / 2, 0.3 * 2, 0.01 * np.abs(yv).sum() / 8],
                               rtol=1e-5)
    layers.dense(x, 2, trainable=False, name="frozen")
    assert [v.name for v in tf.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]


def test_dense_layer_object():
    x = tf.placeholder(tf.float32, (None, 3))
    layer = layers.Dense(4, activation="relu", name="hidden")
    assert layer.name == "hidden"
    y1, y2 = layer(x), layer.apply(x)
    assert layer.kernel.name == "hidden/kernel:0" and len(tf.global_variables()) == 2
    assert y1.name == "hidden/Relu:0" and y2.name == "hidden/Relu_1:0"
    assert layer.trainable_variables == [layer.kernel, layer.bias] and layer.built
    anon = layers.Dense(1)
    anon(x)
    assert anon.name == "dense" and anon.scope_name == "dense"
    with pytest.raises(ValueError, match="last dimension"):
        layers.dense(tf.placeholder(tf.float32, (None, None)), 2)
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Dense(2, activation="nope")


# --- layers.dropout and flatten ------------------------------------------------------------------------

def test_layers_dropout_training_flag():
    x = tf.ones((100, 100))
    off = layers.dropout(x, rate=0.5)
    np.testing.assert_array_equal(run(off), np.ones((100, 100)))
    on = layers.dropout(x, rate=0.4, training=True, seed=1)
    v = run(on)
    assert set(np.unique(v).tolist()) == {0.0, np.float32(1 / np.float32(0.6))}
    assert abs((v != 0).mean() - 0.6) < 0.03
    assert layers.dropout(x, rate=0.0, training=True) is x


def test_layers_dropout_with_bool_tensor():
    training = tf.placeholder(tf.bool, ())
    x = tf.placeholder(tf.float64, (40, 50))
    y = layers.dropout(x, rate=0.5, training=training)
    (g,) = tf.gradients(tf.reduce_sum(y * 2.0), x)
    xv = np.random.default_rng(3).uniform(1, 2, size=(40, 50))
    with tf.Session() as s:
        yv, gv = s.run([y, g], {x: xv, training: False})
        np.testing.assert_array_equal(yv, xv)
        np.testing.assert_array_equal(gv, np.full_like(xv, 2.0))
        yv, gv = s.run([y, g], {x: xv, training: True})
        kept = yv != 0
        assert 0.4 < kept.mean() < 0.6
        np.testing.assert_allclose(yv[kept], 2 * xv[kept])
        np.testing.assert_array_equal(gv, np.where(kept, 4.0, 0.0))
    default = tf.placeholder_with_default(False, ())
    z = layers.dropout(x, training=default)
    np.testing.assert_array_equal(run(z, {x: xv}), xv)
    with pytest.raises(TypeError):
        layers.dropout(x, training=tf.constant(1.0))


def test_flatten():
    x = tf.placeholder(tf.float32, (None, 2, 3))
    f = layers.flatten(x)
    assert f.shape.as_list() == [None, 6] and f.name.startswith("flatten/")
    xv = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    np.testing.assert_array_equal(run(f, {x: xv}), xv.reshape(4, 6))
    y = tf.placeholder(tf.float32, (None, None, 3))
    fy = layers.flatten(y)
    assert fy.shape.ndims == 2
    np.testing.assert_array_equal(run(fy, {y: xv}), xv.reshape(4, 6))
    assert layers.flatten(tf.zeros((5,))).shape.as_list() == [5, 1]
    cf = layers.flatten(tf.constant(xv), data_format="channels_first")
    np.testing.assert_array_equal(run(cf), xv.transpose(0, 2, 1).reshape(4, 6))

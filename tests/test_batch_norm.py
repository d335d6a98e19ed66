"""tf.layers.batch_normalization (layers/normalization.py): TF1's arithmetic (also pinned against tensorflow.compat.v1
by the conformance program layers_batch_normalization), gradients, the UPDATE_OPS idiom, axes, reuse, errors."""
import numpy as np
import pytest

import graphgrad as tf

RNG = np.random.default_rng(0)
XS = (RNG.standard_normal((16, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -2.0]).astype(np.float32)


def test_training_normalizes_with_batch_statistics_and_inference_with_moving_ones():
    x = tf.placeholder(tf.float32, (None, 3))
    train_out = tf.layers.batch_normalization(x, training=True, epsilon=1e-5)
    infer_out = tf.layers.batch_normalization(x, training=False, epsilon=1e-5)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    t, i = s.run([train_out, infer_out], {x: XS})
    want = (XS - XS.mean(0)) / np.sqrt(XS.var(0) + 1e-5)
    np.testing.assert_allclose(t, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(i, XS / np.sqrt(1 + 1e-5), rtol=1e-6)  # moving mean 0, moving variance 1
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2  # only the training layer adds updates


def test_the_update_ops_idiom_moves_the_averages_only_while_training():
    x = tf.placeholder(tf.float32, (None, 3))
    training = tf.placeholder_with_default(False, ())
    h = tf.layers.batch_normalization(x, training=training, momentum=0.9)
    w = tf.Variable(np.ones((3, 1), np.float32))
    loss = tf.reduce_mean(tf.square(tf.matmul(h, w) - 1.0))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    mean_var, var_var = tf.global_variables()[2:4]
    assert [v.name for v in (mean_var, var_var)] == ["batch_normalization/moving_mean:0",
                                                     "batch_normalization/moving_variance:0"]
    assert mean_var not in tf.trainable_variables()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    for _ in range(100):
        s.run(step, {x: XS, training: True})
    m, v = s.run([mean_var, var_var])
    np.testing.assert_allclose(m, XS.mean(0), rtol=1e-3, atol=1e-3)  # 0.9^100 of the start is left
    np.testing.assert_allclose(v, XS.var(0), rtol=1e-3, atol=1e-3)
    s.run(step, {x: XS})  # training false: the updates run but change nothing
    np.testing.assert_array_equal(s.run(mean_var), m)


@pytest.mark.parametrize("training", [True, "tensor"])
def test_gradients_match_finite_differences(training):
    """d/dx, d/dgamma, d/dbeta of sum(r * batchnorm(x)) in float64, against central differences."""
    x = tf.placeholder(tf.float64, (6, 3))
    train = tf.constant(True) if training == "tensor" else True
    y = tf.layers.batch_normalization(x, training=train, gamma_initializer=tf.constant_initializer(1.5),
                                      beta_initializer=tf.constant_initializer(0.3), epsilon=1e-3)
    r = RNG.standard_normal((6, 3))
    loss = tf.reduce_sum(y * r)
    gamma, beta = tf.trainable_variables()
    grads = tf.gradients(loss, [x, gamma, beta])
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    x0 = RNG.standard_normal((6, 3))
    sym = s.run(grads, {x: x0})
    eps, num = 1e-6, []
    for target in (x, gamma, beta):
        base = x0 if target is x else s.run(target)
        d = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            vals = []
            for sign in (1, -1):
                v = base.copy()
                v[idx] += sign * eps
                if target is x:
                    vals.append(s.run(loss, {x: v}))
                else:
                    target.load(v, s)
                    vals.append(s.run(loss, {x: x0}))
            d[idx] = (vals[0] - vals[1]) / (2 * eps)
            if target is not x:
                target.load(base, s)
        num.append(d)
    for a, b in zip(sym, num):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_channels_not_last_and_several_axes():
    x = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    xt = tf.constant(x)
    out1 = tf.layers.batch_normalization(xt, axis=1, training=True, epsilon=1e-5)
    out2 = tf.layers.batch_normalization(xt, axis=[1, 2], training=True, epsilon=1e-5)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    a, b = s.run([out1, out2])
    np.testing.assert_allclose(a, (x - x.mean((0, 2), keepdims=True)) / np.sqrt(x.var((0, 2), keepdims=True) + 1e-5),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-4, atol=1e-5)
    # several axes: parameters shaped like the input with 1 on the reduced axes, as Keras does
    assert [v.shape.as_list() for v in tf.trainable_variables()] == [[3], [3], [1, 3, 5], [1, 3, 5]]


def test_reuse_shares_the_variables():
    x = tf.placeholder(tf.float32, (None, 3))
    tf.layers.batch_normalization(x, name="bn")
    tf.layers.batch_normalization(x, name="bn", reuse=True)
    assert len(tf.global_variables()) == 4


def test_errors():
    x = tf.placeholder(tf.float32, (None, 3))
    with pytest.raises(ValueError, match="undefined `axis` dimension"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, (None, None)))
    with pytest.raises(ValueError, match="fused=True needs 4-D inputs"):
        tf.layers.batch_normalization(x, fused=True)
    with pytest.raises(NotImplementedError, match="renormalization"):
        tf.layers.batch_normalization(x, renorm=True)


@pytest.mark.parametrize("shape, fused, ddof", [((4, 2, 2, 3), None, 1), ((4, 2, 2, 3), False, 0), ((6, 3), None, 0)])
def test_the_moving_variance_takes_bessels_correction_where_tf1_runs_its_fused_kernel(shape, fused, ddof):
    """TF1 (measured under tensorflow.compat.v1): 4-D inputs go through the fused kernel unless fused=False, and
    its moving variance is the batch variance times n / (n - 1); 2-D inputs and fused=False take it as is."""
    x_val = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    tf.layers.batch_normalization(tf.constant(x_val), momentum=0.0, training=True, fused=fused)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
        moving = s.run([v for v in tf.global_variables() if "moving_variance" in v.op.name][0])
    np.testing.assert_allclose(moving, x_val.reshape(-1, shape[-1]).var(0, ddof=ddof), rtol=1e-5)

"""tf.contrib.layers and tf.contrib.framework: slim's names, defaults and arithmetic (against TensorFlow's numbers
recorded by tools/record_contrib_reference.py), arg_scope, collections, batch_norm's updates, optimize_loss."""
import json
import os

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.contrib import framework as cf
from graphgrad.contrib import layers

with open(os.path.join(os.path.dirname(__file__), "contrib_reference.json")) as _f:
    REF = json.load(_f)


def _case(name):
    r = REF[name]
    return [np.array(r[k], np.float32) for k in ("x", "w", "b", "y")] + [r]


def _check_against_tf(y, x, r, variables, s):
    loss = tf.reduce_sum(tf.square(y))
    grads = tf.gradients(loss, [x] + variables)
    y_val, g_val = s.run([y, grads])
    np.testing.assert_allclose(y_val, r["y"], rtol=1e-5, atol=1e-5)
    for got, want in zip(g_val, r["grads"]):
        np.testing.assert_allclose(got, np.array(want, np.float32), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, build", [
    ("fully_connected", lambda x, w, b: layers.fully_connected(
        x, 3, weights_initializer=tf.constant_initializer(w), biases_initializer=tf.constant_initializer(b))),
    ("conv2d", lambda x, w, b: layers.conv2d(
        x, 4, 3, weights_initializer=tf.constant_initializer(w), biases_initializer=tf.constant_initializer(b))),
    ("conv2d_stride2", lambda x, w, b: layers.conv2d(
        x, 4, [3, 3], stride=2, weights_initializer=tf.constant_initializer(w),
        biases_initializer=tf.constant_initializer(b))),
    ("conv2d_transpose", lambda x, w, b: layers.conv2d_transpose(
        x, 2, 3, stride=2, weights_initializer=tf.constant_initializer(w),
        biases_initializer=tf.constant_initializer(b))),
])
def test_weight_layers_compute_what_tensorflow_computes(name, build):
    x_val, w, b, _, r = _case(name)
    x = tf.constant(x_val)
    y = build(x, w, b)
    assert y.op.type == "Relu"  # slim's default activation
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        _check_against_tf(y, x, r, tf.trainable_variables(), s)


@pytest.mark.parametrize("case", ["batch_norm", "batch_norm_4d"])
def test_batch_norm_defaults_and_moving_averages_match_tensorflow(case):
    """Slim's default is TF's fused kernel for 2-D and 4-D inputs: its moving variance is Bessel-corrected."""
    x_val, _, _, _, r = _case(case)
    x = tf.constant(x_val)
    y = layers.batch_norm(x)  # decay 0.999, center, no scale, training, updates in UPDATE_OPS
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["BatchNorm/beta", "BatchNorm/moving_mean", "BatchNorm/moving_variance"]
    assert [v.op.name for v in tf.trainable_variables()] == ["BatchNorm/beta"]
    assert [v.op.name for v in cf.get_model_variables()] == names
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        _check_against_tf(y, x, r, tf.trainable_variables(), s)
        s.run(updates)
        mean, var = s.run(cf.get_variables_by_name("moving_mean") + cf.get_variables_by_name("moving_variance"))
    # rtol 1e-4: TF 2's recording takes 1 - momentum in float32 (1.3e-5 off 0.001); TF 1.15 took it in Python
    np.testing.assert_allclose(mean, r["moving"]["moving_mean"], rtol=1e-4)
    np.testing.assert_allclose(var, r["moving"]["moving_variance"], rtol=1e-4)
    flat = x_val.reshape(-1, x_val.shape[-1])
    step = (var - 0.999) / 0.001  # what the update added: the batch variance with Bessel's correction
    np.testing.assert_allclose(step, flat.var(0, ddof=1), rtol=1e-2)
    assert not np.allclose(step, flat.var(0), rtol=1e-2)


def test_batch_norm_without_updates_collection_updates_when_its_output_is_computed():
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
    y = layers.batch_norm(x, updates_collections=None, decay=0.5, scale=True)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    assert sorted(v.op.name for v in tf.trainable_variables()) == ["BatchNorm/beta", "BatchNorm/gamma"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(y)
        mean = s.run(cf.get_unique_variable("BatchNorm/moving_mean"))
    np.testing.assert_allclose(mean, 0.5 * np.arange(12).reshape(4, 3).mean(0), rtol=1e-6)


def test_batch_norm_is_training_false_uses_the_moving_averages_and_adds_no_updates():
    x = tf.constant(np.full((2, 3), 4.0, np.float32))
    y = layers.batch_norm(x, is_training=False, param_initializers={"moving_mean": tf.constant_initializer(1.0)})
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_allclose(s.run(y), np.full((2, 3), 3.0 / np.sqrt(1.001)), rtol=1e-5)


@pytest.mark.parametrize("fn, kind", [(layers.max_pool2d, "max_pool2d"), (layers.avg_pool2d, "avg_pool2d")])
def test_pools_default_to_2x2_stride_2_valid(fn, kind):
    x_val, _, _, y, _ = _case(kind)
    out = fn(tf.constant(x_val), [2, 2])
    assert out.op.name.startswith("MaxPool2D/" if kind == "max_pool2d" else "AvgPool2D/")
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(out), y, rtol=1e-6)


def test_slim_variable_names_scopes_and_collections():
    x = tf.placeholder(tf.float32, (None, 8, 8, 3))
    net = layers.conv2d(x, 4, 3)
    net = layers.conv2d(net, 4, 3, scope="conv2")
    net = layers.flatten(net)
    assert net.shape.as_list() == [None, 256]
    net = layers.fully_connected(net, 10, activation_fn=None)
    net = layers.fully_connected(net, 5, scope="logits")
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["Conv/weights", "Conv/biases", "conv2/weights", "conv2/biases", "fully_connected/weights",
                     "fully_connected/biases", "logits/weights", "logits/biases"]
    assert [v.op.name for v in tf.model_variables()] == names
    assert [v.op.name for v in cf.get_variables_to_restore(exclude=["logits"])] == names[:6]
    assert [v.op.name for v in cf.get_variables_to_restore(include=["conv2", "logits"])] == \
        ["conv2/weights", "conv2/biases", "logits/weights", "logits/biases"]
    assert [v.op.name for v in cf.get_variables_by_name("weights")] == names[0::2]
    assert [v.op.name for v in cf.get_variables(suffix="biases")] == names[1::2]
    assert net.op.name == "logits/Relu"
    assert tf.get_default_graph().get_operation_by_name("fully_connected/MatMul").type == "MatMul"


def test_reuse_shares_and_a_second_default_scope_is_numbered():
    x = tf.placeholder(tf.float32, (None, 4))
    a = layers.fully_connected(x, 3, scope="fc")
    b = layers.fully_connected(x, 3, scope="fc", reuse=True)
    layers.fully_connected(x, 2)
    layers.fully_connected(x, 2)
    assert [v.op.name for v in tf.global_variables()] == [
        "fc/weights", "fc/biases", "fully_connected/weights", "fully_connected/biases", "fully_connected_1/weights",
        "fully_connected_1/biases"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        va, vb = s.run([a, b], {x: np.ones((2, 4))})
    np.testing.assert_array_equal(va, vb)
    with pytest.raises(ValueError, match="num_outputs type should be"):
        layers.fully_connected(x, 2.0)


def test_repeat_and_stack_name_each_application_as_slim():
    x = tf.placeholder(tf.float32, (None, 6, 6, 2))
    h = layers.repeat(x, 2, layers.conv2d, 4, [3, 3], scope="conv1")
    out = layers.stack(layers.flatten(h), layers.fully_connected, [8, (4, tf.nn.tanh)], scope="fc")
    unnamed = layers.stack(out, layers.fully_connected, [3])
    assert [v.op.name for v in tf.global_variables()][::2] == [
        "conv1/conv1_1/weights", "conv1/conv1_2/weights", "fc/fc_1/weights", "fc/fc_2/weights",
        "Stack/fully_connected_1/weights"]
    assert out.op.type == "Tanh" and out.shape.as_list() == [None, 4] and unnamed.shape.as_list() == [None, 3]
    with pytest.raises(ValueError, match="stack_args need to be a list or tuple"):
        layers.stack(x, layers.fully_connected, 3)


def test_normalizer_fn_replaces_the_bias_and_runs_in_the_layer_scope():
    x = tf.placeholder(tf.float32, (None, 4))
    y = layers.fully_connected(x, 3, normalizer_fn=layers.batch_norm, normalizer_params={"scale": True})
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["fully_connected/weights", "fully_connected/BatchNorm/gamma", "fully_connected/BatchNorm/beta",
                     "fully_connected/BatchNorm/moving_mean", "fully_connected/BatchNorm/moving_variance"]
    assert y.op.name == "fully_connected/Relu"


def test_regularizers_go_to_regularization_losses_with_contrib_arithmetic():
    x = tf.constant(np.ones((2, 3), np.float32))
    layers.fully_connected(x, 2, weights_initializer=tf.constant_initializer(2.0),
                           weights_regularizer=layers.l2_regularizer(0.1),
                           biases_initializer=tf.constant_initializer(-1.0),
                           biases_regularizer=layers.l1_regularizer(0.5))
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 2
    both = layers.l1_l2_regularizer(1.0, 1.0)(tf.constant([1.0, -2.0]))
    total = layers.apply_regularization(layers.l2_regularizer(1.0), [tf.constant([3.0, 4.0])])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        l2, l1 = s.run(losses)
        assert np.isclose(l2, 0.1 * 6 * 4.0 / 2) and np.isclose(l1, 0.5 * 2)
        assert np.isclose(s.run(both), 3.0 + 2.5)
        assert np.isclose(s.run(total), 12.5)
    assert total in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)


def test_arg_scope_sets_defaults_nests_and_yields_only_to_explicit_arguments():
    x = tf.placeholder(tf.float32, (None, 6, 6, 2))
    with cf.arg_scope([layers.conv2d, layers.fully_connected], activation_fn=tf.nn.tanh,
                      weights_regularizer=layers.l2_regularizer(0.01)):
        with cf.arg_scope([layers.conv2d], padding="VALID") as inner:
            a = layers.conv2d(x, 3, 3)
            b = layers.conv2d(x, 3, 3, activation_fn=tf.nn.sigmoid)
        c = layers.conv2d(x, 3, 3)
        d = layers.fully_connected(layers.flatten(x), 4)
    e = layers.conv2d(x, 3, 3)
    with cf.arg_scope(inner):
        f = layers.conv2d(x, 3, 3)
    assert (a.op.type, b.op.type, c.op.type, d.op.type, e.op.type, f.op.type) == \
        ("Tanh", "Sigmoid", "Tanh", "Tanh", "Relu", "Tanh")
    assert a.shape.as_list() == [None, 4, 4, 3] and c.shape.as_list() == [None, 6, 6, 3]
    assert f.shape.as_list() == [None, 4, 4, 3]
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 5
    assert cf.has_arg_scope(layers.conv2d) and "activation_fn" in cf.arg_scoped_arguments(layers.conv2d)
    with pytest.raises(ValueError, match="is not decorated with @add_arg_scope"):
        with cf.arg_scope([tf.nn.relu], x=1):
            pass


def test_add_arg_scope_on_a_user_function():
    @cf.add_arg_scope
    def f(a, b=1, c=2):
        return a, b, c

    with cf.arg_scope([f], b=10, c=20):
        with cf.arg_scope([f], c=30):
            assert f(0) == (0, 10, 30)
            assert f(0, c=5) == (0, 10, 5)
    assert f(0) == (0, 1, 2)


def test_xavier_and_variance_scaling_initializers():
    w = tf.get_variable("w", [300, 100], initializer=layers.xavier_initializer(seed=1))
    k = tf.get_variable("k", [3, 3, 16, 32], initializer=layers.variance_scaling_initializer(seed=2))
    u = tf.get_variable("u", [400, 400], initializer=layers.variance_scaling_initializer(
        factor=1.0, mode="FAN_OUT", uniform=True, seed=3))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        wv, kv, uv = s.run([w, k, u])
    limit = np.sqrt(6.0 / 400)
    assert np.abs(wv).max() <= limit and np.abs(wv).max() > 0.95 * limit
    sigma = np.sqrt(1.3 * 2.0 / (3 * 3 * 16))  # fans count the 3x3 window
    assert np.abs(kv).max() <= 2 * sigma + 1e-6
    assert 0.7 < kv.std() / (sigma * 0.8796) < 1.3  # a normal truncated at 2 sigma keeps 0.88 of its std
    assert abs(uv.std() - np.sqrt(1.0 / 400)) < 0.05 * np.sqrt(1.0 / 400)
    with pytest.raises(TypeError, match="Unknown mode"):
        layers.variance_scaling_initializer(mode="fan_in")
    with pytest.raises(TypeError, match="non-floating point"):
        layers.xavier_initializer(dtype=tf.int32)


def test_dropout_keeps_with_keep_prob_and_is_the_identity_when_not_training():
    x = tf.ones((200, 50))
    training = tf.placeholder(tf.bool, ())
    y = layers.dropout(x, keep_prob=0.8, is_training=training)
    z = layers.dropout(x, is_training=False)
    with tf.Session() as s:
        kept = s.run(y, {training: True})
        assert set(np.unique(kept)) == {0.0, np.float32(1 / 0.8)}
        assert 0.75 < (kept > 0).mean() < 0.85
        np.testing.assert_array_equal(s.run(y, {training: False}), 1.0)
        np.testing.assert_array_equal(s.run(z), 1.0)


def test_layer_norm_one_hot_and_embed_sequence():
    x_val = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    y = layers.layer_norm(tf.constant(x_val))
    assert [v.op.name for v in tf.global_variables()] == ["LayerNorm/beta", "LayerNorm/gamma"]
    assert tf.global_variables()[0].shape.as_list() == [5]
    oh = layers.one_hot_encoding(tf.constant([0, 2]), 3)
    ids = tf.constant([[1, 2], [0, 1]])
    emb = layers.embed_sequence(ids, vocab_size=4, embed_dim=6)
    assert emb.shape.as_list() == [2, 2, 6]
    assert tf.global_variables()[-1].op.name == "EmbedSequence/embeddings"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run(y)
        mean = x_val.mean(axis=(1, 2), keepdims=True)
        want = (x_val - mean) / np.sqrt(x_val.var(axis=(1, 2), keepdims=True) + 1e-12)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(s.run(oh), [[1, 0, 0], [0, 0, 1]])
        e, table = s.run([emb, tf.global_variables()[-1]])
        np.testing.assert_array_equal(e, table[[[1, 2], [0, 1]]])
    with pytest.raises(ValueError, match="Must specify vocab size"):
        layers.embed_sequence(ids)


def test_optimize_loss_trains_runs_update_ops_and_counts_steps():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((64, 3)).astype(np.float32)
    ys = xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    x, y = tf.constant(xs), tf.constant(ys)
    step = tf.train.get_or_create_global_step()
    pred = layers.fully_connected(layers.batch_norm(x, is_training=True), 1, activation_fn=None)
    loss = tf.reduce_mean(tf.square(pred - y))
    train = layers.optimize_loss(loss, step, learning_rate=0.1, optimizer="Adam", clip_gradients=5.0)
    assert [v.op.name for v in tf.global_variables() if "learning_rate" in v.op.name] == \
        ["OptimizeLoss/learning_rate"]
    summaries = [op.name for op in tf.get_collection(tf.GraphKeys.SUMMARIES)]
    assert len(summaries) == 4  # learning_rate, global_norm/gradient_norm, loss, global_norm/clipped_gradient_norm
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        first = s.run(loss)
        for _ in range(200):
            last = s.run(train)
        assert last < 0.01 * first
        assert s.run(step) == 200
        assert s.run(cf.get_unique_variable("BatchNorm/moving_mean"))[0] != 0  # UPDATE_OPS ran with each step
    with pytest.raises(ValueError, match="Optimizer name should be one of"):
        layers.optimize_loss(loss, step, 0.1, "Nesterov")


def test_optimize_loss_takes_an_optimizer_object_and_a_decay_fn():
    v = tf.Variable(5.0)
    step = cf.get_or_create_global_step()
    assert cf.get_global_step() is step
    train = layers.optimize_loss(tf.square(v), step, learning_rate=0.25, summaries=[],
                                 optimizer=lambda lr: tf.train.GradientDescentOptimizer(lr),
                                 learning_rate_decay_fn=lambda lr, gs: lr * 2.0)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train)
        assert s.run(v) == 0.0  # 5 - 0.5 * 2 * 5


def test_assign_from_checkpoint_fn_restores_and_skips_missing(tmp_path):
    a = tf.Variable(np.arange(3, dtype=np.float32), name="a")
    path = str(tmp_path / "model")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        tf.train.Saver([a]).save(s, path)
    tf.reset_default_graph()
    a = tf.Variable(np.zeros(3, np.float32), name="a")
    b = tf.Variable(1.0, name="b")
    fn = cf.assign_from_checkpoint_fn(path, [a, b], ignore_missing_vars=True)
    assert cf.assign_from_checkpoint_fn(path, [b], ignore_missing_vars=True) is None
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        fn(s)
        np.testing.assert_array_equal(s.run(a), [0, 1, 2])
        assert s.run(b) == 1.0


def test_summarize_helpers_add_summaries():
    x = tf.placeholder(tf.float32, (None, 3))
    act = tf.nn.relu(x)
    layers.summarize_activation(act)
    layers.summarize_tensors([tf.reduce_mean(x), x])
    names = [op.name for op in tf.get_collection(tf.GraphKeys.SUMMARIES)]
    assert len(names) == 4 and any("zeros" in n for n in names) and any("activation" in n for n in names)


def test_a_slim_cnn_in_the_style_of_the_classic_programs_learns_the_digits():
    """conv2d / max_pool2d / flatten / fully_connected / dropout under arg_scope, built twice under
    variable_scope(reuse=True) as the classics build their train and test graphs, trained on the bundled digits."""
    d = tf.datasets.load_digits()
    xs, ys = d.x_train.reshape(-1, 8, 8, 1).astype(np.float32), d.y_train.astype(np.int64)

    def net(x, training, reuse):
        with tf.variable_scope("ConvNet", reuse=reuse):
            with cf.arg_scope([layers.conv2d, layers.fully_connected], weights_regularizer=layers.l2_regularizer(1e-4)):
                h = layers.conv2d(x, 16, 3)
                h = layers.max_pool2d(h, 2)
                h = layers.flatten(h)
                h = layers.fully_connected(h, 64)
                h = layers.dropout(h, keep_prob=0.9, is_training=training)
                return layers.fully_connected(h, 10, activation_fn=None)

    x = tf.placeholder(tf.float32, (None, 8, 8, 1))
    y = tf.placeholder(tf.int64, (None,))
    train_logits, test_logits = net(x, True, False), net(x, False, True)
    assert len(tf.trainable_variables()) == 6
    loss = tf.losses.sparse_softmax_cross_entropy(y, train_logits) + tf.losses.get_regularization_loss()
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(test_logits, 1), y), tf.float32))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        rng = np.random.default_rng(0)
        for _ in range(150):
            i = rng.integers(0, len(xs), 64)
            s.run(train, {x: xs[i], y: ys[i]})
        test_acc = s.run(acc, {x: d.x_test.reshape(-1, 8, 8, 1), y: d.y_test})
    assert test_acc > 0.9


def test_a_gan_in_the_style_of_dcgan_shares_its_discriminator_and_trains_each_half():
    """dcgan.py's shape: a generator of dense + conv2d_transpose, a discriminator of conv2d + average pooling +
    tf.contrib.layers.flatten + dense called on real and on generated images (reuse=True), each half trained on
    its own var_list."""
    def generator(z, reuse=False):
        with tf.variable_scope("Generator", reuse=reuse):
            h = tf.reshape(tf.layers.dense(z, 4 * 4 * 8, activation=tf.nn.tanh), [-1, 4, 4, 8])
            return tf.nn.sigmoid(tf.layers.conv2d_transpose(h, 1, 2, strides=2))

    def discriminator(x, reuse=False):
        with tf.variable_scope("Discriminator", reuse=reuse):
            h = tf.layers.average_pooling2d(tf.nn.tanh(tf.layers.conv2d(x, 4, 3)), 2, 2)
            return tf.layers.dense(layers.flatten(h), 2)

    z = tf.placeholder(tf.float32, (None, 5))
    real = tf.placeholder(tf.float32, (None, 8, 8, 1))
    fake = generator(z)
    d_real, d_fake = discriminator(real), discriminator(fake, reuse=True)
    g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Generator")
    d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Discriminator")
    assert len(g_vars) == 4 and len(d_vars) == 4 and len(tf.trainable_variables()) == 8
    ones, zeros = tf.ones_like(d_real[:, 0], tf.int32), tf.zeros_like(d_fake[:, 0], tf.int32)
    d_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=d_real, labels=ones)) + \
        tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=d_fake, labels=zeros))
    g_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=d_fake, labels=ones + 0))
    train_d = tf.train.AdamOptimizer(0.01).minimize(d_loss, var_list=d_vars)
    train_g = tf.train.AdamOptimizer(0.01).minimize(g_loss, var_list=g_vars)
    rng = np.random.default_rng(0)
    images = tf.datasets.load_digits().x_train.reshape(-1, 8, 8, 1)[:64] / 16.0
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        g_before = s.run(g_vars)
        feed = {z: rng.uniform(-1, 1, (64, 5)), real: images}
        first = s.run(d_loss, feed)
        for _ in range(30):
            s.run(train_d, feed)
        assert s.run(d_loss, feed) < first  # the discriminator learned; the generator was not touched
        assert all(np.array_equal(a, b) for a, b in zip(g_before, s.run(g_vars)))
        s.run(train_g, feed)
        assert not np.array_equal(g_before[0], s.run(g_vars[0]))

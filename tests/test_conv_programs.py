"""Classic TF1 CNN programs, run with only the import line changed: the "Deep MNIST for experts" network of
raw tf.nn.conv2d / max_pool ops, and a tf.layers one. On digit-like 8x8 images (small, fast); each
trains a few steps and its loss goes down."""
from __future__ import annotations

import numpy as np

import graphgrad as tf


def _digits(n=256):
    """Digit-like 8x8 images: one fixed random stroke pattern per class, shifted by up to a pixel, plus noise
    (sklearn's digits would cost this test seconds of import)."""
    rng = np.random.default_rng(0)
    templates = (rng.random((10, 8, 8)) < 0.3).astype(np.float32)
    labels = rng.integers(0, 10, n)
    x = np.stack([np.roll(templates[c], tuple(rng.integers(-1, 2, 2)), (0, 1)) for c in labels])
    x = x + 0.2 * rng.standard_normal(x.shape).astype(np.float32)
    return x.reshape(n, 64).astype(np.float32), np.eye(10, dtype=np.float32)[labels]


def test_deep_mnist_for_experts_style():
    tf.reset_default_graph()
    tf.set_random_seed(0)

    # --- the tutorial's program (28x28 there, 8x8 here) ---
    def weight_variable(shape):
        initial = tf.truncated_normal(shape, stddev=0.1)
        return tf.Variable(initial)

    def bias_variable(shape):
        initial = tf.constant(0.1, shape=shape)
        return tf.Variable(initial)

    def conv2d(x, W):
        return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')

    def max_pool_2x2(x):
        return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')

    x = tf.placeholder(tf.float32, shape=[None, 64])
    y_ = tf.placeholder(tf.float32, shape=[None, 10])
    x_image = tf.reshape(x, [-1, 8, 8, 1])

    W_conv1 = weight_variable([5, 5, 1, 32])
    b_conv1 = bias_variable([32])
    h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
    h_pool1 = max_pool_2x2(h_conv1)

    W_conv2 = weight_variable([5, 5, 32, 64])
    b_conv2 = bias_variable([64])
    h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
    h_pool2 = max_pool_2x2(h_conv2)

    W_fc1 = weight_variable([2 * 2 * 64, 256])
    b_fc1 = bias_variable([256])
    h_pool2_flat = tf.reshape(h_pool2, [-1, 2 * 2 * 64])
    h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

    keep_prob = tf.placeholder(tf.float32)
    h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

    W_fc2 = weight_variable([256, 10])
    b_fc2 = bias_variable([10])
    y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2

    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
    train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    xs, ys = _digits()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(cross_entropy, feed_dict={x: xs, y_: ys, keep_prob: 1.0})
        for i in range(12):
            b = slice((i % 4) * 64, (i % 4 + 1) * 64)
            train_step.run(feed_dict={x: xs[b], y_: ys[b], keep_prob: 0.5})
        last, acc = sess.run([cross_entropy, accuracy], feed_dict={x: xs, y_: ys, keep_prob: 1.0})
        acc2 = accuracy.eval(feed_dict={x: xs, y_: ys, keep_prob: 1.0})
    assert last < 0.7 * first, (first, last)
    assert acc > 0.5 and acc == acc2


def test_tf_layers_cnn():
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 64])
    labels = tf.placeholder(tf.int32, [None])
    training = tf.placeholder_with_default(False, ())

    input_layer = tf.reshape(x, [-1, 8, 8, 1])
    conv1 = tf.layers.conv2d(inputs=input_layer, filters=16, kernel_size=[5, 5], padding="same",
                             activation=tf.nn.relu)
    pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
    conv2 = tf.layers.conv2d(inputs=pool1, filters=32, kernel_size=[5, 5], padding="same", activation=tf.nn.relu)
    pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2)
    pool2_flat = tf.reshape(pool2, [-1, 2 * 2 * 32])
    dense = tf.layers.dense(inputs=pool2_flat, units=128, activation=tf.nn.relu)
    dropout = tf.layers.dropout(inputs=dense, rate=0.4, training=training)
    logits = tf.layers.dense(inputs=dropout, units=10)

    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    optimizer = tf.train.AdamOptimizer(learning_rate=1e-2)
    train_op = optimizer.minimize(loss=loss, global_step=tf.train.get_or_create_global_step())
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0", "conv2d_1/bias:0",
                     "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert conv1.shape.as_list() == [None, 8, 8, 16] and pool2.shape.as_list() == [None, 2, 2, 32]

    xs, ys = _digits()
    ys = ys.argmax(1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, labels: ys})
        for i in range(12):
            b = slice((i % 4) * 64, (i % 4 + 1) * 64)
            sess.run(train_op, {x: xs[b], labels: ys[b], training: True})
        last = sess.run(loss, {x: xs, labels: ys})
    assert last < 0.85 * first, (first, last)

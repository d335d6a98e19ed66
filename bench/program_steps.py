"""Training steps of four classic TF1 programs, graphgrad against TensorFlow compat.v1, in this process, rounds
alternating, medians: the figures docs/tf1-programs.md quotes for the whole programs' steps.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.program_steps [--rounds 60] [--warmup 150]

- deep CNN: hunkim's lab-11-2 (three 3x3 SAME conv + ReLU + 2x2 SAME max pool + dropout layers, the last pool
  on 7x7, dense 625, Adam; batch 100);
- DCGAN: aymericdamien's dcgan.py (dense + two conv transposes for the generator, two 5x5 conv + average pools +
  two dense for the discriminator, run on real and generated images; both Adam steps in one run; batch 32);
- modern net: nlintz's 04_modern_net.py (and 10_save_restore_net.py: the same network), an MLP 784-625-625-10
  with ReLU and dropout (keep 0.8 on the input, 0.5 on the hidden layers), RMSProp; batch 128;
- LSTM: nlintz's 07_lstm.py (`static_rnn` of a 28-unit BasicLSTMCell over 28 steps of 28 pixels, the last output
  into dense 28-10, softmax cross-entropy, RMSProp; batch 128).

Each graphgrad step first runs `--warmup` times, so its islands are compiled (or loaded) and the GEMM pool
started, as in the programs after their first seconds.
"""
from __future__ import annotations

import argparse

import numpy as np

from bench.alternate import alternate, print_table


def deep_cnn(tf, rng):
    x, y, keep = tf.placeholder(tf.float32, [None, 784]), tf.placeholder(tf.float32, [None, 10]), tf.placeholder(
        tf.float32)
    h = tf.reshape(x, [-1, 28, 28, 1])
    for cin, cout in ((1, 32), (32, 64), (64, 128)):
        w = tf.Variable(tf.random_normal([3, 3, cin, cout], stddev=0.01))
        h = tf.nn.relu(tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME"))
        h = tf.nn.dropout(tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), keep_prob=keep)
    h = tf.reshape(h, [-1, 4 * 4 * 128])
    w4 = tf.get_variable("W4", [4 * 4 * 128, 625], initializer=tf.glorot_uniform_initializer())
    h = tf.nn.dropout(tf.nn.relu(tf.matmul(h, w4) + tf.Variable(tf.random_normal([625]))), keep_prob=keep)
    w5 = tf.get_variable("W5", [625, 10], initializer=tf.glorot_uniform_initializer())
    logits = tf.matmul(h, w5) + tf.Variable(tf.random_normal([10]))
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=y))
    fetches = [cost, tf.train.AdamOptimizer(0.001).minimize(cost)]
    feed = {x: rng.random((100, 784), dtype=np.float32), y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, 100)],
            keep: 0.7}
    return fetches, feed


def dcgan(tf, rng):
    def generator(z, reuse=False):
        with tf.variable_scope("Generator", reuse=reuse):
            h = tf.reshape(tf.nn.tanh(tf.layers.dense(z, 6 * 6 * 128)), [-1, 6, 6, 128])
            h = tf.layers.conv2d_transpose(h, 64, 4, strides=2)
            return tf.nn.sigmoid(tf.layers.conv2d_transpose(h, 1, 2, strides=2))

    def discriminator(img, reuse=False):
        with tf.variable_scope("Discriminator", reuse=reuse):
            h = tf.layers.average_pooling2d(tf.nn.tanh(tf.layers.conv2d(img, 64, 5)), 2, 2)
            h = tf.layers.average_pooling2d(tf.nn.tanh(tf.layers.conv2d(h, 128, 5)), 2, 2)
            h = tf.nn.tanh(tf.layers.dense(tf.layers.flatten(h), 1024))
            return tf.layers.dense(h, 2)

    z, real = tf.placeholder(tf.float32, [None, 200]), tf.placeholder(tf.float32, [None, 28, 28, 1])
    disc_t, gen_t = tf.placeholder(tf.int32, [None]), tf.placeholder(tf.int32, [None])
    fake = generator(z)
    disc = tf.concat([discriminator(real), discriminator(fake, reuse=True)], axis=0)
    stacked = discriminator(fake, reuse=True)
    disc_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=disc, labels=disc_t))
    gen_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=stacked, labels=gen_t))
    trainable = tf.GraphKeys.TRAINABLE_VARIABLES
    train_gen = tf.train.AdamOptimizer(0.001).minimize(gen_loss, var_list=tf.get_collection(trainable, "Generator"))
    train_disc = tf.train.AdamOptimizer(0.001).minimize(
        disc_loss, var_list=tf.get_collection(trainable, "Discriminator"))
    feed = {real: rng.random((32, 28, 28, 1), dtype=np.float32), z: rng.uniform(-1, 1, (32, 200)),
            disc_t: np.r_[np.ones(32), np.zeros(32)], gen_t: np.ones(32)}
    return [train_gen, train_disc, gen_loss, disc_loss], feed


def modern_net(tf, rng):
    x, y = tf.placeholder("float", [None, 784]), tf.placeholder("float", [None, 10])
    keep_in, keep_hidden = tf.placeholder("float"), tf.placeholder("float")
    w_h, w_h2, w_o = (tf.Variable(tf.random_normal(s, stddev=0.01)) for s in ([784, 625], [625, 625], [625, 10]))
    h = tf.nn.relu(tf.matmul(tf.nn.dropout(x, keep_in), w_h))
    h2 = tf.nn.relu(tf.matmul(tf.nn.dropout(h, keep_hidden), w_h2))
    logits = tf.matmul(tf.nn.dropout(h2, keep_hidden), w_o)
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
    feed = {x: rng.random((128, 784), dtype=np.float32), y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)],
            keep_in: 0.8, keep_hidden: 0.5}
    return [tf.train.RMSPropOptimizer(0.001, 0.9).minimize(cost)], feed


def lstm(tf, rng):
    x, y = tf.placeholder("float", [None, 28, 28]), tf.placeholder("float", [None, 10])
    w, b = tf.Variable(tf.random_normal([28, 10], stddev=0.01)), tf.Variable(tf.random_normal([10], stddev=0.01))
    steps = tf.split(tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, 28]), 28, 0)
    cell = tf.nn.rnn_cell.BasicLSTMCell(28, forget_bias=1.0, state_is_tuple=True)
    outputs, _ = tf.nn.static_rnn(cell, steps, dtype=tf.float32)
    logits = tf.matmul(outputs[-1], w) + b
    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
    feed = {x: rng.random((128, 28, 28), dtype=np.float32), y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)]}
    return [cost, tf.train.RMSPropOptimizer(0.001, 0.9).minimize(cost)], feed


MODELS = {"deep CNN (lab-11-2), batch 100": deep_cnn, "DCGAN (aymericdamien), batch 32": dcgan,
          "modern net (nlintz 04_modern_net), batch 128": modern_net, "LSTM (nlintz 07_lstm), batch 128": lstm}


def make_step(tf, build, warmup):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(777)
        fetches, feed = build(tf, np.random.default_rng(0))
        s = tf.Session(graph=g)
        s.run(tf.global_variables_initializer())
    for _ in range(warmup):
        s.run(fetches, feed)
    return lambda: s.run(fetches, feed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=60)
    p.add_argument("--warmup", type=int, default=150)
    p.add_argument("--models", default="cnn,dcgan,modern,lstm", help="which, by a word of their names")
    a = p.parse_args(argv)
    import graphgrad

    words = a.models.lower().split(",")
    models = {kind: build for kind, build in MODELS.items() if any(w in kind.lower() for w in words)}
    calls = {("graphgrad", kind): make_step(graphgrad, build, a.warmup) for kind, build in models.items()}
    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        calls.update({("TF compat.v1", kind): make_step(tf1, build, 5) for kind, build in models.items()})
    except ImportError:
        print("TensorFlow not installed: graphgrad only")
    print_table(alternate(calls, a.rounds), "training step")


if __name__ == "__main__":
    main()

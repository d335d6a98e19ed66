"""Helpers shared by the closing lecture's examples (several_inputs.py, transfer.py, multitask.py,
regularization.py, shift_invariance.py): the 8x8 digits as images, a small conv trunk, a mini-batch loop.

Each example loads this file by its path with importlib, so examples/ never has to be on sys.path.
"""
import time

import numpy as np

import graphgrad as tf
from graphgrad.datasets import load_digits


def digits_images():
    """(x_train, y_train, x_test, y_test): the digits as [n, 8, 8, 1] float32 images in [0, 1]."""
    d = load_digits()
    return d.x_train.reshape(-1, 8, 8, 1), d.y_train, d.x_test.reshape(-1, 8, 8, 1), d.y_test


def subset(x, y, n, seed, classes=None):
    """`n` examples drawn at random (fixed `seed`), optionally only of `classes`."""
    keep = np.flatnonzero(np.isin(y, classes)) if classes is not None else np.arange(len(y))
    pick = np.random.default_rng(seed).choice(keep, size=min(n, len(keep)), replace=False)
    return x[pick], y[pick]


def conv_trunk(images, filters=(16, 32), name="trunk", training=None, dropout=0.0, kernel_regularizer=None):
    """conv 3x3 SAME + ReLU + 2x2 max pool per entry of `filters`, flattened; variables under `name/`."""
    with tf.variable_scope(name):
        h = images
        for i, f in enumerate(filters):
            h = tf.layers.conv2d(h, f, 3, padding="same", activation=tf.nn.relu,
                                 kernel_regularizer=kernel_regularizer, name=f"conv{i + 1}")
            h = tf.layers.max_pooling2d(h, 2, 2, name=f"pool{i + 1}")
        h = tf.layers.flatten(h)
        if dropout:
            h = tf.layers.dropout(h, rate=dropout, training=training)
        return h


def shift(images, rng, max_shift=1):
    """Each image moved by a random whole number of pixels in [-max_shift, max_shift] along each axis, zero-filled."""
    out = np.zeros_like(images)
    n, h, w = images.shape[:3]
    for i in range(n):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        src = images[i, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
        out[i, max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def fit(sess, train_op, feeds, arrays, epochs, batch_size=32, seed=0, training=None, augment=None):
    """Mini-batch steps: `feeds` are placeholders fed the matching `arrays` (same length), shuffled each epoch.

    `training` (a placeholder) is fed True; `augment(batch_of_first_array, rng)` may transform the first array.
    """
    rng = np.random.default_rng(seed)
    n = len(arrays[0])
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            batch = [a[idx] for a in arrays]
            if augment is not None:
                batch[0] = augment(batch[0], rng)
            feed = dict(zip(feeds, batch))
            if training is not None:
                feed[training] = True
            sess.run(train_op, feed)


def accuracy(sess, logits, feed, labels):
    """Fraction of argmax(logits), run on `feed`, equal to `labels`."""
    return float(np.mean(np.argmax(sess.run(logits, feed), axis=1) == labels))


def mnist1d_signals():
    """(x_train, y_train, x_test, y_test): MNIST-1D's 4,000 + 1,000 signals as [n, 40, 1] (needs mnist1d)."""
    from graphgrad.datasets import load_mnist1d

    d = load_mnist1d()
    return d.x_train[..., None], d.y_train, d.x_test[..., None], d.y_test


def conv1d_trunk(signals, filters=(32, 32, 32), name="trunk"):
    """conv width 5 SAME + ReLU + 2x max pool per entry of `filters`, flattened (the main job's MNIST-1D CNN)."""
    with tf.variable_scope(name):
        h = signals
        for i, f in enumerate(filters):
            h = tf.layers.conv1d(h, f, 5, padding="same", activation=tf.nn.relu, name=f"conv{i + 1}")
            h = tf.layers.max_pooling1d(h, 2, 2, name=f"pool{i + 1}")
        return tf.layers.flatten(h)


def print_runs(runs, label, seconds=None):
    """One line per entry of {key: [accuracy per seed]}: mean, min and max; `label(key)` starts the line."""
    for key, acc in runs.items():
        acc = np.asarray(acc)
        print(f"{label(key)} test accuracy {acc.mean():.3f} (min {acc.min():.3f}, max {acc.max():.3f})")
    if seconds is not None:
        print(f"({seconds:.1f}s)")


def over_seeds(run, keys, seeds, *args):
    """{"accuracy": {key: [run(key, *args, seed) for each seed]}, "seconds": the time it all took}."""
    start = time.perf_counter()
    accuracy = {k: [run(k, *args, s) for s in seeds] for k in keys}
    return {"accuracy": accuracy, "seconds": time.perf_counter() - start}


def parser(doc, small, seeds, what="training examples"):
    """An argument parser with --small N (the small training set's size) and --seeds K, the example's first doc line."""
    import argparse

    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--small", type=int, default=small, help=f"{what} (default {small})")
    p.add_argument("--seeds", type=int, default=seeds, help=f"seeds 0..K-1 to average over (default {seeds})")
    return p

"""Shift invariance: "I want to classify cats regardless where they are" is a convolution and pooling.

1. MNIST-1D (its signals are digits' outlines placed at random offsets, then padded, scaled and noised): the main
   job's 1-D CNN against its MLP, same data, optimizer, batches and epochs (`graphgrad train --model cnn|mlp
   --dataset mnist1d`). Needs the mnist1d package.
2. The 8x8 digits: an MLP and a small CNN trained on the images as they are, tested on the test images and on the
   same images moved by one pixel (a random direction each).

    python examples/shift_invariance.py [--epochs N]
"""
import argparse
import importlib.util
import io
import pathlib
import time

import numpy as np

import graphgrad as tf
from graphgrad.trainer import TrainConfig, train

_spec = importlib.util.spec_from_file_location("_lecture_common", pathlib.Path(__file__).with_name("lecture_common.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)


def mnist1d(epochs, seed=0):
    """Test accuracy of the main job's MLP and CNN on MNIST-1D after `epochs` epochs (the job's other defaults)."""
    return {model: train(TrainConfig(model=model, dataset="mnist1d", epochs=epochs, seed=seed, progress=False),
                         out=io.StringIO())["test_accuracy"]
            for model in ("mlp", "cnn")}


def digits(epochs, seed=0):
    """{model: (test accuracy, accuracy on the test images shifted by one pixel)} for an MLP and a CNN."""
    x, y, xt, yt = common.digits_images()
    shifted = common.shift(xt, np.random.default_rng(1000), max_shift=1)
    result = {}
    for model in ("mlp", "cnn"):
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(seed)
            images, labels = tf.placeholder(tf.float32, (None, 8, 8, 1)), tf.placeholder(tf.int64, (None,))
            h = common.conv_trunk(images) if model == "cnn" else tf.layers.flatten(images)
            logits = tf.layers.dense(tf.layers.dense(h, 128, activation=tf.nn.relu), 10)
            train_op = tf.train.AdamOptimizer(0.001).minimize(tf.losses.sparse_softmax_cross_entropy(labels, logits))
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                common.fit(sess, train_op, [images, labels], [x, y], epochs, seed=seed)
                result[model] = (common.accuracy(sess, logits, {images: xt}, yt),
                                 common.accuracy(sess, logits, {images: shifted}, yt))
    return result


def main(epochs=30, with_mnist1d=True):
    start = time.perf_counter()
    result = {"digits": digits(epochs)}
    if with_mnist1d:
        result["mnist1d"] = mnist1d(epochs)
    result["seconds"] = time.perf_counter() - start
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    r = main(p.parse_args().epochs)
    for model, acc in r["mnist1d"].items():
        print(f"MNIST-1D {model}: test accuracy {acc:.3f}")
    for model, (clean, moved) in r["digits"].items():
        print(f"digits {model}: test accuracy {clean:.3f}, shifted by 1 pixel {moved:.3f}")
    print(f"({r['seconds']:.1f}s)")

"""Regularization as hints: "I want my features to be sparse" (L1), small weights (L2), "I don't want the model to
trust a single feature too much" (dropout), "I want the model to be indifferent to small shifts" (augmentation).

An MLP (64 -> 256 ReLU -> 10) learns the 8x8 digits from a small training set, once per hint; each run reports the
test accuracy, the accuracy on the test images shifted by one pixel (a random direction per image, fixed), and the
fraction of first-layer weights that are near zero (|w| < 0.01: Adam does not make them exactly 0).

    python examples/regularization.py [--small N] [--seeds K]
"""
import importlib.util
import pathlib

import numpy as np

import graphgrad as tf

_spec = importlib.util.spec_from_file_location("_lecture_common", pathlib.Path(__file__).with_name("lecture_common.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

HINTS = {   # name -> (l1 scale, l2 scale, dropout rate, shift augmentation)
    "none": (0.0, 0.0, 0.0, False),
    "l1": (1e-3, 0.0, 0.0, False),
    "l2": (0.0, 1e-3, 0.0, False),
    "dropout": (0.0, 0.0, 0.5, False),
    "shifts": (0.0, 0.0, 0.0, True),
}
NEAR_ZERO = 0.01


def run(hint, n_small, epochs, seed):
    l1, l2, rate, shifts = HINTS[hint]
    x, y, xt, yt = common.digits_images()
    x, y = common.subset(x, y, n_small, seed)
    xt_shifted = common.shift(xt, np.random.default_rng(1000), max_shift=1)
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        images = tf.placeholder(tf.float32, (None, 8, 8, 1))
        labels = tf.placeholder(tf.int64, (None,))
        training = tf.placeholder_with_default(False, ())
        # l1 * sum|w| + l2 * sum(w^2) / 2 per kernel, collected in REGULARIZATION_LOSSES.
        reg = tf.regularizers.l1_l2_regularizer(l1, l2) if l1 or l2 else None
        hidden = tf.layers.dense(tf.layers.flatten(images), 256, activation=tf.nn.relu, kernel_regularizer=reg,
                                 name="hidden")
        if rate:
            hidden = tf.layers.dropout(hidden, rate=rate, training=training)
        logits = tf.layers.dense(hidden, 10, kernel_regularizer=reg, name="logits")
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        if reg is not None:
            loss = loss + tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
        train = tf.train.AdamOptimizer(0.003).minimize(loss)
        kernel = g.get_tensor_by_name("hidden/kernel:0")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            common.fit(sess, train, [images, labels], [x, y], epochs, batch_size=16, seed=seed, training=training,
                       augment=(lambda b, rng: common.shift(b, rng, 1)) if shifts else None)
            w = sess.run(kernel)
            return {"test": common.accuracy(sess, logits, {images: xt}, yt),
                    "shifted": common.accuracy(sess, logits, {images: xt_shifted}, yt),
                    "near_zero": float(np.mean(np.abs(w) < NEAR_ZERO))}


def main(n_small=200, seeds=(0, 1, 2), epochs=60, hints=tuple(HINTS)):
    r = common.over_seeds(run, hints, seeds, n_small, epochs)   # each run's dict, per hint and seed
    means = {hint: {k: float(np.mean([x[k] for x in runs])) for k in runs[0]} for hint, runs in r["accuracy"].items()}
    return {**means, "seconds": r["seconds"]}


if __name__ == "__main__":
    a = common.parser(__doc__, 200, 3, "training images").parse_args()
    r = main(a.small, tuple(range(a.seeds)))
    for hint in HINTS:
        m = r[hint]
        print(f"{hint:8s} test accuracy {m['test']:.3f}, shifted by 1 pixel {m['shifted']:.3f}, "
              f"first-layer weights with |w| < {NEAR_ZERO}: {m['near_zero']:.1%}")
    print(f"({r['seconds']:.1f}s)")

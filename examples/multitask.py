"""Several tasks: "I want to learn features for style classification that also help determine age & gender".

One conv trunk on the 8x8 digits feeds two heads: the digit (10 classes) and an auxiliary task, "is the digit
greater than 4" (2 classes). The loss is `digit_loss + aux_weight * aux_loss`. Digit labels exist for only
`n_small` training images; the cheap yes/no labels for `n_aux` of them (all, by default). With aux_weight = 0
the model is the plain digit classifier with the same trunk, so the difference is the auxiliary task's.

    python examples/multitask.py [--small N] [--aux-weight W] [--seeds K]
"""
import importlib.util
import pathlib

import numpy as np

import graphgrad as tf

_spec = importlib.util.spec_from_file_location("_lecture_common", pathlib.Path(__file__).with_name("lecture_common.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)


def run(aux_weight, n_small, n_aux, epochs, seed):
    """Test accuracy of the digit head after training with the auxiliary loss weighted by `aux_weight`."""
    x, y, xt, yt = common.digits_images()
    x, y = common.subset(x, y, max(n_small, n_aux), seed)
    # The first n_small of the drawn images keep their digit label; the rest only say whether it is > 4.
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        images = tf.placeholder(tf.float32, (None, 8, 8, 1), name="images")
        digit = tf.placeholder(tf.int64, (None,), name="digit")
        labeled = tf.placeholder(tf.float32, (None,), name="labeled")
        trunk = tf.layers.dense(common.conv_trunk(images), 64, activation=tf.nn.relu, name="shared")
        digit_logits = tf.layers.dense(trunk, 10, name="digit_head")
        aux_logits = tf.layers.dense(trunk, 2, name="aux_head")
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=digit, logits=digit_logits)
        digit_loss = tf.reduce_sum(ce * labeled) / tf.maximum(tf.reduce_sum(labeled), 1.0)
        aux_loss = tf.losses.sparse_softmax_cross_entropy(tf.cast(digit > 4, tf.int64), aux_logits)
        loss = digit_loss + aux_weight * aux_loss
        train = tf.train.AdamOptimizer(0.003).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            # Each step: 16 images with a digit label and 16 with only the yes/no label, so the digit head
            # gets the same labeled batches whatever n_aux is; `epochs` passes over the n_small labeled images.
            rng = np.random.default_rng(seed)
            ones, zeros = np.ones(16, np.float32), np.zeros(16, np.float32)
            for _ in range(epochs * max(1, n_small // 16)):
                a = rng.choice(n_small, 16)
                b = rng.choice(len(y), 16)
                sess.run(train, {images: np.concatenate([x[a], x[b]]), digit: np.concatenate([y[a], y[b]]),
                                 labeled: np.concatenate([ones, zeros])})
            return common.accuracy(sess, digit_logits, {images: xt}, yt)


def main(n_small=100, n_aux=None, aux_weights=(0.0, 1.0), seeds=(0, 1, 2, 3, 4), epochs=60):
    return common.over_seeds(run, aux_weights, seeds, n_small, 1347 if n_aux is None else n_aux, epochs)


if __name__ == "__main__":
    p = common.parser(__doc__, 100, 5, "training images with a digit label")
    p.add_argument("--aux", type=int, default=1347, help="training images with the >4 label (default all 1347)")
    a = p.parse_args()
    r = main(a.small, a.aux, (0.0, 0.3, 1.0), tuple(range(a.seeds)))
    common.print_runs(r["accuracy"], lambda w: f"aux weight {w:.1f}: digit", r["seconds"])

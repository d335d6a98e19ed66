"""Several inputs: raw features (pixels) through a conv branch, high-level features through a dense branch, joined
("you train a classifier on two sets of features": the car's photo and its brand, model and age).

The data are made so that the high-level features carry most of the signal: the 8x8 digit images get heavy
Gaussian noise (the "photo"), while the high-level features are the clean image's 8 row and 8 column ink sums
(hand-made features). Both branches end in 32 units, concatenated, then a dense layer and the softmax. The hint
"image features should be less important" is dropout on the image branch's 32 outputs (`image_dropout`), which
makes the joined layer unable to rely on any of them.

    python examples/several_inputs.py [--small N] [--noise S] [--seeds K]
"""
import importlib.util
import pathlib

import numpy as np

import graphgrad as tf

_spec = importlib.util.spec_from_file_location("_lecture_common", pathlib.Path(__file__).with_name("lecture_common.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

MODELS = {   # name -> (uses the image, uses the high-level features, dropout rate on the image branch)
    "features only": (False, True, 0.0),
    "image only": (True, False, 0.0),
    "both": (True, True, 0.0),
    "both, image dropout 0.5": (True, True, 0.5),
    "both, image dropout 0.8": (True, True, 0.8),
}


def high_level(images):
    """The 16 hand-made features: ink per row and per column of each (clean) image, scaled to about [0, 1]."""
    return np.concatenate([images.sum(axis=2)[..., 0], images.sum(axis=1)[..., 0]], axis=1) / 8


def make_data(noise, seed=1000):
    x, y, xt, yt = common.digits_images()
    rng = np.random.default_rng(seed)
    noisy = [(a + noise * rng.standard_normal(a.shape)).astype(np.float32) for a in (x, xt)]
    return (noisy[0], high_level(x).astype(np.float32), y), (noisy[1], high_level(xt).astype(np.float32), yt)


def run(model, n_small, noise, epochs, seed):
    use_image, use_features, image_dropout = MODELS[model]
    (x, f, y), (xt, ft, yt) = make_data(noise)
    pick = np.random.default_rng(seed).choice(len(y), n_small, replace=False)
    x, f, y = x[pick], f[pick], y[pick]
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        images = tf.placeholder(tf.float32, (None, 8, 8, 1), name="images")
        features = tf.placeholder(tf.float32, (None, 16), name="features")
        labels = tf.placeholder(tf.int64, (None,), name="labels")
        training = tf.placeholder_with_default(False, (), name="training")
        branches = []
        if use_image:
            h = tf.layers.dense(common.conv_trunk(images, name="image_branch"), 32, activation=tf.nn.relu)
            branches.append(tf.layers.dropout(h, rate=image_dropout, training=training) if image_dropout else h)
        if use_features:
            branches.append(tf.layers.dense(features, 32, activation=tf.nn.relu, name="feature_branch"))
        joined = tf.concat(branches, axis=1) if len(branches) > 1 else branches[0]
        logits = tf.layers.dense(tf.layers.dense(joined, 64, activation=tf.nn.relu), 10)
        train = tf.train.AdamOptimizer(0.003).minimize(tf.losses.sparse_softmax_cross_entropy(labels, logits))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            common.fit(sess, train, [images, features, labels], [x, f, y], epochs, batch_size=16, seed=seed,
                       training=training)
            return common.accuracy(sess, logits, {images: xt, features: ft}, yt)


def main(n_small=200, noise=1.0, seeds=(0, 1, 2), epochs=60, models=tuple(MODELS)):
    return common.over_seeds(run, models, seeds, n_small, noise, epochs)


if __name__ == "__main__":
    p = common.parser(__doc__, 200, 3)
    p.add_argument("--noise", type=float, default=1.0, help="std of the noise on the pixels (default 1.0)")
    a = p.parse_args()
    r = main(a.small, a.noise, tuple(range(a.seeds)))
    common.print_runs(r["accuracy"], lambda m: f"{m:24s}", r["seconds"])

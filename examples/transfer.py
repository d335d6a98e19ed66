"""Transfer: "you have a small dataset and a larger dataset with a similar task" (the closing lecture).

On MNIST-1D, a 1-D CNN learns classes 0-4 from all their ~2,000 training signals (the larger related set). Its conv
trunk is saved with `tf.train.Saver(var_list={...})` and restored, under other names (a name map), into a new model
for classes 5-9 that sees only a few signals of them. The trunk is either frozen (the optimizer's `var_list` holds
only the new head, and `tf.stop_gradient` cuts the graph) or fine-tuned with the head; both are compared with the
same model trained from scratch on the same few examples.

    python examples/transfer.py [--small N] [--seeds K]      (needs the mnist1d package)

(On the 8x8 digits, 0-4 -> 5-9, transfer did not beat training from scratch: a small CNN learns 5-9 from 25-50
images about as well on its own. See docs/language.md.)
"""
import importlib.util
import os
import pathlib
import tempfile
import time

import numpy as np

import graphgrad as tf

_spec = importlib.util.spec_from_file_location("_lecture_common", pathlib.Path(__file__).with_name("lecture_common.py"))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

def pretrain(path, epochs, seed=0):
    """Train a CNN on MNIST-1D classes 0-4, save only its trunk's variables (plain names) to `path`; test accuracy."""
    x, y, xt, yt = common.mnist1d_signals()
    x, y = common.subset(x, y, len(y), seed, classes=[0, 1, 2, 3, 4])
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        images, labels = tf.placeholder(tf.float32, (None, 40, 1)), tf.placeholder(tf.int64, (None,))
        logits = tf.layers.dense(common.conv1d_trunk(images, name="source"), 5, name="source_head")
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        train = tf.train.AdamOptimizer(0.003).minimize(loss)
        # The checkpoint's names are the map's keys: the new model needs to know nothing of "source/".
        trunk = {v.op.name.split("/", 1)[1]: v for v in tf.trainable_variables("source")}
        saver = tf.train.Saver(var_list=trunk)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            common.fit(sess, train, [images, labels], [x, y], epochs, seed=seed)
            saver.save(sess, path)
            keep = yt < 5
            return common.accuracy(sess, logits, {images: xt[keep]}, yt[keep])


def target_task(mode, checkpoint, n_small, epochs, seed):
    """MNIST-1D classes 5-9 from `n_small` training signals: 'scratch', 'frozen' or 'finetune'; test accuracy on 5-9."""
    x, y, xt, yt = common.mnist1d_signals()
    x, y = common.subset(x, y, n_small, seed, classes=[5, 6, 7, 8, 9])
    keep = yt >= 5
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed + 100)
        images, labels = tf.placeholder(tf.float32, (None, 40, 1)), tf.placeholder(tf.int64, (None,))
        features = common.conv1d_trunk(images, name="target")
        if mode == "frozen":
            features = tf.stop_gradient(features)   # no gradient reaches the trunk at all
        logits = tf.layers.dense(features, 5, name="head")
        loss = tf.losses.sparse_softmax_cross_entropy(labels - 5, logits)
        head = tf.trainable_variables("head")
        train = tf.train.AdamOptimizer(0.003).minimize(loss, var_list=head if mode == "frozen" else None)
        # The name map: checkpoint name -> this graph's variable ("conv1/conv2d/kernel" -> target/conv1/...).
        restore = tf.train.Saver(var_list={v.op.name.split("/", 1)[1]: v for v in tf.trainable_variables("target")})
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if mode != "scratch":
                restore.restore(sess, checkpoint)
            before = sess.run(tf.trainable_variables("target"))
            common.fit(sess, train, [images, labels], [x, y], epochs, batch_size=16, seed=seed)
            after = sess.run(tf.trainable_variables("target"))
            changed = any(not np.array_equal(a, b) for a, b in zip(before, after))
            return common.accuracy(sess, logits, {images: xt[keep]}, yt[keep] - 5), changed


def main(n_small=50, seeds=(0, 1, 2), pretrain_epochs=15, epochs=60, folder=None):
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(folder or tmp, "trunk.ckpt")
        source_accuracy = pretrain(path, pretrain_epochs)
        result = {"source_accuracy": source_accuracy, "n_small": n_small, "seeds": list(seeds)}
        for mode in ("scratch", "frozen", "finetune"):
            runs = [target_task(mode, path, n_small, epochs, s) for s in seeds]
            result[mode] = [a for a, _ in runs]
            result[f"{mode}_trunk_changed"] = any(c for _, c in runs)
    result["seconds"] = time.perf_counter() - start
    return result


if __name__ == "__main__":
    a = common.parser(__doc__, 50, 5, "training signals of classes 5-9").parse_args()
    r = main(a.small, tuple(range(a.seeds)))
    print(f"source model, classes 0-4: test accuracy {r['source_accuracy']:.3f}")
    common.print_runs({m: r[m] for m in ("scratch", "frozen", "finetune")},
                      lambda m: f"{m:8s} on {a.small} signals of 5-9 (trunk changed: {r[f'{m}_trunk_changed']}):",
                      r["seconds"])

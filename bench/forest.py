"""tf.contrib.tensor_forest: the training step and inference of aymericdamien's random_forest.py (10 trees,
max_nodes 1000, batches of 1,024 MNIST-sized images), on MNIST-shaped images made from the bundled digits.

    PYTHONPATH=. python -m bench.forest [--steps 500] [--trees 10]

Prints the median ms per training step over each tenth of the run (the trees grow, so steps get dearer), the
whole run, and ms to predict 10,000 images. No peer: TensorFlow 2.x no longer has tensor_forest.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def mnist_like(n, seed=0):
    """Digits upsampled to 24x24 and shifted within 28x28, flattened to 784 floats in [0, 1]."""
    from graphgrad.datasets.digits import read_digits

    x, y = read_digits()
    big = np.kron(x.reshape(-1, 8, 8) / 16, np.ones((3, 3), np.float32))
    rng = np.random.default_rng(seed)
    pick, shift = rng.integers(0, len(big), n), rng.integers(0, 5, (n, 2))
    out = np.zeros((n, 28, 28), np.float32)
    for i, (j, (a, b)) in enumerate(zip(pick, shift)):
        out[i, a:a + 24, b:b + 24] = big[j]
    return out.reshape(n, 784), y[pick].astype(np.int32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--trees", type=int, default=10)
    args = ap.parse_args(argv)
    import graphgrad as tf
    from graphgrad.contrib.tensor_forest.python import tensor_forest
    from graphgrad.python.ops import resources

    x_train, y_train = mnist_like(55000)
    x_test, y_test = mnist_like(10000, seed=1)
    X, Y = tf.placeholder(tf.float32, [None, 784]), tf.placeholder(tf.int32, [None])
    hp = tensor_forest.ForestHParams(num_classes=10, num_features=784, num_trees=args.trees, max_nodes=1000,
                                     base_random_seed=1).fill()
    forest = tensor_forest.RandomForestGraphs(hp)
    train_op, loss_op = forest.training_graph(X, Y), forest.training_loss(X, Y)
    probs = forest.inference_graph(X)[0]
    sess = tf.Session()
    sess.run(tf.group(tf.global_variables_initializer(), resources.initialize_resources(resources.shared_resources())))
    rng = np.random.default_rng(0)
    times = []
    start = time.perf_counter()
    for _ in range(args.steps):
        i = rng.integers(0, len(x_train), 1024)
        t = time.perf_counter()
        _, loss = sess.run([train_op, loss_op], {X: x_train[i], Y: y_train[i]})
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    tenth = max(1, args.steps // 10)
    print("| steps | median ms/step |\n| --- | --- |")
    for a in range(0, args.steps, tenth):
        print(f"| {a + 1}-{min(a + tenth, args.steps)} | {1000 * statistics.median(times[a:a + tenth]):.1f} |")
    t = time.perf_counter()
    p = sess.run(probs, {X: x_test})
    predict = time.perf_counter() - t
    acc = float(np.mean(p.argmax(1) == y_test))
    print(f"\n{args.steps} steps: {total:.1f} s, average tree size {-loss:.0f} nodes; predicting 10,000 images: "
          f"{1000 * predict:.0f} ms, accuracy {acc:.4f}")


if __name__ == "__main__":
    main()

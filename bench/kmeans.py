"""k-means training steps (`tf.contrib.factorization.KMeans`'s graph) in graphgrad and in TensorFlow compat.v1
(TF 2.21 keeps the same graph as `tensorflow.python.ops.clustering_ops.KMeans`), the same data, in this process,
rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.kmeans [--points 10000] [--dims 784] [--k 25] [--rounds 15]

Three workloads per peer: a full-batch Lloyd step (squared Euclidean, k-means++ centres), a mini-batch step on a
1,024-row batch with cosine distance, and the mini-batch step fed every point (aymericdamien's kmeans.py: cosine,
`use_mini_batch=True`, the whole training set fed each step). Each step computes the distances (matmul), the
nearest centres (NearestNeighbors) and the centre updates.
"""
from __future__ import annotations

import argparse

import numpy as np

from bench.alternate import alternate, print_table


def make_step(tf, kmeans_class, data, k, **kw):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, data.shape[1]])
        out = kmeans_class(x, k, **kw).training_graph()
        initialized, init_op, train_op = out[3], out[-2], out[-1]
        s = tf.Session(graph=g)
        s.run(tf.global_variables_initializer())
        while not s.run(initialized):
            s.run(init_op, {x: data})
    f = s.make_callable(train_op, [x])
    return lambda batch: f(batch)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=10000)
    p.add_argument("--dims", type=int, default=784)
    p.add_argument("--k", type=int, default=25)
    p.add_argument("--rounds", type=int, default=15)
    a = p.parse_args(argv)
    data = np.random.default_rng(0).random((a.points, a.dims), dtype=np.float32)
    batch = data[:1024]
    import graphgrad
    from graphgrad.contrib.factorization import KMeans

    kinds = {"full batch, Euclidean": (data, {"initial_clusters": "kmeans_plus_plus"}),
             "mini-batch 1024, cosine": (batch, {"distance_metric": "cosine", "use_mini_batch": True}),
             "mini-batch fed every point, cosine": (data, {"distance_metric": "cosine", "use_mini_batch": True})}
    peers = {}
    for kind, (feed, kw) in kinds.items():
        peers[("graphgrad", kind)] = (make_step(graphgrad, KMeans, feed, a.k, **kw), feed)
    try:
        import tensorflow.compat.v1 as tf1
        from tensorflow.python.ops.clustering_ops import KMeans as TFKMeans

        tf1.disable_v2_behavior()
        for kind, (feed, kw) in kinds.items():
            peers[("TF compat.v1", kind)] = (make_step(tf1, TFKMeans, feed, a.k, **kw), feed)
    except ImportError:
        print("TensorFlow not installed: graphgrad only")
    calls = {key: (lambda step=step, feed=feed: step(feed)) for key, (step, feed) in peers.items()}
    print_table(alternate(calls, a.rounds), f"step ({a.points} points x {a.dims}, k={a.k})")


if __name__ == "__main__":
    main()

"""Training steps on sparse bag-of-words input, in graphgrad and in TensorFlow compat.v1 (Session), the same TF1
code for both, in this process, rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.sparse [--batch 256] [--vocab 20000] [--rounds 30]

A batch of `--batch` documents of 30 word ids each out of `--vocab` (with tf-idf-like weights) is fed through a
`tf.sparse_placeholder` as a SparseTensorValue. "matmul": logistic regression, `sparse_tensor_dense_matmul` of
the weights [vocab, 1] (SGD); "embedding": `embedding_lookup_sparse` (sqrtn, weighted) of an embedding table
[vocab, 16], a dense layer of 16 and a sigmoid cross-entropy (Adagrad). The gradient of the table is an
IndexedSlices in both, and its update touches only the rows looked up (docs/sparse.md).
"""
from __future__ import annotations

import argparse

import numpy as np

from .feature_columns import print_alternating


def documents(batch, vocab, per_row=30, seed=0):
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(batch), per_row)
    cols = np.tile(np.arange(per_row), batch)
    ids = rng.integers(0, vocab, batch * per_row)
    weights = rng.uniform(0.1, 1.0, batch * per_row).astype(np.float32)
    indices = np.stack([rows, cols], 1).astype(np.int64)
    labels = rng.integers(0, 2, (batch, 1)).astype(np.float32)
    return indices, ids, weights, labels


def session_step(tf, kind, batch, vocab):
    indices, ids, weights, labels = documents(batch, vocab)
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        y = tf.placeholder(tf.float32, [None, 1])
        if kind == "matmul":
            x = tf.sparse_placeholder(tf.float32, [None, vocab])
            w = tf.Variable(tf.zeros([vocab, 1]))
            logits = tf.sparse_tensor_dense_matmul(x, w)
            opt = tf.train.GradientDescentOptimizer(0.1)
            feed = [x, y]
            values = [tf.SparseTensorValue(np.stack([indices[:, 0], ids], 1), weights, [batch, vocab]), labels]
        else:
            sp_ids = tf.sparse_placeholder(tf.int64, [None, 30])
            sp_w = tf.sparse_placeholder(tf.float32, [None, 30])
            table = tf.Variable(tf.random_normal([vocab, 16], stddev=0.1))
            bag = tf.nn.embedding_lookup_sparse(table, sp_ids, sp_w, combiner="sqrtn")
            logits = tf.matmul(bag, tf.Variable(tf.random_normal([16, 1], stddev=0.1))) + tf.Variable(0.0)
            opt = tf.train.AdagradOptimizer(0.1)
            feed = [sp_ids, sp_w, y]
            shape = [batch, 30]
            values = [tf.SparseTensorValue(indices, ids, shape), tf.SparseTensorValue(indices, weights, shape),
                      labels]
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        train = opt.minimize(loss)
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g)
    s.run(init)
    f = s.make_callable([train, loss], feed)
    return lambda: f(*values)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--vocab", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args(argv)
    import graphgrad

    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
    except ImportError:
        tf1 = None
        print("TensorFlow not installed: graphgrad only")
    for kind in ("matmul", "embedding"):
        peers = {"graphgrad": session_step(graphgrad, kind, a.batch, a.vocab)}
        if tf1 is not None:
            peers["TF compat.v1"] = session_step(tf1, kind, a.batch, a.vocab)
        print_alternating(peers, a.rounds, f"{kind}: ms per step (median of {a.rounds}, batch {a.batch}, "
                                           f"vocab {a.vocab})")


if __name__ == "__main__":
    main()

"""A wide-and-deep training step on census-like features through `tf.feature_column`, in graphgrad and in
TensorFlow compat.v1 (Session), the same TF1 code for both, in this process, rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.feature_columns [--batch 256] [--rounds 30]

Wide: a vocabulary column, a hashed column (100 buckets), a bucketized age and their cross (1,000 buckets) through
`linear_model` trained by FTRL; deep: embeddings (8) of the vocabulary and hashed columns and a numeric column
through `input_layer`, hidden layers 64 and 32, Adagrad; a sigmoid cross-entropy. The features are fed as NumPy
arrays (strings as object arrays), so the step includes the lookups, hashing and crossing.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

EDUCATION = ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college", "Assoc-voc", "11th", "Prof-school"]


def features(batch, seed=0):
    rng = np.random.default_rng(seed)
    occupations = np.array([f"occupation-{i}" for i in range(40)], dtype=object)
    return {"education": rng.choice(np.array(EDUCATION, dtype=object), batch),
            "occupation": rng.choice(occupations, batch), "age": rng.uniform(18, 80, batch).astype(np.float32),
            "hours": rng.uniform(10, 70, batch).astype(np.float32)}, rng.integers(0, 2, (batch, 1)).astype(np.float32)


def session_step(tf, x, y):
    fc = tf.feature_column
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        feeds = {k: tf.placeholder(tf.string if v.dtype == object else tf.float32, [None], name=k)
                 for k, v in x.items()}
        labels = tf.placeholder(tf.float32, [None, 1])
        edu = fc.categorical_column_with_vocabulary_list("education", EDUCATION)
        occ = fc.categorical_column_with_hash_bucket("occupation", 100)
        age = fc.bucketized_column(fc.numeric_column("age"), [25.0, 30.0, 40.0, 50.0, 60.0])
        with tf.variable_scope("linear"):
            wide = fc.linear_model(feeds, [edu, occ, age, fc.crossed_column(["education", "occupation"], 1000)])
        with tf.variable_scope("dnn"):
            net = fc.input_layer(feeds, [fc.embedding_column(edu, 8), fc.embedding_column(occ, 8),
                                         fc.numeric_column("hours")])
            for width in (64, 32):
                net = tf.layers.dense(net, width, activation=tf.nn.relu)
            deep = tf.layers.dense(net, 1)
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=wide + deep))
        train = tf.group(
            tf.train.FtrlOptimizer(0.005).minimize(loss, var_list=tf.trainable_variables("linear")),
            tf.train.AdagradOptimizer(0.001).minimize(loss, var_list=tf.trainable_variables("dnn")))
        init = [tf.global_variables_initializer(), tf.tables_initializer()]
    s = tf.Session(graph=g)
    s.run(init)
    order = list(feeds)
    f = s.make_callable([train, loss], [feeds[k] for k in order] + [labels])
    args = [x[k] for k in order] + [y]
    return lambda: f(*args)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args(argv)
    x, y = features(a.batch)
    import graphgrad

    peers = {"graphgrad": session_step(graphgrad, x, y)}
    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        peers["TF compat.v1"] = session_step(tf1, x, y)
    except ImportError:
        print("TensorFlow not installed: graphgrad only")
    print_alternating(peers, a.rounds, f"ms per step (median of {a.rounds}, batch {a.batch})")


def print_alternating(peers, rounds, heading):
    """Time each peer's step (`{name: fn}`, graphgrad first), rounds alternating after 3 warm-up calls each, and
    print the medians as a markdown table with ratios to graphgrad."""
    times = {k: [] for k in peers}
    for step in peers.values():
        for _ in range(3):
            step()
    for _ in range(rounds):
        for name, step in peers.items():
            t = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t)
    print(f"| peer | {heading} | / graphgrad |\n| --- | --- | --- |")
    ref = statistics.median(times["graphgrad"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name} | {m * 1e3:.2f} | {m / ref:.2f}x |")


if __name__ == "__main__":
    main()

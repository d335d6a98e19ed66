"""A TF1 text-classification step (lines -> `tf.string_split` -> vocabulary table with OOV buckets -> embeddings
-> softmax, Adam) and the string ops alone, in graphgrad and in TensorFlow compat.v1 (Session), the same TF1
code for both, in this process, rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.text_pipeline [--batch 256] [--rounds 30]

Each line holds 12 words drawn from 2,000 (a 1,000-word vocabulary file, 8 OOV buckets); `strings` times the
string side only (split, lookup, `strings.length`, `to_hash_bucket_fast`, `reduce_join` of the upper-cased words).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import types

import numpy as np

from .feature_columns import print_alternating


def corpus(batch, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(2000)], dtype=object)
    lines = np.array([" ".join(rng.choice(words, 12)) for _ in range(batch)], dtype=object)
    path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    with open(path, "w") as f:
        f.write("\n".join(words[:1000]) + "\n")
    return lines, rng.integers(0, 2, batch).astype(np.int64), path


def build(tf, lines_value, labels_value, vocab):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        lines = tf.placeholder(tf.string, [None])
        labels = tf.placeholder(tf.int64, [None])
        table = tf.contrib.lookup.index_table_from_file(vocab, num_oov_buckets=8)
        words = tf.string_split(lines)
        ids = tf.sparse_tensor_to_dense(table.lookup(words), default_value=0)
        emb = tf.get_variable("emb", [1008, 32])
        logits = tf.matmul(tf.reduce_mean(tf.nn.embedding_lookup(emb, ids), 1), tf.get_variable("w", [32, 2]))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        upper = tf.strings.upper(words.values)
        strings = [tf.strings.length(words.values), tf.strings.to_hash_bucket_fast(upper, 100),
                   tf.reduce_join(upper, separator=" "), table.lookup(words.values)]
        init = [tf.global_variables_initializer(), tf.tables_initializer()]
    s = tf.Session(graph=g)
    s.run(init)
    step = s.make_callable([train, loss], [lines, labels])
    only = s.make_callable(strings, [lines])
    return {"train step": lambda: step(lines_value, labels_value), "strings": lambda: only(lines_value)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--rounds", type=int, default=30)
    a = p.parse_args(argv)
    lines, labels, vocab = corpus(a.batch)
    import graphgrad

    peers = {"graphgrad": build(graphgrad, lines, labels, vocab)}
    try:
        import tensorflow.compat.v1 as tf1
        from tensorflow.python.ops import lookup_ops

        tf1.disable_v2_behavior()
        tf1.contrib = types.SimpleNamespace(lookup=lookup_ops)  # TF 2.21 keeps contrib.lookup's names there
        peers["TF compat.v1"] = build(tf1, lines, labels, vocab)
    except ImportError:
        print("TensorFlow not installed: graphgrad only")
    for task in ("train step", "strings"):
        print(f"\n{task}")
        print_alternating({name: fns[task] for name, fns in peers.items()}, a.rounds,
                          f"ms (median of {a.rounds}, batch {a.batch})")

if __name__ == "__main__":
    main()

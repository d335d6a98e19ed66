"""One boosted-trees layer on an MNIST-sized batch: the learner's search over the (node, feature, bucket) cells that
hold examples against TF's dense route (BoostedTreesAggregateStats' [nodes, features, buckets, stats] summary,
then BoostedTreesCalculateBestFeatureSplit), both finding the same splits, rounds alternating, medians.

    PYTHONPATH=. python -m bench.boosted_trees [--batch 4096] [--features 784] [--buckets 17] [--rounds 5]

There is no peer: TensorFlow 2.21 defines the boosted-trees ops but registers no kernels for them. The batch is
softmax gradients (10 classes, diagonal hessian: 20 stats) of random labels, features in `--buckets` buckets, its
examples spread over 1, 16, 128 and 2,048 nodes (the layers at depth 0, 4, 7 and 11; at 2,048 only the cells
search runs: the dense summary, 784 features x 17 buckets x 20 stats in float64, is 2 MB a node).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from graphgrad.estimator.tree_learner import best_splits
from graphgrad.ops.boosted_trees_ops import aggregate, feature_split

PARAMS = {"l1": 0.0, "l2": 0.001, "tree_complexity": 0.0, "min_node_weight": 0.0}


def dense(node, buckets, g, h, n_buckets):
    nodes = int(node.max()) + 1
    stats = aggregate(node, np.hstack([g, h]).astype(np.float64), buckets, nodes, n_buckets).astype(np.float32)
    return feature_split((0, nodes), stats, g.shape[1], "inequality", *PARAMS.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--features", type=int, default=784)
    ap.add_argument("--buckets", type=int, default=17)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    buckets = rng.integers(0, args.buckets, (args.batch, args.features))
    logits = rng.normal(size=(args.batch, 10)).astype(np.float32)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    g = (p - np.eye(10, dtype=np.float32)[rng.integers(0, 10, args.batch)]) / args.batch
    h = p * (1 - p) / args.batch
    print("| nodes | cells search, ms | dense summary + split, ms | dense / cells |\n| --- | --- | --- | --- |")
    for nodes in (1, 16, 128, 2048):
        node = rng.integers(0, nodes, args.batch)
        times = {"cells": [], "dense": []}
        names = ("cells", "dense") if nodes <= 128 else ("cells",)
        for _ in range(args.rounds):
            for name in names:
                t = time.perf_counter()
                if name == "cells":
                    best_splits(node, buckets, g, h, PARAMS)
                else:
                    dense(node, buckets, g, h, args.buckets)
                times[name].append(time.perf_counter() - t)
        c = statistics.median(times["cells"]) * 1e3
        if times["dense"]:
            d = statistics.median(times["dense"]) * 1e3
            print(f"| {nodes} | {c:.0f} | {d:.0f} | {d / c:.1f}x |", flush=True)
        else:
            size = nodes * args.features * args.buckets * 20 * 8 / 2 ** 30
            print(f"| {nodes} | {c:.0f} | not run: a {size:.1f} GiB summary | |", flush=True)


if __name__ == "__main__":
    main()

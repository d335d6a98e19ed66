"""Segment reductions with their gradients in graphgrad, TensorFlow compat.v1 and PyTorch, the same data, in this
process, rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.segments [--edges 200000] [--nodes 20000] [--width 64]

"graphgrad, reduceat" is graphgrad with ops/row_sums.py's SHORT set to 0 for its steps: every group reduced by
`ufunc.reduceat`, as before groups were reduced position by position (the comparison of the two, alternating).

Three workloads, each the forward op and the gradient of a weighted sum with respect to the data:
- message passing (a graph net's aggregation): `unsorted_segment_max` of `edges` rows of `width` into `nodes`
  segments (PyTorch: `scatter_reduce(..., "amax")`, which splits ties evenly as TF does);
- per-example statistics: `segment_mean` of the same rows, ids sorted (PyTorch: `segment_reduce(..., "mean")`);
- bag of words: `sparse_segment_sqrt_n` of an embedding table's rows picked by `edges` word ids (PyTorch:
  `embedding_bag` has no sqrt_n mode, so `index_select` + `index_add_` + a division).
"""
from __future__ import annotations

import argparse

import numpy as np

from .alternate import alternate, print_table


def _tf_steps(tf, data, ids, sorted_ids, words, nodes):
    """(name -> callable) for graphgrad or TF compat.v1: each feeds the rows and ids and fetches an op and its
    gradient (fed, so that neither constant-folds the work away)."""
    steps = {}
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, data.shape)
        table = tf.placeholder(tf.float32, (nodes, data.shape[1]))
        i, si, w = (tf.placeholder(tf.int32, (None,)) for _ in range(3))
        outs = {"unsorted_segment_max": (tf.unsorted_segment_max(x, i, nodes), x),
                "segment_mean": (tf.segment_mean(x, si), x),
                "sparse_segment_sqrt_n": (tf.sparse_segment_sqrt_n(table, w, si), table)}
        s = tf.Session(graph=g)
        for name, (y, wrt) in outs.items():
            f = s.make_callable([y, tf.gradients(tf.reduce_sum(y * y), wrt)[0]], [x, table, i, si, w])
            steps[name] = lambda f=f: f(data, data[:nodes], ids, sorted_ids, words)
    return steps


def _reduceat_only(steps):
    from graphgrad.ops import row_sums

    def run(step):
        saved, row_sums.SHORT = row_sums.SHORT, 0
        try:
            return step()
        finally:
            row_sums.SHORT = saved
    return {name: (lambda step=step: run(step)) for name, step in steps.items()}


def _torch_steps(torch, data, ids, sorted_ids, words, nodes):
    x0 = torch.from_numpy(data)
    table0 = torch.from_numpy(data[:nodes])
    i, si, w = (torch.from_numpy(a.astype(np.int64)) for a in (ids, sorted_ids, words))
    lengths = torch.bincount(si, minlength=int(si[-1]) + 1)
    counts = lengths.clamp(min=1).to(x0.dtype).sqrt().unsqueeze(1)

    def grad_of(build, leaf):
        def step():
            v = leaf.detach().requires_grad_()
            y = build(v)
            (y * y).sum().backward()
            return y, v.grad
        return step

    def amax(v):
        out = torch.full((nodes, v.shape[1]), float(np.finfo(np.float32).min))
        return out.scatter_reduce(0, i.unsqueeze(1).expand_as(v), v, "amax", include_self=False)

    def mean(v):
        return torch.segment_reduce(v, "mean", lengths=lengths, unsafe=True)

    def sqrt_n(v):
        picked = v.index_select(0, w)
        return torch.zeros(len(lengths), v.shape[1]).index_add_(0, si, picked) / counts
    return {"unsorted_segment_max": grad_of(amax, x0), "segment_mean": grad_of(mean, x0),
            "sparse_segment_sqrt_n": grad_of(sqrt_n, table0)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--edges", type=int, default=200_000)
    p.add_argument("--nodes", type=int, default=20_000)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--rounds", type=int, default=15)
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((a.edges, a.width)).astype(np.float32)
    ids = rng.integers(0, a.nodes, a.edges).astype(np.int32)
    sorted_ids = np.sort(ids)
    words = rng.integers(0, a.nodes, a.edges).astype(np.int32)
    import graphgrad

    peers = {"graphgrad": _tf_steps(graphgrad, data, ids, sorted_ids, words, a.nodes)}
    peers["graphgrad, reduceat"] = _reduceat_only(_tf_steps(graphgrad, data, ids, sorted_ids, words, a.nodes))
    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        peers["TF compat.v1"] = _tf_steps(tf1, data, ids, sorted_ids, words, a.nodes)
    except ImportError:
        print("TensorFlow not installed: left out")
    try:
        import torch

        peers["PyTorch"] = _torch_steps(torch, data, ids, sorted_ids, words, a.nodes)
    except ImportError:
        print("PyTorch not installed: left out")
    calls = {(peer, w): step for peer, steps in peers.items() for w, step in steps.items()}
    print_table(alternate(calls, a.rounds), f"op + gradient ({a.edges} rows x {a.width}, {a.nodes} segments)")


if __name__ == "__main__":
    main()

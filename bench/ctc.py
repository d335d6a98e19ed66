"""CTC in graphgrad, TensorFlow compat.v1 and PyTorch: the loss with its gradient, and both decoders, on the same
logits and labels, in this process, rounds alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.ctc [--time 50] [--batch 16] [--classes 28] [--rounds 15]

Labels of 5 to 15 classes per batch element; sequence lengths from 3/4 of `--time` to `--time`. "loss + grad" is
tf.gradients of the summed `ctc_loss` (PyTorch: `F.ctc_loss(reduction="sum")` on log_softmax, then backward);
the decoders are `ctc_greedy_decoder` and `ctc_beam_search_decoder` with beam width 10 (PyTorch has none).
"""
from __future__ import annotations

import argparse

import numpy as np

from bench.alternate import alternate, print_table


def tf_steps(tf, x, rows, seq):
    """{name: callable} for one TF1-API module (graphgrad or tensorflow.compat.v1)."""
    g = tf.Graph()
    with g.as_default():
        idx = np.array([[b, i] for b, r in enumerate(rows) for i in range(len(r))], np.int64)
        vals = np.array([v for r in rows for v in r], np.int32)
        labels = tf.SparseTensor(idx, vals, np.array([len(rows), max(map(len, rows))], np.int64))
        xt = tf.placeholder(tf.float32, x.shape)
        loss = tf.reduce_sum(tf.nn.ctc_loss(labels, xt, seq))
        grad = tf.gradients(loss, xt)[0]
        greedy = tf.nn.ctc_greedy_decoder(xt, seq)[1]
        beam = tf.nn.ctc_beam_search_decoder(xt, seq, beam_width=10)[1]
        s = tf.Session(graph=g)
    calls = {"loss + grad": s.make_callable([loss, grad], [xt]), "greedy decoder": s.make_callable(greedy, [xt]),
             "beam search (width 10)": s.make_callable(beam, [xt])}
    return {k: (lambda f=f: f(x)) for k, f in calls.items()}


def torch_steps(x, rows, seq):
    import torch
    import torch.nn.functional as F

    xt = torch.tensor(x, requires_grad=True)
    targets = torch.tensor([v for r in rows for v in r])
    lengths, target_lengths = torch.tensor(seq), torch.tensor([len(r) for r in rows])
    blank = x.shape[2] - 1

    def step():
        xt.grad = None
        loss = F.ctc_loss(F.log_softmax(xt, 2), targets, lengths, target_lengths, blank=blank, reduction="sum")
        loss.backward()
        return loss.item()
    return {"loss + grad": step}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time", type=int, default=50)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--classes", type=int, default=28)
    p.add_argument("--rounds", type=int, default=15)
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.time, a.batch, a.classes)).astype(np.float32)
    rows = [rng.integers(0, a.classes - 1, int(rng.integers(5, 16))).tolist() for _ in range(a.batch)]
    seq = rng.integers(a.time * 3 // 4, a.time + 1, a.batch).astype(np.int32)
    import graphgrad

    peers = {"graphgrad": tf_steps(graphgrad, x, rows, seq)}
    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        peers["TF compat.v1"] = tf_steps(tf1, x, rows, seq)
    except ImportError:
        print("TensorFlow not installed")
    try:
        peers["PyTorch"] = torch_steps(x, rows, seq)
    except ImportError:
        print("PyTorch not installed")
    calls = {(peer, kind): f for peer, fs in peers.items() for kind, f in fs.items()}
    print_table(alternate(calls, a.rounds), f"[time {a.time}, batch {a.batch}, classes {a.classes}]")


if __name__ == "__main__":
    main()

"""Eager execution's cost per op and per W1 step, in one process, alternating, best of several rounds:

- per op: the NumPy call alone, the eager graph's `create_op` (dispatch: signature lookup, kernel, wrapping),
  the public function (`tf.add`, `a + b`, `tf.matmul`: conversion, name scope, dispatch), and the same op
  recorded by a GradientTape; PyTorch's `a + b` / `a @ b` on the same arrays when torch is importable;
- per W1 step (MLP 2-8-8-1 tanh, log-loss, batch 32, SGD): graphgrad eager (GradientTape + apply_gradients), the
  same step under tf.function, graph mode (Session.make_callable), PyTorch eager, and JAX op by op (no jit: JAX's
  eager mode) and jitted, each when importable;
- the eager W1 step split into its three parts: the forward pass under the tape, `tape.gradient` (the gradient
  rules' ops and the reverse walk) and `apply_gradients`.

    python -m bench.eager_overhead [--rounds 7] [--threads 1]
    /work/bench-venv/bin/python -m bench.eager_overhead      # with PyTorch and JAX

`--threads` sets PyTorch's intra-op threads (default 1: on a shared 2-core machine two OpenMP threads spin
against the other processes and PyTorch's small-op times grow tenfold; NumPy's BLAS threads are the harness's).
`--clock cpu` times with this thread's CPU time instead of the wall clock: on a loaded machine the wall clock
counts the time other processes held the core, the CPU clock only (mostly) this process's own work. It misses
work on other threads: compare JAX (which computes on its own threads) by the wall clock only.

    GRAPHGRAD_EAGER_REPLAY=0 python -m bench.eager_overhead   # eager steps without replays (docs/eager.md)
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import graphgrad as tf
from bench.peers import graphgrad_eager_peer, graphgrad_peer
from bench.workloads import W1, init_params, make_data

CLOCK = time.perf_counter  # or time.thread_time (--clock cpu)


def best_us(fn, n, rounds):
    best = float("inf")
    for _ in range(rounds):
        t = CLOCK()
        for _ in range(n):
            fn()
        best = min(best, (CLOCK() - t) / n)
    return best * 1e6


def op_cases():
    from graphgrad.framework.graph import get_default_graph
    from graphgrad.ops import math_ops

    a = tf.constant(np.ones(4, np.float32))
    b = tf.constant(np.full(4, 2.0, np.float32))
    m = tf.constant(np.ones((32, 8), np.float32))
    w = tf.constant(np.ones((8, 8), np.float32))
    g = get_default_graph()
    na, nb, nm, nw = a.numpy(), b.numpy(), m.numpy(), w.numpy()
    tape = tf.GradientTape()
    tape.__enter__()
    tape.watch(a)
    tape.__exit__(None, None, None)
    cases = {
        "numpy add (4,)": lambda: np.add(na, nb),
        "create_op AddV2 (4,)": lambda: g.create_op(math_ops.AddV2, [a, b]),
        "tf.add (4,)": lambda: tf.add(a, b),
        "a + b (4,)": lambda: a + b,
        "a * 2.0 (4,)": lambda: a * 2.0,
        "tf.tanh (4,)": lambda: tf.tanh(a),
        "numpy matmul (32,8)@(8,8)": lambda: np.matmul(nm, nw),
        "tf.matmul (32,8)@(8,8)": lambda: tf.matmul(m, w),
    }

    def taped_add():
        tape._recording = True
        tf.eager.context._tapes.append(tape)
        try:
            return a + b
        finally:
            tf.eager.context._tapes.pop()
            tape._recording = False
    cases["a + b recorded by a tape"] = taped_add
    try:
        import torch

        ta, tb = torch.from_numpy(na.copy()), torch.from_numpy(nb.copy())
        tm, tw = torch.from_numpy(nm.copy()), torch.from_numpy(nw.copy())
        cases["torch a + b (4,)"] = lambda: ta + tb
        cases["torch a @ b (32,8)@(8,8)"] = lambda: tm @ tw
        ra = ta.clone().requires_grad_()
        cases["torch a + b, requires_grad"] = lambda: ra + tb
    except ImportError:
        pass
    return cases


def step_cases(threads):
    params, data = init_params(W1), make_data(W1)
    cases = {
        "graphgrad eager": graphgrad_eager_peer.make_step(W1, [(w.copy(), b.copy()) for w, b in params], data),
        "graphgrad tf.function": graphgrad_eager_peer.make_step(W1, [(w.copy(), b.copy()) for w, b in params], data,
                                                                wrap=tf.function),
        "graphgrad graph (make_callable)": graphgrad_peer.make_step(W1, [(w.copy(), b.copy()) for w, b in params],
                                                                    data),
    }
    try:
        from bench.peers import torch_peer

        torch_peer._set_threads(threads)
        cases["torch eager"] = torch_peer.make_step(W1, [(w.copy(), b.copy()) for w, b in params], data)
    except ImportError:
        pass
    try:
        from bench.peers import jax_peer

        for name, jit in (("jax eager (no jit)", False), ("jax jit", True)):
            step = jax_peer.make_step(W1, [(w.copy(), b.copy()) for w, b in params], data, jit=jit)
            cases[name] = lambda step=step: step().block_until_ready()  # JAX dispatches asynchronously
    except ImportError:
        pass
    return cases


def step_parts(rounds, n=200):
    """Best-of-rounds µs of each part of the eager W1 step (forward under the tape, gradient, apply_gradients)."""
    from bench.peers.graphgrad_eager_peer import _model, eager_batches

    params, data = init_params(W1), make_data(W1)
    variables, loss_of = _model(W1, [(w.copy(), b.copy()) for w, b in params])
    opt = tf.train.GradientDescentOptimizer(W1.lr)
    x, y = eager_batches(W1, data)[0]
    best = {"forward under the tape": float("inf"), "tape.gradient": float("inf"), "apply_gradients": float("inf")}
    for _ in range(rounds + 1):  # the first round warms up
        acc = [0.0, 0.0, 0.0]
        for _ in range(n):
            t0 = CLOCK()
            with tf.GradientTape() as tape:
                loss = loss_of(x, y)
            t1 = CLOCK()
            grads = tape.gradient(loss, variables)
            t2 = CLOCK()
            opt.apply_gradients(zip(grads, variables))
            t3 = CLOCK()
            acc[0] += t1 - t0
            acc[1] += t2 - t1
            acc[2] += t3 - t2
        for k, v in zip(best, acc):
            best[k] = min(best[k], v / n * 1e6)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="PyTorch's intra-op threads (default 1)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall clock (default) or this thread's CPU time (steadier on a loaded machine)")
    args = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    tf.enable_eager_execution()
    ops = op_cases()
    results = {k: [] for k in ops}
    for _ in range(args.rounds):  # alternate, so a change of the machine's speed moves every case alike
        for k, fn in ops.items():
            results[k].append(best_us(fn, 2000, 1))
    print("| op | µs per call (best of rounds) |\n| --- | --- |")
    for k, v in results.items():
        print(f"| {k} | {min(v):.2f} |")
    steps = step_cases(args.threads)
    for fn in steps.values():
        for _ in range(20):
            fn()
    results = {k: [] for k in steps}
    for _ in range(args.rounds):
        for k, fn in steps.items():
            results[k].append(best_us(fn, 200, 1))
    print("\n| W1 step | µs per step (best of rounds) | median of rounds |\n| --- | --- | --- |")
    for k, v in results.items():
        print(f"| {k} | {min(v):.1f} | {sorted(v)[len(v) // 2]:.1f} |")
    print("\n| eager W1 step, part | µs (best of rounds) |\n| --- | --- |")
    for k, v in step_parts(args.rounds).items():
        print(f"| {k} | {v:.1f} |")


if __name__ == "__main__":
    main()

"""NumPy by hand: forward, backward and optimizer written out, updates in place, buffers reused."""

from __future__ import annotations

import numpy as np

from bench.peers import Clock
from bench.workloads import Workload, batches

LIBRARY = "numpy"
VERSION = np.__version__


def _loss_and_grad(wl: Workload, z: np.ndarray, y: np.ndarray, need_grad: bool):
    """Mean loss of the logits ``z`` and, if asked, d loss / d z (overwrites ``z``)."""
    n = z.shape[0]
    if wl.loss == "logloss":
        # Stable sigmoid log-loss: max(z, 0) - z*y + log1p(exp(-|z|)).
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        if not need_grad:
            return loss, None
        dz = 1.0 / (1.0 + np.exp(-z))
        dz -= y
        dz *= np.float32(1.0 / n)
        return loss, dz
    z -= z.max(axis=1, keepdims=True)
    rows = np.arange(n)
    picked = z[rows, y]  # fancy indexing copies
    np.exp(z, out=z)
    s = z.sum(axis=1)
    loss = np.mean(np.log(s) - picked)
    if not need_grad:
        return loss, None
    z /= s[:, None]
    z[rows, y] -= 1.0
    z *= np.float32(1.0 / n)
    return loss, z


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False):
    """One training step (or, with ``forward_only``, one loss evaluation) per call; returns the loss."""
    del threads  # NumPy's BLAS threads are set by the harness (threadpoolctl / env vars)
    if wl.model != "mlp":
        raise NotImplementedError(f"{wl.name} ({wl.model}) is not written by hand in NumPy")
    forward_only = forward_only or wl.forward_only
    ws = [w for w, _ in params]
    bs = [b for _, b in params]
    data_batches = batches(wl, data)
    relu = wl.activation == "relu"
    nl = len(ws)
    gws = [np.empty_like(w) for w in ws]
    gbs = [np.empty_like(b) for b in bs]
    if wl.optimizer == "adam":
        ms = [np.zeros_like(p) for p in ws + bs]
        vs = [np.zeros_like(p) for p in ws + bs]
        tmps = [np.empty_like(p) for p in ws + bs]
    state = {"i": 0, "t": 0}

    def step():
        x, y = data_batches[state["i"] % len(data_batches)]
        state["i"] += 1
        hs = [x]
        h = x
        for k in range(nl):
            a = h @ ws[k]
            a += bs[k]
            if k < nl - 1:
                if relu:
                    np.maximum(a, 0, out=a)
                else:
                    np.tanh(a, out=a)
            hs.append(a)
            h = a
        loss, dz = _loss_and_grad(wl, hs[-1], y, need_grad=not forward_only)
        if forward_only:
            return loss
        for k in range(nl - 1, -1, -1):
            np.matmul(hs[k].T, dz, out=gws[k])
            np.sum(dz, axis=0, out=gbs[k])
            if k > 0:  # no gradient for the input
                dh = dz @ ws[k].T
                if relu:
                    dh *= hs[k] > 0
                else:
                    dh *= 1.0 - hs[k] * hs[k]
                dz = dh
        if wl.optimizer == "sgd":
            lr = np.float32(wl.lr)
            for p, g in zip(ws + bs, gws + gbs):
                g *= lr
                p -= g
        else:
            state["t"] += 1
            t = state["t"]
            b1, b2 = wl.beta1, wl.beta2
            # Kingma & Ba with bias correction folded into the step size (same math as PyTorch's Adam).
            lr_t = np.float32(wl.lr * np.sqrt(1 - b2**t) / (1 - b1**t))
            eps_t = np.float32(wl.eps * np.sqrt(1 - b2**t))
            for p, g, m, v, tmp in zip(ws + bs, gws + gbs, ms, vs, tmps):
                m *= np.float32(b1)
                np.multiply(g, np.float32(1 - b1), out=tmp)
                m += tmp
                v *= np.float32(b2)
                np.multiply(g, g, out=tmp)
                tmp *= np.float32(1 - b2)
                v += tmp
                np.sqrt(v, out=tmp)
                tmp += eps_t
                np.divide(m, tmp, out=tmp)
                tmp *= lr_t
                p -= tmp
        return loss

    return step


def cold_start(wl: Workload, params, data, *, threads: int | None = None) -> dict:
    """Buffer allocation (``make_step``) as ``build``, then the first step: the floor for W4."""
    clock = Clock()
    step = make_step(wl, params, data, threads=threads)
    clock.lap("build")
    first = float(step())
    clock.lap("first_step")
    return clock.result(first, lambda: float(step()))


def make_matmul(n: int, *, threads: int | None = None):
    """A callable doing one float32 ``n x n @ n x n`` product (result into a reused buffer)."""
    del threads
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)

    def mm():
        np.matmul(a, b, out=c)
        return c[0, 0]

    return mm


def make_loop(n: int, *, threads: int | None = None):
    """L1 by hand: the counter loop's kernels (less, add on int32 scalars) called from a Python loop."""
    del threads
    one, limit = np.int32(1), np.int32(n)

    def loop():
        i = np.int32(0)
        while np.less(i, limit):
            i = np.add(i, one)
        return i

    return loop

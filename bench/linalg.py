"""A Gaussian process's negative log marginal likelihood and its gradient with respect to the kernel matrix
K (n x n, float64): Cholesky, a Cholesky solve and the log-determinant, forward and backward, in graphgrad, TensorFlow
compat.v1 (Session), PyTorch and JAX (jit), all in this process, rounds alternating between them, medians; and
graphgrad without SciPy (its triangular solves by a general solve), to show what SciPy's solve_triangular saves.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.linalg [--sizes 64,256,512] [--rounds 30]

Each peer computes 0.5·yᵀK⁻¹y + Σ log diag(L) (L = cholesky(K)) and d/dK; the values are checked against each
other first. A peer whose library is missing is skipped.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def problem(n):
    rng = np.random.default_rng(n)
    x = rng.uniform(-3, 3, (n, 1))
    k = np.exp(-0.5 * (x - x.T) ** 2) + 0.1 * np.eye(n)
    return k, rng.standard_normal((n, 1))


def session_step(tf, k, y):
    """The step as a TF1 graph (graphgrad's or TensorFlow's), run by a Session's make_callable."""
    g = tf.Graph()
    with g.as_default():
        kk, yy = tf.placeholder(tf.float64, k.shape), tf.placeholder(tf.float64, y.shape)
        chol = tf.cholesky(kk)
        nll = 0.5 * tf.reduce_sum(yy * tf.cholesky_solve(chol, yy)) + tf.reduce_sum(tf.log(tf.matrix_diag_part(chol)))
        grad = tf.gradients(nll, kk)[0]
    s = tf.Session(graph=g)
    f = s.make_callable([nll, grad], [kk, yy])
    return lambda: f(k, y)


def graphgrad_step(k, y):
    import graphgrad

    return session_step(graphgrad, k, y)


def graphgrad_without_scipy_step(k, y):
    """graphgrad with its triangular solves on xp.linalg.solve (the kernel without SciPy), in the same process."""
    import graphgrad
    from graphgrad.ops import matrix_ops

    saved = matrix_ops._scipy_triangular_solve
    matrix_ops._scipy_triangular_solve = lambda: None
    try:
        step = session_step(graphgrad, k, y)
        step()  # the plan binds its kernels now, without SciPy
    finally:
        matrix_ops._scipy_triangular_solve = saved
    return step


def tensorflow_step(k, y):
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    return session_step(tf, k, y)


def torch_step(k, y):
    import torch

    yt = torch.from_numpy(y)

    def step():
        kt = torch.from_numpy(k).requires_grad_(True)
        chol = torch.linalg.cholesky(kt)
        nll = 0.5 * (yt * torch.cholesky_solve(yt, chol)).sum() + torch.log(torch.diagonal(chol)).sum()
        nll.backward()
        return nll.item(), kt.grad.numpy()
    return step


def jax_step(k, y):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def nll(kk, yy):
        chol = jnp.linalg.cholesky(kk)
        alpha = jax.scipy.linalg.cho_solve((chol, True), yy)
        return 0.5 * jnp.sum(yy * alpha) + jnp.sum(jnp.log(jnp.diag(chol)))

    f = jax.jit(jax.value_and_grad(nll))
    kj, yj = jnp.asarray(k), jnp.asarray(y)

    def step():
        v, g = f(kj, yj)
        return float(v), np.asarray(g)
    return step


PEERS = {"graphgrad": graphgrad_step, "tensorflow": tensorflow_step, "torch": torch_step, "jax": jax_step,
         "graphgrad-no-scipy": graphgrad_without_scipy_step}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,256,512")
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args(argv)
    print("| n | " + " | ".join(f"{p} ms" for p in PEERS) + " | graphgrad / fastest other |")
    print("| --- |" + " --- |" * (len(PEERS) + 1))
    for n in (int(s) for s in args.sizes.split(",")):
        k, y = problem(n)
        steps = {}
        for name, make in PEERS.items():
            try:
                steps[name] = make(k, y)
            except ImportError as e:
                print(f"(skipping {name}: {e})")
        ref = None
        for name, step in steps.items():  # warm up (traces, plans) and check the peers agree
            v, g = step()
            v, g = float(np.asarray(v)), np.asarray(g)
            g = (g + g.T) / 2  # TF's and graphgrad's Cholesky gradients are symmetric; the others' triangular
            if ref is None:
                ref = (v, g)
            elif not (np.isclose(v, ref[0], rtol=1e-9) and np.allclose(g, ref[1], rtol=1e-6, atol=1e-9)):
                raise AssertionError(f"{name} disagrees at n={n}")
        times = {name: [] for name in steps}
        for _ in range(args.rounds):
            for name, step in steps.items():
                t = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t)
        med = {name: statistics.median(ts) * 1e3 for name, ts in times.items()}
        others = [v for name, v in med.items() if not name.startswith("graphgrad")]
        ratio = f"{med['graphgrad'] / min(others):.2f}x" if others and "graphgrad" in med else "-"
        print(f"| {n} | " + " | ".join(f"{med[p]:.3f}" if p in med else "-" for p in PEERS) + f" | {ratio} |")


if __name__ == "__main__":
    main()

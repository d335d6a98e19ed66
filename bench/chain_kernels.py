"""W5's elementwise and pooling steps on its two activations, as NumPy kernels (the ops' own, in place where the plan
runs them in place) and as chains over the GEMM pool (runtime/row_chains.py), plus the max pool as the island's one
loop (runtime/jitlib.py) and the convolution pass's per-image filter-gradient GEMM in both orders.

    PYTHONPATH=. python -m bench.chain_kernels [--reps 50]

Each figure is the best of 7 rounds of `reps` calls (ms per call). The chains are the ones a plan of
`relu(conv2d(x, w) + b)` and of its ReLU gradient compiles; they start the pool (two threads on two cores). The
filter gradient's figures are per pass of 64 images.
"""
from __future__ import annotations

import argparse
import os

from . import gemm_pool as gemm_pool_bench

SHAPES = (("first activation 64x28x28x32", (64, 28, 28, 32)), ("second activation 64x14x14x64", (64, 14, 14, 64)))


def _best(f, reps):
    """ms per call of `f`: the best of 7 rounds of `reps` calls (bench/gemm_pool.py's timer)."""
    return gemm_pool_bench._best(f, reps) / 1e3


def _chains(shape):
    """(bias add + ReLU chain, ReLU-gradient chain) of a plan on `shape`'s activation, compiled."""
    import numpy as np

    import graphgrad as tf
    from graphgrad.runtime import jit

    jit.PASS_S = 1.0  # judged to pay whatever the runs took: this measures the chains, not the judgment
    n, h, w, c = shape
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (n, h, w, 4))
        k = tf.constant(np.ones((3, 3, 4, c), np.float32))
        gy, b = tf.placeholder(tf.float32, shape), tf.placeholder(tf.float32, (c,))
        y = tf.nn.relu(tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME") + b)
        dx = tf.gradients(y, x, grad_ys=gy * 2.0)[0]  # the ReLU gradient in place on the product's fresh buffer
    sess = tf.Session(graph=g)
    run = sess.make_callable([y, dx], [x, gy, b])
    for _ in range(4):
        run(np.ones((n, h, w, 4), np.float32), np.ones(shape, np.float32), np.ones(c, np.float32))
    kinds = {tuple(op.type for op in ch.ops): k for k, ch in enumerate(run.plan.chains)}
    return run.plan._ns[f"q{kinds[('AddV2', 'Relu')]}"], run.plan._ns[f"q{kinds[('ReluGrad',)]}"]


def _activation(label, shape, rng, reps):
    """The table's two rows for one activation shape."""
    import numpy as np

    add_relu, relu_grad = _chains(shape)
    x = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape[-1]).astype(np.float32)
    y = np.maximum(x, 0)
    got = x.copy()
    assert add_relu(got, b) is got and np.array_equal(got, np.maximum(x + b, 0))
    zero = np.float32(0)

    def numpy_add_relu():
        np.add(x, b, out=x)
        np.maximum(x, zero, out=x)
    print(f"| bias add + ReLU, in place | {label} | {_best(numpy_add_relu, reps):.2f} | "
          f"{_best(lambda: add_relu(x, b), reps):.2f} |")
    print(f"| ReLU gradient, in place | {label} | {_best(lambda: np.multiply(x, y > zero, out=x), reps):.2f} | "
          f"{_best(lambda: relu_grad(x, y), reps):.2f} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50)
    args = ap.parse_args(argv)
    os.environ.update(GRAPHGRAD_JIT="1", GRAPHGRAD_JIT_AFTER="1", GRAPHGRAD_JIT_AFTER_S="0")
    import numpy as np

    from graphgrad.runtime import blas, gemm_pool, jitlib

    if not gemm_pool.start():
        raise SystemExit("the GEMM pool does not run here (Numba, two cores and a BLAS with two threads needed)")
    rng = np.random.default_rng(0)
    print(f"BLAS: {blas.library()}; ms per call, best of 7 x {args.reps}\n")
    print("| step | shape | NumPy kernels | chain over the pool |\n| --- | --- | --- | --- |")
    for label, shape in SHAPES:
        _activation(label, shape, rng, args.reps)
    x = rng.standard_normal(SHAPES[0][1]).astype(np.float32)
    v = x.reshape(64, 14, 2, 14, 2, 32)

    def numpy_pool():  # the MaxPool kernel's maximum chain over the four window offsets
        out = np.maximum(v[:, :, 0, :, 0], v[:, :, 0, :, 1])
        np.maximum(out, v[:, :, 1, :, 0], out=out)
        return np.maximum(out, v[:, :, 1, :, 1], out=out)
    assert np.array_equal(numpy_pool(), jitlib.max_pool_tiles(x, 2, 2))
    print(f"\nmax pool 2x2 of {SHAPES[0][0]}, one core: NumPy's maximum chain {_best(numpy_pool, args.reps):.2f} ms, "
          f"the island's loop {_best(lambda: jitlib.max_pool_tiles(x, 2, 2), args.reps):.2f} ms")
    gemm_pool.stop()
    blas.set_threads(1)
    # W5's second convolution's filter gradient as the pool's pass makes it: each image's patch rows copied into a
    # scratch (as `_patch_rows` writes them), then multiplied with the image's dy rows into the block's sum
    cols = rng.standard_normal((64, 196, 800)).astype(np.float32)
    dy = rng.standard_normal((64, 196, 64)).astype(np.float32)
    scratch = np.empty((196, 800), np.float32)
    dw, dwt = np.zeros((800, 64), np.float32), np.zeros((64, 800), np.float32)

    def pass_(transposed):
        for i in range(64):
            scratch[...] = cols[i]
            if transposed:
                blas.gemm(dy[i], True, scratch, False, dwt, 1.0, 1.0)
            else:
                blas.gemm(scratch, True, dy[i], False, dw, 1.0, 1.0)
    reps = max(1, args.reps // 10)
    t1, t2 = _best(lambda: pass_(False), reps), _best(lambda: pass_(True), reps)
    print(f"filter gradient of 64 images (196 patch rows of 800 each, 64 channels) on one thread, the patch rows "
          f"copied in first: colsᵀ·dy {t1:.2f} ms, dyᵀ·cols {t2:.2f} ms")

if __name__ == "__main__":
    main()

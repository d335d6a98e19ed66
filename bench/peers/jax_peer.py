"""JAX: the whole step (forward, grad, optimizer update) under one ``jax.jit``, buffers donated; with
``jit=False`` the same functions run op by op (JAX's eager mode: each jnp call dispatches one primitive and
``value_and_grad`` traces as it goes), the eager peer of bench/eager_overhead.py.

Adam is written by hand in jax.numpy (no optax dependency). XLA's CPU thread pool is sized from the cores
it sees; JAX has no runtime thread setting, so ``threads`` is not applied (the machine has 2 cores).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from bench.peers import Clock  # noqa: E402
from bench.workloads import LSTM_SHAPE, Workload, batches  # noqa: E402

LIBRARY = "jax"
VERSION = jax.__version__


def _lstm_last_output(kernel, bias, x):
    """W6: TF1 BasicLSTMCell's step (gates i, j, f, o of [x, h] @ kernel + bias, forget bias 1.0) over the
    sequence with ``lax.scan``; the last output."""
    steps, features, units = LSTM_SHAPE
    xs = x.reshape(x.shape[0], steps, features).transpose(1, 0, 2)

    def step(state, xt):
        c, h = state
        i, j, f, o = jnp.split(jnp.concatenate([xt, h], axis=1) @ kernel + bias, 4, axis=1)
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
        return (c, h), None

    zeros = jnp.zeros((x.shape[0], units), x.dtype)
    (_, h), _ = jax.lax.scan(step, (zeros, zeros), xs)
    return h


def _loss_fn(wl: Workload):
    act = jax.nn.relu if wl.activation == "relu" else jnp.tanh

    def loss_fn(params, x, y):
        h = x
        if wl.model == "cnn":  # W5: NHWC / HWIO convolutions and 2x2 max-pools, then the dense layers
            h = x.reshape(-1, 28, 28, 1)
            for w, b in params[:2]:
                h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
                h = act(h + b)
                h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")
            h = h.reshape(h.shape[0], -1)
            params = params[2:]
        if wl.model == "lstm":
            h = _lstm_last_output(*params[0], x)
            params = params[1:]
        for k, (w, b) in enumerate(params):
            h = h @ w + b
            if k < len(params) - 1:
                h = act(h)
        if wl.loss == "logloss":
            return jnp.mean(jnp.maximum(h, 0) - h * y + jnp.log1p(jnp.exp(-jnp.abs(h))))
        logp = jax.nn.log_softmax(h, axis=1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    return loss_fn


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False,
              jit: bool = True):
    """One jitted training step (or, with ``forward_only``, one jitted loss) per call; returns the loss.
    ``jit=False``: the same step un-jitted, op by op.

    The loss comes back as an un-synced jax.Array (dispatch is asynchronous); the harness blocks on it.
    """
    del threads
    forward_only = forward_only or wl.forward_only
    loss_fn = _loss_fn(wl)
    p = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    jb = [(jax.device_put(x), jax.device_put(y)) for x, y in batches(wl, data)]
    state = {"i": 0}

    if forward_only:
        fwd = jax.jit(loss_fn) if jit else loss_fn

        def forward():
            x, y = jb[state["i"] % len(jb)]
            state["i"] += 1
            return fwd(p, x, y)

        return forward

    train, state["s"] = _train_fn(wl, p, jit)

    def step():
        x, y = jb[state["i"] % len(jb)]
        state["i"] += 1
        state["s"], loss = train(state["s"], x, y)
        return loss

    return step


def _train_fn(wl: Workload, p, jit: bool = True):
    """``(train, state0)``: ``train(state, x, y) -> (state, loss)`` jitted with the state donated (or, without
    ``jit``, run op by op).

    The state is the parameter list for SGD, ``(params, m, v, t)`` for Adam.
    """
    def compiled(fn):
        return jax.jit(fn, donate_argnums=(0,)) if jit else fn
    grad_fn = jax.value_and_grad(_loss_fn(wl))
    if wl.optimizer == "sgd":

        def sgd(params, x, y):
            loss, g = grad_fn(params, x, y)
            return jax.tree.map(lambda a, da: a - wl.lr * da, params, g), loss

        return compiled(sgd), p

    b1, b2, eps, lr = wl.beta1, wl.beta2, wl.eps, wl.lr

    def adam(state, x, y):
        params, m, v, t = state
        loss, g = grad_fn(params, x, y)
        t = t + 1.0
        m = jax.tree.map(lambda m_, g_: b1 * m_ + (1 - b1) * g_, m, g)
        v = jax.tree.map(lambda v_, g_: b2 * v_ + (1 - b2) * g_ * g_, v, g)
        lr_t = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        eps_t = eps * jnp.sqrt(1 - b2**t)
        params = jax.tree.map(lambda p_, m_, v_: p_ - lr_t * m_ / (jnp.sqrt(v_) + eps_t), params, m, v)
        return (params, m, v, t), loss

    zeros = jax.tree.map(jnp.zeros_like, p)
    state0 = (p, zeros, jax.tree.map(jnp.zeros_like, p), jnp.zeros((), jnp.float32))
    return compiled(adam), state0


def cold_start(wl: Workload, params, data, *, threads: int | None = None) -> dict:
    """Parameters to device and the trace of forward + grad + update (``jit(...).lower``) as ``build``, XLA
    compilation (``.compile()``), then the first step: each timed.

    ``jax.value_and_grad`` builds nothing until traced, so the gradient is inside ``build``; the ahead-of-time
    ``lower``/``compile`` split costs the same as the first call of the jitted function, which does both.
    """
    del threads
    jb = [(jax.device_put(x), jax.device_put(y)) for x, y in batches(wl, data)]
    jax.block_until_ready(jb)
    clock = Clock()
    p = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    train, s = _train_fn(wl, p)
    lowered = train.lower(s, *jb[0])
    clock.lap("build")
    compiled = lowered.compile()
    clock.lap("compile")
    s, loss = compiled(s, *jb[0])
    first = float(loss)
    clock.lap("first_step")
    state = {"i": 1, "s": s}

    def step():
        x, y = jb[state["i"] % len(jb)]
        state["i"] += 1
        state["s"], loss = compiled(state["s"], x, y)
        return float(loss)

    return clock.result(first, step)


def make_matmul(n: int, *, threads: int | None = None):
    """A callable doing one jitted float32 ``n x n @ n x n`` product (blocks until done)."""
    del threads
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((n, n), dtype=np.float32))
    b = jnp.asarray(rng.standard_normal((n, n), dtype=np.float32))
    f = jax.jit(jnp.matmul)

    def mm():
        f(a, b).block_until_ready()

    return mm


def make_loop(n: int, *, threads: int | None = None):
    """L1: ``lax.while_loop(lambda i: i < n, lambda i: i + 1, 0)`` jitted, start and bound passed as arguments
    (so XLA cannot fold the loop away); blocks until done."""
    del threads
    f = jax.jit(lambda start, limit: jax.lax.while_loop(lambda i: i < limit, lambda i: i + 1, start))
    start, limit = jnp.int32(0), jnp.int32(n)

    def loop():
        return f(start, limit).block_until_ready()

    return loop

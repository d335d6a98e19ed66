"""Gradient checking helpers: graphgrad's symbolic gradients vs central finite differences (float64)
and vs HIPS autograd (an independent autodiff library)."""
from __future__ import annotations

import numpy as np

import graphgrad as tf


def symbolic_and_numeric(build, inputs, eps=1e-6, seed=0):
    """Return (symbolic, numeric) gradients of sum(build(*xs) * r) for a fixed random weighting r.

    `build` maps placeholders to one output tensor; `inputs` are float64 arrays. The random weighting makes
    every output element matter, so a wrong sign or transpose anywhere shows."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.float64, a.shape) for a in inputs]
        y = build(*phs)
        r = np.random.default_rng(seed).standard_normal(tuple(y.shape.as_list()))
        loss = tf.reduce_sum(y * tf.constant(r)) if r.ndim else y * tf.constant(r)
        # a gather's gradient is an IndexedSlices, as in TF: its dense value is what finite differences give
        grads = [None if gr is None else tf.convert_to_tensor(gr) for gr in tf.gradients(loss, phs)]
        with tf.Session(graph=g) as s:
            feed = dict(zip(phs, inputs))
            sym = [None if gr is None else s.run(gr, feed) for gr in grads]
            fetch = [y] + [gr for gr in grads if gr is not None]
            optimized = s.run(fetch, feed)
        # The plan compiler's passes must not change any value: compare against a session without them.
        with tf.Session(graph=g, optimize=False) as plain:
            for a, b in zip(optimized, plain.run(fetch, feed)):
                np.testing.assert_array_equal(a, b, err_msg="plan passes changed a value")
        with tf.Session(graph=g) as s:
            f = s.make_callable(loss, phs)
            num = []
            for i, a in enumerate(inputs):
                d = np.zeros_like(a)
                for idx in np.ndindex(a.shape):
                    ap, am = a.copy(), a.copy()
                    ap[idx] += eps
                    am[idx] -= eps
                    args_p = list(inputs)
                    args_p[i] = ap
                    args_m = list(inputs)
                    args_m[i] = am
                    d[idx] = (f(*args_p) - f(*args_m)) / (2 * eps)
                num.append(d)
    return sym, num, r


def check_gradients(build, inputs, reference=None, rtol=1e-5, atol=1e-6):
    """Assert symbolic == finite differences, and == `reference` (an autograd.numpy function) if given."""
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    sym, num, r = symbolic_and_numeric(build, inputs)
    for s_, n_ in zip(sym, num):
        s_ = np.zeros_like(n_) if s_ is None else s_
        np.testing.assert_allclose(s_, n_, rtol=rtol, atol=atol)
    if reference is not None:
        import autograd

        for i in range(len(inputs)):
            def scalar(*xs):
                return (reference(*xs) * r).sum()
            ref = autograd.grad(scalar, i)(*inputs)
            s_ = np.zeros_like(inputs[i]) if sym[i] is None else sym[i]
            np.testing.assert_allclose(s_, ref, rtol=rtol, atol=atol)
    return sym

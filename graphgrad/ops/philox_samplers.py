"""TF's rejection samplers over Philox (random_gamma_op.cc, random_poisson_op.cc, random_binomial_op.cc), as
`tf.random.stateless_gamma` / `stateless_poisson` / `stateless_binomial` run them on the CPU, vectorized with
NumPy over the outputs.

Each output draws from its own stretch of the stream (blocks `reserve · i, reserve · i + 1, ...` after the
counter, i its index in parameter-major order), takes uniform and normal float64 pairs from the end of a
two-value buffer, and loops until accepted; here every output still looping takes one step per round. The
output's index i counts along the samples of one parameter first, and the value lands at
`sample · num_params + param`, as in TF's kernels.
"""
from __future__ import annotations

import math

import numpy as np

from .philox_draws import blocks_at, box_muller_double, counters, libm, to_double


class _Streams:
    """One Philox stream per output with TF's UNIFORM / normal buffers: `uniform(rows)` and `normal(rows)`
    give the next float64 of each listed output's stream."""

    def __init__(self, key, counter: int, reserve: int, n: int):
        self._key, self._counter = key, counter
        self._pos = np.arange(n, dtype=np.uint64) * np.uint64(reserve)
        self._bufs = {k: (np.zeros((n, 2)), np.zeros(n, np.int64)) for k in ("uniform", "normal")}

    def _next(self, kind, rows):
        buf, left = self._bufs[kind]
        empty = rows[left[rows] == 0]
        if empty.size:
            s = blocks_at(self._key, *counters(self._counter, self._pos[empty]))
            self._pos[empty] += np.uint64(1)
            pair = (to_double(s[:, 0], s[:, 1]), to_double(s[:, 2], s[:, 3])) if kind == "uniform" \
                else box_muller_double(s)
            buf[empty] = np.stack(pair, axis=1)
            left[empty] = 2
        left[rows] -= 1
        return buf[rows, left[rows]]

    def uniform(self, rows):
        return self._next("uniform", rows)

    def normal(self, rows):
        return self._next("normal", rows)


def _scatter(values, num_params, per_param):
    """Outputs in TF's order (index i = param · per_param + sample) to the layout [sample, param]."""
    return values.reshape(num_params, per_param).T.reshape(-1)


def gamma(key, counter: int, alpha: np.ndarray, per_alpha: int) -> np.ndarray:
    """StatelessRandomGammaV3 (Marsaglia and Tsang; alpha = 1 exactly: -log1p(-u)) of each alpha (float64)."""
    a = np.repeat(alpha.astype(np.float64).reshape(-1), per_alpha)
    st = _Streams(key, counter, 256, a.size)
    out = np.empty(a.size)
    ones = np.flatnonzero(a == 1.0)
    out[ones] = -libm("log1p", -st.uniform(ones))
    small = a < 1
    d = a + np.where(small, 2.0 / 3, -1.0 / 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = 1.0 / 3 / np.sqrt(d)
    active = np.flatnonzero(a != 1.0)
    while active.size:
        x = st.normal(active)
        v = 1 + c[active] * x
        rows, x, v = active[v > 0], x[v > 0], v[v > 0]
        v = v * v * v
        u = st.uniform(rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (u < 1 - 0.0331 * (x * x) * (x * x)) | \
                (np.log(u) < 0.5 * x * x + d[rows] * (1 - v + np.log(v)))
        done, res = rows[ok], d[rows[ok]] * v[ok]
        low = small[done]
        if low.any():
            b = st.uniform(done[low])
            res[low] *= libm("pow", b, 1 / a[done[low]])
        out[done] = res
        active = np.setdiff1d(active, done, assume_unique=True)
    return _scatter(out, alpha.size, per_alpha)


def poisson(key, counter: int, rate: np.ndarray, per_rate: int) -> np.ndarray:
    """StatelessRandomPoisson: Knuth's products of uniforms below rate 10, Hormann's transformed rejection
    above, infinity for an infinite rate (float64 counts)."""
    r = np.repeat(rate.astype(np.float64).reshape(-1), per_rate)
    st = _Streams(key, counter, 256, r.size)
    out = np.full(r.size, np.inf)
    with np.errstate(over="ignore"):
        knuth = np.flatnonzero(r < 10)
        limit = np.exp(-r)
    prod, count = np.ones(r.size), np.zeros(r.size)
    active = knuth
    while active.size:
        prod[active] *= st.uniform(active)
        stop = prod[active] <= limit[active]
        out[active[stop]] = count[active[stop]]
        active = active[~stop]
        count[active] += 1
    active = np.flatnonzero((r >= 10) & ~np.isinf(r))
    b = 0.931 + 2.53 * np.sqrt(r)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    with np.errstate(divide="ignore"):
        log_rate = np.log(r)
    while active.size:
        u = st.uniform(active) - 0.5
        v = st.uniform(active)
        us = 0.5 - np.abs(u)
        ar, br, rr = a[active], b[active], r[active]
        k = np.floor((2 * ar / us + br) * u + rr + 0.43)
        quick = (k >= 0) & (us >= 0.07) & (v <= 0.9277 - 3.6224 / (br - 2))
        test = (k >= 0) & ~quick & ~((us < 0.013) & (v > us))
        ok = quick.copy()
        if test.any():
            t = np.flatnonzero(test)
            s = np.log(v[t] * inv_alpha[active[t]] / (ar[t] / (us[t] * us[t]) + br[t]))
            lg = np.array([math.lgamma(x + 1) for x in k[t]])
            ok[t] = s <= -rr[t] + k[t] * log_rate[active[t]] - lg
        out[active[ok]] = k[ok]
        active = active[~ok]
    return _scatter(out, rate.size, per_rate)


def _tail(k):
    """Stirling's approximation's tail of log k! (TF's stirling_approx_tail)."""
    table = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                      0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                      0.00925546218271273, 0.00833056343336287])
    kp1sq = (k + 1) * (k + 1)
    big = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return np.where(k <= 9, table[np.clip(k, 0, 9).astype(np.int64)], big)


def _inversion(st, rows, count, p):
    """Binomial inversion: the number of geometric(p) gaps that fit in `count`."""
    out, total, num = np.empty(rows.size), np.zeros(rows.size), np.zeros(rows.size)
    active = np.arange(rows.size)
    denom = np.log1p(-p)
    while active.size:
        total[active] += np.ceil(libm("log", st.uniform(rows[active])) / denom[active])
        stop = total[active] > count[active]
        out[active[stop]] = num[active[stop]]
        active = active[~stop]
        num[active] += 1
    return out


def _btrs(st, rows, count, p):
    """Hormann's BTRS transformed rejection, as TF writes it."""
    stddev = np.sqrt(count * p * (1 - p))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = count * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1 - p)
    alpha = (2.83 + 5.1 / b) * stddev
    m = np.floor((count + 1) * p)
    out = np.empty(rows.size)
    active = np.arange(rows.size)
    while active.size:
        u = st.uniform(rows[active])
        v = st.uniform(rows[active])
        u = u - 0.5
        us = 0.5 - np.abs(u)
        ai, bi, ni, ri, mi = a[active], b[active], count[active], r[active], m[active]
        k = np.floor((2 * ai / us + bi) * u + c[active])
        ok = (us >= 0.07) & (v <= v_r[active])
        test = ~ok & (k >= 0) & (k <= ni)
        if test.any():
            t = np.flatnonzero(test)
            kt, nt, mt, rt = k[t], ni[t], mi[t], ri[t]
            vt = np.log(v[t] * alpha[active[t]] / (ai[t] / (us[t] * us[t]) + bi[t]))
            bound = ((mt + 0.5) * np.log((mt + 1) / (rt * (nt - mt + 1)))
                     + (nt + 1) * np.log((nt - mt + 1) / (nt - kt + 1))
                     + (kt + 0.5) * np.log(rt * (nt - kt + 1) / (kt + 1))
                     + _tail(mt) + _tail(nt - mt) - _tail(kt) - _tail(nt - kt))
            ok[t] = vt <= bound
        out[active[ok]] = k[ok]
        active = active[~ok]
    return out


def binomial(key, counter: int, counts: np.ndarray, probs: np.ndarray, per_batch: int) -> np.ndarray:
    """StatelessRandomBinomial of the (broadcast, flattened) counts and probs: inversion (42 blocks reserved per
    output) while count·p < 10, BTRS (256) above, on q = 1 - p for p > 0.5 (float64 counts; NaN for a NaN p)."""
    dt = probs.dtype if probs.dtype.kind == "f" else np.dtype(np.float64)
    n_t = np.repeat(counts.reshape(-1), per_batch).astype(dt)
    p_t = np.repeat(probs.reshape(-1), per_batch).astype(dt)
    out = np.full(n_t.size, np.nan)
    zero = (n_t <= 0) | (p_t <= 0)
    full = ~zero & (p_t >= 1)
    flip = ~zero & ~full & (p_t > 0.5)
    draw_any = ~zero & ~full & ((p_t <= 0.5) | flip)
    out[zero], out[full] = 0.0, n_t[full]
    q_t = np.where(flip, dt.type(1) - p_t, p_t)
    mean = n_t * q_t
    n, q = n_t.astype(np.float64), q_t.astype(np.float64)
    for reserve, pick, draw in ((42, draw_any & (mean < 10), _inversion), (256, draw_any & (mean >= 10), _btrs)):
        rows = np.flatnonzero(pick)
        if rows.size:
            k = draw(_Streams(key, counter, reserve, n_t.size), rows, n[rows], q[rows])
            out[rows] = np.where(flip[rows], n[rows] - k, k)
    return _scatter(out, counts.size, per_batch)


def truncated_normal(key, counter: int, means, stddevs, minvals, maxvals, per_param: int) -> np.ndarray:
    """Normal(mean, stddev) within [minval, maxval], by rejection on the standardized interval [a, b]: from
    normals when it holds 0 and is at least 1.3 wide, from Robert's exponential proposal in a wide tail, else
    uniformly with weight exp((z0² - z²) / 2), z0 the point of [a, b] nearest 0. TF's kernel chooses among the
    same three samplers by other thresholds, so the distribution is TF's but not its numbers."""
    mean, std, lo, hi = (np.repeat(np.asarray(v, np.float64).reshape(-1), per_param)
                         for v in (means, stddevs, minvals, maxvals))
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = (lo - mean) / std, (hi - mean) / std
    flip = b <= 0  # sample the mirrored interval, so a one-sided one lies right of 0
    a, b = np.where(flip, -b, a), np.where(flip, -a, b)
    z0 = np.clip(0.0, a, b)
    normal = (a < 0) & (b > 0) & (b - a >= 1.3)
    with np.errstate(invalid="ignore"):
        expo = ~normal & (a >= 0) & ((b - a) * (a + 1) > 1)
        alpha = (a + np.sqrt(a * a + 4)) / 2
    st = _Streams(key, counter, 256, a.size)
    z = np.full(a.size, np.nan)
    active = np.flatnonzero(a <= b)
    while active.size:
        ok = np.zeros(active.size, bool)
        x = np.empty(active.size)
        for kind in ("normal", "expo", "uniform"):
            sel = {"normal": normal, "expo": expo, "uniform": ~normal & ~expo}[kind][active]
            rows = active[sel]
            if not rows.size:
                continue
            if kind == "normal":
                v = st.normal(rows)
                good = (v >= a[rows]) & (v <= b[rows])
            elif kind == "expo":
                v = a[rows] - np.log1p(-st.uniform(rows)) / alpha[rows]
                good = (st.uniform(rows) <= np.exp(-(v - alpha[rows]) ** 2 / 2)) & (v <= b[rows])
            else:
                v = a[rows] + (b[rows] - a[rows]) * st.uniform(rows)
                good = st.uniform(rows) <= np.exp((z0[rows] ** 2 - v * v) / 2)
            x[sel], ok[sel] = v, good
        z[active[ok]] = x[ok]
        active = active[~ok]
    z = np.where(flip, -z, z)
    return _scatter(mean + std * z, means.size, per_param)

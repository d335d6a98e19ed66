"""What the compiled islands of a plan (runtime/jit.py) call besides NumPy: imported only when Numba is.

The ops' `jit` templates name these as `_lib.<name>`. Element-wise functions are Numba `vectorize` ufuncs, so
Numba's array-expression pass fuses them with the arithmetic around them into one loop. `tanh` is the rational
approximation XLA and Eigen use (max error 5 ulp in float32, against 1-2 for NumPy's), because LLVM vectorizes
it: 1.1 ns per element against 15 ns for the C library's `tanhf` that `np.tanh` compiles to under Numba.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types, vectorize
from numba.extending import overload

from . import numba_cache

numba_cache.refresh()  # before any cached function of the runtime loads (runtime/numba_cache.py)


@njit(inline="always", cache=True, error_model="numpy")
def _tanh32(x):
    # Eigen's generic_fast_tanh_float: odd 13th-degree over even 6th-degree polynomial on [-7.9053, 7.9053]
    c = np.float32(7.90531110763549805)
    xc = min(max(x, -c), c)
    x2 = xc * xc
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    p = xc * p
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    r = p / q
    return x if abs(x) < np.float32(0.0004) else r  # tiny x: tanh(x) = x, sign of zero kept


@vectorize(cache=True)
def tanh32(x):
    return _tanh32(x)


# sigmoid(x) = where(x >= 0, 1, e) / (1 + e) with e = exp(-|x|): no overflow, as the ops' NumPy kernels compute it;
# TensorFlow's logistic loss max(x, 0) - x z + log1p(exp(-|x|)). One function per float dtype, constants of that
# dtype (a bare 1 would make Numba compute in float64), at module level so that Numba's cache keeps them.
@vectorize(cache=True)
def sigmoid32(x):
    e = np.exp(-abs(x))
    return (np.float32(1) if x >= np.float32(0) else e) / (np.float32(1) + e)


@vectorize(cache=True)
def sigmoid64(x):
    e = np.exp(-abs(x))
    return (1.0 if x >= 0.0 else e) / (1.0 + e)


@vectorize(cache=True)
def sigmoid_xent32(x, z):
    return max(x, np.float32(0)) - x * z + np.log1p(np.exp(-abs(x)))


@vectorize(cache=True)
def sigmoid_xent64(x, z):
    return max(x, 0.0) - x * z + np.log1p(np.exp(-abs(x)))


def scalar(x):
    """A 0-d value as the scalar it holds inside an island: 0-d arrays are indexed, scalars (folded constants
    may be NumPy scalars) pass through."""
    return x[()] if isinstance(x, np.ndarray) else x


@overload(scalar)
def _scalar(x):
    if isinstance(x, types.Array):
        return lambda x: x[()]
    return lambda x: x


@njit(cache=True, error_model="numpy")
def matmul(a, b):
    """a @ b for small 2-D float arrays (transposed operands come as views) as loops: no BLAS call, so no second
    BLAS library and thread pool beside NumPy's (Numba's np.dot binds SciPy's, whose spinning threads took the
    cores from NumPy's products), and for these sizes no slower."""
    m, k = a.shape
    n = b.shape[1]
    if b.shape[0] != k:
        raise ValueError("matrix size-incompatible")
    out = np.zeros((m, n), a.dtype)
    for i in range(m):
        for p in range(k):
            x = a[i, p]
            for j in range(n):
                out[i, j] += x * b[p, j]
    return out


@njit(cache=True, error_model="numpy")
def sum0(g):
    """g.sum(axis=0) of a 2-D array row by row, as NumPy adds the rows of a C-contiguous array (so the same
    rounding): the gradient of a bias broadcast over the batch."""
    out = np.zeros(g.shape[1], g.dtype)
    for i in range(g.shape[0]):
        out += g[i]
    return out


@njit(cache=True, error_model="numpy")
def sum_to2(g, like):
    """SumToShape of 2-D arrays whose shapes the plan could not tell apart: `g` summed over the axes where
    `like` has 1 and `g` has not (the kernel's rule); shapes that are no such broadcast raise."""
    (n, m), (p, q) = g.shape, like.shape
    if (p != n and p != 1) or (q != m and q != 1):
        raise ValueError("shapes do not broadcast")
    if p == n and q == m:
        return g.copy()
    out = np.zeros((p, q), g.dtype)
    for i in range(n):
        for j in range(m):
            out[0 if p == 1 else i, 0 if q == 1 else j] += g[i, j]
    return out


@njit(cache=True, error_model="numpy")
def mean_all(x):
    """The mean of every element (NumPy's pairwise float32 sum differs from this running float64 sum by
    rounding only)."""
    s = 0.0
    for v in x.ravel():
        s += v
    return s / x.size


@njit(cache=True, error_model="numpy")
def sum_squares(x):
    """The sum of the squares of every element, accumulated in float64 (L2Loss)."""
    s = 0.0
    for v in x.ravel():
        s += v * v
    return s


@njit(cache=True, error_model="numpy")
def softmax_xent(logits, labels):
    """(loss per row, gradient softmax - labels) of `tf.nn.softmax_cross_entropy_with_logits` on 2-D logits and
    label rows (broadcast rows as the kernel does not: the shapes must be equal), one pass per row."""
    n, c = logits.shape
    if labels.shape[0] != n or labels.shape[1] != c:
        raise ValueError("logits and labels must have the same shape")
    loss = np.empty(n, logits.dtype)
    grad = np.empty_like(logits)
    for i in range(n):
        m = logits[i, 0]
        for j in range(1, c):
            m = max(m, logits[i, j])
        s = m - m
        for j in range(c):
            e = np.exp(logits[i, j] - m)
            grad[i, j] = e
            s += e
        log_s = np.log(s)
        total = m - m
        for j in range(c):
            total += (log_s - (logits[i, j] - m)) * labels[i, j]
            grad[i, j] = grad[i, j] / s - labels[i, j]
        loss[i] = total
    return loss, grad


@njit(cache=True, error_model="numpy")
def sparse_softmax_xent(logits, labels):
    """(loss per row, gradient softmax - onehot) of `tf.nn.sparse_softmax_cross_entropy_with_logits`, one pass
    per row. A label outside [0, classes) raises, and the plan reruns the op's own kernel for TF's error."""
    n, c = logits.shape
    loss = np.empty(n, logits.dtype)
    grad = np.empty_like(logits)
    for i in range(n):
        label = labels[i]
        if label < 0 or label >= c:
            raise ValueError("label out of range")
        m = logits[i, 0]
        for j in range(1, c):
            m = max(m, logits[i, j])
        s = m - m  # a zero of the logits' dtype
        for j in range(c):
            e = np.exp(logits[i, j] - m)
            grad[i, j] = e
            s += e
        loss[i] = np.log(s) - (logits[i, label] - m)
        for j in range(c):
            grad[i, j] /= s
        grad[i, label] -= 1
    return loss, grad


@njit(cache=True, error_model="numpy")
def max_pool_tiles(x, kh, kw):
    """MaxPool of NHWC windows that tile x (stride = window, sizes divisible) in one pass over x, by rows of x: each
    output row starts as its windows' first elements and takes NumPy's `maximum(y, v)` of the others in row-major
    window order (y where y is nan or greater, else v: nan wins, and of two equal values the later one, so -0.0
    and 0.0 come out as the kernel's chain of `maximum` calls gives them). Contiguous rows, one select per
    element: 0.28 ms for W5's first activation on one core, where per-pixel views took 0.75."""
    n, h, w, c = x.shape
    if h % kh or w % kw:
        raise ValueError("shapes do not tile")
    ho, wo = h // kh, w // kw
    y = np.empty((n, ho, wo, c), x.dtype)
    xf = np.ascontiguousarray(x).reshape(n * h, w * c)
    yf = y.reshape(n * ho, wo * c)
    for r in range(n * ho):
        yr = yf[r]
        for di in range(kh):
            xr = xf[(r // ho) * h + (r % ho) * kh + di]
            for j in range(wo):
                o = j * c
                for dj in range(kw):
                    s = (j * kw + dj) * c
                    if di == 0 and dj == 0:
                        for ch in range(c):
                            yr[o + ch] = xr[s + ch]
                    else:
                        for ch in range(c):
                            cur, v = yr[o + ch], xr[s + ch]
                            yr[o + ch] = cur if (cur != cur or cur > v) else v
    return y


@njit(cache=True, error_model="numpy")
def max_pool_grad_tiles(x, y, g, kh, kw):
    """MaxPoolGrad of NHWC windows that tile x (stride = window, sizes divisible): each window's g goes to its
    first maximum in row-major window order, the rest of the window gets 0, in one pass over x (the kernel's
    routing, element for element: each offset takes `rest` times whether it holds the maximum; `rest` is g until
    a maximum takes it, then g - g)."""
    n, ho, wo, c = y.shape
    if (x.shape[0] != n or x.shape[1] != ho * kh or x.shape[2] != wo * kw or x.shape[3] != c
            or g.shape != y.shape):
        raise ValueError("shapes do not tile")
    dx = np.empty(x.shape, g.dtype)
    rest = np.empty(c, g.dtype)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                rest[:] = g[b, i, j]
                for di in range(kh):
                    for dj in range(kw):
                        xr, out = x[b, i * kh + di, j * kw + dj], dx[b, i * kh + di, j * kw + dj]
                        for ch in range(c):
                            out[ch] = rest[ch] * (xr[ch] == y[b, i, j, ch])  # as the kernel: inf * 0 is nan
                            rest[ch] -= out[ch]
    return dx


@njit(inline="always", cache=True)
def _window_geometry(n, k, s, same):
    """(out, pad before) of one spatial dimension: TF's SAME (odd pad after) or VALID arithmetic."""
    if same:
        out = -(-n // s)
        return out, max((out - 1) * s + k - n, 0) // 2
    return (n - k) // s + 1, 0


@njit(cache=True, error_model="numpy")
def max_pool_windows(x, kh, kw, sh, sw, same):
    """MaxPool of any 2-D NHWC windows (strides, SAME or VALID: 3x3 windows of stride 2, 2x2 of odd sizes) in
    one pass per window: each output starts as its first window element and takes NumPy's `maximum(y, v)` of the
    others in row-major window order, padding reading -inf, so the values are the kernel's chain of `maximum`
    calls over its padded copy bit for bit (nan wins; of two equal values the later one)."""
    n, h, w, c = x.shape
    ho, pt = _window_geometry(h, kh, sh, same)
    wo, pl = _window_geometry(w, kw, sw, same)
    y = np.empty((n, ho, wo, c), x.dtype)
    low = x.dtype.type(-np.inf)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                yr = y[b, i, j]
                first = True
                for di in range(kh):
                    r = i * sh + di - pt
                    for dj in range(kw):
                        q = j * sw + dj - pl
                        inside = 0 <= r < h and 0 <= q < w
                        if first:
                            for ch in range(c):
                                yr[ch] = x[b, r, q, ch] if inside else low
                            first = False
                        elif inside:  # (padding after the first: maximum(y, -inf) is y, bits and all)
                            xr = x[b, r, q]
                            for ch in range(c):
                                cur, v = yr[ch], xr[ch]
                                yr[ch] = cur if (cur != cur or cur > v) else v
    return y


@njit(cache=True, error_model="numpy")
def max_pool_grad_windows(x, y, g, kh, kw, sh, sw, same):
    """MaxPoolGrad of any 2-D NHWC windows (`max_pool_windows`' geometry): each window's g goes to its first
    maximum in row-major window order (padding reads -inf), summed where windows overlap. The kernel's routing
    element for element: each offset takes `rest` times whether it holds the maximum (`rest` is g until a maximum
    takes it, then g - g; inf times 0 is nan), and an element shared by windows sums their parts in the kernel's
    order, offset by offset, which is the windows' reverse row-major order."""
    n, h, w, c = x.shape
    ho, pt = _window_geometry(h, kh, sh, same)
    wo, pl = _window_geometry(w, kw, sw, same)
    if y.shape != (n, ho, wo, c) or g.shape != y.shape:
        raise ValueError("shapes do not match the windows")
    dx = np.zeros(x.shape, g.dtype)
    rest = np.empty(c, g.dtype)
    low = x.dtype.type(-np.inf)
    for b in range(n):
        for i in range(ho - 1, -1, -1):
            for j in range(wo - 1, -1, -1):
                rest[:] = g[b, i, j]
                yr = y[b, i, j]
                for di in range(kh):
                    r = i * sh + di - pt
                    for dj in range(kw):
                        q = j * sw + dj - pl
                        if 0 <= r < h and 0 <= q < w:
                            xr, out = x[b, r, q], dx[b, r, q]
                            for ch in range(c):
                                part = rest[ch] * (xr[ch] == yr[ch])
                                out[ch] += part
                                rest[ch] -= part
                        else:
                            for ch in range(c):
                                rest[ch] -= rest[ch] * (low == yr[ch])
    return dx


@njit(cache=True, error_model="numpy")
def lstm_gates(g, c, b, half_fb):
    """LSTMGates (ops/lstm_ops.py) in float32 in two loops per row: (c, h, acts, tanh_c) from the gates g
    [batch, 4n] (i, j, f, o), c_prev [batch, n], a bias [4n] or None, and forget_bias/2; the kernel's formulas
    and order (σ(x) = tanh(x/2)/2 + 1/2 with per-column factors, the bias and forget bias halved first) with
    `_tanh32`. A loop over a row's 4n contiguous gates is what LLVM vectorizes (one over n units reading four
    columns at a time was 15x slower), and only over contiguous rows (a view as input, such as a slice of a
    larger gradient, is copied first)."""
    g, c = np.ascontiguousarray(g), np.ascontiguousarray(c)
    m, n4 = g.shape
    n = n4 // 4
    if n4 != 4 * n or c.shape[0] != m or c.shape[1] != n or (b is not None and b.shape[0] != n4):
        raise ValueError("LSTMGates: shapes do not match")
    half = np.float32(0.5)
    scale = np.full(n4, half)
    scale[n:2 * n] = 1
    shift = np.zeros(n4, g.dtype)
    shift[2 * n:3 * n] = half_fb
    if b is not None:
        shift = b * scale + shift
    out_shift = np.full(n4, half)
    out_shift[n:2 * n] = 0
    acts = np.empty_like(g)
    new_c, h, tc = np.empty_like(c), np.empty_like(c), np.empty_like(c)
    for r in range(m):
        gr, ar, cr = g[r], acts[r], c[r]
        for u in range(n4):
            ar[u] = _tanh32(gr[u] * scale[u] + shift[u]) * scale[u] + out_shift[u]
        ncr, tcr, hr = new_c[r], tc[r], h[r]
        for u in range(n):
            cc = cr[u] * ar[2 * n + u] + ar[u] * ar[n + u]
            t = _tanh32(cc)
            ncr[u], tcr[u], hr[u] = cc, t, t * ar[3 * n + u]
    return new_c, h, acts, tc


@njit(inline="always", cache=True, error_model="numpy")
def lstm_gates_grad_row(n, ar, tr, gr, dcr, cr, dr, pr, dct):
    """One row of LSTMGatesGrad: d gates into dr and d c_prev into pr (which may be dcr itself) from the
    activations ar, tanh(c) tr, the total dh gr and dc dcr, c_prev cr; dct a scratch row. Short loops over few
    arrays each: what LLVM vectorizes."""
    one = ar.dtype.type(1)
    for u in range(n):
        t = tr[u]
        dct[u] = (one - t * t) * gr[u] * ar[3 * n + u] + dcr[u]
    for u in range(n):
        i = ar[u]
        dr[u] = dct[u] * ar[n + u] * ((one - i) * i)
    for u in range(n):
        j = ar[n + u]
        dr[n + u] = dct[u] * ar[u] * ((-j) * j + one)
    for u in range(n):
        f = ar[2 * n + u]
        dr[2 * n + u] = dct[u] * cr[u] * ((one - f) * f)
    for u in range(n):
        pr[u] = dct[u] * ar[2 * n + u]
    for u in range(n):
        o = ar[3 * n + u]
        dr[3 * n + u] = gr[u] * tr[u] * ((one - o) * o)


@njit(cache=True, error_model="numpy")
def lstm_gates_grad(c_prev, a, tc, dc, dh):
    """LSTMGatesGrad (ops/lstm_ops.py) row by row: (d gates, d c_prev), the kernel's products in its order; views
    copied to contiguous rows first (`lstm_gates`)."""
    c_prev, a, tc = np.ascontiguousarray(c_prev), np.ascontiguousarray(a), np.ascontiguousarray(tc)
    dc, dh = np.ascontiguousarray(dc), np.ascontiguousarray(dh)
    m, n4 = a.shape
    n = n4 // 4
    for x in (c_prev, tc, dc, dh):
        if x.shape[0] != m or x.shape[1] != n:
            raise ValueError("LSTMGatesGrad: shapes do not match")
    d = np.empty_like(a)
    dcp = np.empty_like(c_prev)
    dct = np.empty(n, a.dtype)
    for r in range(m):
        lstm_gates_grad_row(n, a[r], tc[r], dh[r], dc[r], c_prev[r], d[r], dcp[r], dct)
    return d, dcp

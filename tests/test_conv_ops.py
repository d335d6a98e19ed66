"""Convolutions and pooling: values against direct loops, gradients against central finite differences
(float64, first and second order), shapes at build time, TF's SAME arithmetic and error texts."""
from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.ops import result_buffers

RNG = np.random.default_rng(7)


def rand(*shape):
    return RNG.standard_normal(shape)


# --- reference loops (NumPy, channels last) ----------------------------------------------------------------

def _geo(n, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "SAME":
        o = -(-n // s)
        return o, max((o - 1) * s + eff - n, 0) // 2
    return (n - eff) // s + 1, 0


def ref_conv(x, w, strides, dils, padding):
    """Direct N-d (grouped) cross-correlation, TF layouts: x [N, *S, C], w [*K, C/G, O]."""
    nd = x.ndim - 2
    c, ks, cg, o = x.shape[-1], w.shape[:-2], w.shape[-2], w.shape[-1]
    groups = c // cg
    og = o // groups
    geo = [_geo(x.shape[1 + i], ks[i], strides[i], dils[i], padding) for i in range(nd)]
    y = np.zeros((x.shape[0], *(g[0] for g in geo), o))
    for pos in np.ndindex(*(g[0] for g in geo)):
        for off in np.ndindex(*ks):
            src = [pos[i] * strides[i] + off[i] * dils[i] - geo[i][1] for i in range(nd)]
            if all(0 <= src[i] < x.shape[1 + i] for i in range(nd)):
                xv = x[(slice(None), *src)]  # [N, C]
                for g in range(groups):
                    y[(slice(None), *pos, slice(g * og, (g + 1) * og))] += \
                        xv[:, g * cg:(g + 1) * cg] @ w[(*off,)][:, g * og:(g + 1) * og]
    return y


def ref_pool(x, ks, strides, padding, kind):
    nd = x.ndim - 2
    geo = [_geo(x.shape[1 + i], ks[i], strides[i], 1, padding) for i in range(nd)]
    y = np.zeros((x.shape[0], *(g[0] for g in geo), x.shape[-1]))
    for pos in np.ndindex(*(g[0] for g in geo)):
        vals = []
        for off in np.ndindex(*ks):
            src = [pos[i] * strides[i] + off[i] - geo[i][1] for i in range(nd)]
            if all(0 <= src[i] < x.shape[1 + i] for i in range(nd)):
                vals.append(x[(slice(None), *src)])
        vals = np.stack(vals)
        y[(slice(None), *pos)] = vals.max(0) if kind == "max" else vals.mean(0)
    return y


def run(t, feed=None):
    with tf.Session() as s:
        return s.run(t, feed)


def nchw(x):
    return np.moveaxis(x, -1, 1)


def nhwc(x):
    return np.moveaxis(x, 1, -1)


# --- SAME arithmetic ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,k,s,d,expect", [
    (5, 3, 1, 1, (5, 1, 1)), (6, 2, 1, 1, (6, 0, 1)), (6, 3, 2, 1, (3, 0, 1)), (7, 3, 2, 1, (4, 1, 1)),
    (4, 4, 1, 1, (4, 1, 2)), (5, 3, 1, 2, (5, 2, 2)), (3, 5, 4, 1, (1, 1, 1)), (8, 1, 3, 1, (3, 0, 0)),
])
def test_same_padding_is_tensorflows(n, k, s, d, expect):
    from graphgrad.ops.conv_ops import out_size, same_pads
    assert (out_size(n, k, s, d, "SAME"), *same_pads(n, k, s, d)) == expect


# --- values ------------------------------------------------------------------------------------------------

CASES_2D = [  # (H, W, k, stride, dilation, padding)
    (5, 6, 3, 1, 1, "SAME"), (6, 6, 2, 2, 1, "SAME"), (7, 5, 3, 2, 1, "VALID"), (6, 7, 3, 1, 2, "SAME"),
    (5, 5, 4, 3, 1, "SAME"), (6, 5, 2, 1, 2, "VALID"), (4, 4, 1, 2, 1, "VALID"),
]


@pytest.mark.parametrize("H,W,k,s,d,padding", CASES_2D)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
@pytest.mark.parametrize("c", [3, 17])  # the patch matrix column-major (few channels) and row-major
def test_conv2d_matches_loop(H, W, k, s, d, padding, fmt, c):
    x, w = rand(2, H, W, c), rand(k, k, c, 4)
    ref = ref_conv(x, w, (s, s), (d, d), padding)
    if fmt == "NHWC":
        y = tf.nn.conv2d(x, w, strides=[1, s, s, 1], padding=padding, dilations=[1, d, d, 1])
        got = run(y)
    else:
        y = tf.nn.conv2d(nchw(x), w, strides=[1, 1, s, s], padding=padding, dilations=[1, 1, d, d],
                         data_format="NCHW")
        got = nhwc(run(y))
    assert tuple(y.shape.as_list()) == (ref.shape if fmt == "NHWC" else nchw(ref).shape)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)


def test_conv1d_conv3d_and_convolution_match_loop():
    x1, w1 = rand(2, 9, 3), rand(3, 3, 2)
    x3, w3 = rand(1, 4, 5, 3, 2), rand(2, 3, 2, 2, 3)
    y1 = tf.nn.conv1d(x1, w1, stride=2, padding="SAME")
    y1c = tf.nn.conv1d(nchw(x1), w1, stride=2, padding="SAME", data_format="NCW")
    y3 = tf.nn.conv3d(x3, w3, strides=[1, 1, 2, 1, 1], padding="SAME")
    yn = tf.nn.convolution(x3, w3, padding="VALID", dilation_rate=[1, 1, 2])
    a, b, c, e = run([y1, y1c, y3, yn])
    np.testing.assert_allclose(a, ref_conv(x1, w1, (2,), (1,), "SAME"), atol=1e-12)
    np.testing.assert_allclose(nhwc(b), a, atol=1e-12)
    np.testing.assert_allclose(c, ref_conv(x3, w3, (1, 2, 1), (1, 1, 1), "SAME"), atol=1e-12)
    np.testing.assert_allclose(e, ref_conv(x3, w3, (1, 1, 1), (1, 1, 2), "VALID"), atol=1e-12)
    assert y1.op.name == "conv1d" and y3.op.name == "Conv3D"


def test_depthwise_separable_atrous_match_loop():
    x, dw, pw = rand(2, 6, 5, 3), rand(3, 3, 3, 2), rand(1, 1, 6, 4)
    y = tf.nn.depthwise_conv2d(x, dw, strides=[1, 1, 1, 1], padding="SAME")
    # TF's depthwise output channel c * M + m is input channel c through filter [..., c, m]
    ref = np.concatenate([ref_conv(x[..., c:c + 1], dw[:, :, c:c + 1, :], (1, 1), (1, 1), "SAME")
                          for c in range(3)], axis=-1)
    np.testing.assert_allclose(run(y), ref, atol=1e-12)
    ys = tf.nn.separable_conv2d(x, dw, pw, strides=[1, 1, 1, 1], padding="SAME")
    np.testing.assert_allclose(run(ys), ref_conv(ref, pw, (1, 1), (1, 1), "VALID"), atol=1e-12)
    w = rand(3, 3, 3, 2)
    ya = tf.nn.atrous_conv2d(x, w, rate=2, padding="SAME")
    np.testing.assert_allclose(run(ya), ref_conv(x, w, (1, 1), (2, 2), "SAME"), atol=1e-12)


def test_conv2d_transpose_is_the_adjoint():
    """<conv(x, w), y> = <x, conv2d_transpose(y, w)>, the defining property; output shape as given."""
    for padding, s in [("SAME", 2), ("VALID", 2), ("SAME", 1), ("VALID", 3)]:
        x, w = rand(2, 7, 6, 3), rand(3, 3, 3, 4)
        y = run(tf.nn.conv2d(x, w, [1, s, s, 1], padding))
        dy = rand(*y.shape)
        t = tf.nn.conv2d_transpose(dy, w, output_shape=[2, 7, 6, 3], strides=[1, s, s, 1], padding=padding)
        assert t.shape.as_list() == [2, 7, 6, 3]
        xt = run(t)
        np.testing.assert_allclose((y * dy).sum(), (x * xt).sum(), rtol=1e-10)
        bi = tf.nn.conv2d_backprop_input([2, 7, 6, 3], w, dy, [1, s, s, 1], padding)
        np.testing.assert_allclose(run(bi), xt, atol=1e-12)
        bf = tf.nn.conv2d_backprop_filter(x, [3, 3, 3, 4], dy, [1, s, s, 1], padding)
        fd = run(bf)
        np.testing.assert_allclose((y * dy).sum(), (w * fd).sum(), rtol=1e-10)


def ref_conv_input(dy, w, xshape, pads):
    """The input gradient of a unit-stride convolution with (before, after) `pads`, by its defining scatter."""
    nd = len(xshape) - 2
    dxp = np.zeros((xshape[0], *(xshape[1 + i] + sum(pads[i]) for i in range(nd)), xshape[-1]))
    for pos in np.ndindex(*dy.shape[1:-1]):
        for off in np.ndindex(*w.shape[:-2]):
            dxp[(slice(None), *(p + o for p, o in zip(pos, off)))] += dy[(slice(None), *pos)] @ w[off].T
    return dxp[(slice(None), *(slice(b, b + xshape[1 + i]) for i, (b, _) in enumerate(pads)))]


@pytest.mark.parametrize("xs,ks,padding,pads", [
    ((2, 7, 6, 3), (3, 3), "SAME", ((1, 1), (1, 1))),
    ((2, 6, 5, 3), (2, 4), "SAME", ((0, 1), (1, 2))),      # even kernels: the odd pad after
    ((2, 6, 5, 3), (3, 2), "VALID", ((0, 0), (0, 0))),
    ((2, 5, 4, 3), (2, 3), [[0, 0], [3, 0], [0, 4], [0, 0]], ((3, 0), (0, 4))),  # pads wider than the kernel
    ((2, 9, 3), (4,), "SAME", ((1, 2),)),                   # 1-D: one GEMM, no slab to add
    ((1, 4, 3, 5, 2), (2, 3, 2), "SAME", ((0, 1), (1, 1), (0, 1))),
])
def test_unit_stride_input_gradient_matches_the_scatter(xs, ks, padding, pads):
    """Unit strides take the transposed convolution with the last window axis inside the GEMMs: every padding
    case (shifts in both directions, pads wider than the kernel, 1-D without slabs, 3-D) against the scatter."""
    x, w = tf.constant(rand(*xs)), rand(*ks, xs[-1], 4)
    y = tf.nn.convolution(x, w, padding=padding)
    dy = rand(*y.shape.as_list())
    dx, = tf.gradients(y, [x], grad_ys=dy)
    np.testing.assert_allclose(run(dx), ref_conv_input(dy, w, xs, pads), atol=1e-12)


@pytest.mark.parametrize("xs,k,s,d,padding,pads", [
    ((2, 9, 8, 1), 5, 1, 1, "VALID", ((0, 0), (0, 0))),   # a GAN discriminator's first layer, small
    ((3, 7, 7, 1), 3, 1, 1, "SAME", ((1, 1), (1, 1))),
    ((2, 8, 7, 1), 3, 2, 1, "SAME", ((0, 1), (1, 1))),
    ((2, 9, 9, 1), 2, 1, 2, "VALID", ((0, 0), (0, 0))),
])
def test_one_input_channel_input_gradient_is_one_product_and_a_scatter(xs, k, s, d, padding, pads):
    """One input channel and at least as many output channels as window offsets: one GEMM [M, O] @ [O, K] and
    the patch columns scattered back (conv_ops `input_grad`), against the defining sum, strides and dilations
    included."""
    o = 16
    x, w = tf.constant(rand(*xs)), rand(k, k, 1, o)
    y = tf.nn.conv2d(x, w, [1, s, s, 1], padding, dilations=[1, d, d, 1])
    dy = rand(*y.shape.as_list())
    dx, = tf.gradients(y, [x], grad_ys=dy)
    dxp = np.zeros((xs[0], xs[1] + sum(pads[0]), xs[2] + sum(pads[1]), 1))
    for i, j in np.ndindex(*dy.shape[1:3]):
        for a, b in np.ndindex(k, k):
            dxp[:, i * s + a * d, j * s + b * d] += dy[:, i, j] @ w[a, b].T
    want = dxp[:, pads[0][0]:pads[0][0] + xs[1], pads[1][0]:pads[1][0] + xs[2]]
    np.testing.assert_allclose(run(dx), want, atol=1e-12)


def test_conv2d_transpose_output_shape_from_tensor():
    x = tf.placeholder(tf.float64, (None, 3, 3, 4))
    w = tf.constant(rand(2, 2, 5, 4))
    out_shape = tf.stack([tf.shape(x)[0], 6, 6, 5])
    t = tf.nn.conv2d_transpose(x, w, out_shape, strides=[1, 2, 2, 1], padding="SAME")
    assert t.shape.as_list() == [None, 6, 6, 5]
    xv = rand(2, 3, 3, 4)
    got = run(t, {x: xv})
    ref = run(tf.nn.conv2d_transpose(xv, w, [2, 6, 6, 5], strides=[1, 2, 2, 1], padding="SAME"))
    np.testing.assert_allclose(got, ref)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape,k,s,padding", [
    ((2, 6, 6, 3), (2, 2), (2, 2), "VALID"), ((2, 5, 7, 2), (3, 3), (2, 2), "SAME"),
    ((1, 5, 5, 2), (3, 2), (1, 2), "SAME"), ((2, 7, 4, 1), (3, 3), (1, 1), "VALID"),
])
def test_pool2d_matches_loop(kind, shape, k, s, padding):
    x = rand(*shape)
    f = tf.nn.max_pool if kind == "max" else tf.nn.avg_pool
    y = f(x, ksize=[1, *k, 1], strides=[1, *s, 1], padding=padding)
    yc = f(nchw(x), ksize=[1, 1, *k], strides=[1, 1, *s], padding=padding, data_format="NCHW")
    ref = ref_pool(x, k, s, padding, kind)
    got, gotc = run([y, yc])
    np.testing.assert_allclose(got, ref, atol=1e-12)
    np.testing.assert_allclose(nhwc(gotc), ref, atol=1e-12)


def test_pool_1d_3d_and_names():
    x1, x3 = rand(2, 7, 3), rand(1, 4, 5, 3, 2)
    got = run([tf.nn.max_pool1d(x1, 2, 2, "SAME"), tf.nn.avg_pool1d(x1, 3, 1, "VALID"),
               tf.nn.max_pool3d(x3, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "SAME"),
               tf.nn.avg_pool3d(x3, 2, 1, "SAME"), tf.nn.max_pool2d(x3[..., 0], 2, 2, "VALID"),
               tf.nn.pool(x1, [3], "AVG", "SAME", strides=[2])])
    np.testing.assert_allclose(got[0], ref_pool(x1, (2,), (2,), "SAME", "max"))
    np.testing.assert_allclose(got[1], ref_pool(x1, (3,), (1,), "VALID", "avg"))
    np.testing.assert_allclose(got[2], ref_pool(x3, (2, 2, 2), (2, 2, 2), "SAME", "max"))
    np.testing.assert_allclose(got[3], ref_pool(x3, (2, 2, 2), (1, 1, 1), "SAME", "avg"))
    np.testing.assert_allclose(got[4], ref_pool(x3[..., 0], (2, 2), (2, 2), "VALID", "max"))
    np.testing.assert_allclose(got[5], ref_pool(x1, (3,), (2,), "SAME", "avg"))
    assert tf.nn.max_pool(x3[..., 0], [1, 2, 2, 1], [1, 2, 2, 1], "VALID").op.name == "MaxPool"


def test_max_pool_with_argmax():
    x = rand(2, 4, 5, 3)
    y, arg = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    yb, argb = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=True)
    assert arg.dtype == tf.int64 and y.shape.as_list() == [2, 2, 3, 3]
    yv, av, abv = run([y, arg, argb])
    np.testing.assert_allclose(yv, ref_pool(x, (2, 2), (2, 2), "SAME", "max"))
    np.testing.assert_array_equal(x[0].reshape(-1)[av[0]], yv[0])
    np.testing.assert_array_equal(x.reshape(-1)[abv], yv)
    np.testing.assert_array_equal(abv[1] - av[1], 4 * 5 * 3)


@pytest.mark.parametrize("keep_bytes", [None, 0])  # buffers kept between runs, and none (all above the cap)
def test_kernels_keep_scratch_buffers_right_across_runs_of_other_sizes(keep_bytes, monkeypatch):
    """The padded copies the kernels keep between runs: widths 4 and 3 pad to 5 under SAME k3 s2 but with other
    pads (0, 1) and (1, 1), so a buffer kept by shape alone would carry a stale element into the second run."""
    if keep_bytes is not None:
        monkeypatch.setattr(result_buffers, "KEEP_BYTES", keep_bytes)
    x = tf.placeholder(tf.float64, (None, None, None, 2))
    w = rand(3, 3, 2, 3)
    y = tf.nn.conv2d(x, w, 2, "SAME")
    y1 = tf.nn.conv2d(x, w, 1, "SAME")
    dx1, = tf.gradients(tf.reduce_sum(y1 * y1), [x])
    with tf.Session() as s:
        for width in (4, 3, 4, 5, 3):
            xv = rand(2, 3, width, 2)
            got, got_dx = s.run([y, dx1], {x: xv})
            np.testing.assert_allclose(got, ref_conv(xv, w, (2, 2), (1, 1), "SAME"), atol=1e-12)
            yv = ref_conv(xv, w, (1, 1), (1, 1), "SAME")
            np.testing.assert_allclose(got_dx, ref_conv_input(2 * yv, w, xv.shape, ((1, 1), (1, 1))), atol=1e-12)


@pytest.mark.parametrize("c", [2, 17])  # column-major and row-major patch matrices
def test_a_patch_matrix_is_reused_only_when_nothing_refers_to_it(c):
    """Conv's patch matrix (its second output) goes back into service the run after the filter gradient read
    it, but never while a fetched copy, or a view of one, is still held."""
    x = tf.placeholder(tf.float64, (2, 5, 5, c))
    y = tf.nn.conv2d(x, rand(3, 3, c, 2), 1, "SAME")
    cols = y.op.outputs[1]
    with tf.Session() as s:
        held = s.run(cols, {x: rand(2, 5, 5, c)})
        view = s.run(cols, {x: rand(2, 5, 5, c)}).T  # only a view of the second result is kept
        first, second = held.copy(), view.copy()
        for _ in range(3):
            s.run(cols, {x: rand(2, 5, 5, c)})
        np.testing.assert_array_equal(held, first)
        np.testing.assert_array_equal(view, second)
        a = s.run(cols, {x: rand(2, 5, 5, c)})
        a_ptr = a.__array_interface__["data"][0]
        del a
        assert s.run(cols, {x: rand(2, 5, 5, c)}).__array_interface__["data"][0] == a_ptr  # dropped: reused


def test_threads_running_one_plan_keep_their_own_scratch_buffers():
    """Two threads running the same conv gradient at once (as TF1 allows) get exactly their serial results: the
    kernels' kept buffers are per thread."""
    x = tf.placeholder(tf.float64, (None, 8, 8, 3))
    y = tf.nn.max_pool(tf.nn.conv2d(x, rand(3, 3, 3, 4), 1, "SAME"), 2, 2, "SAME")
    g = tf.gradients(tf.reduce_sum(y * y), [x])[0]
    xs = [rand(5, 8, 8, 3), rand(5, 8, 8, 3)]
    with tf.Session() as s:
        ref = [s.run(g, {x: v}) for v in xs]
        bad = []

        def work(i):
            bad.extend(i for _ in range(150) if not np.array_equal(s.run(g, {x: xs[i]}), ref[i]))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not bad


def test_max_pool_gradient_goes_to_the_first_maximum_of_a_tie():
    x = tf.constant(np.zeros((1, 2, 4, 1)))
    y = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    g = run(tf.gradients(tf.reduce_sum(y * tf.constant([[[[1.0], [2.0]]]], tf.float64)), x)[0])
    np.testing.assert_array_equal(g[0, :, :, 0], [[1, 0, 2, 0], [0, 0, 0, 0]])


def ref_max_pool_grad(x, g, ks, strides, padding):
    """Each window's gradient to its first maximum in row-major window order (channels last), by a loop."""
    nd = x.ndim - 2
    geo = [_geo(x.shape[1 + i], ks[i], strides[i], 1, padding) for i in range(nd)]
    dx = np.zeros_like(x)
    for n, c in np.ndindex(x.shape[0], x.shape[-1]):
        for pos in np.ndindex(*g.shape[1:-1]):
            best = None
            for off in np.ndindex(*ks):
                src = tuple(pos[i] * strides[i] + off[i] - geo[i][1] for i in range(nd))
                if all(0 <= src[i] < x.shape[1 + i] for i in range(nd)) and \
                        (best is None or x[(n, *src, c)] > x[(n, *best, c)]):
                    best = src
            dx[(n, *best, c)] += g[(n, *pos, c)]
    return dx


@pytest.mark.parametrize("shape,k,s,padding", [
    ((2, 4, 6, 3), 2, 2, "VALID"), ((2, 6, 6, 3), 3, 3, "SAME"),   # windows tiling the input
    ((2, 5, 6, 3), 2, 2, "SAME"), ((2, 5, 5, 3), 3, 2, "SAME"), ((2, 4, 4, 3), 2, 1, "VALID"),  # the rest
])
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_max_pool_gradient_with_many_ties(shape, k, s, padding, fmt):
    """Values from {0, 1, 2} (ties in most windows, as after a ReLU), each window's gradient to its first
    maximum: the tiling path and the padded one, both layouts."""
    x = RNG.integers(0, 3, shape).astype(np.float64)
    xin, ks, st = (nchw(x), [1, 1, k, k], [1, 1, s, s]) if fmt == "NCHW" else (x, [1, k, k, 1], [1, s, s, 1])
    xt = tf.constant(xin)
    y = tf.nn.max_pool(xt, ks, st, padding, data_format=fmt)
    g = rand(*y.shape.as_list())
    dx = run(tf.gradients(y, [xt], grad_ys=g)[0])
    ref = ref_max_pool_grad(x, nhwc(g) if fmt == "NCHW" else g, (k, k), (s, s), padding)
    np.testing.assert_allclose(nhwc(dx) if fmt == "NCHW" else dx, ref, rtol=0, atol=1e-12)  # overlaps: sum order


# --- gradients (float64 central differences) ----------------------------------------------------------------

GRAD_CASES = [  # (x shape NHWC, k, stride, dilation, padding)
    ((1, 4, 5, 2), 3, 1, 1, "SAME"), ((2, 5, 4, 2), 2, 2, 1, "SAME"), ((1, 5, 5, 2), 3, 2, 1, "VALID"),
    ((1, 5, 4, 1), 2, 1, 2, "SAME"), ((1, 4, 4, 2), 2, 1, 2, "VALID"),
    ((1, 3, 3, 17), 2, 1, 1, "SAME"),  # more channels than `_FEW_CHANNELS`: the row-major patch matrix
]


@pytest.mark.parametrize("xs,k,s,d,padding", GRAD_CASES)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_conv2d_gradients(xs, k, s, d, padding, fmt):
    x, w = rand(*xs), rand(k, k, xs[-1], 2)
    if fmt == "NCHW":
        x = nchw(x)
        st, dl = [1, 1, s, s], [1, 1, d, d]
    else:
        st, dl = [1, s, s, 1], [1, d, d, 1]
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, st, padding, data_format=fmt, dilations=dl), [x, w])


def test_conv1d_conv3d_grouped_gradients():
    check_gradients(lambda a, b: tf.nn.conv1d(a, b, 2, "SAME"), [rand(2, 5, 2), rand(3, 2, 2)])
    check_gradients(lambda a, b: tf.nn.conv3d(a, b, [1, 1, 2, 1, 1], "SAME"), [rand(1, 3, 3, 2, 2),
                                                                                rand(2, 2, 1, 2, 2)])
    check_gradients(lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 1, 1, 1], "SAME"), [rand(1, 3, 4, 2),
                                                                                      rand(2, 2, 2, 2)])
    check_gradients(lambda a, b, c: tf.nn.separable_conv2d(a, b, c, [1, 2, 2, 1], "SAME"),
                    [rand(1, 4, 4, 2), rand(2, 2, 2, 1), rand(1, 1, 2, 2)])
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, [1, 1, 1, 1], "VALID"), [rand(1, 3, 3, 4), rand(2, 2, 2, 4)])


def test_backprop_ops_are_differentiable():
    dy, w, x = rand(1, 2, 3, 2), rand(3, 3, 2, 2), rand(1, 4, 5, 2)
    check_gradients(lambda a, b: tf.nn.conv2d_backprop_input([1, 4, 5, 2], b, a, [1, 2, 2, 1], "SAME"), [dy, w])
    check_gradients(lambda a, b: tf.nn.conv2d_transpose(a, b, [1, 5, 7, 2], [1, 2, 2, 1], "VALID"), [dy, w])
    check_gradients(lambda a, b: tf.nn.conv2d_backprop_filter(a, [3, 3, 2, 2], b, [1, 2, 2, 1], "SAME"), [x, dy])


@pytest.mark.parametrize("padding,s", [("SAME", 2), ("VALID", 1)])
def test_conv2d_second_derivatives(padding, s):
    def grad_x(a, b):
        y = tf.nn.conv2d(a, b, [1, s, s, 1], padding)
        return tf.gradients(tf.reduce_sum(tf.tanh(y)), a)[0]

    def grad_w(a, b):
        y = tf.nn.conv2d(a, b, [1, s, s, 1], padding)
        return tf.gradients(tf.reduce_sum(tf.tanh(y)), b)[0]

    x, w = rand(1, 4, 4, 2), rand(2, 2, 2, 2) * 0.5
    check_gradients(grad_x, [x, w])
    check_gradients(grad_w, [x, w])


def _distinct(*shape):
    """Values far apart, so no finite-difference step crosses a max-pool tie."""
    v = RNG.permutation(int(np.prod(shape))).astype(np.float64) * 0.1
    return v.reshape(shape)


@pytest.mark.parametrize("k,s,padding", [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME")])
def test_pool_gradients(k, s, padding):
    x = _distinct(1, 5, 4, 2)
    check_gradients(lambda a: tf.nn.max_pool(a, [1, k, k, 1], [1, s, s, 1], padding), [x])
    check_gradients(lambda a: tf.nn.avg_pool(a, [1, k, k, 1], [1, s, s, 1], padding), [x])
    check_gradients(lambda a: tf.nn.max_pool(a, [1, 1, k, k], [1, 1, s, s], padding, data_format="NCHW"),
                    [nchw(x)])
    check_gradients(lambda a: tf.nn.avg_pool3d(a, [1, k, k, 1, 1], [1, s, s, 1, 1], padding), [x[..., None]])


def test_pool_second_derivatives():
    x = _distinct(1, 4, 4, 1)

    def max_grad(a):
        y = tf.nn.max_pool(a, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
        return tf.gradients(tf.reduce_sum(y * y * y), a)[0]

    def avg_grad(a):
        y = tf.nn.avg_pool(a, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        return tf.gradients(tf.reduce_sum(y * y * y), a)[0]

    check_gradients(max_grad, [x])
    check_gradients(avg_grad, [x])
    check_gradients(lambda a: tf.nn.max_pool_with_argmax(a, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")[0], [x])


# --- shapes and errors --------------------------------------------------------------------------------------

def test_shapes_with_unknown_dims():
    x = tf.placeholder(tf.float32, (None, None, 28, 3))
    w = tf.Variable(tf.zeros((5, 5, 3, 8)))
    y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    assert y.shape.as_list() == [None, None, 14, 8]
    p = tf.nn.max_pool(y, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert p.shape.as_list() == [None, None, 7, 8]
    xc = tf.placeholder(tf.float32, (None, 3, 28, 28))
    assert tf.nn.conv2d(xc, w, [1, 1, 1, 1], "VALID", data_format="NCHW").shape.as_list() == [None, 8, 24, 24]
    dx, dw = tf.gradients(tf.reduce_sum(p), [x, w])
    assert dx.shape.as_list() == [None, None, 28, 3] and dw.shape.as_list() == [5, 5, 3, 8]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, b = s.run([dx, p], {x: np.ones((2, 9, 28, 3), np.float32)})
    assert a.shape == (2, 9, 28, 3) and b.shape == (2, 2, 7, 8)


def test_wrong_channel_count_names_both_shapes():
    x = tf.placeholder(tf.float32, (None, 28, 28, 3))
    w = tf.zeros((5, 5, 4, 32))
    with pytest.raises(ValueError, match=r"Depth of input \(3\) is not a multiple of input depth of filter "
                                         r"\(4\).*\[\?,28,28,3\], \[5,5,4,32\]"):
        tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="Negative dimension size"):
        tf.nn.conv2d(tf.zeros((1, 3, 3, 4)), w, [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="batch and depth"):
        tf.nn.conv2d(x, tf.zeros((5, 5, 3, 2)), [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "FULL")
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.conv2d(tf.zeros((28, 28, 3)), tf.zeros((5, 5, 3, 2)), [1, 1, 1, 1], "SAME")


def test_explicit_padding_and_int_strides():
    x, w = rand(1, 4, 5, 2), rand(3, 3, 2, 2)
    y = tf.nn.conv2d(x, w, 1, [[0, 0], [1, 1], [2, 0], [0, 0]])
    xp = np.pad(x, [(0, 0), (1, 1), (2, 0), (0, 0)])
    np.testing.assert_allclose(run(y), ref_conv(xp, w, (1, 1), (1, 1), "VALID"), atol=1e-12)


def test_hypothesis_conv_against_loop():
    hyp = pytest.importorskip("hypothesis")
    st = hyp.strategies

    @hyp.settings(max_examples=25, deadline=None)
    @hyp.given(h=st.integers(1, 6), w=st.integers(1, 6), k=st.integers(1, 3), s=st.integers(1, 3),
               d=st.integers(1, 2), same=st.booleans(), first=st.booleans())
    def prop(h, w, k, s, d, same, first):
        padding = "SAME" if same else "VALID"
        if d > 1:
            s = 1
        if not same and (k - 1) * d + 1 > min(h, w):
            return
        x, f = rand(2, h, w, 2), rand(k, k, 2, 3)
        ref = ref_conv(x, f, (s, s), (d, d), padding)
        with tf.Graph().as_default():
            if first:
                got = nhwc(run(tf.nn.conv2d(nchw(x), f, s, padding, data_format="NCHW", dilations=d)))
            else:
                got = run(tf.nn.conv2d(x, f, s, padding, dilations=d))
        np.testing.assert_allclose(got, ref, atol=1e-12)
    prop()


def test_grouped_conv_ops_in_all_orders():
    """itertools over small grouped cases: forward vs the loop (groups from the channel counts)."""
    for g, cg, og in itertools.product([2, 3], [1, 2], [1, 2]):
        x, w = rand(1, 4, 4, g * cg), rand(2, 2, cg, g * og)
        np.testing.assert_allclose(run(tf.nn.conv2d(x, w, 1, "SAME")), ref_conv(x, w, (1, 1), (1, 1), "SAME"),
                                   atol=1e-12)


def test_hypothesis_conv_and_pool_gradients():
    """Random shapes, strides, dilations, paddings, formats and groups: gradients of conv, its backprop ops and
    pooling against central finite differences (few examples: each one is dozens of session runs)."""
    hyp = pytest.importorskip("hypothesis")
    st = hyp.strategies

    @hyp.settings(max_examples=12, deadline=None)
    @hyp.given(h=st.integers(2, 5), w=st.integers(2, 5), k=st.integers(1, 3), s=st.integers(1, 2),
               d=st.integers(1, 2), same=st.booleans(), first=st.booleans(), groups=st.sampled_from([1, 2]))
    def prop(h, w, k, s, d, same, first, groups):
        padding = "SAME" if same else "VALID"
        if d > 1:
            s = 1
        if not same and (k - 1) * d + 1 > min(h, w):
            return
        x, f = rand(1, h, w, 2), rand(k, k, 2 // groups, 2)
        fmt = "NCHW" if first else "NHWC"
        xin = nchw(x) if first else x
        with tf.Graph().as_default():
            check_gradients(lambda a, b: tf.nn.conv2d(a, b, s, padding, data_format=fmt, dilations=d), [xin, f])
            pool = _distinct(1, h, w, 2)
            pin = nchw(pool) if first else pool
            kk = min(k + 1, h, w)
            check_gradients(lambda a: tf.nn.max_pool(a, kk, s, padding, data_format=fmt), [pin])
            check_gradients(lambda a: tf.nn.avg_pool(a, kk, s, padding, data_format=fmt), [pin])
    prop()


@pytest.mark.parametrize("c,depthwise,fmt,s,padding", [
    (1, False, "NHWC", 1, "SAME"),       # few channels: the column-major patch matrix
    (20, False, "NHWC", 2, "VALID"),     # row-major patch matrix, strided
    (20, False, "NCHW", 1, "SAME"),
    (6, True, "NHWC", 1, "SAME"),        # grouped
])
def test_a_run_that_reads_no_patch_matrix_convolves_block_by_block_of_images(c, depthwise, fmt, s, padding,
                                                                              monkeypatch):
    # an evaluation over a big batch must not build the whole patch matrix: blocks of images, the same values
    from graphgrad.ops import conv_ops
    rows = []
    cols = conv_ops._Im2col.cols
    monkeypatch.setattr(conv_ops._Im2col, "cols", lambda self, x, ks: rows.append(len(x)) or cols(self, x, ks))
    x, w = rand(7, 9, 9, c), rand(3, 3, c, 2 if depthwise else 5)
    if depthwise:
        ref = np.concatenate([ref_conv(x[..., i:i + 1], w[:, :, i:i + 1, :], (1, 1), (1, 1), padding)
                              for i in range(c)], axis=-1)
    else:
        ref = ref_conv(x, w, (s, s), (1, 1), padding)
    per_image = ref.shape[1] * ref.shape[2] * 9 * c * 8   # bytes of an image's patch rows
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", 3 * per_image)  # 3 images a block: 7 = 3 + 3 + 1
    xp = tf.placeholder(tf.float64, nchw(x).shape if fmt == "NCHW" else x.shape)
    wv = tf.Variable(w)
    if depthwise:
        y = tf.nn.depthwise_conv2d(xp, wv, strides=[1, 1, 1, 1], padding=padding)
    elif fmt == "NHWC":
        y = tf.nn.conv2d(xp, wv, strides=[1, s, s, 1], padding=padding)
    else:
        y = tf.nn.conv2d(xp, wv, strides=[1, 1, s, s], padding=padding, data_format="NCHW")
    grad = tf.gradients(tf.reduce_sum(y), wv)[0]
    with tf.Session() as sess:
        sess.run(wv.initializer)
        feed = {xp: nchw(x) if fmt == "NCHW" else x}
        got = sess.run(y, feed)
        assert rows == [3, 3, 1]
        np.testing.assert_allclose(got if fmt == "NHWC" else nhwc(got), ref, rtol=1e-10, atol=1e-12)
        rows.clear()   # a training run reads the patch matrix (the filter gradient): one over all images
        got, _ = sess.run([y, grad], feed)
        assert rows == [7]
        np.testing.assert_allclose(got if fmt == "NHWC" else nhwc(got), ref, rtol=1e-10, atol=1e-12)

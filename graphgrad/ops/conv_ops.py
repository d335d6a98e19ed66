"""Convolutions (`tf.nn.conv1d/2d/3d`, transposed, depthwise, separable, atrous, `tf.nn.convolution`).

Three ops cover them all, for any number of spatial dimensions:

- `Conv(x, w)`: the N-d convolution (TF's cross-correlation) with attrs `strides`, `dilations`, `padding` ("SAME",
  "VALID" or explicit pairs) and `channels_first`. The filter is TF's `[*window, in_depth / groups, out_depth]`
  (HWIO); the number of groups is `in_depth // filter in_depth`, so a depthwise convolution is a grouped one whose
  filter was reshaped from `[kh, kw, C, M]` to `[kh, kw, 1, C * M]` (output channel `c * M + m`, as TF's).
- `ConvBackpropInput(dy, w)`: the input's gradient (= `tf.nn.conv2d_backprop_input`, = `conv2d_transpose`).
- `ConvBackpropFilter(x, dy)`: the filter's gradient (= `tf.nn.conv2d_backprop_filter`).

The three are one bilinear map B(x, w) seen from its three sides, so each one's gradient is made of the
three again (see `Conv.gradient` and friends), and derivatives of any order work.

The kernels are im2col through a strided view and one GEMM: the padded input, channels last, is viewed as
`[N, *out, *window, C]` (`xp.lib.stride_tricks.as_strided`, which CuPy has too), reshaped into the
`[N * out, window * C]` patch matrix (the only copy) and multiplied by the filter as `[window * C, O]`. The
input gradient of a unit-stride convolution is the transposed convolution, dy unfolded along the last spatial
axis only and one GEMM per offset of the other window axes, each added into a slab of dx; other strides take one
GEMM per window offset added into its strided slice (col2im). Padded copies and the unfolded dy are scratch
buffers the kernel keeps between calls, and the patch matrix reuses last step's once nothing refers to it (see
`_Im2col.recycled`). NCHW runs as NHWC between two transposes. Where the run context offers the GEMM pool
(runtime/gemm_pool.py, NumPy with the `jit` extra), 2-D convolutions with more than 16 input channels hand it
their passes instead, split by images: each image's patch rows are built and multiplied in one core's cache
(`_Im2col.pooled_forward` and friends; docs/plan-compiler.md). A run that reads no patch matrix (no filter
gradient: inference, a test-set evaluation) builds it block by block of images instead (`Conv.prune_outputs`).

Padding is TensorFlow's: "VALID" gives ceil((n - (k - 1)·d) / s) outputs; "SAME" gives ceil(n / s) and pads
`max((out - 1)·s + (k - 1)·d + 1 - n, 0)` zeros, half of them (rounded down) before and the rest after.
"""
from __future__ import annotations

import math
import threading

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, UnknownDim, known, same_dtype, static_shape
from .array_ops import _shape_from_tensor, get_static_value, reshape
from .core import apply_op, convert_to_tensor
from .result_buffers import recycled, too_big_to_keep

# --- geometry ----------------------------------------------------------------------------------------------


def _unknown(d):
    """An unknown output dim from an unknown input dim (None while building, a new symbol in the passes)."""
    return None if d is None else UnknownDim()


def out_size(n, k, s, d, padding, i=0):
    """Output length of one spatial dimension (TF's arithmetic); n may be unknown."""
    if not known(n):
        return _unknown(n)
    eff = (k - 1) * d + 1
    if padding == "SAME":
        return -(-n // s)
    if padding == "VALID":
        if n < eff:
            raise ValueError(f"Negative dimension size caused by subtracting {eff} from {n}")
        return (n - eff) // s + 1
    b, a = padding[i]
    if n + b + a < eff:
        raise ValueError(f"Negative dimension size caused by subtracting {eff} from {n + b + a}")
    return (n + b + a - eff) // s + 1


def same_pads(n, k, s, d):
    """TF's SAME padding of one dimension: (before, after) with the odd one after."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def geometry(sizes, ks, strides, dils, padding):
    """(outs, pads) for spatial `sizes` (ints): output lengths and (before, after) pads per dimension."""
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(sizes, ks, strides, dils)):
        outs.append(out_size(n, k, s, d, padding, i))
        if padding == "SAME":
            pads.append(same_pads(n, k, s, d))
        elif padding == "VALID":
            pads.append((0, 0))
        else:
            pads.append(tuple(padding[i]))
    return tuple(outs), tuple(pads)


def padded(xp, x, axes, pads, value=0, buffer=None):
    """`x` padded with `value` along `axes` ((before, after) each), or `x` itself when nothing is padded.
    `buffer(shape, dtype)`, when given, supplies the result: one whose border already holds `value`."""
    if not any(b or a for b, a in pads):
        return x
    shp = list(x.shape)
    inner = [slice(None)] * x.ndim
    for ax, (b, a) in zip(axes, pads):
        inner[ax] = slice(b, b + shp[ax])
        shp[ax] += b + a
    if buffer is not None:
        out = buffer(tuple(shp), x.dtype)
    else:
        out = xp.full(tuple(shp), value, x.dtype) if value else xp.zeros(tuple(shp), x.dtype)
    out[tuple(inner)] = x
    return out


def cropped(x, axes, pads):
    """The inverse of `padded`: the part of `x` inside the pads (a view)."""
    if not any(b or a for b, a in pads):
        return x
    idx = [slice(None)] * x.ndim
    for ax, (b, a) in zip(axes, pads):
        idx[ax] = slice(b, x.shape[ax] - a)
    return x[tuple(idx)]


def window_slices(ndim, axes, outs, ks, strides, dils=None):
    """One index tuple per window offset (row-major over the window): the strided slice of the padded input
    that the offset reads for every output position."""
    dils = dils or (1,) * len(ks)
    out = []
    for offs in np.ndindex(*ks):
        idx = [slice(None)] * ndim
        for ax, o, k, s, d in zip(axes, outs, offs, strides, dils):
            idx[ax] = slice(k * d, k * d + s * (o - 1) + 1, s)
        out.append(tuple(idx))
    return out


def _matmul(ctx, dtype):
    """float32 products honour the session's matmul precision, as MatMul does."""
    return ctx.matmul_f32 if dtype == dtypes.float32 else ctx.xp.matmul


def _to_last(x, n):
    """NC... -> N...C (a view)."""
    return x.transpose((0,) + tuple(range(2, n + 2)) + (1,))


def _to_first(x, n):
    """N...C -> NC... (a view)."""
    return x.transpose((0, n + 1) + tuple(range(1, n + 1)))


def _fmt_shape(s):
    if s is None:
        return "<unknown>"
    return "[" + ",".join("?" if not known(d) else str(d) for d in s) + "]"


# --- the im2col kernels -------------------------------------------------------------------------------------

_FEW_CHANNELS = 16  # up to this many input channels the patch matrix is built column-major (`_Im2col.cols`)
#: the most bytes of patch matrix a convolution that need not keep it builds at once (`_Im2col.blocked_forward`)
BLOCK_BYTES = 8 << 20


class _Im2col:
    """im2col / col2im and the three GEMMs for one op's attrs; geometry cached per input shape."""

    def __init__(self, op, ctx):
        a = op.attrs
        self.xp, self.n = ctx.xp, len(a["strides"])
        self.strides, self.dils, self.padding = a["strides"], a["dilations"], a["padding"]
        self.first = a["channels_first"]
        self.mm = _matmul(ctx, op.outputs[0].dtype.base_dtype)
        self.as_strided = ctx.xp.lib.stride_tricks.as_strided
        self.pool = ctx.conv_pool if self.n == 2 else None  # runtime/gemm_pool.py's convolution passes
        self._geo = {}
        self._local = threading.local()

    def kept(self, name, shape, dtype):
        """A scratch buffer that never leaves the kernel, kept from one call to the next (one per thread; up to
        result_buffers.KEEP_BYTES): fresh pages of a large temporary cost about as much as filling it. Zeros when
        new, so a padded copy whose interior is rewritten every call keeps its zero border."""
        bufs = self._local.__dict__
        b = bufs.get(name)
        if b is None or b.shape != shape or b.dtype != dtype:
            b = self.xp.zeros(shape, dtype)
            if too_big_to_keep(shape, dtype):
                bufs.pop(name, None)
                return b
            bufs[name] = b
        return b

    def zero_padded(self, name, x, axes, pads):
        """`padded(x)` with zeros, in a kept buffer (x itself when nothing is padded)."""
        # keyed by the pads too: widths 3 and 4 both pad to 5 under SAME k3 s2, with other borders
        return padded(self.xp, x, axes, pads, buffer=lambda shape, dt: self.kept((name, pads), shape, dt))

    def recycled(self, name, shape, dtype, order="C"):
        """A buffer for a result: the array this kernel returned under `name` last time (per thread) when nothing
        refers to it any more, else a new one (result_buffers.py): the plan drops a step's patch matrix once the
        filter gradient has read it, and the next step writes into the same pages."""
        return recycled(self._local.__dict__, (name, order), self.xp, shape, dtype, order)

    def unfold(self, name, view, rows, cols):
        """The strided `view` copied into a [rows, cols] matrix: a result (`name` None) or the kept buffer."""
        shape = (rows, cols)
        out = self.recycled("cols", shape, view.dtype) if name is None else self.kept(name, shape, view.dtype)
        self.xp.copyto(out.reshape(view.shape), view)
        return out

    def geo(self, xshape, ks):
        key = (xshape, ks)
        g = self._geo.get(key)
        if g is None:
            outs, pads = geometry(xshape[1:-1], ks, self.strides, self.dils, self.padding)
            g = self._geo[key] = (outs, pads, tuple(range(1, self.n + 1)))
        return g

    def cols(self, x, ks):
        """x (channels last) -> (patch matrix [N * out, K * C], outs). With few channels the matrix is
        column-major, filled by one copy per window offset from a channels-first padded copy of x: each copies
        whole image rows where the patch view copies C elements at a time, and BLAS takes it at least as fast
        (W5's first layer, C = 1: the copy 1.1 -> 0.35 ms)."""
        outs, pads, axes = self.geo(x.shape, ks)
        n, c = x.shape[0], x.shape[-1]
        unpadded = not any(b or a for b, a in pads)
        if all(k == 1 for k in ks) and all(s == 1 for s in self.strides) and unpadded:
            return x.reshape(-1, c), outs
        rows, width = n * math.prod(outs), math.prod(ks) * c
        if c <= _FEW_CHANNELS:
            first = tuple(range(2, self.n + 2))
            xt = self.zero_padded("xt", x.transpose(self.n + 1, *range(self.n + 1)), first, pads)  # [C, N, ...]
            out = self.recycled("cols", (rows, width), x.dtype, order="F")
            part = out.T.reshape(-1, c, n, *outs)
            for j, idx in enumerate(window_slices(self.n + 2, first, outs, ks, self.strides, self.dils)):
                part[j] = xt[idx]
            return out, outs
        xp_ = self.zero_padded("x", x, axes, pads)
        st = xp_.strides
        view = self.as_strided(
            xp_, (n, *outs, *ks, c),
            (st[0], *(st[1 + i] * s for i, s in enumerate(self.strides)),
             *(st[1 + i] * d for i, d in enumerate(self.dils)), st[-1]))
        return self.unfold(None, view, rows, width), outs  # a new array: Conv returns it

    def _pooled_geometry(self, x, ks, wc):
        """(outs, pads, scratch) where the GEMM pool takes a 2-D, one-group convolution's passes over input x
        (channels last), else None: the pool not running, few channels (the column-major patch matrix does
        better), a 1x1 unit-stride filter (no patch matrix), images too large for a thread's scratch."""
        c = x.shape[-1]
        if self.pool is None or c <= _FEW_CHANNELS or wc != c or x.dtype.char not in "fd":
            return None
        outs, pads, _ = self.geo(x.shape, ks)
        if all(k == 1 for k in ks) and all(s == 1 for s in self.strides) and not any(b or a for b, a in pads):
            return None
        size = self.pool.conv_scratch(math.prod(outs) * math.prod(ks) * c * x.itemsize)
        if size is None:
            return None
        return outs, pads, self.kept("patches", (size[0], size[1] // x.itemsize), x.dtype)

    def pooled_forward(self, x, w):
        """y of a convolution split over the GEMM pool's threads by images (runtime/gemm_pool.py
        `conv_forward`: each image's patch rows multiplied while in its core's cache; the same products as `cols`
        and `forward` make, row for row, with no patch matrix kept); None where the pool does not take it."""
        geo = self._pooled_geometry(x, w.shape[:-2], w.shape[-2])
        if geo is None:
            return None
        outs, pads, scratch = geo
        y = self.xp.empty((x.shape[0], *outs, w.shape[-1]), x.dtype)
        if self.pool.conv_forward(np.ascontiguousarray(x), np.ascontiguousarray(w, x.dtype), y, self.strides,
                                  self.dils, pads, scratch):
            return y
        return None

    def pooled_filter_grad(self, x, dy, wshape):
        """The filter gradient split over the GEMM pool's threads (runtime/gemm_pool.py `conv_filter_grad`):
        partial sums over fixed blocks of images, added in order (the same sums whatever the number of threads;
        within float rounding of the one-GEMM `filter_grad`); None where the pool does not take it."""
        geo = self._pooled_geometry(x, wshape[:-2], wshape[-2])
        if geo is None or dy.dtype != x.dtype:
            return None
        outs, pads, scratch = geo
        partials = self.xp.empty((self.pool.filter_blocks(x.shape[0]), wshape[-1], math.prod(wshape[:-1])),
                                 x.dtype)  # transposed, [O, K·C] per block
        if self.pool.conv_filter_grad(np.ascontiguousarray(x), np.ascontiguousarray(dy), partials, wshape,
                                      self.strides, self.dils, pads, scratch):
            return np.ascontiguousarray(partials.sum(axis=0).T).reshape(wshape)
        return None

    def col2im(self, cols, xshape, ks):
        """The adjoint of `cols`: [N * out, K * C] scattered (summed) back onto an input of `xshape`."""
        outs, pads, axes = self.geo(xshape, ks)
        n, c = xshape[0], xshape[-1]
        if all(k == 1 for k in ks) and all(s == 1 for s in self.strides) and not any(b or a for b, a in pads):
            return cols.reshape(xshape)
        pshape = (n, *(d + b + a for d, (b, a) in zip(xshape[1:-1], pads)), c)
        dxp = self.xp.zeros(pshape, cols.dtype)
        cols = cols.reshape(n, *outs, math.prod(ks), c)
        for j, idx in enumerate(window_slices(self.n + 2, axes, outs, ks, self.strides, self.dils)):
            dxp[idx] += cols[(slice(None),) * (self.n + 1) + (j,)]
        return cropped(dxp, axes, pads)

    def input_grad(self, dy2, w, xshape):
        """col2im(dy2 @ w2ᵀ) without the [M, K * C] intermediate: per window offset one GEMM [M, O] @ [O, C],
        added straight into its strided slice of the input gradient (ungrouped; a third less time than one big
        GEMM and a scatter from the strided patch columns, and K times less memory). Unit strides and dilations
        take `_unit_input_grad` instead."""
        ks, c = w.shape[:-2], w.shape[-2]
        outs, pads, axes = self.geo(xshape, ks)
        # the unit-stride path unfolds dy k_last times per input position: cheap for a 5x5 filter, but a filter as
        # wide as its input (a text CNN's [3, 128] over 128 embedding columns) would unfold to gigabytes; then
        # the per-offset GEMMs below, whose memory is the input gradient's
        unfolded = xshape[0] * math.prod(outs[:-1]) * xshape[-2] * ks[-1] * w.shape[-1]
        if all(s == 1 for s in self.strides) and all(d == 1 for d in self.dils) \
                and unfolded <= 2 * xshape[0] * math.prod(outs) * math.prod(ks) * c:
            return self._unit_input_grad(dy2.reshape(xshape[0], *outs, w.shape[-1]), w, xshape, outs, pads)
        wk = w.reshape(math.prod(ks), c, w.shape[-1])
        if len(wk) == 1 and all(s == 1 for s in self.strides) and not any(b or a for b, a in pads):
            return self.mm(dy2, wk[0].T).reshape(xshape)
        if c == 1 and len(wk) <= w.shape[-1]:
            # one input channel (a grayscale image's first layer, 5x5x1x64 in a GAN's discriminator): per-offset
            # products would each read dy whole for a column of result; one GEMM reads it once, and its [M, K]
            # result, no bigger than dy, is scattered back: 3.1 -> 1.3 ms for 32 MNIST images through 5x5x1x64.
            # (With 3 channels the scatter's short rows cost more than the reads saved: 4.0 -> 4.9 ms.)
            return self.col2im(self.mm(dy2, w.reshape(-1, w.shape[-1]).T), xshape, ks)
        pshape = (xshape[0], *(d + b + a for d, (b, a) in zip(xshape[1:-1], pads)), c)
        dxp = self.xp.zeros(pshape, dy2.dtype)
        part = (xshape[0], *outs, c)
        for j, idx in enumerate(window_slices(self.n + 2, axes, outs, ks, self.strides, self.dils)):
            dxp[idx] += self.mm(dy2, wk[j].T).reshape(part)
        return cropped(dxp, axes, pads)

    def _unit_input_grad(self, dy, w, xshape, outs, pads):
        """The input gradient of a unit-stride, undilated convolution as the transposed convolution, with the
        sum over the last window axis inside the GEMMs: dy, zero-padded along the last spatial axis, is unfolded
        into [rows, k_last * O] (dx's positions along that axis, dy's along the others; one strided copy of
        k_last times dy), then per offset `lead` of the other window axes one GEMM with the flipped filter
        [k_last * O, C] gives a slab of dx, added into it shifted by the offset: k / k_last adds, each over
        contiguous rows, instead of k strided ones (col2im), and GEMMs k_last times wider than one per offset."""
        ks, c, o = w.shape[:-2], w.shape[-2], w.shape[-1]
        kl, (pl, _), wout, win = ks[-1], pads[-1], outs[-1], xshape[-2]
        if self.pool is not None and dy.dtype.char in "fd" and w.dtype == dy.dtype:
            dx = self.pooled_input_grad(dy, w, xshape, pads)
            if dx is not None:
                return dx
        # dyw[..., q, j, :] = dy[..., q + pl - (kl - 1 - j), :]: dy shifted by lo = kl - 1 - pl along the axis
        lo = kl - 1 - pl
        src = slice(max(0, -lo), min(wout, win + kl - 1 - lo))
        dyl = self.zero_padded("dy", dy[..., src, :], (dy.ndim - 2,), ((src.start + lo, win + kl - 1 - lo - src.stop),))
        st = dyl.strides
        dyw = self.as_strided(dyl, (*dy.shape[:-2], win, kl, o), (*st[:-2], st[-2], st[-2], st[-1]))
        dyw = self.unfold("dyw", dyw, math.prod(dy.shape[:-2]) * win, kl * o)
        wf = w[..., ::-1, :, :].swapaxes(-1, -2).reshape(-1, kl * o, c)  # [lead, (j, o), c], j flipped
        lead_ks, lead_outs = ks[:-1], outs[:-1]
        part = (xshape[0], *lead_outs, win, c)
        if not lead_ks:
            return self.mm(dyw, wf[0]).reshape(part)
        dx = self.xp.zeros(xshape, dy.dtype)
        for j, offs in enumerate(np.ndindex(*lead_ks)):
            dst, src = [slice(None)], [slice(None)]
            for i, n, m, (b, _) in zip(offs, xshape[1:-2], lead_outs, pads[:-1]):
                lo_i, hi_i = max(0, i - b), min(n, m + i - b)  # dx rows h whose dy row h + b - i exists
                dst.append(slice(lo_i, hi_i))
                src.append(slice(lo_i + b - i, hi_i + b - i))
            if all(d.start < d.stop for d in dst[1:]):
                dx[tuple(dst)] += self.mm(dyw, wf[j]).reshape(part)[tuple(src)]
        return dx

    def pooled_input_grad(self, dy, w, xshape, pads):
        """`_unit_input_grad` of a 2-D convolution image by image over the GEMM pool's threads
        (runtime/gemm_pool.py `conv_input_grad`: the same products, rows for rows, added in the same order);
        None where the pool does not take it."""
        kh, kw, c, o = w.shape
        size = self.pool.conv_scratch(dy.shape[1] * xshape[-2] * kw * o * dy.itemsize)
        if size is None:
            return None
        scratch = self.kept("unfolded", (size[0], size[1] // dy.itemsize), dy.dtype)
        wf = self.kept("wf", (kh, kw * o, c), w.dtype)
        wf.reshape(kh, kw, o, c)[...] = w[:, ::-1].swapaxes(-1, -2)
        dx = self.xp.zeros(xshape, dy.dtype)
        if self.pool.conv_input_grad(np.ascontiguousarray(dy), wf, dx, pads, scratch):
            return dx
        return None

    def blocked_forward(self, x, w):
        """y (channels last) made block by block of images, each block's patch matrix at most BLOCK_BYTES (in
        one buffer the blocks share): for a run that does not read the patch matrix (inference, evaluation), whose
        whole patch matrix for a big batch would take gigabytes (10,000 MNIST images through a 3x3x32 layer:
        2.3 GB, written and read back from memory). The same rows multiplied by the same filter as `cols` and
        `forward` make."""
        ks, groups = w.shape[:-2], x.shape[-1] // w.shape[-2]
        outs, _, _ = self.geo(x.shape, ks)
        n, o = x.shape[0], w.shape[-1]
        per_image = max(1, math.prod(outs) * math.prod(ks) * x.shape[-1] * x.itemsize)
        step = max(1, BLOCK_BYTES // per_image)
        if step >= n:
            cols, outs = self.cols(x, ks)
            return self.forward(cols, w, groups).reshape(n, *outs, o)
        y = self.xp.empty((n, *outs, o), x.dtype)
        for i in range(0, n, step):
            cols, _ = self.cols(x[i:i + step], ks)
            yb = y[i:i + step].reshape(-1, o)
            if groups == 1 and cols.dtype.char in "fd" and cols.dtype == w.dtype:
                self.mm(cols, w.reshape(-1, o), out=yb)
            else:
                yb[...] = self.forward(cols, w, groups)
            del cols   # its buffer is the next block's (`recycled`)
        return y

    # The GEMMs, with groups: the filter is [K, Cg, G * Og]; patch column k * C + g * Cg + c.
    def forward(self, cols, w, groups):
        k, cg, o = math.prod(w.shape[:-2]), w.shape[-2], w.shape[-1]
        if groups == 1:
            return self.mm(cols, w.reshape(k * cg, o))
        m, og = cols.shape[0], o // groups
        cg_ = cols.reshape(m, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, k * cg)
        wg = w.reshape(k, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k * cg, og)
        return self.mm(cg_, wg).transpose(1, 0, 2).reshape(m, o)

    def input_cols(self, dy2, w, groups):
        """dy [M, O] -> patch-matrix gradient [M, K * C]."""
        k, cg, o = math.prod(w.shape[:-2]), w.shape[-2], w.shape[-1]
        if groups == 1:
            return self.mm(dy2, w.reshape(k * cg, o).T)
        m, og = dy2.shape[0], o // groups
        dyg = dy2.reshape(m, groups, og).transpose(1, 0, 2)
        wg = w.reshape(k, cg, groups, og).transpose(2, 3, 0, 1).reshape(groups, og, k * cg)
        out = self.mm(dyg, wg)  # [G, M, K * Cg]
        return out.reshape(groups, m, k, cg).transpose(1, 2, 0, 3).reshape(m, k * groups * cg)

    def filter_grad(self, cols, dy2, wshape, groups):
        ks, cg, o = wshape[:-2], wshape[-2], wshape[-1]
        k = math.prod(ks)
        if groups == 1:
            if k * cg < o and not cols.flags.f_contiguous:  # a thin row-major patch matrix: BLAS does better
                return self.mm(dy2.T, cols).T.reshape(wshape)  # with the long axis inside (column-major has it)
            return self.mm(cols.T, dy2).reshape(wshape)
        m, og = cols.shape[0], o // groups
        cg_ = cols.reshape(m, k, groups, cg).transpose(2, 3, 1, 0).reshape(groups, cg * k, m)
        dyg = dy2.reshape(m, groups, og).transpose(1, 0, 2)
        out = self.mm(cg_, dyg)  # [G, Cg * K, Og]
        out = out.reshape(groups, cg, k, og).transpose(2, 1, 0, 3)  # [K, Cg, G, Og]
        return out.reshape(wshape)


# --- the ops ------------------------------------------------------------------------------------------------


def _conv_attrs(op):
    a = op.attrs
    return {k: a[k] for k in ("strides", "dilations", "padding", "channels_first")}


def _split(s, n, first):
    """(batch, spatial dims, channels) of an input shape."""
    if first:
        return s[0], tuple(s[2:]), s[1]
    return s[0], tuple(s[1:-1]), s[-1]


def _join(b, spatial, c, first):
    return (b, c, *spatial) if first else (b, *spatial, c)


def _op_label(op):
    return op.attrs.get("label", op.type)


def _check_rank(op, s, n, what):
    if s is not None and len(s) != n + 2:
        raise ValueError(f"Shape must be rank {n + 2} but is rank {len(s)} for '{op.name}' (op: "
                         f"'{_op_label(op)}'): {what} has shape {_fmt_shape(s)}")


def _groups(op, c, wc, xs, ws):
    """in_depth / filter in_depth, or the ValueError TF gives (naming both shapes)."""
    if not (known(c) and known(wc)):
        return None
    if wc == 0 or c % wc:
        raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of filter ({wc}) for "
                         f"'{op.name}' (op: '{_op_label(op)}') with input shapes: {_fmt_shape(xs)}, "
                         f"{_fmt_shape(ws)}.")
    return c // wc


class _ConvOp(OpDef):
    """What the three convolution ops share: two float operands of one dtype, a new result every run."""

    allocates = True
    reads_only = True
    large_products = True  # im2col GEMMs

    def infer(op):
        dt = same_dtype(op, *op.inputs[:2])
        if not dt.is_floating:
            raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name} not in list of allowed "
                            "values: half, bfloat16, float32, float64")
        return [(op.op_def.shape_rule(op, *[static_shape(t) for t in op.inputs]), dt)]


class Conv(_ConvOp):
    """y = conv(x, w): TF's N-d convolution (Conv2D, Conv3D, DepthwiseConv2dNative, Conv1D through one op).

    Its second output is the patch matrix [N * out, K * C] (channels last) the product was made from: the filter
    gradient reads it instead of building it again (a training step makes each patch matrix once). Where the
    GEMM pool splits the passes by images (`_Im2col.pooled_forward`), each pass builds its images' rows in cache
    and the second output is None."""

    type = "Conv"
    allocates = (0,)  # y is new every run (a bias add and ReLU continue it in place); the patch matrix may be kept

    def infer(op):
        (y, dt), = _ConvOp.infer(op)
        xs, ws = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        n, first = len(op.attrs["strides"]), op.attrs["channels_first"]
        rows = width = None
        if y is not None:
            b, spatial, _ = _split(y, n, first)
            rows = b * math.prod(spatial) if b is not None and None not in spatial else None
        if xs is not None and ws is not None and None not in ws[:-2]:
            c = _split(xs, n, first)[2]
            width = None if c is None else math.prod(ws[:-2]) * c
        return [(y, dt), ((rows, width), dt)]

    def shape_rule(op, xs, ws):
        a = op.attrs
        n, first = len(a["strides"]), a["channels_first"]
        _check_rank(op, xs, n, "input")
        _check_rank(op, ws, n, "filter")
        if xs is None:
            return None if ws is None else (None,) * (n + 2)
        b, spatial, c = _split(xs, n, first)
        o = None
        if ws is not None:
            groups = _groups(op, c, ws[-2], xs, ws)
            o = ws[-1]
            if groups and known(o) and o % groups:
                raise ValueError(f"Output depth of filter ({o}) is not a multiple of the number of groups "
                                 f"({groups}) for '{op.name}' (op: '{_op_label(op)}') with input shapes: "
                                 f"{_fmt_shape(xs)}, {_fmt_shape(ws)}.")
            if all(known(k) for k in ws[:-2]):
                try:
                    spatial = tuple(out_size(d, k, s, dl, a["padding"], i) for i, (d, k, s, dl) in
                                    enumerate(zip(spatial, ws[:-2], a["strides"], a["dilations"])))
                except ValueError as e:
                    raise ValueError(f"{e} for '{op.name}' (op: '{_op_label(op)}') with input shapes: "
                                     f"{_fmt_shape(xs)}, {_fmt_shape(ws)}.") from None
            else:
                spatial = (None,) * n
        else:
            spatial = (None,) * n
        return _join(b, spatial, o, first)

    def kernel(op, ctx):
        im, n, first = _Im2col(op, ctx), len(op.attrs["strides"]), op.attrs["channels_first"]

        def conv(x, w):
            if first:
                x = _to_last(x, n)
            y, cols = im.pooled_forward(x, w), None
            if y is None:
                cols, outs = im.cols(x, w.shape[:-2])
                y = im.forward(cols, w, x.shape[-1] // w.shape[-2]).reshape(x.shape[0], *outs, w.shape[-1])
            return (_to_first(y, n) if first else y), cols
        return conv

    def prune_outputs(op, used, ctx):
        """Where the run reads no patch matrix (no filter gradient: inference, an evaluation over a test set), y
        alone, made block by block of images (`_Im2col.blocked_forward`)."""
        if 1 in used:
            return None
        im, n, first = _Im2col(op, ctx), len(op.attrs["strides"]), op.attrs["channels_first"]

        def conv_y(x, w):
            if first:
                x = _to_last(x, n)
            y = im.pooled_forward(x, w)
            if y is None:
                y = im.blocked_forward(x, w)
            return (_to_first(y, n) if first else y), None
        return conv_y

    def gradient(op, dy, _dcols=None):
        x, w = op.inputs
        attrs = _conv_attrs(op)
        cols = op.outputs[1]
        if getattr(cols, "_value", 0) is None:  # run eagerly by the GEMM pool's passes: no patch matrix was made
            cols = None
        return [backprop_input(dy, w, x, attrs), backprop_filter(x, dy, w, attrs, cols=cols)]


class ConvBackpropInput(_ConvOp):
    """dx = B_wᵀ dy: the gradient of `Conv` with respect to its input (and `conv2d_transpose`).

    Inputs `(dy, w)` and, when the input's static shape is not enough, a third one: the input itself (read for
    its shape only, `sizes_from="like"`) or an int vector of sizes (`sizes_from="sizes"`)."""

    type = "ConvBackpropInput"
    shape_only_inputs = (2,)  # the input itself, when passed ("like"), is read for its shape only

    def shape_rule(op, dys, ws, extra=None):
        a = op.attrs
        n, first = len(a["strides"]), a["channels_first"]
        if a["sizes_from"] == "like" and extra is not None:
            return extra
        s = a["input_shape"]
        if s is None:
            return None
        if dys is not None and s[0] is None:
            s = (dys[0],) + tuple(s[1:])
        b, spatial, c = _split(s, n, first)
        if ws is not None and known(c) and known(ws[-2]):
            _groups(op, c, ws[-2], s, ws)
        return s

    def kernel(op, ctx):
        im, n, first = _Im2col(op, ctx), len(op.attrs["strides"]), op.attrs["channels_first"]
        static, mode, to_host = op.attrs["input_shape"], op.attrs["sizes_from"], ctx.to_host

        def run(dy, w, xshape):
            if first:
                dy = _to_last(dy, n)
                xshape = (xshape[0], *xshape[2:], xshape[1])
            ks = w.shape[:-2]
            groups = xshape[-1] // w.shape[-2]
            dy2 = dy.reshape(-1, dy.shape[-1])
            if groups == 1:
                dx = im.input_grad(dy2, w, tuple(xshape))
            else:
                dx = im.col2im(im.input_cols(dy2, w, groups), tuple(xshape), ks)
            return _to_first(dx, n) if first else dx

        if mode == "like":
            return lambda dy, w, like: run(dy, w, like.shape)
        if mode == "sizes":
            return lambda dy, w, sizes: run(dy, w, tuple(int(v) for v in np.asarray(to_host(sizes)).ravel()))
        if static[0] is None:
            rest = tuple(static[1:])
            return lambda dy, w: run(dy, w, (dy.shape[0],) + rest)
        return lambda dy, w: run(dy, w, tuple(static))

    def gradient(op, g):
        dy, w = op.inputs[:2]
        attrs = _conv_attrs(op)
        return [conv(g, w, attrs), backprop_filter(g, dy, w, attrs)] + [None] * (len(op.inputs) - 2)


class ConvBackpropInputSizes(ConvBackpropInput):
    """ConvBackpropInput whose third input is an int vector of sizes, read for its value (`conv2d_transpose` with
    an output shape known only at run time)."""

    type = "ConvBackpropInputSizes"
    shape_only_inputs = ()


class ConvBackpropFilter(_ConvOp):
    """dw = B_xᵀ dy: the gradient of `Conv` with respect to its filter, of the static shape `filter_shape`."""

    type = "ConvBackpropFilter"

    def shape_rule(op, xs, dys, cols=None):
        return tuple(op.attrs["filter_shape"])

    def kernel(op, ctx):
        im, n, first = _Im2col(op, ctx), len(op.attrs["strides"]), op.attrs["channels_first"]
        wshape = tuple(op.attrs["filter_shape"])
        ks = wshape[:-2]

        def run(x, dy, cols=None):
            if first:
                x, dy = _to_last(x, n), _to_last(dy, n)
            if cols is None:
                dw = im.pooled_filter_grad(x, dy, wshape)
                if dw is not None:
                    return dw
                cols, _ = im.cols(x, ks)
            return im.filter_grad(cols, dy.reshape(-1, dy.shape[-1]), wshape, x.shape[-1] // wshape[-2])
        return run

    def gradient(op, g):
        x, dy = op.inputs[:2]
        attrs = _conv_attrs(op)
        return [backprop_input(dy, g, x, attrs), conv(x, g, attrs)] + [None] * (len(op.inputs) - 2)


# --- graph builders used by gradients and the public functions ---------------------------------------------


def conv(x, w, attrs, name=None, label="Conv2D"):
    x = convert_to_tensor(x)
    return apply_op(Conv, [x, convert_to_tensor(w, dtype=x.dtype.base_dtype)], dict(attrs, label=label),
                    name or label)[0]


def backprop_input(dy, w, x, attrs, name=None, label="Conv2DBackpropInput"):
    """The input gradient for input `x` (used for its static shape, or for its run-time shape if needed)."""
    xs = static_shape(x)
    attrs = dict(attrs, label=label, input_shape=xs)
    if xs is not None and all(d is not None for d in xs[1:]):
        return apply_op(ConvBackpropInput, [dy, w], dict(attrs, sizes_from=None), name or label)
    return apply_op(ConvBackpropInput, [dy, w, x], dict(attrs, sizes_from="like"), name or label)


def backprop_input_from_sizes(dy, w, sizes, attrs, name=None, label="Conv2DBackpropInput"):
    """The input gradient for an input of `sizes` (a list or a 1-D int tensor)."""
    dy = convert_to_tensor(dy)
    w = convert_to_tensor(w, dtype=dy.dtype.base_dtype)
    v = sizes if isinstance(sizes, (list, tuple)) and all(isinstance(d, int) for d in sizes) else None
    if v is None:
        sizes_t = convert_to_tensor(sizes, dtype=None)
        part = _shape_from_tensor(sizes_t)
        if part is None:
            raise ValueError("input_sizes must be a 1-D tensor of known length")
        part = tuple(None if (d is None or d < 0) else d for d in part)
        if all(d is not None for d in part):
            v = part
        else:
            attrs = dict(attrs, label=label, input_shape=part, sizes_from="sizes")
            return apply_op(ConvBackpropInputSizes, [dy, w, sizes_t], attrs, name or label)
    attrs = dict(attrs, label=label, input_shape=tuple(int(d) for d in v), sizes_from=None)
    return apply_op(ConvBackpropInput, [dy, w], attrs, name or label)


def backprop_filter(x, dy, w_or_shape, attrs, name=None, label="Conv2DBackpropFilter", cols=None):
    """The filter gradient; `cols`, the forward Conv's patch matrix of x, saves building it again."""
    ws = w_or_shape if isinstance(w_or_shape, tuple) else static_shape(w_or_shape)
    if ws is None or any(d is None for d in ws):
        raise ValueError(f"The filter's shape must be known while building the graph, got {_fmt_shape(ws)}")
    inputs = [x, dy] if cols is None else [x, dy, cols]
    return apply_op(ConvBackpropFilter, inputs, dict(attrs, label=label, filter_shape=tuple(ws)), name or label)


# --- argument normalization (TF's spellings) ---------------------------------------------------------------

_FIRST = {"NCW", "NCHW", "NCDHW", "NC...", "channels_first"}
_LAST = {None, "NWC", "NHWC", "NDHWC", "N...C", "channels_last"}


def channels_first(data_format):
    if data_format in _FIRST:
        return True
    if data_format in _LAST:
        return False
    raise ValueError(f"Unknown data_format: {data_format}")


def spatial_arg(value, n, first, what, default=1):
    """An int, n ints, or n + 2 ints with 1 at the batch and channel positions -> n ints."""
    if value is None:
        return (default,) * n
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    v = [int(d) for d in value]
    if len(v) == 1:
        return (v[0],) * n
    if len(v) == n:
        return tuple(v)
    if len(v) == n + 2:
        outer = (v[0], v[1]) if first else (v[0], v[-1])
        if outer != (1, 1):
            raise ValueError(f"Current implementation does not yet support {what} in the batch and depth "
                             f"dimensions, got {what}={v}")
        return tuple(v[2:]) if first else tuple(v[1:-1])
    raise ValueError(f"{what} should be of length 1, {n} or {n + 2} but was {len(v)}")


def padding_arg(padding, n, first):
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit pairs, got {padding!r}")
        return p
    v = [tuple(int(d) for d in pair) for pair in padding]
    if len(v) == n + 2:
        outer = (v[0], v[1]) if first else (v[0], v[-1])
        if outer != ((0, 0), (0, 0)):
            raise ValueError("Explicit padding in the batch and depth dimensions must be 0")
        v = v[2:] if first else v[1:-1]
    if len(v) != n or any(len(pair) != 2 or min(pair) < 0 for pair in v):
        raise ValueError(f"explicit padding must be {n + 2} non-negative (before, after) pairs, got {padding!r}")
    return tuple(v)


def _rank_of(x, n_default=None):
    s = static_shape(x)
    if s is None:
        if n_default is None:
            raise ValueError("The input's rank must be known while building the graph")
        return n_default
    return len(s) - 2


def _attrs(n, strides, dilations, padding, data_format):
    first = channels_first(data_format)
    return {"strides": spatial_arg(strides, n, first, "strides"),
            "dilations": spatial_arg(dilations, n, first, "dilations"),
            "padding": padding_arg(padding, n, first), "channels_first": first}


def _check_dilated_strides(attrs):
    if any(s > 1 for s in attrs["strides"]) and any(d > 1 for d in attrs["dilations"]):
        raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")


def _first_of(*values):
    for v in values:
        if v is not None:
            return v
    return None


# --- tf.nn ---------------------------------------------------------------------------------------------------


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None,  # noqa: A002
                data_format=None, filters=None, dilations=None):
    """N-d convolution (N from the filter's rank): `tf.nn.convolution`."""
    filter = _first_of(filter, filters)
    with name_scope(name, "convolution", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        ws = static_shape(w)
        n = len(ws) - 2 if ws is not None else _rank_of(x)
        attrs = _attrs(n, strides, _first_of(dilation_rate, dilations), padding, data_format)
        _check_dilated_strides(attrs)
        return conv(x, w, attrs, scope, label=f"Conv{n}D" if n > 1 else "Conv1D")


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None, data_format=None,
           name=None, input=None, dilations=None):  # noqa: A002
    """1-D convolution of [batch, width, channels] (NWC; or NCW) with a [width, in, out] filter."""
    value = _first_of(value, input)
    if data_format in ("NHWC", "NCHW"):  # TF1 also took the 2-D spellings
        data_format = {"NHWC": "NWC", "NCHW": "NCW"}[data_format]
    with name_scope(name, "conv1d", [value, filters]) as scope:
        x = convert_to_tensor(value, name="input")
        w = convert_to_tensor(filters, dtype=x.dtype.base_dtype, name="filters")
        return conv(x, w, _attrs(1, stride, dilations, padding, data_format), scope, label="Conv1D")


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",  # noqa: A002
           dilations=None, name=None, filters=None):
    """2-D convolution of NHWC (or NCHW) input with an HWIO filter; op `Conv2D`."""
    filter = _first_of(filter, filters)
    with name_scope(name, "Conv2D", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return conv(x, w, _attrs(2, strides, dilations, padding, data_format), scope, label="Conv2D")


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC", dilations=None, name=None,  # noqa: A002
           filters=None):
    """3-D convolution of NDHWC (or NCDHW) input with a DHWIO filter; op `Conv3D`."""
    filter = _first_of(filter, filters)
    with name_scope(name, "Conv3D", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return conv(x, w, _attrs(3, strides, dilations, padding, data_format), scope, label="Conv3D")


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format="NHWC", dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to an input of `input_sizes`; an op of its own, differentiable."""
    filter = _first_of(filter, filters)
    with name_scope(name, "Conv2DBackpropInput", [filter, out_backprop]) as scope:
        dy = convert_to_tensor(out_backprop, name="out_backprop")
        w = convert_to_tensor(filter, dtype=dy.dtype.base_dtype, name="filter")
        return backprop_input_from_sizes(dy, w, input_sizes, _attrs(2, strides, dilations, padding, data_format),
                                         scope)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                           data_format="NHWC", dilations=None, name=None):
    """The gradient of conv2d with respect to a filter of `filter_sizes` (known while building)."""
    with name_scope(name, "Conv2DBackpropFilter", [input, out_backprop]) as scope:
        x = convert_to_tensor(input, name="input")
        dy = convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop")
        v = get_static_value(filter_sizes)
        if v is None:
            raise ValueError("filter_sizes must be known while building the graph")
        return backprop_filter(x, dy, tuple(int(d) for d in np.reshape(v, -1)),
                               _attrs(2, strides, dilations, padding, data_format), scope)


def _conv_transpose(n, value, filter, output_shape, strides, padding, data_format, dilations, name, default,
                    label):
    with name_scope(name, default, [value, filter, output_shape]) as scope:
        dy = convert_to_tensor(value, name="value")
        w = convert_to_tensor(filter, dtype=dy.dtype.base_dtype, name="filter")
        attrs = _attrs(n, strides, dilations, padding, data_format)
        ws, ds = static_shape(w), static_shape(dy)
        o = ds[1] if attrs["channels_first"] else ds[-1] if ds is not None else None
        if ws is not None and known(o) and ws[-1] != o:
            raise ValueError(f"input channels does not match filter's input channels, {o} != {ws[-1]}")
        out = backprop_input_from_sizes(dy, w, output_shape, attrs, scope, label=label)
        return out


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):
    """The transpose (gradient) of conv2d: `value` [N, H, W, out] to `output_shape`, filter [h, w, out, in]."""
    return _conv_transpose(2, _first_of(value, input), _first_of(filter, filters), output_shape, strides, padding,
                           data_format, dilations, name, "conv2d_transpose", "conv2d_transpose")


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",  # noqa: A002
                     dilations=None, name=None):
    return _conv_transpose(1, input, filters, output_shape, strides, padding, data_format, dilations, name,
                           "conv1d_transpose", "conv1d_transpose")


def conv3d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NDHWC", name=None, input=None, filters=None, dilations=None):
    return _conv_transpose(3, _first_of(value, input), _first_of(filter, filters), output_shape, strides, padding,
                           data_format, dilations, name, "conv3d_transpose", "conv3d_transpose")


def _depthwise(x, w, attrs, name, label):
    """Depthwise convolution as a grouped one: filter [*k, C, M] viewed as [*k, 1, C * M]."""
    ws = static_shape(w)
    if ws is None or any(d is None for d in ws):
        raise ValueError("The depthwise filter's shape must be known while building the graph")
    xs = static_shape(x)
    if xs is not None:
        c = xs[1] if attrs["channels_first"] else xs[-1]
        if known(c) and c != ws[-2]:
            raise ValueError(f"Dimensions must be equal, but are {c} and {ws[-2]} for '{name.rstrip('/')}' "
                             f"(op: 'DepthwiseConv2dNative') with input shapes: {_fmt_shape(xs)}, "
                             f"{_fmt_shape(ws)}.")
    w2 = reshape(w, list(ws[:-2]) + [1, ws[-2] * ws[-1]])
    return conv(x, w2, attrs, name, label=label)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """Each input channel convolved with its own `channel_multiplier` filters: [kh, kw, C, M] -> C * M outputs."""
    with name_scope(name, "depthwise", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        attrs = _attrs(2, strides, _first_of(rate, dilations), padding, data_format)
        _check_dilated_strides(attrs)
        return _depthwise(x, w, attrs, scope, "DepthwiseConv2dNative")


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
                            name=None):
    with name_scope(name, "DepthwiseConv2dNative", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        return _depthwise(x, w, _attrs(2, strides, dilations, padding, data_format), scope, "DepthwiseConv2dNative")


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """A depthwise convolution, then a 1x1 convolution mixing its channels (pointwise filter [1, 1, C*M, O])."""
    with name_scope(name, "separable_conv2d", [input, depthwise_filter, pointwise_filter]) as scope:
        x = convert_to_tensor(input, name="input")
        dw = convert_to_tensor(depthwise_filter, dtype=x.dtype.base_dtype, name="depthwise_filter")
        pw = convert_to_tensor(pointwise_filter, dtype=x.dtype.base_dtype, name="pointwise_filter")
        ps = static_shape(pw)
        if ps is not None and (ps[0], ps[1]) != (1, 1):
            raise ValueError(f"Shape of pointwise_filter must be [1, 1, C*M, O], got {_fmt_shape(ps)}")
        attrs = _attrs(2, strides, _first_of(rate, dilations), padding, data_format)
        _check_dilated_strides(attrs)
        h = _depthwise(x, dw, attrs, "depthwise", "DepthwiseConv2dNative")
        point = dict(attrs, strides=(1, 1), dilations=(1, 1), padding="VALID")
        return conv(h, pw, point, scope, label="Conv2D")


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with dilation `rate` in both spatial dimensions (strides 1)."""
    with name_scope(name, "convolution", [value, filters]) as scope:
        x = convert_to_tensor(value, name="value")
        w = convert_to_tensor(filters, dtype=x.dtype.base_dtype, name="filters")
        if int(rate) < 1:
            raise ValueError(f"rate {rate} should be greater than 0")
        return conv(x, w, _attrs(2, 1, int(rate), padding, "NHWC"), scope, label="Conv2D")


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    return _conv_transpose(2, value, filters, output_shape, 1, padding, "NHWC", int(rate), name,
                           "atrous_conv2d_transpose", "conv2d_transpose")


__all__ = [
    "convolution", "conv1d", "conv2d", "conv3d", "conv2d_backprop_input", "conv2d_backprop_filter",
    "conv1d_transpose", "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d", "depthwise_conv2d_native",
    "separable_conv2d", "atrous_conv2d", "atrous_conv2d_transpose",
]

"""Pooling (`tf.nn.max_pool`, `avg_pool` in 1-D, 2-D and 3-D, `max_pool_with_argmax`, `tf.nn.pool`).

Ops, for any number of spatial dimensions and either channel position:

- `MaxPool(x)`: the maximum of each window (padding with -inf, so SAME windows see only real elements); the
  kernel takes the elementwise maximum of one strided slice per window offset, no copy of the windows.
- `MaxPoolGrad(x, y, dy)`: routes each window's gradient to its maximum (the first one in row-major window
  order when several tie, as TF's CPU kernel), summing where windows overlap. Windows that tile the input
  (2x2 pooling of even sizes) are read through a reshaped view of x and written once, without padding. 2-D NHWC
  windows with SAME or VALID padding have compiled loops too (runtime/jitlib.py `max_pool_*`), which islands and,
  once loaded, the kernels run: the same values bit for bit.
- `MaxPoolGradGrad(x, y, g)`: the adjoint of the routing (each window reads g at its maximum); the two are each
  other's gradient, so max pooling differentiates to any order.
- `AvgPool(x)` and `AvgPoolGrad(dy)`: the mean over the window's real elements (TF's SAME average divides by the
  number of elements inside the input, not by the window size), and its adjoint; again each other's gradient.
- `MaxPoolWithArgmax(x)`: the maximum and the flat index of where it was, ((y·W + x)·C + c) per image, or with
  the batch (TF's `include_batch_in_index`).
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, equal_shapes, same_dtype, static_shape
from .conv_ops import (
    _fmt_shape,
    channels_first,
    cropped,
    geometry,
    out_size,
    padded,
    padding_arg,
    spatial_arg,
    window_slices,
)
from .core import apply_op, convert_to_tensor


def _axes(n, first):
    return tuple(range(2, n + 2)) if first else tuple(range(1, n + 1))


def _pool_attrs(op):
    a = op.attrs
    return {k: a[k] for k in ("ksize", "strides", "padding", "channels_first", "label")}


class _Geo:
    """Output sizes, pads and window slices of one op for one input shape (cached)."""

    def __init__(self, op):
        a = op.attrs
        self.ks, self.strides, self.padding = a["ksize"], a["strides"], a["padding"]
        self.n = len(self.ks)
        self.axes = _axes(self.n, a["channels_first"])
        self._cache = {}

    def __call__(self, xshape):
        g = self._cache.get(xshape)
        if g is None:
            sizes = [xshape[ax] for ax in self.axes]
            outs, pads = geometry(sizes, self.ks, self.strides, (1,) * self.n, self.padding)
            slices = window_slices(len(xshape), self.axes, outs, self.ks, self.strides)
            g = self._cache[xshape] = (outs, pads, slices)
        return g

    def tiles(self, xshape):
        """When the windows tile the input exactly (stride = window, no padding, sizes divisible: 2x2 pooling of
        even sizes), (x's shape with each pooled axis split into (out, window), one index tuple per window offset
        into that view); else None. Each element of x is then in exactly one window."""
        key = ("tiles", xshape)
        if key not in self._cache:
            split, outs, t = [], [], None
            for ax, d in enumerate(xshape):
                if ax in self.axes:
                    i = self.axes.index(ax)
                    k, s = self.ks[i], self.strides[i]
                    if s != k or d % k:
                        break
                    split += [d // k, k]
                    outs.append(len(split) - 1)
                else:
                    split.append(d)
            else:
                offsets = []
                for offs in np.ndindex(*self.ks):
                    idx = [slice(None)] * len(split)
                    for pos, o in zip(outs, offs):
                        idx[pos] = o
                    offsets.append(tuple(idx))
                t = tuple(split), offsets
            self._cache[key] = t
        return self._cache[key]


def _lowest(dt):
    return -np.inf if np.dtype(dt).kind == "f" else np.iinfo(dt).min


class _Pool(OpDef):
    """Shape rule and dtype check shared by the pooling ops (output 0 has the pooled shape of input 0)."""

    allocates = True
    reads_only = True

    def infer(op):
        x = op.inputs[0]
        dt = x.dtype.base_dtype
        if not dt.is_numeric or dt.is_bool:
            raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name}; a numeric type is required")
        return [(op.op_def.shape_rule(op, static_shape(x)), dt)]

    def shape_rule(op, xs, *rest):
        a = op.attrs
        n = len(a["ksize"])
        if xs is None:
            return None
        if len(xs) != n + 2:
            raise ValueError(f"Shape must be rank {n + 2} but is rank {len(xs)} for '{op.name}' (op: "
                             f"'{a['label']}') with input shapes: {_fmt_shape(xs)}.")
        out = list(xs)
        for i, ax in enumerate(_axes(n, a["channels_first"])):
            try:
                out[ax] = out_size(xs[ax], a["ksize"][i], a["strides"][i], 1, a["padding"], i)
            except ValueError as e:
                raise ValueError(f"{e} for '{op.name}' (op: '{a['label']}') with input shapes: "
                                 f"{_fmt_shape(xs)}.") from None
        return tuple(out)


class MaxPool(_Pool):
    type = "MaxPool"
    rows_independent = True  # image by image
    jit_alone = True  # runtime/jitlib.py's loop, compiled apart from its neighbours' (OpDef.jit_alone)

    def kernel(op, ctx):
        xp, geo, maximum, compiled = ctx.xp, _Geo(op), ctx.xp.maximum, _compiled_loop(op, ctx, "max_pool")

        def max_pool(x):
            loop = compiled(x)
            if loop is not None:
                return loop(x)
            outs, pads, slices = geo(x.shape)
            xpad = padded(xp, x, geo.axes, pads, _lowest(x.dtype))
            if len(slices) == 1:
                return xpad[slices[0]].copy()
            y = maximum(xpad[slices[0]], xpad[slices[1]])
            for idx in slices[2:]:
                maximum(y, xpad[idx], out=y)
            return y
        return max_pool

    def jit(op, facts):
        """2-D NHWC windows: one loop over x (runtime/jitlib.py) instead of a `maximum` call per window offset
        after the first (and a padded copy for SAME): by rows where they tile x (2x2 pooling of even sizes, as
        LeNet's), window by window otherwise (3x3 of stride 2, SAME on odd sizes)."""
        return _loop_call(op, "max_pool", "{i0}")

    def jit_calls(op):
        """The kernel's NumPy calls: one `maximum` per window offset after the first, each a pass over x."""
        return max(1, math.prod(op.attrs["ksize"]) - 1)

    def gradient(op, dy):
        x = op.inputs[0]
        return [apply_op(MaxPoolGrad, [x, op.outputs[0], dy], _pool_attrs(op), "MaxPoolGrad")]


def _tiling_2d(op):
    """(kh, kw) where op's 2-D NHWC windows tile its input (stride = window, known sizes divisible by it: 2x2
    pooling of even sizes), the case runtime/jitlib.py's `*_tiles` loops take; else None."""
    a, xs = op.attrs, static_shape(op.inputs[0])
    if (_windows_2d(op) is None or tuple(a["strides"]) != tuple(a["ksize"]) or xs is None
            or any(d is None or d % k for d, k in zip(xs[1:3], a["ksize"]))):
        return None
    return tuple(a["ksize"])


def _windows_2d(op):
    """(kh, kw, sh, sw, same) for 2-D NHWC windows with SAME or VALID padding, the case runtime/jitlib.py's
    `*_windows` loops take; else None (channels first, 1-D or 3-D, explicit padding: the NumPy kernel)."""
    a = op.attrs
    if a["channels_first"] or len(a["ksize"]) != 2 or a["padding"] not in ("SAME", "VALID"):
        return None
    return (*a["ksize"], *a["strides"], a["padding"] == "SAME")


def _loop_call(op, name, args):
    """The `jit` template calling runtime/jitlib.py's `name`_tiles (windows that tile the input) or
    `name`_windows (any other 2-D NHWC windows) on `args`, or None."""
    if _tiling_2d(op) is not None:
        return "{o0} = _lib.%s_tiles(%s, %d, %d)" % (name, args, *op.attrs["ksize"])
    w = _windows_2d(op)
    return None if w is None else "{o0} = _lib.%s_windows(%s, %d, %d, %d, %d, %s)" % (name, args, *w)


def _compiled_loop(op, ctx, name):
    """`loop_for(x)`: runtime/jitlib.py's loop for op's 2-D NHWC windows on input x, taking the op's inputs only
    (`name`_tiles where the windows tile x, else `name`_windows; float32/float64), where the run context has it
    compiled already (`RunContext.compiled_loop`: an eager training loop once the GEMM pool runs), else None. The
    loops give the kernel's values element for element (a plan's islands use them in its place)."""
    w = _windows_2d(op)
    if w is None:
        return lambda x: None
    kh, kw, sh, sw, _ = w

    def loop_for(x):
        if x.ndim != 4 or x.dtype.char not in "fd":
            return None
        if sh == kh and sw == kw and not x.shape[1] % kh and not x.shape[2] % kw:
            loop = ctx.compiled_loop(name + "_tiles")
            return None if loop is None else lambda *xs: loop(*xs, kh, kw)
        loop = ctx.compiled_loop(name + "_windows")
        return None if loop is None else lambda *xs: loop(*xs, *w)
    return loop_for


def _first_max_masks(xp, xpad, y, slices):
    """Per window offset, where that offset holds the window's first maximum (bool arrays shaped like y)."""
    taken = None
    for idx in slices:
        m = xpad[idx] == y
        if taken is None:
            taken = m.copy()
        else:
            m &= ~taken
            taken |= m
        yield idx, m


class _MaxRouting(_Pool):
    """Inputs (x, y = max_pool(x), g): MaxPoolGrad routes g (shaped like y) onto x's shape; MaxPoolGradGrad
    reads g (shaped like x) at each window's first maximum. Each is the other's adjoint in g."""

    out_like = 0  # the input whose shape the result has
    rows_independent = True  # image by image

    def infer(op):
        dt = same_dtype(op, *op.inputs)
        i = op.op_def.out_like
        equal_shapes(op, static_shape(op.inputs[1 - i]), static_shape(op.inputs[2]))
        return [(static_shape(op.inputs[i]), dt)]

    def shape_rule(op, xs, ys, gs):
        return (xs, ys)[op.op_def.out_like]

    def kernel(op, ctx):
        xp, geo, scatter = ctx.xp, _Geo(op), op.op_def.out_like == 0
        multiply, subtract = xp.multiply, xp.subtract
        compiled = _compiled_loop(op, ctx, "max_pool_grad") if scatter else (lambda x: None)

        def route(xv, y, g, dxv, slices, add):
            """Window offsets in row-major order each take the gradient still unrouted where they hold the
            maximum: `rest` is g until a window's first maximum takes it, then 0 (g - g, exact)."""
            rest = g
            for i, idx in enumerate(slices):
                part = multiply(rest, xv[idx] == y, out=None if add else dxv[idx])
                if add:
                    dxv[idx] += part
                if i < len(slices) - 1:
                    rest = rest - part if rest is g else subtract(rest, part, out=rest)

        def routing(x, y, g):
            loop = compiled(x)
            if loop is not None and g.dtype == x.dtype:
                return loop(x, y, g)
            if scatter:
                tiles = geo.tiles(x.shape)
                if tiles is not None:  # each element in one window: written once, no zeros, no padding
                    dx = xp.empty(x.shape, g.dtype)
                    route(x.reshape(tiles[0]), y, g, dx.reshape(tiles[0]), tiles[1], False)
                    return dx
            outs, pads, slices = geo(x.shape)
            xpad = padded(xp, x, geo.axes, pads, _lowest(x.dtype))
            if scatter:
                dxp = xp.zeros(xpad.shape, g.dtype)
                route(xpad, y, g, dxp, slices, True)
                return cropped(dxp, geo.axes, pads)
            gpad = padded(xp, g, geo.axes, pads)
            out = xp.zeros(y.shape, g.dtype)
            for idx, m in _first_max_masks(xp, xpad, y, slices):
                out += gpad[idx] * m
            return out
        return routing

    def gradient(op, d):
        x, y, _ = op.inputs
        other = MaxPoolGradGrad if op.op_def.out_like == 0 else MaxPoolGrad
        return [None, None, apply_op(other, [x, y, d], _pool_attrs(op), other.type)]


class MaxPoolGrad(_MaxRouting):
    """dx from (x, y = max_pool(x), dy): dy routed to each window's first maximum."""

    type = "MaxPoolGrad"
    jit_alone = True  # runtime/jitlib.py's loop, compiled apart from its neighbours' (OpDef.jit_alone)

    def jit(op, facts):
        """2-D NHWC windows: one loop over x (runtime/jitlib.py) instead of the kernel's three masked passes per
        window offset (and, where windows overlap or pad, a zeroed padded buffer and a padded copy of x)."""
        return _loop_call(op, "max_pool_grad", "{i0}, {i1}, {i2}")

    def jit_calls(op):
        """The kernel's NumPy calls: three per window offset (compare, multiply, subtract), each over a strided
        share of x that costs about a pass over it (whole cache lines are fetched). Counted as 3 in all, W5
        with plain SGD judged its islands not worth compiling and ran its max-pool gradients in 9 ms instead of
        1.3 (its step 39 ms against 33)."""
        return 3 * math.prod(op.attrs["ksize"])


class MaxPoolGradGrad(_MaxRouting):
    """out (shaped like y) = g read at each window's first maximum: the adjoint of MaxPoolGrad in its dy."""

    type = "MaxPoolGradGrad"
    out_like = 1


def _avg_counts(xp, to_device, geo, xshape, dtype):
    """How many real (unpadded) elements each window covers, shaped to broadcast against the output."""
    outs, pads, _ = geo(xshape)
    if not any(b or a for b, a in pads):
        return np.asarray(math.prod(geo.ks), dtype)[()]
    count = np.ones((1,) * len(xshape), dtype)
    for i, ax in enumerate(geo.axes):
        n, (b, _), k, s = xshape[ax], pads[i], geo.ks[i], geo.strides[i]
        start = np.arange(outs[i]) * s
        c = np.minimum(start + k, b + n) - np.maximum(start, b)
        shp = [1] * len(xshape)
        shp[ax] = outs[i]
        count = count * c.reshape(shp).astype(dtype)
    return to_device(count)


class AvgPool(_Pool):
    type = "AvgPool"

    def infer(op):
        x = op.inputs[0]
        if not x.dtype.base_dtype.is_floating:
            raise TypeError(f"Value passed to parameter 'value' has DataType {x.dtype.base_dtype.name} not in "
                            "list of allowed values: half, bfloat16, float32, float64")
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, geo, counts = ctx.xp, _Geo(op), {}

        def avg_pool(x):
            outs, pads, slices = geo(x.shape)
            c = counts.get(x.shape)
            if c is None:
                c = counts[x.shape] = _avg_counts(xp, ctx.to_device, geo, x.shape, x.dtype)
            xpad = padded(xp, x, geo.axes, pads)
            y = xpad[slices[0]].copy()
            for idx in slices[1:]:
                y += xpad[idx]
            y /= c
            return y
        return avg_pool

    def gradient(op, dy):
        return [avg_pool_grad(dy, op.inputs[0], _pool_attrs(op))]


class AvgPoolGrad(_Pool):
    """dx from dy: each window's dy / count spread over its real elements. Inputs (dy) with the input's static
    shape in `input_shape` (batch may be unknown), or (dy, x) with x read for its shape only."""

    type = "AvgPoolGrad"
    shape_only_inputs = (1,)

    def infer(op):
        dy = op.inputs[0]
        return [(op.op_def.shape_rule(op, *[static_shape(t) for t in op.inputs]), dy.dtype.base_dtype)]

    def shape_rule(op, dys, like=None):
        if len(op.inputs) > 1:
            return like
        s = op.attrs["input_shape"]
        return s if dys is None else (dys[0],) + tuple(s[1:])

    def kernel(op, ctx):
        xp, geo, counts, static = ctx.xp, _Geo(op), {}, op.attrs["input_shape"]

        def avg_pool_grad(dy, xshape):
            outs, pads, slices = geo(xshape)
            c = counts.get(xshape)
            if c is None:
                c = counts[xshape] = _avg_counts(xp, ctx.to_device, geo, xshape, dy.dtype)
            q = dy / c
            tiles = geo.tiles(xshape)
            if tiles is not None:  # each element in one window: written once (0 + q, as the sum below gives it)
                dx = xp.empty(xshape, dy.dtype)
                zero, dxv = dy.dtype.type(0), dx.reshape(tiles[0])
                for idx in tiles[1]:
                    xp.add(q, zero, out=dxv[idx])
                return dx
            pshape = list(xshape)
            for ax, (b, a) in zip(geo.axes, pads):
                pshape[ax] += b + a
            dxp = xp.zeros(tuple(pshape), dy.dtype)
            for idx in slices:
                dxp[idx] += q
            return cropped(dxp, geo.axes, pads)

        if len(op.inputs) > 1:
            return lambda dy, like: avg_pool_grad(dy, like.shape)
        rest = tuple(static[1:])
        return lambda dy: avg_pool_grad(dy, (dy.shape[0],) + rest)

    def gradient(op, g):
        return [apply_op(AvgPool, [g], _pool_attrs(op), "AvgPool")] + [None] * (len(op.inputs) - 1)


def avg_pool_grad(dy, x, attrs):
    xs = static_shape(x)
    if xs is not None and all(d is not None for d in xs[1:]):
        return apply_op(AvgPoolGrad, [dy], dict(attrs, input_shape=xs), "AvgPoolGrad")
    return apply_op(AvgPoolGrad, [dy, x], dict(attrs, input_shape=xs), "AvgPoolGrad")


class MaxPoolWithArgmax(_Pool):
    """(max_pool(x), flat index of each maximum): ((y·W + x)·C + c), plus b·H·W·C with the batch in the index."""

    type = "MaxPoolWithArgmax"

    def infer(op):
        x = op.inputs[0]
        s = op.op_def.shape_rule(op, static_shape(x))
        return [(s, x.dtype.base_dtype), (s, op.attrs["Targmax"])]

    def kernel(op, ctx):
        xp, geo, idx_cache = ctx.xp, _Geo(op), {}
        where, maximum = xp.where, xp.maximum
        with_batch, it = op.attrs["include_batch_in_index"], op.attrs["Targmax"].np

        def positions(xshape, pads):
            p = idx_cache.get(xshape)
            if p is None:
                per = math.prod(xshape[1:])
                flat = np.arange(per, dtype=it).reshape((1,) + tuple(xshape[1:]))
                p = idx_cache[xshape] = ctx.to_device(padded(np, flat, geo.axes, pads, -1)), per
            return p

        def max_pool_with_argmax(x):
            outs, pads, slices = geo(x.shape)
            xpad = padded(xp, x, geo.axes, pads, _lowest(x.dtype))
            pos, per = positions(x.shape, pads)
            y = xpad[slices[0]].copy()
            arg = xp.broadcast_to(pos[slices[0]], y.shape)
            for idx in slices[1:]:
                v = xpad[idx]
                better = v > y
                arg = where(better, pos[idx], arg)
                maximum(y, v, out=y)
            arg = xp.array(arg, dtype=it)  # a new array (the broadcast view when the window is 1 element)
            if with_batch:
                arg += (xp.arange(x.shape[0], dtype=it) * per).reshape((-1,) + (1,) * (x.ndim - 1))
            return y, arg
        return max_pool_with_argmax

    def gradient(op, dy, _darg=None):
        return [apply_op(MaxPoolGrad, [op.inputs[0], op.outputs[0], dy], _pool_attrs(op), "MaxPoolGrad")]


# --- tf.nn ---------------------------------------------------------------------------------------------------


def _pool(kind, n, value, ksize, strides, padding, data_format, name, default, label):
    with name_scope(name, default, [value]) as scope:
        x = convert_to_tensor(value, name="input")
        if n is None:
            s = static_shape(x)
            if s is None:
                raise ValueError("The input's rank must be known while building the graph")
            n = len(s) - 2
        first = channels_first(data_format)
        attrs = {"ksize": spatial_arg(ksize, n, first, "ksize"), "strides": spatial_arg(strides, n, first, "strides"),
                 "padding": padding_arg(padding, n, first), "channels_first": first, "label": label}
        return apply_op(MaxPool if kind == "MAX" else AvgPool, [x], attrs, scope)


def _any_rank(kind, scope, doc):
    """TF1's `tf.nn.max_pool` / `avg_pool` (value= or input=), the rank taken from the input."""
    def pool_fn(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
                input=None):  # noqa: A002
        return _pool(kind, None, value if value is not None else input, ksize, strides, padding, data_format, name,
                     scope, scope)
    pool_fn.__name__ = pool_fn.__qualname__ = f"{kind.lower()}_pool"
    pool_fn.__doc__ = doc
    return pool_fn


def _of_rank(kind, n, fmt, scope, label):
    """`tf.nn.max_pool1d` ... `avg_pool3d`: pooling of inputs with `n` spatial dimensions."""
    def pool_fn(input, ksize, strides, padding, data_format=fmt, name=None):  # noqa: A002
        return _pool(kind, n, input, ksize, strides, padding, data_format, name, scope, label)
    pool_fn.__name__ = pool_fn.__qualname__ = f"{kind.lower()}_pool{n}d"
    pool_fn.__doc__ = f"{'Max' if kind == 'MAX' else 'Average'} pooling of {n}-D inputs ({fmt} or channels first)."
    return pool_fn


max_pool = _any_rank("MAX", "MaxPool", "Max pooling; the rank comes from the input (4-D for TF1's tf.nn.max_pool).")
avg_pool = _any_rank("AVG", "AvgPool", "Average pooling over the real elements of each window; any rank.")
max_pool1d = _of_rank("MAX", 1, "NWC", "MaxPool1d", "MaxPool")
max_pool2d = _of_rank("MAX", 2, "NHWC", "MaxPool2d", "MaxPool")
max_pool3d = _of_rank("MAX", 3, "NDHWC", "MaxPool3D", "MaxPool3D")
avg_pool1d = _of_rank("AVG", 1, "NWC", "AvgPool1D", "AvgPool")
avg_pool2d = _of_rank("AVG", 2, "NHWC", "AvgPool2D", "AvgPool")
avg_pool3d = _of_rank("AVG", 3, "NDHWC", "AvgPool3D", "AvgPool3D")


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None, name=None,  # noqa: A002
         data_format=None, dilations=None):
    """`tf.nn.pool`: "MAX" or "AVG" pooling with a window of `window_shape` (dilation 1 only)."""
    d = dilation_rate if dilation_rate is not None else dilations
    if d is not None and any(int(v) != 1 for v in np.reshape(d, -1)):
        raise NotImplementedError("tf.nn.pool with dilation_rate > 1 is not supported")
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"Invalid pooling_type: {pooling_type}")
    n = len(window_shape)
    return _pool(kind, n, input, tuple(window_shape), strides if strides is not None else 1, padding, data_format,
                 name, f"{kind.lower()}_pool", "MaxPool" if kind == "MAX" else "AvgPool")


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None,  # noqa: A002,N803
                         name=None, output_dtype=None, include_batch_in_index=False):
    """(output, argmax): max pooling and the flat index of each maximum (NHWC)."""
    if data_format != "NHWC":
        raise ValueError("max_pool_with_argmax supports only NHWC")
    targ = dtypes.as_dtype(Targmax or output_dtype or dtypes.int64).base_dtype
    with name_scope(name, "MaxPoolWithArgmax", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"ksize": spatial_arg(ksize, 2, False, "ksize"), "strides": spatial_arg(strides, 2, False, "strides"),
                 "padding": padding_arg(padding, 2, False), "channels_first": False, "label": "MaxPoolWithArgmax",
                 "Targmax": targ, "include_batch_in_index": bool(include_batch_in_index)}
        g = x.graph
        return tuple(g.create_op(MaxPoolWithArgmax, [x], attrs, scope).outputs)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, name=None):  # noqa: A002
    """TF's LRN over the last axis: x / (bias + alpha * sum of x² over channels d - r .. d + r) ** beta, built from
    graph ops (a zero-padded square summed over 2r + 1 channel slices), so it differentiates to any order."""
    from . import arithmetic_ops as math_ops  # add, multiply, pow, divide, add_n
    from . import array_ops
    from .unary_ops import square

    with name_scope(name, "LRN", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        s = static_shape(x)
        if s is None or len(s) != 4 or s[-1] is None:
            raise ValueError("local_response_normalization needs a 4-D input with a known depth")
        r, c = int(depth_radius), s[-1]
        sq = array_ops.pad(square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
        total = math_ops.add_n([sq[..., k:k + c] for k in range(2 * r + 1)]) if r else square(x)
        scale = math_ops.pow(math_ops.add(math_ops.multiply(total, alpha), bias), beta)
        return math_ops.divide(x, scale, name=scope)


lrn = local_response_normalization

__all__ = ["local_response_normalization", "lrn",
           "max_pool", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "pool", "max_pool_with_argmax"]

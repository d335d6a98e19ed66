"""Sliding windows over images and volumes: `tf.extract_image_patches` (TF's ExtractImagePatches),
`tf.extract_volume_patches` (ExtractVolumePatches: the same over [b, d, h, w, c], no rates) and the morphological
`tf.nn.dilation2d` / `tf.nn.erosion2d` (Dilation2D), on the convolutions' geometry (conv_ops: TF's SAME and VALID
arithmetic with rates, one strided slice per window offset).

A patch holds the window's pixels row-major over (row, column, channel), zero outside the image. Its gradient,
ExtractImagePatchesGrad, adds each patch back into the pixels it came from; both are linear and each one's
gradient is the other, so derivatives of any order work. Dilation is max over the window of input + filter, the
window clipped to the image; its gradients (TF's Dilation2DBackpropInput / Filter) send each output's gradient to
the pixel and the filter tap of the window's maximum (the first one in row-major order on ties, as TF's kernel).
Erosion is TF's -dilation2d(-x, filter reversed in both spatial axes).
"""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, require, same_dtype, static_shape
from .arithmetic_ops import negative
from .array_ops import reverse
from .conv_ops import cropped, geometry, padded, padding_arg, spatial_arg, window_slices
from .core import apply_op, convert_to_tensor


def _window(op, x_shape):
    """(outs, pads, slices of the padded input, one per window offset) for the op's attrs and a [b, spatial...,
    d] input shape (2 or 3 spatial dims, as many as ksizes)."""
    ks, strides, rates = op.attrs["ksizes"], op.attrs["strides"], op.attrs["rates"]
    n = len(ks)
    outs, pads = geometry(x_shape[1:n + 1], ks, strides, rates, op.attrs["padding"])
    return outs, pads, window_slices(n + 2, _spatial(n), outs, ks, strides, rates)


def _spatial(n):
    return tuple(range(1, n + 1))


def _like(i):
    """A shape rule: the output is shaped and typed like input i (a gradient op's)."""
    return lambda op: [(static_shape(op.inputs[i]), op.inputs[i].dtype.base_dtype)]


def _zeros_padded(xp, shape, pads, dtype):
    """Zeros for a [b, spatial..., d] input padded by pads ((before, after) per spatial dim): where gradients
    gather."""
    return xp.zeros((shape[0], *(n + sum(p) for n, p in zip(shape[1:-1], pads)), shape[-1]), dtype)


def _out_shape(op, s, depth):
    n = len(op.attrs["ksizes"])
    if s is not None and len(s) != n + 2:
        raise ValueError(f"Shape must be rank {n + 2} but is rank {len(s)} for '{op.name}' (op: '{op.type}')")
    if s is None:
        return None
    outs, _ = geometry(s[1:n + 1], op.attrs["ksizes"], op.attrs["strides"], op.attrs["rates"], op.attrs["padding"])
    return (s[0], *outs, depth)


class ExtractImagePatches(OpDef):
    type = "ExtractImagePatches"

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        depth = None if s is None or s[-1] is None else int(np.prod(op.attrs["ksizes"])) * s[-1]
        return [(_out_shape(op, s, depth), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        axes = _spatial(len(op.attrs["ksizes"]))

        def extract_patches(x):
            outs, pads, slices = _window(op, x.shape)
            xp_ = padded(xp, x, axes, pads)
            return xp.stack([xp_[s] for s in slices], axis=len(axes) + 1).reshape(x.shape[0], *outs, -1)
        return extract_patches

    def gradient(op, dy):
        grad = op.op_def.grad_op
        return [apply_op(grad, [dy, op.inputs[0]], dict(op.attrs), grad.type)]


class ExtractImagePatchesGrad(OpDef):
    """Patches [b, out..., k·d] added back into an input shaped like input 1 (read for its shape only)."""

    type = "ExtractImagePatchesGrad"
    shape_only_inputs = (1,)
    infer = _like(1)

    def kernel(op, ctx):
        xp = ctx.xp
        axes = _spatial(len(op.attrs["ksizes"]))

        def extract_patches_grad(dy, x):
            outs, pads, slices = _window(op, x.shape)
            grad = _zeros_padded(xp, x.shape, pads, dy.dtype)
            parts = dy.reshape(x.shape[0], *outs, len(slices), x.shape[-1])
            for k, s in enumerate(slices):
                grad[s] += parts[(slice(None),) * (len(axes) + 1) + (k,)]
            return xp.ascontiguousarray(cropped(grad, axes, pads))
        return extract_patches_grad

    def gradient(op, dz):
        forward = op.op_def.forward_op
        return [apply_op(forward, [dz], dict(op.attrs), forward.type), None]


class ExtractVolumePatches(ExtractImagePatches):
    """[b, d, h, w, c] -> [b, out_d, out_h, out_w, kd·kh·kw·c]; TF's op has no rates (all 1)."""

    type = "ExtractVolumePatches"


class ExtractVolumePatchesGrad(ExtractImagePatchesGrad):
    type = "ExtractVolumePatchesGrad"


ExtractImagePatches.grad_op, ExtractImagePatchesGrad.forward_op = ExtractImagePatchesGrad, ExtractImagePatches
ExtractVolumePatches.grad_op, ExtractVolumePatchesGrad.forward_op = ExtractVolumePatchesGrad, ExtractVolumePatches


def _dilation_max(xp, op, x, f):
    """(output, index of the winning window offset) of a dilation: max over the window of input + filter."""
    outs, pads, slices = _window(op, x.shape)
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp_ = padded(xp, x, (1, 2), pads, value=lowest)
    taps = f.reshape(len(slices), x.shape[3])
    best, arg = None, None
    for k, s in enumerate(slices):
        val = xp_[s] + taps[k]
        if best is None:
            best, arg = val, xp.zeros(val.shape, xp.int32)
            continue
        better = val > best
        best, arg = xp.where(better, val, best), xp.where(better, xp.int32(k), arg)
    return best, arg, pads, slices


class Dilation2D(OpDef):
    type = "Dilation2D"

    def infer(op):
        x, f = op.inputs
        require(op, x, numeric=True)
        same_dtype(op, x, f)
        s, fs = static_shape(x), static_shape(f)
        if fs is not None and (len(fs) != 3 or tuple(fs[:2]) != tuple(op.attrs["ksizes"])):
            raise ValueError(f"filter must be [filter_height, filter_width, depth], got {f.shape} for '{op.name}'")
        depth = None if s is None else s[3]
        if fs is not None and None not in (depth, fs[2]) and depth != fs[2]:
            raise ValueError(f"input and filter must have the same depth: {depth} vs {fs[2]} for '{op.name}'")
        return [(_out_shape(op, s, depth), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda x, f: _dilation_max(xp, op, x, f)[0]

    def gradient(op, dy):
        x, f = op.inputs
        return [apply_op(Dilation2DBackpropInput, [x, f, dy], dict(op.attrs), "Dilation2DBackpropInput"),
                apply_op(Dilation2DBackpropFilter, [x, f, dy], dict(op.attrs), "Dilation2DBackpropFilter")]


class _DilationBackprop(OpDef):
    """Each output's gradient routed to the window offset that won its maximum: `route(xp, parts, x, f, pads,
    slices)` gathers parts[k] (dy where offset k won, else 0) into the input's or the filter's gradient."""

    def kernel(op, ctx):
        xp, route = ctx.xp, op.op_def.route

        def dilation2d_backprop(x, f, dy):
            _, arg, pads, slices = _dilation_max(xp, op, x, f)
            return route(xp, [xp.where(arg == k, dy, 0) for k in range(len(slices))], x, f, pads, slices)
        return dilation2d_backprop


def _to_input(xp, parts, x, f, pads, slices):
    grad = _zeros_padded(xp, x.shape, pads, parts[0].dtype)
    for part, s in zip(parts, slices):
        grad[s] += part
    return xp.ascontiguousarray(cropped(grad, (1, 2), pads))


def _to_filter(xp, parts, x, f, pads, slices):
    return xp.stack([p.sum(axis=(0, 1, 2)) for p in parts]).reshape(f.shape).astype(f.dtype, copy=False)


class Dilation2DBackpropInput(_DilationBackprop):
    type = "Dilation2DBackpropInput"
    infer = _like(0)
    route = staticmethod(_to_input)


class Dilation2DBackpropFilter(_DilationBackprop):
    type = "Dilation2DBackpropFilter"
    infer = _like(1)
    route = staticmethod(_to_filter)


def _window_attrs(ksizes, strides, rates, padding):
    attrs = {"ksizes": spatial_arg(ksizes, 2, False, "ksizes"), "strides": spatial_arg(strides, 2, False, "strides"),
             "rates": spatial_arg(rates, 2, False, "rates"), "padding": padding_arg(padding, 2, False)}
    if not isinstance(attrs["padding"], str):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return attrs


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None, name=None, sizes=None):
    """[b, h, w, d] -> [b, out_h, out_w, kh·kw·d]: the ksizes = [1, kh, kw, 1] window at every `strides` step,
    its pixels `rates` apart (TF1's name; `sizes` is TF2's for ksizes)."""
    if ksizes is None:
        ksizes = sizes
    elif sizes is not None:
        raise ValueError("Cannot specify both 'ksizes' and 'sizes'")
    if ksizes is None or strides is None or rates is None or padding is None:
        raise TypeError("extract_image_patches() needs ksizes (sizes), strides, rates and padding")
    attrs = _window_attrs(ksizes, strides, rates, padding)
    return apply_op(ExtractImagePatches, [convert_to_tensor(images, name="images")], attrs,
                    name or "ExtractImagePatches")


def extract_volume_patches(input, ksizes, strides, padding, name=None):  # noqa: A002 - TensorFlow's name
    """[b, d, h, w, c] -> [b, out_d, out_h, out_w, kd·kh·kw·c]: the ksizes = [1, kd, kh, kw, 1] window at every
    `strides` step (5 ints with 1 at both ends), zero outside the volume."""
    attrs = {"ksizes": spatial_arg(ksizes, 3, False, "ksizes"), "strides": spatial_arg(strides, 3, False, "strides"),
             "rates": (1, 1, 1), "padding": padding_arg(padding, 3, False)}
    if not isinstance(attrs["padding"], str):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return apply_op(ExtractVolumePatches, [convert_to_tensor(input, name="input")], attrs,
                    name or "ExtractVolumePatches")


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """TF2's name for extract_image_patches."""
    return extract_image_patches(images, sizes, strides, rates, padding, name)


def dilation2d(input, filter=None, strides=None, rates=None, padding=None, name=None, filters=None,  # noqa: A002
               dilations=None):
    """Grayscale dilation: out[b, y, x, c] = max over the window of input + filter[dy, dx, c] (filter
    [kh, kw, depth]; strides and rates [1, s, s, 1])."""
    f = filter if filter is not None else filters
    r = rates if rates is not None else dilations
    if f is None or strides is None or r is None or padding is None:
        raise TypeError("dilation2d() needs filter (filters), strides, rates (dilations) and padding")
    x = convert_to_tensor(input, name="input")
    f = convert_to_tensor(f, name="filter", dtype=x.dtype.base_dtype)
    fs = static_shape(f)
    if fs is None or len(fs) != 3 or None in fs[:2]:
        raise ValueError(f"filter must be [filter_height, filter_width, depth] with a known window, got {f.shape}")
    attrs = _window_attrs(fs[:2], strides, r, padding)
    return apply_op(Dilation2D, [x, f], attrs, name or "Dilation2D")


def erosion2d(value, kernel, strides, rates, padding, name=None):
    """Grayscale erosion: min over the window of value - kernel (TF's -dilation2d(-value, reversed kernel))."""
    with name_scope(name, "erosion2d", [value, kernel]) as scope:
        x = convert_to_tensor(value, name="value")
        k = convert_to_tensor(kernel, name="kernel", dtype=x.dtype.base_dtype)
        return negative(dilation2d(negative(x), reverse(k, [0, 1]), strides, rates, padding), name=scope)

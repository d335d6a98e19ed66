"""`tf.image.crop_and_resize`: TF's CropAndResize kernel and its two gradient ops, CropAndResizeGradImage (the
output gradient scattered back into the pixels each sample read) and CropAndResizeGradBoxes (how each sample moves
with its box's corners).

A box (y1, x1, y2, x2) is in [0, 1] image coordinates (y2 < y1 flips the crop); output row y of crop_height samples
the image at y1·(h-1) + y·(y2-y1)·(h-1)/(crop_height-1), or at the box's middle when crop_height is 1; samples
outside [0, h-1] take `extrapolation_value`. Bilinear interpolates between floor and ceil, nearest rounds half
away from zero. The output is float32 whatever the image's type. The boxes' gradient is the bilinear one under
`method="nearest"` too, as TF approximates it; only float images get a gradient.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.errors import OutOfRangeError, op_error
from ..framework.op_def import OpDef, static_shape
from .array_ops import _static_ints
from .core import apply_op, convert_to_tensor
from .row_sums import add_rows


def _positions(xp, lo, hi, size, n):
    """[boxes, n] sample coordinates along one axis, in pixels, in the boxes' float type."""
    if n > 1:
        step = (hi - lo) * (size - 1) / (n - 1)
        return lo[:, None] * (size - 1) + xp.arange(n, dtype=lo.dtype)[None, :] * step[:, None]
    return (0.5 * (lo + hi) * (size - 1))[:, None]


def _samples(op, ctx, image_shape, boxes, box_ind):
    """Where the samples fall: per axis (coordinates, valid mask, floor index, ceil index, fraction), each as
    [n, crop_h, 1] (y) or [n, 1, crop_w] (x), indices clipped into the image, plus the checked box indices."""
    xp = ctx.xp
    batch, h, w = image_shape[:3]
    ch, cw = op.attrs["crop_size"]
    ids = ctx.to_host(box_ind)
    if ids.size and (ids.min() < 0 or ids.max() >= batch):
        raise op_error(OutOfRangeError, op, "box_index has values outside [0, batch_size)")
    axes = []
    for size, n, lo, hi, shape in ((h, ch, boxes[:, 0], boxes[:, 2], (-1, ch, 1)),
                                   (w, cw, boxes[:, 1], boxes[:, 3], (-1, 1, cw))):
        at = _positions(xp, lo, hi, size, n).reshape(shape)
        valid = (at >= 0) & (at <= size - 1)
        low = xp.floor(at)
        frac = at - low
        clip = lambda v, size=size: xp.clip(v, 0, size - 1).astype(xp.int64)  # noqa: E731
        axes.append((at, valid, clip(low), clip(xp.ceil(at)), frac))
    return axes, box_ind.astype(xp.int64).reshape(-1, 1, 1)


def _corners(image, b, ys, xs):
    """The four neighbours of each sample as float32 [n, crop_h, crop_w, depth] arrays."""
    (_, _, top, bottom, _), (_, _, left, right, _) = ys, xs
    return [image[b, y, x].astype("float32", copy=False) for y in (top, bottom) for x in (left, right)]


def _nearest(xp, axis):
    at, _, low, high, frac = axis
    return xp.where(frac >= 0.5, high, low)


class CropAndResize(OpDef):
    type = "CropAndResize"

    def infer(op):
        image, boxes, box_ind = op.inputs
        s, bs = static_shape(image), static_shape(boxes)
        if s is not None and len(s) != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {len(s)} for '{op.name}' (op: 'CropAndResize')")
        if bs is not None and (len(bs) != 2 or bs[1] not in (None, 4)):
            raise ValueError(f"boxes must be [num_boxes, 4], got {boxes.shape} for '{op.name}'")
        if boxes.dtype.base_dtype != dtypes.float32:
            raise TypeError(f"boxes of '{op.name}' must be float32, got {boxes.dtype.base_dtype.name}")
        n = bs[0] if bs is not None else None
        return [((n, *op.attrs["crop_size"], s[3] if s is not None else None), dtypes.float32)]

    def kernel(op, ctx):
        xp, bilinear, extrapolate = ctx.xp, op.attrs["method"] == "bilinear", op.attrs["extrapolation_value"]

        def crop_and_resize(image, boxes, box_ind):
            (ys, xs), b = _samples(op, ctx, image.shape, boxes, box_ind)
            if bilinear:
                tl, tr, bl, br = _corners(image, b, ys, xs)
                xl, yl = xs[4][..., None], ys[4][..., None]
                top, bottom = tl + (tr - tl) * xl, bl + (br - bl) * xl
                out = top + (bottom - top) * yl
            else:
                out = image[b, _nearest(xp, ys), _nearest(xp, xs)].astype(xp.float32, copy=False)
            valid = (ys[1] & xs[1])[..., None]
            return xp.where(valid, out, xp.float32(extrapolate)).astype(xp.float32, copy=False)
        return crop_and_resize

    def gradient(op, dy):
        image, boxes, box_ind = op.inputs
        g_image = None
        if image.dtype.base_dtype.is_floating:
            g_image = apply_op(CropAndResizeGradImage, [dy, boxes, box_ind, image], dict(op.attrs),
                               "CropAndResizeGradImage")
        g_boxes = apply_op(CropAndResizeGradBoxes, [dy, image, boxes, box_ind], dict(op.attrs),
                           "CropAndResizeGradBoxes")
        return [g_image, g_boxes, None]


class CropAndResizeGradImage(OpDef):
    """The image's gradient: each output gradient added into the pixels its sample read, with the sample's
    weights (the image itself is read for its shape only)."""

    type = "CropAndResizeGradImage"
    shape_only_inputs = (3,)

    def infer(op):
        image = op.inputs[3]
        return [(static_shape(image), image.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, bilinear = ctx.xp, op.attrs["method"] == "bilinear"

        def crop_and_resize_grad_image(dy, boxes, box_ind, image):
            batch, h, w, depth = image.shape
            (ys, xs), b = _samples(op, ctx, image.shape, boxes, box_ind)
            dy = dy * (ys[1] & xs[1])[..., None]
            if bilinear:
                xl, yl = xs[4][..., None], ys[4][..., None]
                parts = [((ys[2], xs[2]), (1 - yl) * (1 - xl)), ((ys[2], xs[3]), (1 - yl) * xl),
                         ((ys[3], xs[2]), yl * (1 - xl)), ((ys[3], xs[3]), yl * xl)]
            else:
                parts = [((_nearest(xp, ys), _nearest(xp, xs)), 1)]
            out = xp.zeros((batch * h * w, depth), image.dtype)
            for (y, x), weight in parts:
                ids = xp.broadcast_to((b * h + y) * w + x, dy.shape[:3]).reshape(-1)
                add_rows(xp, out, ids, (dy * weight).reshape(-1, depth).astype(image.dtype, copy=False))
            return out.reshape(image.shape)
        return crop_and_resize_grad_image


class CropAndResizeGradBoxes(OpDef):
    """The boxes' gradient: the image's bilinear slope at each sample times how the sample moves with y1, x1, y2,
    x2, summed over the crop."""

    type = "CropAndResizeGradBoxes"

    def infer(op):
        return [(static_shape(op.inputs[2]), dtypes.float32)]

    def kernel(op, ctx):
        xp = ctx.xp
        ch, cw = op.attrs["crop_size"]

        def crop_and_resize_grad_boxes(dy, image, boxes, box_ind):
            (ys, xs), b = _samples(op, ctx, image.shape, boxes, box_ind)
            tl, tr, bl, br = _corners(image, b, ys, xs)
            xl, yl = xs[4][..., None], ys[4][..., None]
            dy = dy * (ys[1] & xs[1])[..., None]
            slope_y = ((1 - xl) * (bl - tl) + xl * (br - tr)) * dy
            slope_x = ((1 - yl) * (tr - tl) + yl * (br - bl)) * dy
            out = []
            for slope, size, n, axis in ((slope_y, image.shape[1], ch, (2, 3)), (slope_x, image.shape[2], cw, (1, 3))):
                per_line = slope.sum(axis=axis)             # [boxes, n]: summed along the other axis and depth
                if n > 1:
                    at = xp.arange(n, dtype=xp.float32) * xp.float32((size - 1) / (n - 1))
                    out.append(((size - 1 - at) * per_line).sum(axis=1))
                    out.append((at * per_line).sum(axis=1))
                else:
                    half = per_line[:, 0] * xp.float32(0.5 * (size - 1))
                    out += [half, half]
            d_y1, d_y2, d_x1, d_x2 = out
            return xp.stack([d_y1, d_x1, d_y2, d_x2], axis=1).astype(xp.float32, copy=False)
        return crop_and_resize_grad_boxes


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear", extrapolation_value=0,
                    name=None, box_indices=None):
    """Crops of `image` [batch, h, w, depth] at `boxes` [n, 4] (normalized y1, x1, y2, x2) from the images
    `box_ind` [n], each resized to `crop_size` (known while building): a float32 [n, crop_h, crop_w, depth]."""
    if box_ind is None:
        box_ind = box_indices
    elif box_indices is not None:
        raise ValueError("Cannot specify both 'box_ind' and 'box_indices'")
    if box_ind is None or crop_size is None:
        raise TypeError("crop_and_resize() needs box_ind (box_indices) and crop_size")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"Attr 'method' of 'CropAndResize' Op passed string '{method}' not in: \"bilinear\", "
                         "\"nearest\".")
    size = _static_ints(crop_size, "crop_size")
    if len(size) != 2:
        raise ValueError(f"crop_size must be a 1-D tensor of 2 elements, got {list(size)}")
    if min(size) <= 0:
        raise ValueError("crop dimensions must be positive")
    inputs = [convert_to_tensor(image, name="image"), convert_to_tensor(boxes, name="boxes", dtype=dtypes.float32),
              convert_to_tensor(box_ind, name="box_ind", dtype=dtypes.int32)]
    attrs = {"crop_size": size, "method": method, "extrapolation_value": float(extrapolation_value)}
    return apply_op(CropAndResize, inputs, attrs, name or "CropAndResize")

"""The two kernels behind `tf.contrib.image`: `ImageProjectiveTransformV2` (rotate, translate, transform) and
`ImageConnectedComponents`.

ImageProjectiveTransformV2 follows TF's kernel (tensorflow/core/kernels/image/image_ops.h) step by step, in its
float32 arithmetic, so that results equal TF's bit for bit: each output pixel (x, y) of image b reads the input at
((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, with row b of the transforms (or row 0 for
all images); k == 0 gives the fill value 0. The fill mode maps coordinates outside the image back inside (REFLECT
dcba|abcd|dcba, WRAP abcd|abcd|abcd, NEAREST clamps to the edge) or leaves them (CONSTANT). NEAREST rounds half away
from zero; BILINEAR mixes the four neighbours, each read as 0 outside the image, in float32, and the result is cast
back to the image's dtype as C++ does (integers truncated: 127.5 -> 127 for uint8; float64 images pass through
float32; NEAREST copies pixels as they are). The image gradient is TF's rule: the output gradient transformed by
the inverse transform. That is the exact adjoint only for translations (and other permutations of pixels); for
rotations it is TF's approximation.
"""
from __future__ import annotations

import numpy as np

from ...framework import dtypes
from ...framework.errors import InvalidArgumentError, op_error
from ...framework.op_def import OpDef, not_differentiable, static_shape
from ...ops.array_ops import concat, get_static_value, ones, reshape, shape
from ...ops.core import apply_op, constant
from ...ops.matrix_ops import matrix_inverse

#: The image dtypes TF 1.15's contrib.image accepts.
IMAGE_DTYPES = (dtypes.uint8, dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64)
INTERPOLATIONS = ("NEAREST", "BILINEAR")
FILL_MODES = ("CONSTANT", "REFLECT", "WRAP", "NEAREST")


def _rank_error(op, want, got, shapes):
    return ValueError(f"Shape must be rank {want} but is rank {got} for '{op.name}' (op: '{op.type}') with input "
                      f"shapes: {shapes}.")


# --- coordinate maps of the fill modes: float32 in, float32 out, as TF's MapCoordinate -----------------------------

def _reflect(xp, c, n):
    """dcba|abcd|dcba, then clamped (TF clamps so that 3.5 in a length-4 axis cannot round to 4)."""
    if n <= 1:
        return xp.zeros_like(c)
    n2 = np.float32(2 * n)
    below = n2 * xp.trunc(-c / n2) + c                      # into (-2n, 0]
    below = xp.where(below < -n, below + n2, -below - 1)
    above = c - n2 * xp.trunc(c / n2)                       # into [0, 2n)
    above = xp.where(above >= n, n2 - above - 1, above)
    c = xp.where(c < 0, below, xp.where(c > n - 1, above, c))
    return xp.clip(c, 0, n - 1).astype(np.float32, copy=False)


def _wrap(xp, c, n):
    """abcd|abcd|abcd with TF's arithmetic (its period test divides by n - 1), then clamped."""
    if n <= 1:
        return xp.zeros_like(c)
    m, n_ = np.float32(n - 1), np.float32(n)
    below = c + n_ * (xp.trunc(-c / m) + 1)
    above = c - n_ * xp.trunc(c / m)
    c = xp.where(c < 0, below, xp.where(c > n - 1, above, c))
    return xp.clip(c, 0, n - 1).astype(np.float32, copy=False)


def _map_coordinates(xp, mode, c, n):
    if mode == "REFLECT":
        return _reflect(xp, c, n)
    if mode == "WRAP":
        return _wrap(xp, c, n)
    if mode == "NEAREST":
        return xp.clip(c, 0, n - 1).astype(np.float32, copy=False)
    return c


def _read(xp, images, b, y, x, valid):
    """images[b, y, x, :] where (y, x) lies in the image and `valid`, 0 elsewhere; y and x are float32 whole
    numbers of any size (NaN included), b broadcasts against them."""
    _, h, w, _ = images.shape
    inside = valid & (y >= 0) & (y < h) & (x >= 0) & (x < w)
    yi = xp.where(inside, y, 0).astype(np.int64)
    xi = xp.where(inside, x, 0).astype(np.int64)
    return xp.where(inside[..., None], images[b, yi, xi], images.dtype.type(0))


def _read32(xp, images, b, y, x, valid):
    """`_read` as float32, the type TF's bilinear interpolation computes in."""
    return _read(xp, images, b, y, x, valid).astype(np.float32, copy=False)


def _round_half_away(xp, v):
    """std::round on float32 values, done in float64 so that v + 0.5 is exact."""
    v = v.astype(np.float64)
    return xp.trunc(v + xp.copysign(0.5, v))


def _cast_like(xp, value, dtype):
    """float32 -> the image dtype as C++'s conversion does: integers truncate toward zero."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return xp.clip(xp.trunc(value), info.min, info.max).astype(dtype)
    return value.astype(dtype, copy=False)


class ImageProjectiveTransformV2(OpDef):
    """images [batch, h, w, c], transforms [1 or batch, 8] float32, output_shape [2] int32 ->
    [batch, out_h, out_w, c] of the images' dtype."""

    type = "ImageProjectiveTransformV2"
    allocates = True
    reads_only = True

    def infer(op):
        images, transforms, output_shape = op.inputs
        si, st, so = static_shape(images), static_shape(transforms), static_shape(output_shape)
        shapes = ", ".join(str(t.shape) for t in op.inputs)
        if images.dtype.base_dtype not in IMAGE_DTYPES:
            raise TypeError(f"Value for attr 'dtype' of {images.dtype.base_dtype.name} is not in the list of allowed "
                            "values: uint8, int32, int64, half, float, double")
        if transforms.dtype.base_dtype != dtypes.float32 or output_shape.dtype.base_dtype != dtypes.int32:
            raise TypeError(f"'{op.name}' needs float32 transforms and an int32 output_shape")
        for s, rank in ((si, 4), (st, 2), (so, 1)):
            if s is not None and len(s) != rank:
                raise _rank_error(op, rank, len(s), shapes)
        if so is not None and so[0] not in (None, 2):
            raise ValueError(f"Dimension must be 2 but is {so[0]} for '{op.name}' (op: '{op.type}') with input "
                             f"shapes: {shapes}.")
        size = get_static_value(output_shape)
        out_h, out_w = (int(size[0]), int(size[1])) if size is not None else (None, None)
        batch, depth = (si[0], si[3]) if si is not None else (None, None)
        return [((batch, out_h, out_w, depth), images.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, bilinear, mode = ctx.xp, op.attrs["interpolation"] == "BILINEAR", op.attrs["fill_mode"]

        def image_projective_transform(images, transforms, output_shape):
            size = ctx.to_host(output_shape).reshape(-1)
            if size.size != 2:
                raise op_error(InvalidArgumentError, op, f"output shape must have two elements[{size.size}]")
            if size.min() <= 0:
                raise op_error(InvalidArgumentError, op, "output dimensions must be positive")
            batch, h, w, _ = images.shape
            if transforms.shape[1] != 8 or transforms.shape[0] not in (1, batch):
                raise op_error(InvalidArgumentError, op, "Input transform should be num_images x 8 or 1 x 8")
            out_h, out_w = int(size[0]), int(size[1])
            t = [transforms[:, i, None, None] for i in range(8)]              # each [n, 1, 1] float32
            y = xp.arange(out_h, dtype=np.float32)[None, :, None]
            x = xp.arange(out_w, dtype=np.float32)[None, None, :]
            k = t[6] * x + t[7] * y + np.float32(1)
            finite = k != 0                                                      # k == 0: the fill value
            k = xp.where(finite, k, np.float32(1))
            with np.errstate(invalid="ignore", over="ignore"):
                in_x = _map_coordinates(xp, mode, (t[0] * x + t[1] * y + t[2]) / k, w)
                in_y = _map_coordinates(xp, mode, (t[3] * x + t[4] * y + t[5]) / k, h)
                b = xp.arange(batch)[:, None, None]
                if not bilinear:
                    return _read(xp, images, b, _round_half_away(xp, in_y), _round_half_away(xp, in_x), finite)
                y0, x0 = xp.floor(in_y), xp.floor(in_x)
                y1, x1 = y0 + 1, x0 + 1
                wy0, wy1 = (y1 - in_y)[..., None], (in_y - y0)[..., None]
                wx0, wx1 = (x1 - in_x)[..., None], (in_x - x0)[..., None]
                top = wx0 * _read32(xp, images, b, y0, x0, finite) + wx1 * _read32(xp, images, b, y0, x1, finite)
                bottom = wx0 * _read32(xp, images, b, y1, x0, finite) + wx1 * _read32(xp, images, b, y1, x1, finite)
                return _cast_like(xp, wy0 * top + wy1 * bottom, images.dtype)
        return image_projective_transform

    def gradient(op, grad):
        """TF's rule: the gradient warped back by the inverse transform, into the input images' size."""
        images, transforms, _ = op.inputs
        if not images.dtype.base_dtype.is_floating:
            return [None, None, None]
        inverse = matrices_to_flat(matrix_inverse(flat_to_matrices(transforms)))
        s = static_shape(images)
        size = shape(images)[1:3] if s is None or None in s[1:3] else constant(list(s[1:3]), dtypes.int32)
        back = apply_op(ImageProjectiveTransformV2, [grad, inverse, size], dict(op.attrs), "ImageProjectiveTransformV2")
        return [back, None, None]


def flat_to_matrices(transforms):
    """[8] or [n, 8] flat transforms -> [n, 3, 3] matrices (output to input coordinates, last entry 1)."""
    flat = reshape(transforms, [-1, 8])
    return reshape(concat([flat, ones([shape(flat)[0], 1], flat.dtype.base_dtype)], axis=1), [-1, 3, 3])


def matrices_to_flat(transform_matrices):
    """[3, 3] or [n, 3, 3] matrices -> [n, 8] flat transforms, each divided by its last entry."""
    flat = reshape(transform_matrices, [-1, 9])
    flat = flat / flat[:, 8:9]
    return flat[:, :8]


def image_projective_transform_v2(images, transforms, output_shape, interpolation, fill_mode="CONSTANT",
                                  name=None):
    """The raw op (gen_image_ops.image_projective_transform_v2): inputs must already be tensors of the right
    dtypes."""
    interpolation, fill_mode = interpolation.upper(), fill_mode.upper()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    return apply_op(ImageProjectiveTransformV2, [images, transforms, output_shape],
                    {"interpolation": interpolation, "fill_mode": fill_mode}, name or "ImageProjectiveTransformV2")


# --- connected components ----------------------------------------------------------------------------------------

def label_components(images):
    """[n, h, w] array -> int64 labels: pixels joined with their 4 neighbours of the same non-zero value; ids 1, 2,
    ... in the order of each component's first pixel in row-major order over the whole batch; 0 for zeros.

    A vectorized union-find: every edge between equal neighbours hooks the larger of its two roots under the smaller
    one, then pointer jumping flattens the trees, until every edge joins one root. Parents only decrease, so each
    root ends as its component's smallest flat index, its first pixel in row-major order."""
    zero = b"" if images.dtype == object else np.zeros((), images.dtype)
    fg = images != zero
    idx = np.arange(images.size).reshape(images.shape)
    same_x = fg[:, :, :-1] & (images[:, :, :-1] == images[:, :, 1:])
    same_y = fg[:, :-1, :] & (images[:, :-1, :] == images[:, 1:, :])
    a = np.concatenate([idx[:, :, :-1][same_x], idx[:, :-1, :][same_y]])
    b = np.concatenate([idx[:, :, 1:][same_x], idx[:, 1:, :][same_y]])
    parent = np.arange(images.size)
    while True:
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            break
        np.minimum.at(parent, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while True:
            jumped = parent[parent]
            if (jumped == parent).all():
                break
            parent = jumped
    roots = parent.reshape(images.shape)[fg]
    labels = np.zeros(images.shape, np.int64)
    labels[fg] = np.searchsorted(np.unique(roots), roots) + 1
    return labels


class ImageConnectedComponents(OpDef):
    """[n, h, w] image(s) of any dtype -> int64 component ids, already consecutive in TF's order (TF's op gives
    root ids that its Python wrapper renumbers; renumbering these again changes nothing)."""

    type = "ImageConnectedComponents"
    host_kernel = True
    allocates = True
    reads_only = True
    gradient = not_differentiable

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is not None and len(s) != 3:
            raise _rank_error(op, 3, len(s), str(op.inputs[0].shape))
        return [(s, dtypes.int64)]

    def kernel(op, ctx):
        return label_components

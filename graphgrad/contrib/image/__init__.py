"""`tf.contrib.image` (TF 1.15): projective transforms of images (`transform`, `rotate`, `translate` and the helpers
that build and compose their 8-number transforms), `connected_components`, and the flow-field warps
`dense_image_warp`, `interpolate_spline` and `sparse_image_warp`.

A transform [a0, a1, a2, b0, b1, b2, c0, c1] maps each *output* pixel (x, y) to the *input* point
((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1: it is the inverse of the motion the image
makes. Pixels whose point falls outside the image are 0. Images may be [h, w], [h, w, c] or [batch, h, w, c];
transforms [8] or [1 or batch, 8]. The kernel is TF's, bit for bit (contrib/image/ops.py); the image gradient is
TF's (the output gradient moved back by the inverse transform), transforms get none, as in TF.
"""
from __future__ import annotations

from ...framework import dtypes
from ...framework.graph import name_scope
from ...framework.op_def import static_shape
from ...ops.array_ops import concat, shape, zeros
from ...ops.array_ops import ones as _ones
from ...ops.cast_ops import cast
from ...ops.core import apply_op, convert_to_tensor
from ...ops.matmul_ops import matmul
from ...ops.unary_ops import cos, sin
from .ops import (
    IMAGE_DTYPES,
    ImageConnectedComponents,
    ImageProjectiveTransformV2,
    flat_to_matrices,
    image_projective_transform_v2,
    matrices_to_flat,
)
from .warp import dense_image_warp, interpolate_spline, sparse_image_warp

__all__ = ["transform", "rotate", "translate", "compose_transforms", "angles_to_projective_transforms",
           "translations_to_projective_transforms", "flat_transforms_to_matrices", "matrices_to_flat_transforms",
           "connected_components", "dense_image_warp", "interpolate_spline", "sparse_image_warp",
           "ImageProjectiveTransformV2", "ImageConnectedComponents"]


def _batched(images):
    """(images as [batch, h, w, c], the caller's rank), with TF's TypeErrors for bad dtypes and ranks."""
    x = convert_to_tensor(images, name="images")
    if x.dtype.base_dtype not in IMAGE_DTYPES:
        raise TypeError(f"Invalid dtype {x.dtype!s}.")
    s = static_shape(x)
    if s is None:
        raise TypeError("image_or_images rank must be statically known")
    if len(s) == 2:
        return x[None, :, :, None], 2
    if len(s) == 3:
        return x[None], 3
    if len(s) == 4:
        return x, 4
    raise TypeError("Images should have rank between 2 and 4.")


def _unbatched(output, rank):
    """The transformed batch back in the caller's rank."""
    return output[0, :, :, 0] if rank == 2 else output[0] if rank == 3 else output


def _rows(value, name, what):
    """`value` as a float32 [n, ...] tensor: one row given alone becomes a batch of one."""
    x = convert_to_tensor(value, name=name, dtype=dtypes.float32)
    s = static_shape(x)
    if s is None:
        raise TypeError(f"{what} rank must be statically known")
    return x, len(s)


def transform(images, transforms, interpolation="NEAREST", output_shape=None, name=None):
    """Warps the image(s) by projective `transforms` ([8] for all, or one row per image); `output_shape` [2]
    (height, width) sizes the result (default: the input's size). Same dtype as `images`."""
    with name_scope(name, "transform"):
        x, rank = _batched(images)
        if output_shape is None:
            s = static_shape(x)
            output_shape = [s[1], s[2]] if s[1] is not None and s[2] is not None else shape(x)[1:3]
        output_shape = convert_to_tensor(output_shape, dtype=dtypes.int32, name="output_shape")
        so = static_shape(output_shape)
        if so is not None and (len(so) != 1 or so[0] not in (None, 2)):
            raise ValueError("output_shape must be a 1-D Tensor of 2 elements: new_height, new_width")
        t, t_rank = _rows(transforms, "transforms", "transform_or_transforms")
        if t_rank == 1:
            t = t[None]
        elif t_rank != 2:
            raise TypeError("Transforms should have rank 1 or 2.")
        out = image_projective_transform_v2(x, t, output_shape, interpolation)
        return _unbatched(out, rank)


def angles_to_projective_transforms(angles, image_height, image_width, name=None):
    """[n, 8] transforms rotating images counterclockwise by `angles` (radians; a scalar or [n]) about their
    centre, as TF computes them in float32."""
    with name_scope(name, "angles_to_projective_transforms"):
        a, a_rank = _rows(angles, "angles", "angles")
        if a_rank == 0:
            a = a[None]
        elif a_rank != 1:
            raise TypeError("Angles should have rank 0 or 1.")
        h = cast(image_height, dtypes.float32)
        w = cast(image_width, dtypes.float32)
        c, s = cos(a), sin(a)
        x_offset = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2.0
        y_offset = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2.0
        n = shape(a)[0]
        return concat([c[:, None], -s[:, None], x_offset[:, None], s[:, None], c[:, None], y_offset[:, None],
                       zeros([n, 2], dtypes.float32)], axis=1)


def translations_to_projective_transforms(translations, name=None):
    """[n, 8] transforms moving images by [dx, dy] (one pair, or [n, 2]): the input point is (x - dx, y - dy)."""
    with name_scope(name, "translations_to_projective_transforms"):
        t, t_rank = _rows(translations, "translations", "translation_or_translations")
        if t_rank == 1:
            t = t[None]
        elif t_rank != 2:
            raise TypeError("Translations should have rank 1 or 2.")
        n = shape(t)[0]
        one, nought = _ones([n, 1], dtypes.float32), zeros([n, 1], dtypes.float32)
        return concat([one, nought, -t[:, 0, None], nought, one, -t[:, 1, None], zeros([n, 2], dtypes.float32)],
                      axis=1)


def rotate(images, angles, interpolation="NEAREST", name=None):
    """Image(s) rotated counterclockwise by `angles` (radians: one, or one per image) about their centre; corners
    that come from outside the image are 0."""
    with name_scope(name, "rotate"):
        x, rank = _batched(images)
        h = cast(shape(x)[1], dtypes.float32)[None]
        w = cast(shape(x)[2], dtypes.float32)[None]
        out = transform(x, angles_to_projective_transforms(angles, h, w), interpolation=interpolation)
        return _unbatched(out, rank)


def translate(images, translations, interpolation="NEAREST", name=None):
    """Image(s) moved by [dx, dy] pixels (one pair, or one per image); what comes in from outside is 0."""
    with name_scope(name, "translate"):
        return transform(images, translations_to_projective_transforms(translations), interpolation=interpolation)


def compose_transforms(*transforms):
    """One [n, 8] transform doing what the given ones do applied in order (their matrices multiplied)."""
    if not transforms:
        raise AssertionError("transforms cannot be empty")
    with name_scope(None, "compose_transforms"):
        composed = flat_transforms_to_matrices(transforms[0])
        for t in transforms[1:]:
            composed = matmul(composed, flat_transforms_to_matrices(t))
        return matrices_to_flat_transforms(composed)


def flat_transforms_to_matrices(transforms):
    """[8] or [n, 8] transforms -> [n, 3, 3] matrices mapping output to input coordinates (homogeneous; for the
    forward motion, invert them)."""
    with name_scope(None, "flat_transforms_to_matrices"):
        t = convert_to_tensor(transforms, name="transforms")
        s = static_shape(t)
        if s is None or len(s) not in (1, 2):
            raise ValueError(f"Transforms should be 1D or 2D, got: {t}")
        return flat_to_matrices(t)


def matrices_to_flat_transforms(transform_matrices):
    """[3, 3] or [n, 3, 3] matrices (output to input coordinates) -> [n, 8] transforms for `transform`, each
    divided by its last entry."""
    with name_scope(None, "matrices_to_flat_transforms"):
        m = convert_to_tensor(transform_matrices, name="transform_matrices")
        s = static_shape(m)
        if s is None or len(s) not in (2, 3):
            raise ValueError(f"Matrices should be 2D or 3D, got: {m}")
        return matrices_to_flat(m)


def connected_components(images):
    """int64 component ids of [h, w] or [n, h, w] image(s): 4-connected pixels of one non-zero value share an id;
    ids run 1, 2, ... over the whole batch in the order of each component's first pixel (row-major); zeros get 0."""
    with name_scope(None, "connected_components"):
        x = convert_to_tensor(images, name="images")
        s = static_shape(x)
        if s is None or len(s) not in (2, 3):
            raise TypeError(f"images should have rank 2 (HW) or 3 (NHW). Static shape is {x.shape}")
        out = apply_op(ImageConnectedComponents, [x[None] if len(s) == 2 else x], None, "ImageConnectedComponents")
        return out[0] if len(s) == 2 else out

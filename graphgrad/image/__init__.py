"""`tf.image`: resizing (nearest, bilinear) and per-image standardization, built from graph ops (gathers and
lerps), so gradients flow through them.

Coordinates follow TensorFlow (checked against tensorflow.compat.v1 by the conformance program
`image_resize_conventions`): TF1's `resize` (= `resize_images`), `resize_bilinear` and `resize_nearest_neighbor`
use the legacy `src = dst * in / out`, or with `align_corners=True` `dst * (in - 1) / (out - 1)`; with
`half_pixel_centers=True`, and in `resize_v2` (TF2's `tf.image.resize`), output pixel centres map to input ones,
`src = (dst + 0.5) * in / out - 0.5`. Bilinear clamps to the edge as TF's kernel does: lower = max(floor(src), 0),
upper = min(ceil(src), in - 1), weight = src - floor(src). Nearest is min(floor(src'), in - 1) with
src' = (dst + 0.5) * in / out under half-pixel (round instead of floor with align_corners).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from ..ops import array_ops, math_ops
from ..ops.array_ops import get_static_value
from ..ops.box_ops import (
    non_max_suppression,
    non_max_suppression_overlaps,
    non_max_suppression_padded,
    non_max_suppression_with_scores,
)
from ..ops.combined_nms_ops import combined_non_max_suppression
from ..ops.core import constant, convert_to_tensor
from ..ops.crop_resize_ops import crop_and_resize
from ..ops.draw_ops import draw_bounding_boxes
from ..ops.glimpse_ops import extract_glimpse
from ..ops.image_codec_ops import *  # noqa: F403  (image files, on Pillow: the `image` extra)
from ..ops.image_codec_ops import __all__ as _codecs
from ..ops.jpeg_ops import *  # noqa: F403  (is_jpeg, extract_jpeg_shape, decode_and_crop_jpeg, *_jpeg_quality)
from ..ops.jpeg_ops import __all__ as _jpeg
from ..ops.patch_ops import extract_image_patches, extract_patches
from ..ops.sample_box_ops import sample_distorted_bounding_box
from .adjust import *  # noqa: F401,F403
from .adjust import __all__ as _adjust_all
from .adjust import pad_to_bounding_box, transpose_image
from .color import *  # noqa: F401,F403
from .color import __all__ as _color_all
from .quality import *  # noqa: F401,F403
from .quality import __all__ as _quality_all
from .resample import area_taps, bicubic_taps


class ResizeMethod:
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"


_V1_METHODS = {0: "bilinear", 1: "nearest", 2: "bicubic", 3: "area"}


def _coords(n_in, n_out, half_pixel, align_corners, nearest):
    """Per output index: (lower, upper, weight) for bilinear, or the source index for nearest."""
    out = np.arange(n_out, dtype=np.float64)
    scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
    if nearest:
        src = (out + 0.5) * scale if half_pixel else out * scale
        idx = np.round(src) if align_corners else np.floor(src)
        return np.clip(idx, 0, n_in - 1).astype(np.int32)
    src = (out + 0.5) * scale - 0.5 if half_pixel else out * scale
    f = np.floor(src)
    lower = np.maximum(f, 0).astype(np.int32)
    upper = np.minimum(np.ceil(src), n_in - 1).astype(np.int32)
    return lower, upper, (src - f)


def _resize(images, size, method, half_pixel, align_corners, name, default):
    with name_scope(name, default, [images]) as scope:
        x = convert_to_tensor(images, name="images")
        s = static_shape(x)
        if s is None or len(s) not in (3, 4):
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        batched = len(s) == 4
        if not batched:
            x = array_ops.expand_dims(x, 0)
            s = (1,) + tuple(s)
        sz = get_static_value(size)
        if sz is None or np.size(sz) != 2:
            raise ValueError("size must be a 1-D int32 Tensor of 2 elements known while building: new_height, "
                             "new_width")
        (oh, ow), (ih, iw) = (int(v) for v in np.reshape(sz, -1)), s[1:3]
        if ih is None or iw is None:
            raise ValueError("The input's height and width must be known while building the graph")
        method = _V1_METHODS.get(method, method)
        method = {"nearest_neighbor": "nearest"}.get(str(method).lower(), str(method).lower())
        if method not in ("bilinear", "nearest", "bicubic", "area"):
            raise NotImplementedError(f"resize method {method!r} is not supported (bilinear, nearest, bicubic, "
                                      "area)")
        if method in ("bicubic", "area") and x.dtype.base_dtype != dtypes.float32:
            x = math_ops.cast(x, dtypes.float32)  # TF's ResizeBicubic and ResizeArea give float32
        if method == "bilinear" and not x.dtype.base_dtype.is_floating:
            x = math_ops.cast(x, dtypes.float32)
        for axis, n_in, n_out in ((2, iw, ow), (1, ih, oh)) if method in ("bicubic", "area") else \
                ((1, ih, oh), (2, iw, ow)):
            if n_in == n_out and method != "area":
                continue
            if method in ("bicubic", "area"):  # TF: along the width, then the height
                taps = bicubic_taps(n_in, n_out, half_pixel, align_corners) if method == "bicubic" else \
                    area_taps(n_in, n_out, align_corners)
                shape = [1, 1, 1, 1]
                shape[axis] = n_out
                parts = [math_ops.multiply(array_ops.gather(x, idx, axis=axis), constant(w.reshape(shape)))
                         for idx, w in taps]
                x = parts[0] if len(parts) == 1 else math_ops.add_n(parts)
                continue
            if method == "nearest":
                x = array_ops.gather(x, _coords(n_in, n_out, half_pixel, align_corners, True), axis=axis)
                continue
            lo, hi, w = _coords(n_in, n_out, half_pixel, align_corners, False)
            a, b = array_ops.gather(x, lo, axis=axis), array_ops.gather(x, hi, axis=axis)
            shape = [1, 1, 1, 1]
            shape[axis] = n_out
            wt = constant(w.reshape(shape).astype(x.dtype.base_dtype.np))
            x = math_ops.add(a, math_ops.multiply(math_ops.subtract(b, a), wt))
        if not batched:
            x = array_ops.squeeze(x, [0])
        return array_ops.identity(x, name=scope)


def resize(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
           name=None):
    """`tf.image.resize` as TF1 programs see it (`tensorflow.compat.v1.image.resize` is `resize_images`): legacy
    coordinates, or `align_corners`. TF2's half-pixel resize is `resize_bilinear(..., half_pixel_centers=True)`
    (and `resize_nearest_neighbor`), or `resize_v2`."""
    return resize_images(images, size, method, align_corners, preserve_aspect_ratio, name)


def resize_v2(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False, name=None):
    """TF2's `tf.image.resize`: half-pixel centres; bilinear returns float32 (floats keep their dtype)."""
    if preserve_aspect_ratio or antialias:
        raise NotImplementedError("preserve_aspect_ratio and antialias are not supported")
    return _resize(images, size, method, True, False, name, "resize")


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """TF1's `tf.image.resize_images`: legacy (not half-pixel) coordinates, or `align_corners`."""
    if preserve_aspect_ratio:
        raise NotImplementedError("preserve_aspect_ratio is not supported")
    return _resize(images, size, method, False, align_corners, name, "resize_images")


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    return _resize(images, size, "bilinear", half_pixel_centers, align_corners, name, "ResizeBilinear")


def resize_nearest_neighbor(images, size, align_corners=False, name=None, half_pixel_centers=False):
    return _resize(images, size, "nearest", half_pixel_centers, align_corners, name, "ResizeNearestNeighbor")


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """TF1's ResizeBicubic: float32, Keys' cubic (a = -0.75; with `half_pixel_centers` a = -0.5 and taps outside
    the image dropped), TF's tabulated weights; gathers and products, so gradients flow."""
    return _resize(images, size, "bicubic", half_pixel_centers, align_corners, name, "ResizeBicubic")


def resize_area(images, size, align_corners=False, name=None):
    """TF's ResizeArea: float32, each output pixel the average of the input area it covers (partly covered cells
    by the part covered)."""
    return _resize(images, size, "area", False, align_corners, name, "ResizeArea")


def resize_image_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR, align_corners=False):
    """TF1's `resize_image_with_pad`: resized (aspect ratio kept, by `resize_images`) to fit the target, then
    padded with zeros to it, centred (TF's float arithmetic for the sizes and offsets)."""
    with name_scope(None, "resize_image_with_pad", [image]):
        x = convert_to_tensor(image, name="image")
        s = static_shape(x)
        if s is None or len(s) not in (3, 4):
            raise ValueError("'image' must have either 3 or 4 dimensions.")
        h, w = s[-3:-1]
        if h is None or w is None:
            raise ValueError("The image's height and width must be known while building the graph")
        th, tw = int(target_height), int(target_width)
        if th <= 0 or tw <= 0:
            raise ValueError("target_height must be > 0." if th <= 0 else "target_width must be > 0.")
        ratio = max(np.float32(w) / np.float32(tw), np.float32(h) / np.float32(th))
        new_h, new_w = int(np.floor(np.float32(h) / ratio)), int(np.floor(np.float32(w) / ratio))
        pad_h = max(0, int(np.floor((np.float32(th) - np.float32(h) / ratio) / np.float32(2))))
        pad_w = max(0, int(np.floor((np.float32(tw) - np.float32(w) / ratio) / np.float32(2))))
        resized = resize_images(x, [new_h, new_w], method, align_corners)
        return pad_to_bounding_box(resized, pad_h, pad_w, th, tw)


transpose = transpose_image  # TF 2's name, in tf.compat.v1.image too


def per_image_standardization(image, name=None):
    """(x - mean) / max(stddev, 1/sqrt(N)) per image, over its height, width and channels."""
    with name_scope(name, "per_image_standardization", [image]) as scope:
        x = convert_to_tensor(image, name="image")
        if not x.dtype.base_dtype.is_floating:
            x = math_ops.cast(x, dtypes.float32)
        s = static_shape(x)
        axes = [-1, -2, -3]
        n = int(np.prod(s[-3:])) if s is not None and all(d is not None for d in s[-3:]) else None
        if n is None:
            n_t = math_ops.cast(math_ops.reduce_prod(array_ops.shape(x)[-3:]), x.dtype.base_dtype)
            min_std = math_ops.rsqrt(n_t)
        else:
            min_std = 1.0 / np.sqrt(n)
        mean = math_ops.reduce_mean(x, axes, keepdims=True)
        centred = math_ops.subtract(x, mean)
        std = math_ops.sqrt(math_ops.reduce_mean(math_ops.square(centred), axes, keepdims=True))
        return math_ops.divide(centred, math_ops.maximum(std, min_std), name=scope)


__all__ = ["ResizeMethod", "resize", "resize_v2", "resize_images", "resize_bilinear", "resize_nearest_neighbor",
           "resize_bicubic", "resize_area", "resize_image_with_pad", "transpose",
           "per_image_standardization", "crop_and_resize", "non_max_suppression", "non_max_suppression_overlaps",
           "non_max_suppression_padded", "non_max_suppression_with_scores", "combined_non_max_suppression",
           "draw_bounding_boxes",
           "extract_image_patches", "extract_patches", "sample_distorted_bounding_box", "extract_glimpse",
           *_codecs, *_jpeg, *_adjust_all, *_color_all, *_quality_all]

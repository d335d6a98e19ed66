"""`tf.image`'s pixel and geometry helpers, each a composition of graph ops (so gradients flow through the float
ones): dtype conversion, flips, rotations, crops and pads, brightness and contrast, grayscale, and their random
versions. Images are [height, width, channels] or a batch [n, height, width, channels]; sizes and offsets must be
known while building (Python ints or constants), as the slicing ops here take static bounds.

The arithmetic is TF's: `convert_image_dtype` scales integers by their maximum (uint8 -> float: x / 255;
float -> uint8: x · 255.5, truncated; between integer types by a power of two), brightness and contrast work in
float32 and convert back with saturation, and grayscale uses TF's weights (0.2989, 0.587, 0.114).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from ..ops import array_ops, math_ops, random_ops
from ..ops.array_ops import get_static_value
from ..ops.core import constant, convert_to_tensor
from ..ops.image_codec_ops import convert_image_dtype

__all__ = ["convert_image_dtype", "flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down",
           "rot90", "transpose_image", "central_crop", "crop_to_bounding_box", "pad_to_bounding_box",
           "resize_image_with_crop_or_pad", "resize_with_crop_or_pad", "rgb_to_grayscale", "grayscale_to_rgb",
           "adjust_brightness", "adjust_contrast", "random_brightness", "random_contrast", "random_crop"]


def _image(image, name="image"):
    """The image tensor and its static shape, which must have rank 3 or 4 (TF's ValueError otherwise)."""
    x = convert_to_tensor(image, name=name)
    s = static_shape(x)
    if s is not None and len(s) < 3:
        raise ValueError(f"'image' (shape {x.shape}) must be at least three-dimensional.")
    if s is None or len(s) > 4:
        raise ValueError(f"'image' (shape {x.shape}) must have either 3 or 4 dimensions.")
    return x, s


def _flip(image, axis, name, default):
    with name_scope(name, default, [image]) as scope:
        x, s = _image(image)
        return array_ops.reverse(x, [len(s) - 3 + axis], name=scope)


def flip_left_right(image, name=None):
    """Mirror the width axis."""
    return _flip(image, 1, name, "flip_left_right")


def flip_up_down(image, name=None):
    """Mirror the height axis."""
    return _flip(image, 0, name, "flip_up_down")


def _random_flip(image, axis, seed, name, default):
    with name_scope(name, default, [image]) as scope:
        x, s = _image(image)
        if len(s) == 3:
            shape = []
        elif s[0] is not None:
            shape = [s[0], 1, 1, 1]
        else:
            shape = array_ops.stack([array_ops.shape(x)[0], 1, 1, 1])
        u = random_ops.random_uniform(shape, 0, 1.0, seed=seed)
        flipped = array_ops.reverse(x, [len(s) - 3 + axis])
        return math_ops.where_v2(math_ops.less(u, 0.5), flipped, x, name=scope)


def random_flip_left_right(image, seed=None):
    """Mirror the width axis with probability 1/2 (each image of a batch on its own draw)."""
    return _random_flip(image, 1, seed, None, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirror the height axis with probability 1/2 (each image of a batch on its own draw)."""
    return _random_flip(image, 0, seed, None, "random_flip_up_down")


def transpose_image(image, name=None):
    """Swap height and width."""
    with name_scope(name, "transpose", [image]) as scope:
        x, s = _image(image)
        perm = [1, 0, 2] if len(s) == 3 else [0, 2, 1, 3]
        return array_ops.transpose(x, perm, name=scope)


def rot90(image, k=1, name=None):
    """Rotate by k quarter turns counter-clockwise (k known while building)."""
    with name_scope(name, "rot90", [image, k]) as scope:
        x, s = _image(image)
        kv = get_static_value(k)
        if kv is None:
            raise ValueError("rot90 needs k known while building the graph")
        k = int(kv) % 4
        h, w = len(s) - 3, len(s) - 2
        if k == 0:
            return array_ops.identity(x, name=scope)
        if k == 2:
            return array_ops.reverse(x, [h, w], name=scope)
        if k == 1:
            return transpose_image(array_ops.reverse(x, [w]), name=scope)
        return array_ops.reverse(transpose_image(x), [w], name=scope)


def _known_hw(s):
    h, w = s[-3], s[-2]
    if h is None or w is None:
        raise ValueError("the image's height and width must be known while building the graph")
    return h, w


def _static_int(v, what):
    sv = get_static_value(v)
    if sv is None:
        raise ValueError(f"{what} must be known while building the graph")
    return int(sv)


def _box(image, offset_height, offset_width, target_height, target_width):
    """(image tensor, its static shape, the four box numbers as ints, (height, width)), all known while building."""
    x, s = _image(image)
    names = ("offset_height", "offset_width", "target_height", "target_width")
    box = [_static_int(v, n) for v, n in zip((offset_height, offset_width, target_height, target_width), names)]
    return x, s, box, _known_hw(s)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The target_height x target_width window whose top-left corner is (offset_height, offset_width)."""
    with name_scope(None, "crop_to_bounding_box", [image]) as scope:
        x, s, (oh, ow, th, tw), (h, w) = _box(image, offset_height, offset_width, target_height, target_width)
        for ok, msg in ((oh >= 0, "offset_height must be >= 0."), (ow >= 0, "offset_width must be >= 0."),
                        (th > 0, "target_height must be > 0."), (tw > 0, "target_width must be > 0."),
                        (h >= th + oh, "height must be >= target + offset."),
                        (w >= tw + ow, "width must be >= target + offset.")):
            if not ok:
                raise ValueError(msg)
        lead = [0] * (len(s) - 3)
        return array_ops.slice(x, lead + [oh, ow, 0], [-1] * len(lead) + [th, tw, -1], name=scope)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The image placed at (offset_height, offset_width) in a zero target_height x target_width image."""
    with name_scope(None, "pad_to_bounding_box", [image]) as scope:
        x, s, (oh, ow, th, tw), (h, w) = _box(image, offset_height, offset_width, target_height, target_width)
        for ok, msg in ((oh >= 0, "offset_height must be >= 0"), (ow >= 0, "offset_width must be >= 0"),
                        (th - oh - h >= 0, "height must be <= target - offset"),
                        (tw - ow - w >= 0, "width must be <= target - offset")):
            if not ok:
                raise ValueError(msg)
        pads = [[0, 0]] * (len(s) - 3) + [[oh, th - oh - h], [ow, tw - ow - w], [0, 0]]
        return array_ops.pad(x, pads, name=scope)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop and/or zero-pad to target_height x target_width (TF's offsets: floor of half the
    difference)."""
    with name_scope(None, "resize_image_with_crop_or_pad", [image]):
        x, s = _image(image)
        h, w = _known_hw(s)
        th, tw = _static_int(target_height, "target_height"), _static_int(target_width, "target_width")
        if th <= 0 or tw <= 0:
            raise ValueError("target_height must be > 0." if th <= 0 else "target_width must be > 0.")
        cropped = crop_to_bounding_box(x, max(-(th - h) // 2, 0), max(-(tw - w) // 2, 0), min(th, h), min(tw, w))
        return pad_to_bounding_box(cropped, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def central_crop(image, central_fraction):
    """The central `central_fraction` (0, 1] of the height and width."""
    with name_scope(None, "central_crop", [image]):
        x, s = _image(image)
        if not 0.0 < central_fraction <= 1.0:
            raise ValueError("central_fraction must be within (0, 1]")
        if central_fraction == 1.0:
            return x
        h, w = _known_hw(s)
        top, left = int((h - h * central_fraction) / 2), int((w - w * central_fraction) / 2)
        return crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left)


def _in_float(image, name, default, f):
    """f applied to the image as float32 (floats as they are), converted back to its dtype with saturation."""
    with name_scope(name, default, [image]) as scope:
        x = convert_to_tensor(image, name="image")
        dt = x.dtype.base_dtype
        fx = x if dt.is_floating else convert_image_dtype(x, dtypes.float32)
        out = f(fx)
        if dt.is_floating:
            return array_ops.identity(out, name=scope)
        return convert_image_dtype(out, dt, saturate=True, name=scope)


def adjust_brightness(image, delta):
    """image + delta, in [0, 1] float terms for integer images."""
    return _in_float(image, None, "adjust_brightness",
                     lambda x: math_ops.add(x, math_ops.cast(convert_to_tensor(delta), x.dtype.base_dtype)))


def adjust_contrast(images, contrast_factor):
    """(x - mean) · contrast_factor + mean, the mean per image and channel over height and width."""
    def contrast(x):
        mean = math_ops.reduce_mean(x, axis=[-3, -2], keepdims=True)
        factor = math_ops.cast(convert_to_tensor(contrast_factor), x.dtype.base_dtype)
        return math_ops.add(math_ops.multiply(math_ops.subtract(x, mean), factor), mean)
    return _in_float(images, None, "adjust_contrast", contrast)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)


def rgb_to_grayscale(images, name=None):
    """[..., 3] -> [..., 1]: TF's weighted sum (0.2989, 0.587, 0.114), in float32 for integer images."""
    weights = np.array([0.2989, 0.5870, 0.1140])

    def gray(x):
        w = constant(weights.astype(x.dtype.base_dtype.np))
        return array_ops.expand_dims(math_ops.reduce_sum(math_ops.multiply(x, w), axis=-1), -1)
    return _in_float(images, name, "rgb_to_grayscale", gray)


def grayscale_to_rgb(images, name=None):
    """[..., 1] -> [..., 3]: the gray value in each channel."""
    with name_scope(name, "grayscale_to_rgb", [images]) as scope:
        x = convert_to_tensor(images, name="images")
        s = static_shape(x)
        if s is not None and (len(s) < 2 or s[-1] not in (None, 1)):
            raise ValueError(f"Dimension -1 in images' shape {x.shape} must be 1")
        return array_ops.concat([x, x, x], axis=-1, name=scope)


def random_crop(value, size, seed=None, name=None):
    """A `size` window of `value` at a uniformly random offset (every dimension; shape and size known while
    building)."""
    with name_scope(name, "random_crop", [value, size]) as scope:
        x = convert_to_tensor(value, name="value")
        s = static_shape(x)
        sz = get_static_value(size)
        if s is None or any(d is None for d in s) or sz is None:
            raise ValueError("random_crop needs the value's shape and the size known while building the graph")
        sz = [int(v) for v in np.reshape(sz, -1)]
        if len(sz) != len(s) or any(a > b for a, b in zip(sz, s)):
            raise ValueError(f"Need value.shape >= size, got {list(s)} and {sz}")
        limits = np.array(s) - np.array(sz) + 1
        u = random_ops.random_uniform([len(s)], 0, 1.0, seed=seed)
        offsets = math_ops.cast(math_ops.floor(math_ops.multiply(u, constant(limits.astype(np.float32)))),
                                dtypes.int32)
        for axis, n in enumerate(sz):
            if n == s[axis]:
                continue
            idx = math_ops.add(offsets[axis], constant(np.arange(n, dtype=np.int32)))
            x = array_ops.gather(x, idx, axis=axis)
        return array_ops.identity(x, name=scope)

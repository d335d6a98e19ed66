"""`tf.image`'s colour spaces and colour adjustments: HSV (graphgrad/ops/color_ops.py's kernels), YUV and YIQ (a
3x3 matrix on the channels, TF's numbers), hue, saturation and gamma, and the random hue and saturation. As in TF,
hue and saturation work on float32 (float16 and float32 images as they are, others converted there and back) and
go through HSV: hue is shifted and wrapped into [0, 1), saturation scaled and clipped to [0, 1]."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import array_ops, math_ops, random_ops
from ..ops.array_ops import get_static_value
from ..ops.color_ops import hsv_to_rgb, rgb_to_hsv
from ..ops.core import constant, convert_to_tensor
from ..ops.image_codec_ops import convert_image_dtype
from ..ops.matmul_ops import tensordot

__all__ = ["rgb_to_hsv", "hsv_to_rgb", "rgb_to_yuv", "yuv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "adjust_hue",
           "adjust_saturation", "adjust_gamma", "random_hue", "random_saturation"]

_KERNELS = {
    "rgb_to_yiq": [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617], [0.114, -0.32134392, 0.31119955]],
    "yiq_to_rgb": [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021], [0.6208248, -0.64720424, 1.70423049]],
    "rgb_to_yuv": [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
                   [0.114, 0.43601035, -0.10001026]],
    "yuv_to_rgb": [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]],
}


def _mix(images, which):
    x = convert_to_tensor(images, name="images")
    kernel = constant(np.asarray(_KERNELS[which], x.dtype.base_dtype.np), name="kernel")
    return tensordot(x, kernel, axes=[[x.shape.ndims - 1], [0]])


def rgb_to_yuv(images):
    """[..., 3] RGB -> YUV (Y in [0, 1], U in [-0.436, 0.436], V in [-0.615, 0.615])."""
    return _mix(images, "rgb_to_yuv")


def yuv_to_rgb(images):
    """[..., 3] YUV -> RGB."""
    return _mix(images, "yuv_to_rgb")


def rgb_to_yiq(images):
    """[..., 3] RGB -> YIQ."""
    return _mix(images, "rgb_to_yiq")


def yiq_to_rgb(images):
    """[..., 3] YIQ -> RGB."""
    return _mix(images, "yiq_to_rgb")


def _through_hsv(image, name, default, change):
    """`change(h, s, v) -> (h, s, v)` applied in HSV, in float32 unless the image is float16 or float32."""
    with name_scope(name, default, [image]) as scope:
        x = convert_to_tensor(image, name="image")
        dt = x.dtype.base_dtype
        fx = x if dt in (dtypes.float16, dtypes.float32) else convert_image_dtype(x, dtypes.float32)
        hsv = rgb_to_hsv(fx)
        h, s, v = change(hsv[..., 0], hsv[..., 1], hsv[..., 2])
        rgb = hsv_to_rgb(array_ops.stack([h, s, v], axis=-1))
        return convert_image_dtype(rgb, dt, name=scope)


def adjust_hue(image, delta, name=None):
    """Rotate the hue by `delta` (in [-1, 1]: a full turn is 1)."""
    def shift(h, s, v):
        return math_ops.floormod(math_ops.add(h, math_ops.cast(delta, h.dtype.base_dtype)), 1.0), s, v
    return _through_hsv(image, name, "adjust_hue", shift)


def adjust_saturation(image, saturation_factor, name=None):
    """Scale the saturation by `saturation_factor`, clipped to [0, 1]."""
    def scale(h, s, v):
        f = math_ops.cast(saturation_factor, s.dtype.base_dtype)
        return h, math_ops.clip_by_value(math_ops.multiply(s, f), 0.0, 1.0), v
    return _through_hsv(image, name, "adjust_saturation", scale)


def adjust_gamma(image, gamma=1, gain=1):
    """gain · image ** gamma (in [0, 1] float terms for integer images, converted back with saturation)."""
    with name_scope(None, "adjust_gamma", [image, gamma, gain]) as scope:
        x = convert_to_tensor(image, name="image")
        dt = x.dtype.base_dtype
        fx = x if dt in (dtypes.float16, dtypes.float32) else convert_image_dtype(x, dtypes.float32)
        g = get_static_value(gamma) if not isinstance(gamma, (int, float)) else gamma
        if g is not None and np.any(np.asarray(g) < 0):
            raise ValueError("Gamma should be a non-negative real number.")
        fdt = fx.dtype.base_dtype
        out = math_ops.multiply(math_ops.cast(gain, fdt), math_ops.pow(fx, math_ops.cast(gamma, fdt)))
        return convert_image_dtype(out, dt, saturate=True, name=scope)


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta), max_delta in [0, 0.5]."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_ops.random_uniform([], -max_delta, max_delta, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, random_ops.random_uniform([], lower, upper, seed=seed))

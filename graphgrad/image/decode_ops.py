"""`tf.image.decode_jpeg`, `decode_png`, `decode_image` (an encoded image string -> uint8 [height, width,
channels], decoded by Pillow: `pip install -e '.[image]'`) and `rgb_to_grayscale` (TF's weights 0.2989, 0.5870,
0.1140). Pillow's libjpeg may round a pixel differently from TensorFlow's, so decoded JPEGs can differ by a unit
or two; PNGs are lossless and decode identically."""
from __future__ import annotations

import io

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from ..ops.array_ops import expand_dims
from ..ops.cast_ops import cast
from ..ops.core import apply_op, convert_to_tensor
from ..ops.reduction_ops import reduce_sum

__all__ = ["decode_image", "decode_jpeg", "decode_png", "rgb_to_grayscale"]

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("tf.image.decode_* decode through Pillow: pip install -e '.[image]'") from None
    return Image


class DecodeImage(OpDef):
    """DecodeJpeg / DecodePng / DecodeImage(contents; channels): the image as uint8 [height, width, channels];
    `channels=0` keeps the file's own."""

    type = "DecodeImage"
    gradient = not_differentiable
    what = "image"

    def infer(op):
        if op.op_def.what == "image":  # TF's decode_image may give a GIF's frames: rank unknown
            return [(None, dtypes.uint8)]
        return [((None, None, op.attrs["channels"] or None), dtypes.uint8)]

    def kernel(op, ctx):
        image_module, channels = _pillow(), op.attrs["channels"]

        def decode(contents):
            data = contents.item() if isinstance(contents, np.ndarray) else contents
            try:
                image = image_module.open(io.BytesIO(data))
                image.load()
            except Exception:  # noqa: BLE001 -- Pillow's many error types all mean "not an image it reads"
                raise op_error(errors.InvalidArgumentError, op, "Unknown image file format. One of JPEG, JPEG XL, "
                                                                "PNG, GIF, BMP, WebP required.") from None
            mode = _MODES.get(channels) or ("RGBA" if "A" in image.mode else "L" if image.mode in ("L", "1")
                                            else "RGB")
            pixels = np.asarray(image.convert(mode), dtype=np.uint8)
            return ctx.to_device(pixels.reshape(*pixels.shape[:2], -1))
        return decode

    def can_fail(op):
        return True


class DecodeJpeg(DecodeImage):
    type = "DecodeJpeg"
    what = "JPEG"


class DecodePng(DecodeImage):
    type = "DecodePng"
    what = "PNG"


def _decode(op_def, contents, channels, name):
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"channels must be 0, 1, 3 or 4, got {channels}")
    _pillow()
    t = convert_to_tensor(contents, dtype=dtypes.string)
    if t.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims} for '{op_def.type}'")
    return apply_op(op_def, [t], {"channels": int(channels or 0)}, name or op_def.type)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    return _decode(DecodeJpeg, contents, channels, name)


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    return _decode(DecodePng, contents, channels, name)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    return _decode(DecodeImage, contents, channels or 0, name)


def rgb_to_grayscale(images, name=None):
    """The luma of RGB `images` [..., 3] as [..., 1], in their dtype (integers scaled through floats, as TF's
    `convert_image_dtype` does)."""
    with name_scope(name, "rgb_to_grayscale", [images]) as scope:
        images = convert_to_tensor(images, name="images")
        dtype = images.dtype.base_dtype
        shape = static_shape(images)
        if shape is not None and shape[-1] not in (None, 3):
            raise ValueError(f"Dimension -1 in both shapes must be equal, but are {shape[-1]} and 3.")
        flt = cast(images, dtypes.float32) * (1.0 / dtype.max) if dtype.is_integer else images
        weights = np.array([0.2989, 0.5870, 0.1140], flt.dtype.base_dtype.np)
        gray = expand_dims(reduce_sum(flt * weights, -1), -1)
        if dtype.is_integer:
            return cast(gray * (dtype.max + 0.5), dtype, name=scope)
        return gray

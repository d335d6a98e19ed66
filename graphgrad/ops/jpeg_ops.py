"""JPEG helpers of `tf.io` / `tf.image`: `is_jpeg`, `extract_jpeg_shape` (the header's height, width and channels,
without decoding), `decode_and_crop_jpeg` (a window of the pixels), `adjust_jpeg_quality` and
`random_jpeg_quality` (an encode at a given quality and a decode: JPEG artefacts as data augmentation), over the
codec graphgrad uses for `decode_jpeg` / `encode_jpeg` (Pillow: image_codec_ops.py). As there, pixel values can
differ from TF's libjpeg by a few levels."""
from __future__ import annotations

import struct

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .array_ops import get_static_value
from .comparison_ops import equal
from .core import apply_op, convert_to_tensor, identity
from .image_codec_ops import (
    EncodeJpeg,
    _pixels_input,
    check_jpeg_options,
    convert_image_dtype,
    decode,
    decode_jpeg,
    jpeg_file,
    pillow,
)
from .io_ops import host_bytes, string_scalar
from .random_ops import random_uniform
from .string_ops import substr

__all__ = ["is_jpeg", "extract_jpeg_shape", "decode_and_crop_jpeg", "adjust_jpeg_quality", "random_jpeg_quality"]

_NOT_SOF = (0xC4, 0xC8, 0xCC)  # DHT, JPG, DAC share the SOFn marker range


def jpeg_shape(data):
    """(height, width, components) from a JPEG's start-of-frame segment; None when there is none."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # segments without a length
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in _NOT_SOF:
            if pos + 10 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return height, width, data[pos + 9]
        pos += 2 + length
    return None


class ExtractJpegShape(OpDef):
    """ExtractJpegShape(contents; output_type) -> [height, width, channels], read from the header."""

    type = "ExtractJpegShape"
    gradient = not_differentiable

    def infer(op):
        string_scalar(op, 0, "contents")
        return [((3,), op.attrs["output_type"])]

    def kernel(op, ctx):
        dt, to_device = op.attrs["output_type"].np, ctx.to_device

        def extract_jpeg_shape(contents):
            data = host_bytes(op, ctx, contents, "contents")
            shape = jpeg_shape(data)
            if shape is None:
                raise InvalidArgumentError(op.node_def, op, f"Invalid JPEG data, size {len(data)}")
            return to_device(np.array(shape, dt))
        return extract_jpeg_shape


class DecodeAndCropJpeg(OpDef):
    """DecodeAndCropJpeg(contents, crop_window [y, x, height, width]; channels) -> uint8 [height, width, c]."""

    type = "DecodeAndCropJpeg"
    gradient = not_differentiable

    def infer(op):
        string_scalar(op, 0, "contents")
        window = get_static_value(op.inputs[1])
        h, w = (None, None) if window is None else (int(window[2]), int(window[3]))
        return [((h, w, op.attrs["channels"] or None), dtypes.uint8)]

    def kernel(op, ctx):
        channels, to_device, to_host = op.attrs["channels"], ctx.to_device, ctx.to_host

        def decode_and_crop_jpeg(contents, crop_window):
            y, x, h, w = (int(v) for v in np.asarray(to_host(crop_window)).reshape(-1))
            pixels, _ = decode(op, host_bytes(op, ctx, contents, "contents"), channels, dtypes.uint8, False)
            if min(y, x) < 0 or h <= 0 or w <= 0 or y + h > pixels.shape[0] or x + w > pixels.shape[1]:
                raise InvalidArgumentError(op.node_def, op, "jpeg::Uncompress failed. Invalid JPEG data or crop "
                                                            "window.")
            return to_device(np.ascontiguousarray(pixels[y:y + h, x:x + w]))
        return decode_and_crop_jpeg


class EncodeJpegVariableQuality(EncodeJpeg):
    """EncodeJpegVariableQuality(images, quality): encode_jpeg with TF's defaults at a quality given as a tensor."""

    type = "EncodeJpegVariableQuality"

    def kernel(op, ctx):
        return lambda image, quality: jpeg_file(op, ctx, image, int(np.clip(int(ctx.to_host(quality)), 0, 100)))


def is_jpeg(contents, name=None):
    """Whether `contents` starts with a JPEG's first three bytes (TF's test: a bool tensor of contents' shape)."""
    with name_scope(name, "is_jpeg"):
        return equal(substr(contents, 0, 3), b"\xff\xd8\xff", name=name)


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    """[height, width, channels] of a JPEG file, read from its header (no decoding)."""
    c = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    return apply_op(ExtractJpegShape, [c], {"output_type": dtypes.as_dtype(output_type)}, name or "ExtractJpegShape")


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """The `crop_window` ([y, x, height, width], int32) of a JPEG's pixels, as decode_jpeg gives them."""
    check_jpeg_options(ratio, fancy_upscaling, try_recover_truncated, acceptable_fraction, dct_method)
    pillow()
    if int(channels) not in (0, 1, 3):
        raise ValueError(f"channels must be one of [0, 1, 3] for DecodeAndCropJpeg, got {channels}")
    c = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    window = convert_to_tensor(crop_window, dtype=dtypes.int32, name="crop_window")
    return apply_op(DecodeAndCropJpeg, [c, window], {"channels": int(channels)}, name or "DecodeAndCropJpeg")


def adjust_jpeg_quality(image, jpeg_quality, dct_method="", name=None):
    """`image` (3-D, 1 or 3 channels, any dtype) encoded as a JPEG of `jpeg_quality` (0-100, a tensor too) and
    decoded again, in its own dtype (TF's composition: convert to uint8, EncodeJpegVariableQuality, DecodeJpeg)."""
    with name_scope(name, "adjust_jpeg_quality", [image]):
        image = convert_to_tensor(image, name="image")
        shape = image.shape.as_list() if image.shape.dims_tuple is not None else [None]
        channels, orig = shape[-1], image.dtype.base_dtype
        image = identity(convert_image_dtype(image, dtypes.uint8, saturate=True))
        jpeg_quality = convert_to_tensor(jpeg_quality, dtype=dtypes.int32)  # clipped to [0, 100] when it runs
        _pixels_input(image, (dtypes.uint8,), "adjust_jpeg_quality")
        attrs = {"format": "", "quality": None, "progressive": False, "optimize_size": False,
                 "chroma_downsampling": True, "x_density": 300, "y_density": 300}
        encoded = apply_op(EncodeJpegVariableQuality, [image, jpeg_quality], attrs, "EncodeJpegVariableQuality")
        image = decode_jpeg(encoded, channels=channels or 0, dct_method=dct_method)
        return identity(convert_image_dtype(image, orig, saturate=True))


def random_jpeg_quality(image, min_jpeg_quality, max_jpeg_quality, seed=None):
    """`adjust_jpeg_quality` at a quality drawn uniformly from [min_jpeg_quality, max_jpeg_quality) per run."""
    if min_jpeg_quality < 0 or max_jpeg_quality < 0 or min_jpeg_quality > 100 or max_jpeg_quality > 100:
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if min_jpeg_quality >= max_jpeg_quality:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    quality = random_uniform([], min_jpeg_quality, max_jpeg_quality, seed=seed, dtype=dtypes.int32)
    return adjust_jpeg_quality(image, quality)

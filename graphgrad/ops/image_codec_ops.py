"""Image files in and out: TF1's DecodePng, DecodeJpeg, DecodeGif, DecodeBmp, DecodeImage (`tf.image.decode_*`),
EncodePng and EncodeJpeg, on Pillow (the optional `image` extra: `pip install 'graphgrad[image]'`), and
`convert_image_dtype` (a composition), which decode_image uses for float pixels.

Pillow decodes the file into its own pixels; the channel conversions are TF's, done here in NumPy, so the values
are TF's: gray -> RGB repeats the gray value, RGB -> gray is libpng's integer rule with TF's weights
(0.299, 0.587, 0.114) for PNG, and libjpeg's luma for JPEG (asked of libjpeg, as TF does); alpha added is opaque;
8-bit PNGs read as uint16 are scaled by 257 and 16-bit ones read as uint8 keep the high byte. As in TF, decode_png,
decode_jpeg and decode_bmp read any of the four formats (a GIF only with one frame), decode_gif gives
[frames, height, width, 3], and decode_image gives 3-D images, or 4-D for a GIF. 32-bit BMPs keep their alpha
(read here, as Pillow drops it). JPEG pixels differ from TF's by a few levels (up to 4 on the test images): TF
asks libjpeg for its fast integer IDCT by default, Pillow uses the accurate one, and libjpeg builds differ. The
kernels run on the host; no gradients.
"""
from __future__ import annotations

import io

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, UnimplementedError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import floordiv, multiply
from .cast_ops import cast
from .clip_ops import clip_by_value
from .core import apply_op, constant, convert_to_tensor, identity
from .io_ops import host_bytes, string_scalar

__all__ = ["decode_png", "decode_jpeg", "decode_gif", "decode_bmp", "decode_image", "encode_png", "encode_jpeg"]

_FORMATS = {b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"BM": "BMP"}


def pillow():
    """PIL.Image, or an ImportError that names the extra to install."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("tf.image's decode_* and encode_* ops read and write image files with Pillow, which is "
                          "not installed: pip install 'graphgrad[image]' (or pip install Pillow)") from None
    return Image


def _format(data):
    for magic, name in _FORMATS.items():
        if data.startswith(magic):
            return name
    return None


def _rgb_to_gray(rgb):
    """libpng's png_set_rgb_to_gray with TF's weights (0.299, 0.587): 15-bit fixed-point coefficients, truncated
    as libpng truncates them and the weighted sum."""
    r, g = 9797, 19234  # 29900 * 32768 // 100000, 58700 * 32768 // 100000
    b = 32768 - r - g
    x = rgb.astype(np.uint64)
    out = (x[..., 0] * r + x[..., 1] * g + x[..., 2] * b) >> 15
    return out.astype(rgb.dtype)[..., None]


def _bmp32(data):
    """A 32-bit uncompressed BMP's [h, w, 4] BGRA pixels as RGBA (Pillow reads them as RGB, dropping the alpha
    that TF keeps), or None for any other BMP."""
    if len(data) < 34:
        return None
    offset, width, height = (int.from_bytes(data[i:i + 4], "little", signed=True) for i in (10, 18, 22))
    bpp, compression = int.from_bytes(data[28:30], "little"), int.from_bytes(data[30:34], "little")
    if bpp != 32 or compression not in (0, 3) or width <= 0 or len(data) < offset + 4 * width * abs(height):
        return None
    rows = np.frombuffer(data, np.uint8, 4 * width * abs(height), offset).reshape(abs(height), width, 4)
    rows = rows if height < 0 else rows[::-1]  # positive height: stored bottom-up
    return np.ascontiguousarray(rows[..., [2, 1, 0, 3]])


def convert_channels(pixels, channels, fmt):
    """[h, w, c] pixels with c in 1..4 converted to `channels` (0: as they are), as TF's decoders do."""
    have = pixels.shape[-1]
    if channels in (0, have):
        return pixels
    opaque = np.iinfo(pixels.dtype).max
    color, alpha = (pixels[..., :1], pixels[..., 1:2]) if have <= 2 else (pixels[..., :3], pixels[..., 3:4])
    if have >= 3 and channels <= 2:
        color = _rgb_to_gray(color)
    elif have <= 2 and channels >= 3:
        color = np.repeat(color, 3, axis=-1)
    if channels in (1, 3):
        return np.ascontiguousarray(color)
    if have in (2, 4):
        return np.concatenate([color, alpha], axis=-1)
    return np.concatenate([color, np.full(color.shape[:-1] + (1,), opaque, pixels.dtype)], axis=-1)


_NATIVE = {"1": "L", "L": "L", "LA": "LA", "RGB": "RGB", "RGBA": "RGBA", "I;16": "I;16", "I;16B": "I;16",
           "I": "I;16", "CMYK": "RGB", "YCbCr": "RGB", "La": "LA", "RGBa": "RGBA"}


def _frame_pixels(image, fmt):
    """One Pillow frame as [h, w, c] uint8 (uint16 for 16-bit gray PNGs), c its channels in the file."""
    mode = image.mode
    if fmt == "GIF":
        return np.asarray(image.convert("RGB"))
    if mode == "P":
        mode = "RGBA" if "transparency" in image.info else "RGB"
        image = image.convert(mode)
    target = _NATIVE.get(mode, "RGB")
    if target != mode:
        image = image.convert(target if target != "I;16" else "I")
    a = np.asarray(image)
    if target == "I;16":
        a = a.astype(np.uint16)
    return a[..., None] if a.ndim == 2 else a


def decode(op, data, channels, dtype, frames):
    """(pixels, format) of the image file `data`: [h, w, c], or [n, h, w, 3] for every frame when `frames`."""
    fmt = _format(data)
    if fmt is None:
        raise InvalidArgumentError(op.node_def, op, "Unknown image file format. One of JPEG, PNG, GIF, BMP "
                                                    "required.")
    image_mod = pillow()
    try:
        image = image_mod.open(io.BytesIO(data))
        if fmt == "JPEG" and channels == 1:
            image.draft("L", image.size)  # libjpeg's own luma, as TF asks libjpeg for grayscale
        n = getattr(image, "n_frames", 1)
        if fmt == "GIF" and (frames or n > 1):
            if not frames:
                raise InvalidArgumentError(op.node_def, op, f"Got {n} frames, but animated gifs can only be decoded "
                                                            "by tf.io.decode_gif or tf.io.decode_image")
            stack = []
            for i in range(n):
                image.seek(i)
                stack.append(_frame_pixels(image, fmt))
            return np.stack(stack), fmt
        image.load()
        pixels = _bmp32(data) if fmt == "BMP" else None
        pixels = _frame_pixels(image, fmt) if pixels is None else pixels
    except InvalidArgumentError:
        raise
    except Exception as e:  # noqa: BLE001 - Pillow's many exceptions for a broken file
        raise InvalidArgumentError(op.node_def, op, f"Invalid {fmt} data: {e}") from None
    if fmt != "GIF" and channels:
        pixels = convert_channels(pixels, channels, fmt)
    if dtype == dtypes.uint16 and pixels.dtype == np.uint8:
        pixels = pixels.astype(np.uint16) * 257
    elif dtype == dtypes.uint8 and pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if frames:
        pixels = pixels[None]
    return pixels, fmt


class DecodeImage(OpDef):
    """contents (string scalar) -> uint8 (or uint16) pixels; attributes: channels, dtype, and `frames`
    (whether the result is 4-D: decode_gif, and decode_image of a GIF when expand_animations). Subclasses
    differ only in their type name and which channel counts they accept."""

    type = "DecodeImage"
    allowed_channels = (0, 1, 3, 4)

    def infer(op):
        string_scalar(op, 0, "contents")
        c, frames = op.attrs["channels"], op.attrs["frames"]
        dt = op.attrs["dtype"]
        if frames == "always":
            return [((None, None, None, 3), dt)]
        if frames == "gif":
            return [(None, dt)]
        return [((None, None, c or None), dt)]

    def kernel(op, ctx):
        c, dt, frames, to_dev = op.attrs["channels"], op.attrs["dtype"], op.attrs["frames"], ctx.to_device

        def decode_image(contents):
            data = host_bytes(op, ctx, contents, "contents")
            if frames == "gif":
                pixels, fmt = decode(op, data, c, dt, _format(data) == "GIF")
                if fmt == "GIF" and c not in (0, 3):
                    raise InvalidArgumentError(op.node_def, op, f"channels must be 0 or 3 for GIF, got {c}")
            else:
                pixels, _ = decode(op, data, c, dt, frames == "always")
            return to_dev(pixels)
        return decode_image


class DecodePng(DecodeImage):
    type = "DecodePng"


class DecodeJpeg(DecodeImage):
    type = "DecodeJpeg"
    allowed_channels = (0, 1, 3)


class DecodeGif(DecodeImage):
    type = "DecodeGif"


class DecodeBmp(DecodeImage):
    type = "DecodeBmp"
    allowed_channels = (0, 1, 3, 4)


def _decode(op_def, contents, channels, dtype, frames, name):
    pillow()
    channels = 0 if channels is None else int(channels)
    if channels not in op_def.allowed_channels:
        raise ValueError(f"channels must be one of {list(op_def.allowed_channels)} for {op_def.type}, got "
                         f"{channels}")
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError(f"dtype must be uint8 or uint16 for {op_def.type}, got {dtype.name}")
    c = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    return apply_op(op_def, [c], {"channels": channels, "dtype": dtype, "frames": frames}, name or op_def.type)


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """A PNG (or JPEG, BMP, one-frame GIF) file's pixels, [height, width, channels]: 0 keeps the file's, 1 gray,
    2 gray + alpha, 3 RGB, 4 RGBA; uint8 or uint16."""
    return _decode(DecodePng, contents, channels, dtype, "never", name)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """A JPEG (or PNG, BMP, one-frame GIF) file's uint8 pixels, [height, width, channels] with channels 0 (the
    file's), 1 or 3. libjpeg's defaults (integer DCT, fancy upsampling) only: other options are refused."""
    check_jpeg_options(ratio, fancy_upscaling, try_recover_truncated, acceptable_fraction, dct_method)
    return _decode(DecodeJpeg, contents, channels, dtypes.uint8, "never", name)


def check_jpeg_options(ratio=1, fancy_upscaling=True, try_recover_truncated=False, acceptable_fraction=1,
                       dct_method=""):
    if ratio != 1 or not fancy_upscaling or try_recover_truncated or acceptable_fraction != 1 or \
            dct_method not in ("", "INTEGER_ACCURATE", "INTEGER_FAST"):
        raise NotImplementedError("decode_jpeg supports only its default ratio, fancy_upscaling, "
                                  "try_recover_truncated, acceptable_fraction and dct_method")


def decode_gif(contents, name=None):
    """Every frame of a GIF as uint8 RGB, [frames, height, width, 3]."""
    return _decode(DecodeGif, contents, 3, dtypes.uint8, "always", name)


def decode_bmp(contents, channels=0, name=None):
    """A BMP file's uint8 pixels, [height, width, channels] with channels 0 (the file's), 3 or 4."""
    return _decode(DecodeBmp, contents, channels, dtypes.uint8, "never", name)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """Any of PNG, JPEG, GIF, BMP by its first bytes: [height, width, channels], or [frames, height, width, 3]
    for a GIF when `expand_animations` (static rank unknown then). A float `dtype` scales to [0, 1]
    (convert_image_dtype)."""
    out = dtypes.as_dtype(dtype).base_dtype
    raw = dtypes.uint16 if out == dtypes.uint16 else dtypes.uint8
    pixels = _decode(DecodeImage, contents, channels, raw, "gif" if expand_animations else "never", name)
    if out == raw:
        return pixels
    return convert_image_dtype(pixels, out)


def _max(dt):
    return float(np.iinfo(dt.np).max)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Pixels converted between integer (0..max) and float (0..1) ranges, as TF's convert_image_dtype."""
    with name_scope(name, "convert_image", [image]) as scope:
        x = convert_to_tensor(image, name="image")
        src, dst = x.dtype.base_dtype, dtypes.as_dtype(dtype).base_dtype
        if not (src.is_floating or src.is_integer) or not (dst.is_floating or dst.is_integer):
            raise AttributeError("Image dtype must be a floating point or integer type")
        if src == dst:
            return identity(x, name=scope)
        if src.is_integer and dst.is_integer:
            lo, hi = _max(src) + 1, _max(dst) + 1
            if lo > hi:
                return cast(floordiv(x, constant(int(lo // hi), src)), dst, name=scope)
            return multiply(cast(x, dst), constant(int(hi // lo), dst), name=scope)
        if src.is_floating and dst.is_floating:
            return cast(x, dst, name=scope)
        if src.is_integer:
            return multiply(cast(x, dst), constant(1.0 / _max(src), dst), name=scope)
        scaled = multiply(x, constant(_max(dst) + 0.5, src))
        if saturate:
            scaled = clip_by_value(scaled, constant(float(np.iinfo(dst.np).min), src),
                                            constant(_max(dst), src))
        return cast(scaled, dst, name=scope)


class EncodePng(OpDef):
    """uint8 or uint16 pixels [height, width, channels] (channels 1 to 4) -> a PNG file (string scalar)."""

    type = "EncodePng"

    def infer(op):
        _encode_shape(op, (1, 2, 3, 4))
        return [((), dtypes.string)]

    def kernel(op, ctx):
        level = op.attrs["compression"]

        def encode_png(image):
            pixels = _checked_pixels(op, ctx, image, (1, 2, 3, 4))
            c = pixels.shape[-1]
            if pixels.dtype == np.uint16 and c != 1:
                raise UnimplementedError(op.node_def, op, "Pillow writes 16-bit PNGs with one channel only; got "
                                                          f"{c} channels")
            img = pillow().fromarray(pixels[..., 0] if c == 1 else pixels)  # L, LA, RGB, RGBA or I;16
            buf = io.BytesIO()
            img.save(buf, format="PNG", compress_level=6 if level < 0 else level)
            return np.array(buf.getvalue(), dtype=object)
        return encode_png


class EncodeJpeg(OpDef):
    """uint8 pixels [height, width, channels] (1 or 3) -> a JPEG file (string scalar)."""

    type = "EncodeJpeg"

    def infer(op):
        _encode_shape(op, (1, 3))
        return [((), dtypes.string)]

    def kernel(op, ctx):
        return lambda image: jpeg_file(op, ctx, image, op.attrs["quality"])


def jpeg_file(op, ctx, image, quality):
    """The JPEG file (a string scalar) of `image` at `quality`, with `op`'s other EncodeJpeg attributes."""
    a = op.attrs
    pixels = _checked_pixels(op, ctx, image, (1, 3))
    if a["format"] == "grayscale" and pixels.shape[-1] != 1 or a["format"] == "rgb" and pixels.shape[-1] != 3:
        raise InvalidArgumentError(op.node_def, op, f"format {a['format']!r} needs "
                                                    f"{1 if a['format'] == 'grayscale' else 3} channels, "
                                                    f"got {pixels.shape[-1]}")
    img = pillow().fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)  # L or RGB
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, progressive=a["progressive"], optimize=a["optimize_size"],
             subsampling=2 if a["chroma_downsampling"] else 0, dpi=(a["x_density"], a["y_density"]))
    return np.array(buf.getvalue(), dtype=object)


def _encode_shape(op, channels):
    s = static_shape(op.inputs[0])
    if s is not None and len(s) != 3:
        raise ValueError(f"Shape must be rank 3 but is rank {len(s)} for '{op.name}' (op: '{op.type}') with input "
                         f"shapes: [{','.join('?' if d is None else str(d) for d in s)}].")
    if s is not None and s[-1] is not None and s[-1] not in channels:
        raise ValueError(f"image must have {' or '.join(map(str, channels))} channels, got {s[-1]}")


def _checked_pixels(op, ctx, image, channels):
    pixels = np.asarray(ctx.to_host(image))
    if pixels.ndim != 3:
        raise InvalidArgumentError(op.node_def, op, f"image must be 3-dimensional, got shape {list(pixels.shape)}")
    if pixels.shape[-1] not in channels:
        raise InvalidArgumentError(op.node_def, op, f"image must have {' or '.join(map(str, channels))} channels, "
                                                    f"got {pixels.shape[-1]}")
    return np.ascontiguousarray(pixels)


def _pixels_input(image, allowed, what):
    pillow()
    x = convert_to_tensor(image, name="image")
    if x.dtype.base_dtype not in allowed:
        raise TypeError(f"Value passed to parameter 'image' has DataType {x.dtype.base_dtype.name} not in list of "
                        f"allowed values: {', '.join(d.name for d in allowed)} ({what})")
    return x


def encode_png(image, compression=-1, name=None):
    """A PNG file (string scalar) of uint8 or uint16 pixels [height, width, channels]; compression -1 (zlib's
    default) or 0-9."""
    x = _pixels_input(image, (dtypes.uint8, dtypes.uint16), "encode_png")
    if not -1 <= int(compression) <= 9:
        raise ValueError(f"compression must be in [-1, 9], got {compression}")
    return apply_op(EncodePng, [x], {"compression": int(compression)}, name or "EncodePng")


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300, xmp_metadata="",
                name=None):
    """A JPEG file (string scalar) of uint8 pixels [height, width, 1 or 3]; TF's quality 95 and 4:2:0 chroma
    subsampling by default (`chroma_downsampling=False`: 4:4:4)."""
    x = _pixels_input(image, (dtypes.uint8,), "encode_jpeg")
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"format must be '', 'grayscale' or 'rgb', got {format!r}")
    if not 0 <= int(quality) <= 100:
        raise ValueError(f"quality must be in [0, 100], got {quality}")
    if xmp_metadata or density_unit not in ("in", "cm"):
        raise NotImplementedError("encode_jpeg writes no xmp_metadata; density_unit is 'in' or 'cm'")
    dpi = (x_density, y_density) if density_unit == "in" else (x_density * 2.54, y_density * 2.54)
    attrs = {"format": format, "quality": int(quality), "progressive": bool(progressive),
             "optimize_size": bool(optimize_size), "chroma_downsampling": bool(chroma_downsampling),
             "x_density": dpi[0], "y_density": dpi[1]}
    return apply_op(EncodeJpeg, [x], attrs, name or "EncodeJpeg")
